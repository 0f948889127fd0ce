package tune

import (
	"math"
	"strconv"
)

// formatPct formats a fraction as a percentage: 0.082 → "8.2%".
func formatPct(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "n/a"
	}
	return strconv.FormatFloat(100*f, 'f', 1, 64) + "%"
}

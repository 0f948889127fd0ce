package tune

import (
	"math"
	"strconv"
	"strings"
)

// formatMS formats milliseconds with three significant digits and no
// exponent: 71.2, 0.512, 1230.
func formatMS(v float64) string {
	switch a := math.Abs(v); {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return strconv.FormatFloat(v, 'f', -1, 64)
	case a >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case a >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	case a >= 1:
		return strconv.FormatFloat(v, 'f', 2, 64)
	case a == 0:
		return "0"
	}
	return strconv.FormatFloat(v, 'g', 3, 64)
}

// formatCount rounds v to three significant digits and groups thousands:
// 41234.5 → "41,200".
func formatCount(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	if math.Abs(v) < 100 {
		return strconv.FormatFloat(roundSig(v, 3), 'f', -1, 64)
	}
	n := int64(math.Round(roundSig(v, 3)))
	sign := ""
	if n < 0 {
		sign, n = "-", -n
	}
	d := strconv.FormatInt(n, 10)
	var b strings.Builder
	b.WriteString(sign)
	for i, c := range d {
		if i > 0 && (len(d)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// roundSig rounds v to n significant digits.
func roundSig(v float64, n int) float64 {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return v
	}
	p := math.Pow(10, float64(n)-math.Ceil(math.Log10(math.Abs(v))))
	return math.Round(v*p) / p
}

// formatPct formats a fraction as a percentage: 0.082 → "8.2%".
func formatPct(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "n/a"
	}
	return strconv.FormatFloat(100*f, 'f', 1, 64) + "%"
}

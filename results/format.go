package results

import (
	"math"
	"strconv"
	"strings"
)

// Sig3 formats v with three significant digits and no exponent, as the
// reports print rates, throughput and latencies: 0.0123, 1.23, 123,
// 12300. NaN and ±Inf print as "NaN", "+Inf", "-Inf".
func Sig3(v float64) string {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return strconv.FormatFloat(v, 'f', -1, 64)
	case v == 0:
		return "0"
	}
	r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'e', 2, 64), 64) // cannot fail
	digits := int(math.Floor(math.Log10(math.Abs(r)))) + 1             // before the point
	return strconv.FormatFloat(r, 'f', max(0, 3-digits), 64)
}

// Sig6 formats v with at most six significant digits, no trailing zeros
// and no exponent, as the reports print threshold values: 73.2, 0.99951,
// 5, 1234570. NaN and ±Inf print as "NaN", "+Inf", "-Inf".
func Sig6(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) || v == 0 {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'e', 5, 64), 64) // cannot fail
	return strconv.FormatFloat(r, 'f', -1, 64)
}

// FormatMS formats milliseconds with three significant digits, trailing
// zeros kept, and no exponent: 71.2, 0.512, 0.800, 3.00; values of 100
// and more are rounded to whole milliseconds, thousands grouped by
// commas: 1234.4 prints as "1,234". NaN and ±Inf print as "NaN", "+Inf",
// "-Inf".
func FormatMS(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	switch a := math.Abs(RoundSig(v, 3)); {
	case a >= 100:
		return FormatInt(int64(math.Round(v)))
	case a >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	case a >= 1:
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
	return Sig3(v)
}

// FormatCount rounds v to three significant digits and groups thousands
// with commas: 41234.5 → "41,200", 812.4 → "812", 2.5 → "2.5",
// -1234 → "-1,230". NaN and ±Inf print as "NaN", "+Inf", "-Inf".
func FormatCount(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	if math.Abs(v) < 100 {
		return strconv.FormatFloat(RoundSig(v, 3), 'f', -1, 64)
	}
	return FormatInt(int64(math.Round(RoundSig(v, 3))))
}

// FormatInt formats an exact count with thousands grouped by commas:
// 1234567 → "1,234,567", -1234 → "-1,234", 12 → "12".
func FormatInt(n int64) string {
	digits := strconv.FormatInt(n, 10)
	sign := ""
	if n < 0 {
		sign, digits = "-", digits[1:]
	}
	return sign + groupThousands(digits)
}

// groupThousands puts commas between groups of three of digits, a
// string of decimal digits.
func groupThousands(digits string) string {
	var b strings.Builder
	for i, d := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(d)
	}
	return b.String()
}

// RoundSig rounds v to n significant digits: RoundSig(41234.5, 3) is
// 41200. Zero, NaN and ±Inf come back unchanged.
func RoundSig(v float64, n int) float64 {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return v
	}
	p := math.Pow(10, float64(n)-math.Ceil(math.Log10(math.Abs(v))))
	return math.Round(v*p) / p
}

// Sum adds the values of a count map such as Cell.GiveUps or
// Cell.Errors; it is 0 for a nil map.
func Sum(m map[string]int64) int64 {
	var n int64
	for _, v := range m {
		n += v
	}
	return n
}

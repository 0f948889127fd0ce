package compare

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// GateKind says what a gate's value is compared with.
type GateKind int

const (
	// Relative gates compare the relative change, new ÷ base − 1
	// ("p99>+10%").
	Relative GateKind = iota
	// Absolute gates compare the difference, new − base
	// ("conflict_ratio>+0.02").
	Absolute
	// Plain gates compare the new value itself ("lost_updates>0").
	Plain
)

// Gate is one --fail-on criterion.
type Gate struct {
	Metric string   // one of Metrics()
	Op     string   // <, <=, > or >=
	Kind   GateKind // what Value is compared with
	Value  float64  // a fraction for Relative (0.1 = 10 %)
}

// String is the canonical form: "p99>+10%", "conflict_ratio>+0.02",
// "lost_updates>0".
func (g Gate) String() string {
	var v string
	switch g.Kind {
	case Relative:
		v = signed(100*g.Value) + "%"
	case Absolute:
		v = signed(g.Value)
	default:
		v = strconv.FormatFloat(g.Value, 'g', -1, 64)
	}
	return g.Metric + g.Op + v
}

func signed(v float64) string {
	s := strconv.FormatFloat(v, 'g', -1, 64)
	if v >= 0 {
		s = "+" + s
	}
	return s
}

// crossed reports whether x is beyond the gate.
func (g Gate) crossed(x float64) bool {
	if math.IsNaN(x) {
		return false
	}
	switch g.Op {
	case "<":
		return x < g.Value
	case "<=":
		return x <= g.Value
	case ">":
		return x > g.Value
	case ">=":
		return x >= g.Value
	}
	return false
}

var gateOps = [...]string{"<=", ">=", "<", ">"}

// ParseGates parses a comma list of gates (--fail-on). Empty items are
// ignored, so "" means no gates. Errors name the gate at fault and, for
// an unknown metric, the allowed ones, on one line.
func ParseGates(s string) ([]Gate, error) {
	var out []Gate
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		g, err := parseGate(item)
		if err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, nil
}

func parseGate(item string) (Gate, error) {
	bad := func(format string, args ...any) (Gate, error) {
		return Gate{}, fmt.Errorf("gate %q: "+format, append([]any{item}, args...)...)
	}
	at := strings.IndexAny(item, "<>=!")
	if at < 0 {
		return bad("want METRIC<VALUE or METRIC>VALUE, e.g. p99>+10%% (operators: <, <=, >, >=)")
	}
	end := at
	for end < len(item) && strings.IndexByte("<>=!", item[end]) >= 0 {
		end++
	}
	op := item[at:end]
	known := false
	for _, o := range gateOps {
		known = known || o == op
	}
	if !known {
		return bad("unknown operator %q (allowed: <, <=, >, >=)", op)
	}
	name := strings.TrimSpace(item[:at])
	if _, ok := metricByName(name); !ok {
		return bad("unknown metric %q (allowed: %s)", name, strings.Join(Metrics(), ", "))
	}
	v := strings.TrimSpace(item[end:])
	g := Gate{Metric: name, Op: op, Kind: Plain}
	switch {
	case strings.HasSuffix(v, "%"):
		g.Kind = Relative
		v = strings.TrimSpace(strings.TrimSuffix(v, "%"))
	case strings.HasPrefix(v, "+") || strings.HasPrefix(v, "-"):
		g.Kind = Absolute
	}
	if v == "" {
		return bad("missing value after %s (e.g. +10%%, +0.02 or 0)", op)
	}
	x, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
		return bad("want a value like +10%%, -5%%, +0.02 or 0 after %s, got %q", op, strings.TrimSpace(item[end:]))
	}
	if g.Kind == Relative {
		x /= 100
	}
	g.Value = x
	return g, nil
}

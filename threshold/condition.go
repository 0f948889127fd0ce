package threshold

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// Op is a comparison operator.
type Op string

// The operators.
const (
	LT Op = "<"
	LE Op = "<="
	GT Op = ">"
	GE Op = ">="
	EQ Op = "=="
	NE Op = "!="
)

// ops lists the operators.
var ops = [...]Op{LT, LE, GT, GE, EQ, NE}

// opChars are the characters an operator is made of; no metric or scope
// contains one.
const opChars = "<>=!"

// wantItem is the shape of an item, for errors.
const wantItem = "want METRIC OP VALUE with OP one of <, <=, >, >=, ==, !="

// Holds reports whether v op limit is true. NaN never holds.
func (op Op) Holds(v, limit float64) bool {
	switch op {
	case LT:
		return v < limit
	case LE:
		return v <= limit
	case GT:
		return v > limit
	case GE:
		return v >= limit
	case EQ:
		return v == limit
	case NE:
		return v != limit && !math.IsNaN(v) && !math.IsNaN(limit)
	}
	return false
}

// Kind says what a condition's value is compared with.
type Kind int

const (
	// Plain compares the value itself: "p99_ms < 50".
	Plain Kind = iota
	// Relative compares the relative change from a base, new ÷ base − 1;
	// the value ends in % ("p99 > +10%"). Gates only.
	Relative
	// Absolute compares the difference from a base, new − base; the
	// value has a sign ("conflict_ratio > +0.02"). Gates only.
	Absolute
)

var kindNames = [...]string{Plain: "plain", Relative: "relative", Absolute: "absolute"}

func (k Kind) String() string {
	if k < 0 || int(k) >= len(kindNames) {
		return "Kind(" + strconv.Itoa(int(k)) + ")"
	}
	return kindNames[k]
}

// Context is where a condition is written. It decides only which kinds
// of value are allowed (and the word errors use for an item).
type Context int

const (
	// ForThreshold is a scenario's thresholds (--threshold): plain values.
	ForThreshold Context = iota
	// ForSLO is capacity --slo: plain values.
	ForSLO
	// ForGate is compare --fail-on: plain, relative and absolute values.
	ForGate
)

// noun names an item of the context in errors: threshold "…",
// condition "…" (an SLO's), gate "…".
func (x Context) noun() string {
	switch x {
	case ForSLO:
		return "condition"
	case ForGate:
		return "gate"
	}
	return "threshold"
}

// allows reports whether values of kind k may be written in x.
func (x Context) allows(k Kind) bool { return k == Plain || x == ForGate }

// Condition is one parsed item: [SCOPE:] METRIC OP VALUE.
type Condition struct {
	Scope  string  // a strategy; "" = every cell
	Metric string  // canonical name (one of Metrics)
	Op     Op      // comparison
	Kind   Kind    // what Value is compared with
	Value  float64 // as written: 10 for "+10%", 0.02 for "+0.02"
}

// String is the canonical form: "optimistic: p99_ms < 20",
// "throughput_ops_s < -5%", "conflict_ratio > +0.02". For a condition
// made by the parser, parsing String in the same context gives it back.
func (c Condition) String() string {
	s := c.Metric + " " + string(c.Op) + " " + c.valueString()
	if c.Scope != "" {
		s = c.Scope + ": " + s
	}
	return s
}

func (c Condition) valueString() string {
	switch c.Kind {
	case Relative:
		return signed(c.Value) + "%"
	case Absolute:
		return signed(c.Value)
	}
	return strconv.FormatFloat(c.Value, 'g', -1, 64)
}

func signed(v float64) string {
	s := strconv.FormatFloat(v, 'g', -1, 64)
	if !math.Signbit(v) {
		s = "+" + s
	}
	return s
}

// Applies reports whether c applies to a cell of the given strategy.
func (c Condition) Applies(strategy string) bool {
	return c.Scope == "" || c.Scope == strategy
}

// Limit is the right-hand side in the units of what Check is given: the
// value for Plain and Absolute, a fraction for Relative (0.1 for +10%).
func (c Condition) Limit() float64 {
	if c.Kind == Relative {
		return c.Value / 100
	}
	return c.Value
}

// Check reports whether x op Limit holds, x being the value (Plain), the
// difference new − base (Absolute) or the relative change as a fraction
// (Relative). NaN never holds. For a threshold or an SLO, true is a pass;
// for a gate, true is a failure (the gate is crossed).
func (c Condition) Check(x float64) bool { return c.Op.Holds(x, c.Limit()) }

// ParseCondition parses one item in context ctx:
//
//	[SCOPE:] METRIC OP VALUE
//
// SCOPE is a strategy name; METRIC a canonical name or an alias (the
// condition holds the canonical name); OP one of < <= > >= == !=; VALUE a
// number ("50", "0.999", "1e3"), or in ForGate only a relative change
// ("+10%", "-5%", "25%") or an absolute one ("+0.02", "-3"). A value with
// a sign or a % is a change, never a plain number. Spaces around the
// parts are optional. Errors are one line naming the item and, for an
// unknown metric, the allowed ones.
func ParseCondition(item string, ctx Context) (Condition, error) {
	bad := func(format string, args ...any) (Condition, error) {
		return Condition{}, fmt.Errorf("%s %q: "+format, append([]any{ctx.noun(), item}, args...)...)
	}
	s := strings.TrimSpace(item)
	if s == "" {
		return bad("empty expression (%s, e.g. %s)", wantItem, example(ctx))
	}
	var c Condition
	if scope, rest, ok := strings.Cut(s, ":"); ok {
		c.Scope = strings.TrimSpace(scope)
		if !isName(c.Scope) {
			return bad("want STRATEGY: METRIC OP VALUE, got strategy %q", c.Scope)
		}
		s = strings.TrimSpace(rest)
	}
	at := strings.IndexAny(s, opChars)
	if at < 0 {
		return bad("%s (no operator)", wantItem)
	}
	end := at
	for end < len(s) && strings.IndexByte(opChars, s[end]) >= 0 {
		end++
	}
	c.Op = Op(s[at:end])
	if !slices.Contains(ops[:], c.Op) {
		return bad("unknown operator %q (%s)", c.Op, wantItem)
	}
	name := strings.TrimSpace(s[:at])
	m, ok := Lookup(name)
	if !ok {
		return bad("%w", unknownMetric(name))
	}
	c.Metric = m.Name
	text := strings.TrimSpace(s[end:])
	num := text
	switch {
	case strings.HasSuffix(num, "%"):
		c.Kind = Relative
		num = strings.TrimSpace(strings.TrimSuffix(num, "%"))
	case strings.HasPrefix(num, "+") || strings.HasPrefix(num, "-"):
		c.Kind = Absolute
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		if ctx == ForGate {
			return bad("want a number or a change (+10%%, -5%%, +0.02) after %s, got %q", c.Op, text)
		}
		return bad("want a number after %s, got %q", c.Op, text)
	}
	if !ctx.allows(c.Kind) {
		kind := "an absolute"
		if c.Kind == Relative {
			kind = "a relative"
		}
		shown := text
		if strings.ContainsFunc(text, func(r rune) bool { return unicode.IsSpace(r) || !unicode.IsPrint(r) }) {
			shown = strconv.Quote(text) // one line, whatever the input held
		}
		return bad("%s is %s change (a value with a sign or a %%), only for compare --fail-on; a %s takes a plain number, e.g. %s",
			shown, kind, ctx.thing(), example(ctx))
	}
	c.Value = v
	return c, nil
}

// thing names what a context's conditions make up, for errors.
func (x Context) thing() string {
	if x == ForSLO {
		return "--slo condition"
	}
	return x.noun()
}

func example(ctx Context) string {
	switch ctx {
	case ForSLO:
		return "p99_ms<=50"
	case ForGate:
		return "p99>+10%"
	}
	return "p99_ms < 50"
}

// isName reports whether s is a strategy name: letters, digits, '_', '-'
// and '.'.
func isName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == '.'
		if !ok {
			return false
		}
	}
	return true
}

// ParseList parses a comma list of items (see ParseCondition) in context
// ctx. Empty items are ignored, so "" gives no conditions and no error;
// the first bad item is the error.
func ParseList(text string, ctx Context) ([]Condition, error) {
	var out []Condition
	for _, item := range strings.Split(text, ",") {
		if strings.TrimSpace(item) == "" {
			continue
		}
		c, err := ParseCondition(strings.TrimSpace(item), ctx)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

package observekit

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"
)

// Series is one series name a registry exports.
type Series struct {
	Family string          // the metric family it belongs to
	Labels map[string]bool // label names; nil = any (a recorded series)
}

// Exported are the series names a registry exports.
type Exported map[string]Series

// Labels Prometheus adds to every scraped series.
const (
	jobLabel      = "job"
	instanceLabel = "instance"
)

// ExportedBy gathers g once and returns the series names it exports:
// a counter or gauge its name; a histogram its _bucket (with le), _sum
// and _count, and its own name for the native histogram; a summary its
// own name (with quantile), _sum and _count. Only families with at
// least one series are seen: drive the registry first.
func ExportedBy(g prometheus.Gatherer) (Exported, error) {
	mfs, err := g.Gather()
	if err != nil {
		return nil, fmt.Errorf("gather: %w", err)
	}
	out := Exported{}
	for _, mf := range mfs {
		name := mf.GetName()
		ls := map[string]bool{jobLabel: true, instanceLabel: true}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				ls[l.GetName()] = true
			}
		}
		with := func(extra string) map[string]bool {
			c := map[string]bool{extra: true}
			for l := range ls {
				c[l] = true
			}
			return c
		}
		add := func(series string, labels map[string]bool) { out[series] = Series{Family: name, Labels: labels} }
		switch mf.GetType() {
		case dto.MetricType_HISTOGRAM, dto.MetricType_GAUGE_HISTOGRAM:
			add(name, ls)
			add(name+"_bucket", with("le"))
			add(name+"_sum", ls)
			add(name+"_count", ls)
		case dto.MetricType_SUMMARY:
			add(name, with("quantile"))
			add(name+"_sum", ls)
			add(name+"_count", ls)
		default:
			add(name, ls)
		}
	}
	return out, nil
}

// Check checks the rules and the dashboard against what is exported
// and returns every problem found, each naming where it is.
func Check(rules *rulefmt.RuleGroups, dash *Dashboard, exp Exported) []error {
	known := Exported{}
	for k, v := range exp {
		known[k] = v
	}
	var errs []error
	if rules != nil {
		for _, g := range rules.Groups {
			for _, r := range g.Rules {
				if r.Record != "" {
					known[r.Record] = Series{Family: r.Record}
				}
			}
		}
		for _, g := range rules.Groups {
			for i, r := range g.Rules {
				where := fmt.Sprintf("rules: group %q rule %d (%s%s)", g.Name, i+1, r.Alert, r.Record)
				for _, err := range checkAlert(r) {
					errs = append(errs, fmt.Errorf("%s: %w", where, err))
				}
				for _, err := range checkExpr(r.Expr, known) {
					errs = append(errs, fmt.Errorf("%s: %w", where, err))
				}
			}
		}
	}
	if dash != nil {
		for _, q := range dash.Queries {
			for _, err := range checkQuery(q, dash.Variables, known) {
				errs = append(errs, fmt.Errorf("dashboard: %s: %w", q.Where, err))
			}
		}
	}
	return errs
}

// Severities an alert's severity label may take.
const (
	SeverityWarning  = "warning"
	SeverityCritical = "critical"
)

// checkAlert holds an alerting rule to the kit's conventions: a
// severity label, and a summary and a description.
func checkAlert(r rulefmt.Rule) []error {
	if r.Alert == "" {
		return nil
	}
	var errs []error
	if s := r.Labels["severity"]; s != SeverityWarning && s != SeverityCritical {
		errs = append(errs, fmt.Errorf("labels.severity %q: want %s or %s", s, SeverityWarning, SeverityCritical))
	}
	for _, a := range []string{"summary", "description"} {
		if strings.TrimSpace(r.Annotations[a]) == "" {
			errs = append(errs, fmt.Errorf("annotations.%s: empty", a))
		}
	}
	return errs
}

func checkQuery(q Query, vars []string, known Exported) []error {
	expr, err := Expand(q.Expr, vars)
	if err != nil {
		return []error{err}
	}
	if q.Label == "" {
		return checkExpr(expr, known)
	}
	// label_values(selector, label): a selector, and a label it has.
	e, err := newParser().ParseExpr(expr)
	if err != nil {
		return []error{err}
	}
	vs, ok := e.(*parser.VectorSelector)
	if !ok {
		return []error{fmt.Errorf("label_values: %q is not a series selector", q.Expr)}
	}
	errs := checkExpr(expr, known)
	if s, ok := known[metricName(vs)]; ok && s.Labels != nil && !s.Labels[q.Label] {
		errs = append(errs, fmt.Errorf("label_values: %s has no label %q (it has %s)", metricName(vs), q.Label, names(s.Labels)))
	}
	return errs
}

// checkExpr parses a PromQL expression and checks every selector in it
// and the labels of its by (…) and on (…) clauses.
func checkExpr(expr string, known Exported) []error {
	e, err := newParser().ParseExpr(expr)
	if err != nil {
		return []error{fmt.Errorf("expr %q: %w", expr, err)}
	}
	var errs []error
	for _, vs := range selectors(e) {
		name := metricName(vs)
		if name == "" {
			errs = append(errs, fmt.Errorf("selector %s names no metric", vs))
			continue
		}
		s, ok := known[name]
		if !ok {
			errs = append(errs, fmt.Errorf("metric %s is not exported by occbench", name))
			continue
		}
		if s.Labels == nil {
			continue
		}
		for _, m := range vs.LabelMatchers {
			if m.Name != labels.MetricName && !s.Labels[m.Name] {
				errs = append(errs, fmt.Errorf("%s has no label %q (it has %s)", name, m.Name, names(s.Labels)))
			}
		}
	}
	parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
		var want []string
		var below []parser.Node
		switch n := n.(type) {
		case *parser.AggregateExpr:
			if !n.Without {
				want, below = n.Grouping, []parser.Node{n.Expr}
			}
		case *parser.BinaryExpr:
			if vm := n.VectorMatching; vm != nil && vm.On {
				want, below = append(slices.Clone(vm.MatchingLabels), vm.Include...), []parser.Node{n.LHS, n.RHS}
			}
		}
		for _, l := range want {
			if !someHas(below, l, known) {
				errs = append(errs, fmt.Errorf("%q: no series below has the label %q", n, l))
			}
		}
		return nil
	})
	return errs
}

// selectors are the series selectors in n.
func selectors(n parser.Node) []*parser.VectorSelector {
	var out []*parser.VectorSelector
	parser.Inspect(n, func(n parser.Node, _ []parser.Node) error {
		if vs, ok := n.(*parser.VectorSelector); ok {
			out = append(out, vs)
		}
		return nil
	})
	return out
}

// someHas tells whether a selector under one of nodes has label l (or
// is a recorded series, whose labels are not known).
func someHas(nodes []parser.Node, l string, known Exported) bool {
	for _, n := range nodes {
		for _, vs := range selectors(n) {
			s, ok := known[metricName(vs)]
			if ok && (s.Labels == nil || s.Labels[l]) {
				return true
			}
		}
	}
	return false
}

// metricName is the name a selector selects: its name, or an equality
// matcher on __name__; "" if neither.
func metricName(vs *parser.VectorSelector) string {
	if vs.Name != "" {
		return vs.Name
	}
	for _, m := range vs.LabelMatchers {
		if m.Name == labels.MetricName && m.Type == labels.MatchEqual {
			return m.Value
		}
	}
	return ""
}

func names(set map[string]bool) string {
	var out []string
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}

// Unused returns the families with prefix that exp exports and that
// neither the rules nor the dashboard name, sorted. Expressions that do
// not parse are skipped: Check reports them.
func Unused(prefix string, rules *rulefmt.RuleGroups, dash *Dashboard, exp Exported) []string {
	used := map[string]bool{}
	note := func(expr string) {
		e, err := newParser().ParseExpr(expr)
		if err != nil {
			return
		}
		for _, vs := range selectors(e) {
			if s, ok := exp[metricName(vs)]; ok {
				used[s.Family] = true
			}
		}
	}
	if rules != nil {
		for _, g := range rules.Groups {
			for _, r := range g.Rules {
				note(r.Expr)
			}
		}
	}
	if dash != nil {
		for _, q := range dash.Queries {
			if expr, err := Expand(q.Expr, dash.Variables); err == nil {
				note(expr)
			}
		}
	}
	var out []string
	for _, s := range exp {
		if strings.HasPrefix(s.Family, prefix) && !used[s.Family] && !slices.Contains(out, s.Family) {
			out = append(out, s.Family)
		}
	}
	sort.Strings(out)
	return out
}

package observekit

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/metrics"
	"github.com/occbench/occbench/record"
	"github.com/occbench/occbench/results"
	"github.com/occbench/occbench/runner"
)

// The kit's files, from this package's directory.
var (
	rulesFile     = filepath.Join("..", "..", "docs", "observability", "occbench-alerts.yml")
	dashboardFile = filepath.Join("..", "..", "docs", "observability", "occbench-dashboard.json")
)

// exported drives a live metrics.Metrics through a finished cell and a
// running one, so that every family it has has a series, and returns
// what its registry exports. It fails the test if a family the metrics
// describe is missing from the gathered ones.
func exported(t *testing.T) Exported {
	t.Helper()
	m := metrics.New("memory")
	s := &record.Series{}
	r := record.New(s)
	for sec := range 3 {
		at := time.Duration(sec)*time.Second + time.Millisecond
		r.AttemptDone(at, time.Millisecond, drivers.VersionMismatch)
		r.AttemptDone(at, time.Millisecond, drivers.NotConflict)
		r.Commit(at, 2*time.Millisecond, 2, 0, 2*time.Millisecond)
	}
	r.Flush()
	done := runner.Spec{Strategy: "optimistic", Backoff: "expo", Writers: 2, Trial: 1}
	m.CellStarted(done, 0, 2, &runner.Live{Series: s, Start: time.Now().Add(-time.Minute), Length: 3 * time.Second})
	m.CellFinished(done, &results.Cell{Ops: 3, Attempts: 6, Conflicts: 3, Audit: results.Audit{OK: true}})
	running := runner.Spec{Strategy: "lww", Backoff: "none", Writers: 2, Trial: 1}
	m.CellStarted(running, 1, 2, &runner.Live{Series: s, Start: time.Now().Add(-10 * time.Second), Length: time.Minute})

	exp, err := ExportedBy(m.Registry())
	if err != nil {
		t.Fatal(err)
	}
	descs := make(chan *prometheus.Desc)
	go func() {
		m.Registry().Describe(descs)
		close(descs)
	}()
	fqName := regexp.MustCompile(`fqName: "([^"]+)"`)
	n := 0
	for d := range descs {
		name := fqName.FindStringSubmatch(d.String())
		if name == nil || !strings.HasPrefix(name[1], "occbench_") {
			continue
		}
		n++
		if _, ok := exp[name[1]]; !ok {
			t.Errorf("%s is described but has no series: drive it in exported()", name[1])
		}
	}
	if n < 10 {
		t.Fatalf("%d occbench metrics described: the Desc format changed?", n)
	}
	return exp
}

func read(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestKit is the CI check of docs/observability: the rules parse with
// Prometheus's parser, every expression of the rules and the dashboard
// parses and names only metrics and labels occbench exports, and every
// occbench metric is on the dashboard or in a rule.
func TestKit(t *testing.T) {
	t.Parallel()
	exp := exported(t)
	rules, err := ParseRules(read(t, rulesFile))
	if err != nil {
		t.Fatalf("%s: %v", rulesFile, err)
	}
	dash, err := ParseDashboard(read(t, dashboardFile))
	if err != nil {
		t.Fatalf("%s: %v", dashboardFile, err)
	}
	for _, err := range Check(rules, dash, exp) {
		t.Error(err)
	}
	if unused := Unused("occbench_", rules, dash, exp); len(unused) > 0 {
		t.Errorf("occbench metrics on no panel and in no rule: %v", unused)
	}
	// The kit covers what the design asks for.
	alerts := map[string]bool{}
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			alerts[r.Alert] = true
		}
	}
	for _, a := range []string{"OccbenchHighConflictRatio", "OccbenchHighP99Latency", "OccbenchHighErrorRatio", "OccbenchLostUpdates"} {
		if !alerts[a] {
			t.Errorf("no alert %s", a)
		}
	}
	if len(dash.Queries) < 20 {
		t.Errorf("the dashboard has %d queries: not read?", len(dash.Queries))
	}
}

// TestBadFixtures: each broken file is refused, with the problem named.
func TestBadFixtures(t *testing.T) {
	t.Parallel()
	exp := exported(t)
	goodRules, err := ParseRules(read(t, rulesFile))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		file string
		want string // in the error
	}{
		{"unknown-metric.json", "metric occbench_commits_total is not exported"},
		{"unknown-label.json", `occbench_ops_total has no label "stratgy"`},
		{"bad-by-label.json", `no series below has the label "worker"`},
		{"undeclared-variable.json", "undeclared variable $store"},
		{"variable-unknown-metric.json", "metric occbench_op_total is not exported"},
		{"variable-unknown-label.json", `label_values: occbench_ops_total has no label "drivers"`},
		{"bad-promql.json", "parse error"},
		{"hardcoded-datasource.json", "datasource must be"},
		{"no-datasource-variable.json", `no datasource variable named "datasource"`},
		{"empty-target.json", "refId and expr must be set"},
		{"bad-variable-query.json", "want label_values(selector, label) or query_result(expr)"},
		{"trailing.json", "data after the JSON object"},
		{"unknown-field.yml", "field summary not found"},
		{"bad-promql.yml", "parse error"},
		{"bad-template.yml", "template"},
		{"unknown-metric.yml", "metric occbench_lost_update_total is not exported"},
		{"no-severity.yml", "labels.severity"},
		{"two-documents.yml", "Multiple document"},
		{"empty.yml", "no rules"},
		{"recorded.yml", "metric occbench:ops:rate1m is not exported"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			data := read(t, filepath.Join("testdata", tt.file))
			var errs []error
			if strings.HasSuffix(tt.file, ".json") {
				dash, err := ParseDashboard(data)
				if err != nil {
					errs = []error{err}
				} else {
					errs = Check(goodRules, dash, exp)
				}
			} else {
				rules, err := ParseRules(data)
				if err != nil {
					errs = []error{err}
				} else {
					errs = Check(rules, nil, exp)
				}
			}
			var all []string
			for _, e := range errs {
				all = append(all, e.Error())
			}
			if !strings.Contains(strings.Join(all, "\n"), tt.want) {
				t.Errorf("errors %q, want one containing %q", all, tt.want)
			}
		})
	}
}

// TestRecordedNames: a name a recording rule records counts as
// exported, with any labels.
func TestRecordedNames(t *testing.T) {
	t.Parallel()
	rules, err := ParseRules([]byte(`groups:
  - name: r
    rules:
      - record: occbench:ops:rate1m
        expr: sum by (strategy) (rate(occbench_ops_total[1m]))
      - alert: Slow
        expr: occbench:ops:rate1m{strategy="lww"} < 1
        labels: {severity: warning}
        annotations: {summary: s, description: d}
`))
	if err != nil {
		t.Fatal(err)
	}
	if errs := Check(rules, nil, exported(t)); len(errs) > 0 {
		t.Errorf("Check = %v", errs)
	}
}

func TestExpand(t *testing.T) {
	t.Parallel()
	vars := []string{"driver", "writers"}
	tests := []struct {
		in, want, err string
	}{
		{`rate(x{driver=~"$driver"}[$__rate_interval])`, `rate(x{driver=~"x"}[5m])`, ""},
		{`x{driver=~"${driver}", writers=~"${writers:regex}"}[$__interval]`, `x{driver=~"x", writers=~"x"}[1m]`, ""},
		{`x{driver=~"[[driver]]"}[$__range]`, `x{driver=~"x"}[1h]`, ""},
		{`x{a=~"$store"}`, `x{a=~"$store"}`, "undeclared variable $store"},
		{`no variables`, `no variables`, ""},
	}
	for _, tt := range tests {
		got, err := Expand(tt.in, vars)
		if got != tt.want || (err == nil) != (tt.err == "") || (err != nil && !strings.Contains(err.Error(), tt.err)) {
			t.Errorf("Expand(%q) = %q, %v; want %q, %q", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func FuzzParseDashboard(f *testing.F) {
	b, err := os.ReadFile(dashboardFile)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte(`{"uid":"u","title":"t","panels":[{"title":"p","type":"stat","targets":[{"refId":"A","expr":"up"}]}]}`))
	f.Add([]byte(`{"templating":{"list":[{"name":"v","type":"query","query":{"query":"label_values(up, job)"}}]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := ParseDashboard(data)
		if err != nil {
			return
		}
		if d.UID == "" || d.Title == "" {
			t.Fatalf("accepted a dashboard without uid or title: %q", data)
		}
		for _, q := range d.Queries {
			if strings.TrimSpace(q.Expr) == "" {
				t.Fatalf("accepted an empty query at %s", q.Where)
			}
			_, _ = Expand(q.Expr, d.Variables)
		}
	})
}

func FuzzRulesAndCheck(f *testing.F) {
	b, err := os.ReadFile(rulesFile)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte("groups:\n- name: a\n  rules:\n  - alert: A\n    expr: occbench_ops_total > 1\n"))
	exp := Exported{"occbench_ops_total": {Family: "occbench_ops_total", Labels: map[string]bool{"strategy": true}}}
	f.Fuzz(func(t *testing.T, data []byte) {
		rules, err := ParseRules(data)
		if err != nil {
			return
		}
		_ = Check(rules, nil, exp)
		_ = Unused("occbench_", rules, nil, exp)
	})
}

// TestUnused: a metric neither file names is listed.
func TestUnused(t *testing.T) {
	t.Parallel()
	exp := exported(t)
	rules, err := ParseRules(read(t, rulesFile))
	if err != nil {
		t.Fatal(err)
	}
	dash, err := ParseDashboard(read(t, filepath.Join("testdata", "unknown-label.json")))
	if err != nil {
		t.Fatal(err)
	}
	unused := Unused("occbench_", rules, dash, exp)
	for _, name := range []string{"occbench_cell_info", "occbench_cell_latency_p99_seconds", "occbench_lost_updates_total"} {
		if !slices.Contains(unused, name) {
			t.Errorf("Unused = %v, want %s in it", unused, name)
		}
	}
	for _, name := range []string{"occbench_ops_total", "occbench_committed_latency_seconds", "go_goroutines"} {
		if slices.Contains(unused, name) {
			t.Errorf("Unused = %v, want no %s (in the rules, or without the prefix)", unused, name)
		}
	}
}

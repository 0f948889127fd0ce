// Package observekit checks occbench's observability kit: the Grafana
// dashboard and the Prometheus alerting rules in docs/observability
// against the metrics package.
//
// ParseRules reads a rule file with Prometheus's own rule-file parser
// (github.com/prometheus/prometheus/model/rulefmt: unknown fields
// refused, every expression parsed as PromQL, every annotation template
// parsed), and also refuses what that parser only warns about.
// ParseDashboard reads a Grafana dashboard's JSON: its template
// variables and every PromQL query in it (panel targets, rows' panels,
// annotations, and query variables: label_values(selector, label) and
// query_result(expr)). Grafana's variables are replaced before parsing:
// $__rate_interval, $__interval and $__range by a duration, a declared
// variable by a plain value (so it parses only where a string goes: in
// a label matcher), an undeclared one is an error.
//
// Check parses every expression and compares each metric selector
// against what a live registry exports (Exported, from
// prometheus.Gatherer.Gather): the metric's name (a histogram exports
// its _bucket, _sum and _count series and, natively, its own name), the
// label names in its matchers (plus job and instance, which Prometheus
// adds, and le on _bucket), and the labels of each by (…) clause (each
// must be a label of some selector below it). Names recorded by the
// rule file's recording rules count as exported. Unused lists the
// exported metrics with a prefix that neither file names, so a new
// metric gets a panel or an alert, or a reason not to.
package observekit

package observekit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
)

// Dashboard is what Check needs of a Grafana dashboard.
type Dashboard struct {
	UID, Title string
	Variables  []string // names of its template variables
	Queries    []Query
}

// Query is one PromQL query of a dashboard.
type Query struct {
	Where string // e.g. `panel "Throughput" target A`
	Expr  string // as written: Grafana variables and all
	// Label is set for a label_values(selector, label) variable query:
	// Expr is the selector, Label the label it lists.
	Label string
}

// DatasourceVar is the name of the data source variable every query
// goes through, so that the dashboard imports into any Grafana.
const DatasourceVar = "datasource"

type dashJSON struct {
	UID        string      `json:"uid"`
	Title      string      `json:"title"`
	Panels     []panelJSON `json:"panels"`
	Templating struct {
		List []varJSON `json:"list"`
	} `json:"templating"`
	Annotations struct {
		List []annotationJSON `json:"list"`
	} `json:"annotations"`
}

type panelJSON struct {
	Title      string       `json:"title"`
	Type       string       `json:"type"`
	Datasource *sourceJSON  `json:"datasource"`
	Targets    []targetJSON `json:"targets"`
	Panels     []panelJSON  `json:"panels"` // a collapsed row's
}

type targetJSON struct {
	RefID      string      `json:"refId"`
	Expr       string      `json:"expr"`
	Datasource *sourceJSON `json:"datasource"`
}

type sourceJSON struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

type varJSON struct {
	Name       string          `json:"name"`
	Type       string          `json:"type"`
	Query      json.RawMessage `json:"query"`
	Datasource *sourceJSON     `json:"datasource"`
}

type annotationJSON struct {
	Name       string      `json:"name"`
	BuiltIn    int         `json:"builtIn"`
	Expr       string      `json:"expr"`
	Datasource *sourceJSON `json:"datasource"`
}

// queryless are the panel types without queries.
func queryless(typ string) bool { return typ == "row" || typ == "text" }

// ParseDashboard reads a Grafana dashboard's JSON and returns its
// variables and queries. It refuses a dashboard without uid, title or
// panels, a panel of a type that queries without targets, a target
// without refId or expr, a data source other than the Prometheus
// ${datasource} variable, a query variable that is not
// label_values(selector, label) or query_result(expr), and trailing
// data after the JSON object.
func ParseDashboard(data []byte) (*Dashboard, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	var dj dashJSON
	if err := dec.Decode(&dj); err != nil {
		return nil, fmt.Errorf("dashboard: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("dashboard: data after the JSON object")
	}
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf("dashboard: "+format, args...)) }
	if dj.UID == "" || dj.Title == "" {
		bad("uid and title must be set")
	}
	if len(dj.Panels) == 0 {
		bad("no panels")
	}
	d := &Dashboard{UID: dj.UID, Title: dj.Title}
	seen := map[string]bool{}
	hasDatasource := false
	for i, v := range dj.Templating.List {
		where := fmt.Sprintf("variable %q", v.Name)
		if v.Name == "" || seen[v.Name] {
			bad("templating.list[%d]: name %q empty or repeated", i, v.Name)
			continue
		}
		seen[v.Name] = true
		d.Variables = append(d.Variables, v.Name)
		switch v.Type {
		case "datasource":
			var q string
			if err := json.Unmarshal(v.Query, &q); err != nil || q != "prometheus" {
				bad("%s: a datasource variable's query must be \"prometheus\", got %s", where, v.Query)
			}
			hasDatasource = hasDatasource || v.Name == DatasourceVar
		case "query":
			if err := checkSource(v.Datasource); err != nil {
				bad("%s: %v", where, err)
			}
			q, err := variableQuery(where, v.Query)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			d.Queries = append(d.Queries, q)
		case "custom", "constant", "interval", "textbox":
		default:
			bad("%s: type %q (allowed: datasource, query, custom, constant, interval, textbox)", where, v.Type)
		}
	}
	if !hasDatasource {
		bad("no datasource variable named %q (type datasource, query prometheus)", DatasourceVar)
	}
	var walk func(prefix string, ps []panelJSON)
	walk = func(prefix string, ps []panelJSON) {
		for _, p := range ps {
			where := fmt.Sprintf("%spanel %q", prefix, p.Title)
			if p.Title == "" {
				bad("%s: no title", where)
			}
			walk(where+" > ", p.Panels)
			if queryless(p.Type) {
				if len(p.Targets) > 0 {
					bad("%s: a %s panel with targets", where, p.Type)
				}
				continue
			}
			if err := checkSource(p.Datasource); err != nil {
				bad("%s: %v", where, err)
			}
			if len(p.Targets) == 0 {
				bad("%s: no targets", where)
			}
			for _, t := range p.Targets {
				tw := fmt.Sprintf("%s target %s", where, t.RefID)
				if t.RefID == "" || strings.TrimSpace(t.Expr) == "" {
					bad("%s: refId and expr must be set", tw)
					continue
				}
				if t.Datasource != nil {
					if err := checkSource(t.Datasource); err != nil {
						bad("%s: %v", tw, err)
					}
				}
				d.Queries = append(d.Queries, Query{Where: tw, Expr: t.Expr})
			}
		}
	}
	walk("", dj.Panels)
	for _, a := range dj.Annotations.List {
		if a.BuiltIn != 0 {
			continue // Grafana's own annotations and alerts
		}
		where := fmt.Sprintf("annotation %q", a.Name)
		if err := checkSource(a.Datasource); err != nil {
			bad("%s: %v", where, err)
		}
		if strings.TrimSpace(a.Expr) == "" {
			bad("%s: no expr", where)
			continue
		}
		d.Queries = append(d.Queries, Query{Where: where, Expr: a.Expr})
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return d, nil
}

func checkSource(s *sourceJSON) error {
	if s == nil || s.Type != "prometheus" || s.UID != "${"+DatasourceVar+"}" {
		return fmt.Errorf(`datasource must be {"type": "prometheus", "uid": "${%s}"}`, DatasourceVar)
	}
	return nil
}

// labelValues is Grafana's label_values(selector, label) variable query;
// queryResult its query_result(expr).
var (
	labelValues = regexp.MustCompile(`^\s*label_values\(\s*(.+?)\s*,\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\)\s*$`)
	queryResult = regexp.MustCompile(`^\s*query_result\(\s*(.+)\s*\)\s*$`)
)

// variableQuery reads a query variable's query: a string, or an object
// whose "query" is one (Grafana writes both).
func variableQuery(where string, raw json.RawMessage) (Query, error) {
	var q string
	if err := json.Unmarshal(raw, &q); err != nil {
		var obj struct {
			Query string `json:"query"`
		}
		if err := json.Unmarshal(raw, &obj); err != nil {
			return Query{}, fmt.Errorf("dashboard: %s: query must be a string or {\"query\": string}: %w", where, err)
		}
		q = obj.Query
	}
	if m := labelValues.FindStringSubmatch(q); m != nil {
		return Query{Where: where, Expr: m[1], Label: m[2]}, nil
	}
	if m := queryResult.FindStringSubmatch(q); m != nil {
		return Query{Where: where, Expr: m[1]}, nil
	}
	return Query{}, fmt.Errorf("dashboard: %s: query %q: want label_values(selector, label) or query_result(expr)", where, q)
}

// rangeVar is what stands in, when parsing, for one of Grafana's
// built-in variables that stand for a range.
func rangeVar(name string) (string, bool) {
	switch name {
	case "__rate_interval":
		return "5m", true
	case "__interval":
		return "1m", true
	case "__range":
		return "1h", true
	}
	return "", false
}

// varRef is a Grafana variable reference: $name, ${name}, ${name:format}
// or [[name]].
var varRef = regexp.MustCompile(`\$\{([A-Za-z0-9_]+)(?::[^}]*)?\}|\$([A-Za-z0-9_]+)|\[\[([A-Za-z0-9_]+)(?::[^\]]*)?\]\]`)

// Expand replaces the Grafana variables in expr: the range ones by a
// duration, a declared one by the word "x" (PromQL then accepts it only
// where a string or a name goes). An undeclared variable is an error.
func Expand(expr string, declared []string) (string, error) {
	known := map[string]bool{}
	for _, v := range declared {
		known[v] = true
	}
	var errs []error
	out := varRef.ReplaceAllStringFunc(expr, func(ref string) string {
		m := varRef.FindStringSubmatch(ref)
		name := m[1] + m[2] + m[3]
		if d, ok := rangeVar(name); ok {
			return d
		}
		if !known[name] {
			errs = append(errs, fmt.Errorf("undeclared variable $%s", name))
			return ref
		}
		return "x"
	})
	return out, errors.Join(errs...)
}

package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/occbench/occbench/internal/harness"
	"github.com/occbench/occbench/scenarios"
)

// fieldFlag records a scenario flag as typed; the settings are applied to
// the scenario after it is loaded, so flags win over the file.
type fieldFlag struct {
	name   string
	isBool bool
	set    *[]harness.Setting
}

func (f *fieldFlag) String() string   { return "" }
func (f *fieldFlag) IsBoolFlag() bool { return f.isBool }
func (f *fieldFlag) Set(v string) error {
	*f.set = append(*f.set, harness.Setting{Flag: f.name, Value: v})
	return nil
}

// groupOf sorts the flags that are not scenario fields into help sections.
var groupOf = map[string]string{
	"out": "output", "format": "output", "quiet": "output", "plots": "output", "metrics-addr": "output",
	"dashboard": "output", "progress-interval": "output", "dry-run": "run", "force": "run", "lock-wait": "store",
	"runners": "runners", "runner-index": "runners", "namespace": "runners", "start-at": "runners",
	"barrier-timeout": "runners", "max-skew": "runners",
}

// addScenarioFlags defines one flag per scenario field (and its alias).
func addScenarioFlags(fs *flag.FlagSet, settings *[]harness.Setting) {
	for _, f := range scenarios.Flags() {
		fs.Var(&fieldFlag{name: f.Name, isBool: f.IsBool, set: settings}, f.Name, f.Usage)
		if f.Alias != "" {
			fs.Var(&fieldFlag{name: f.Alias, isBool: f.IsBool, set: settings}, f.Alias, "same as --"+f.Name)
		}
	}
}

// printGroupedUsage writes the flags of fs in sections, each flag with
// its default. Scenario flags show the value a bare command uses (the
// built-in quickstart's, or the field's default) and where it comes from.
func printGroupedUsage(w io.Writer, fs *flag.FlagSet, head string) {
	fmt.Fprintln(w, head)
	qs, prov, _ := scenarios.LoadSource("quickstart")
	qsMap := qs.ToMap(nil)
	field := map[string]scenarios.Flag{}
	aliases := map[string]bool{}
	for _, f := range scenarios.Flags() {
		field[f.Name] = f
		if f.Alias != "" {
			aliases[f.Alias] = true
		}
	}
	sections := map[string][]string{}
	fs.VisitAll(func(f *flag.Flag) {
		if aliases[f.Name] {
			return
		}
		g := groupOf[f.Name]
		if sf, ok := field[f.Name]; ok {
			g = sf.Group
		}
		if g == "" {
			g = "other"
		}
		sections[g] = append(sections[g], f.Name)
	})
	order := append(scenarios.FlagGroups(), "output", "run", "runners", "other")
	seen := map[string]bool{}
	for _, g := range order {
		if seen[g] || len(sections[g]) == 0 {
			continue
		}
		seen[g] = true
		fmt.Fprintf(w, "\n%s:\n", g)
		names := sections[g]
		for _, name := range names {
			f := fs.Lookup(name)
			usage := f.Usage
			def := f.DefValue
			from := ""
			if sf, ok := field[name]; ok {
				def = valueText(sf.Field, qsMap[sf.Field])
				if sf.Field == "description" {
					def = ""
				}
				if o := prov.Origin(sf.Field); o != "default" {
					from = ", " + strings.TrimPrefix(o, "built-in ") + " scenario"
				}
				if sf.Alias != "" {
					usage += "; also --" + sf.Alias
				}
			}
			fmt.Fprintf(w, "  --%s\n    \t%s", name, usage)
			switch def {
			case "", "0", "false", "0s", "<nil>":
			default:
				fmt.Fprintf(w, " (default %s%s)", def, from)
			}
			fmt.Fprintln(w)
		}
	}
}

// valueText renders a scenario map value the way a flag takes it.
func valueText(field string, v any) string {
	if m, ok := v.(map[string]any); ok && field == "lease_stall" {
		if p, _ := m["prob"].(float64); p == 0 {
			return ""
		}
		return fmt.Sprintf("%v:%v", m["prob"], m["duration"])
	}
	switch x := v.(type) {
	case nil:
		return ""
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = fmt.Sprint(e)
		}
		return strings.Join(parts, ",")
	case map[string]any:
		if len(x) == 0 {
			return ""
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = fmt.Sprintf("%s=%v", k, x[k])
		}
		return strings.Join(parts, ",")
	case float64:
		return fmt.Sprint(x)
	}
	return fmt.Sprint(v)
}

// parseInterleaved parses flags that may come before or after the
// positional arguments. -h prints the usage on stdout (it was asked
// for); an error is one line, with the nearest flag name for an unknown
// one.
//
// Commands set the flag set's output to stdout: errors never go there.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	usage := fs.Usage
	out := fs.Output()
	fs.SetOutput(io.Discard)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fs.SetOutput(out)
				if usage != nil {
					usage()
				} else {
					fs.PrintDefaults()
				}
				return nil, err
			}
			return nil, harness.BadInputf("%s (see occbench %s -h)", suggest(fs, err), strings.TrimPrefix(fs.Name(), "occbench "))
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// suggest rewrites the flag package's "flag provided but not defined:
// -strategys" into "unknown flag --strategys (did you mean --strategies?)".
func suggest(fs *flag.FlagSet, err error) string {
	const undefined = "flag provided but not defined: -"
	msg := err.Error()
	if !strings.HasPrefix(msg, undefined) {
		return msg
	}
	name := strings.TrimPrefix(strings.TrimPrefix(msg, undefined), "-")
	best, bestD := "", 1<<30
	fs.VisitAll(func(f *flag.Flag) {
		if d := editDistance(name, f.Name); d < bestD {
			best, bestD = f.Name, d
		}
	})
	out := "unknown flag --" + name
	if best != "" && (bestD <= 3 || strings.HasPrefix(best, name) || strings.HasPrefix(name, best)) {
		out += " (did you mean --" + best + "?)"
	}
	return out
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

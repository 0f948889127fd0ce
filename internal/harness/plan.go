package harness

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/occbench/occbench/backoff"
	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/faults"
	"github.com/occbench/occbench/internal/provision"
	"github.com/occbench/occbench/keydist"
	"github.com/occbench/occbench/runner"
	"github.com/occbench/occbench/scenarios"
	"github.com/occbench/occbench/strategy"
	"github.com/occbench/occbench/threshold"
)

// MaxCells bounds a plan unless the user passes --force: a sweep that
// large is more often a typo than a benchmark.
const MaxCells = 10000

// cellOverhead is the time a cell takes beyond its warmup and duration
// (seeding the store, the audit, closing sessions), for the estimate.
// Measured: the 48-cell quickstart on SQLite takes about 57 s for 48 ×
// 1.1 s of load.
const cellOverhead = 100 * time.Millisecond

// Setting is one scenario flag as the user typed it.
type Setting struct {
	Flag  string // without dashes, as typed (an alias stays an alias)
	Value string
}

// Plan is what a command will run: the scenario after the flags, where
// each field's value came from, and the cells.
type Plan struct {
	Scenario   scenarios.Scenario
	Provenance scenarios.Provenance
	Driver     drivers.Driver
	Cells      []runner.Spec
	flags      map[string]string // YAML field → "--flag" as typed
	order      []string          // YAML fields set by flags, in order
}

// Allowed is the set of names a scenario may use, from the registries.
func Allowed() scenarios.Allowed {
	return scenarios.Allowed{
		Drivers:       drivers.Names(),
		Strategies:    strategy.Names(),
		Backoffs:      backoff.Names(),
		Distributions: keydist.Names(),
	}
}

// NewPlan loads the scenario arg (a built-in name or a YAML file; ""
// means quickstart), applies the settings in order (flags win over the
// file) and checks the result: every error is bad input.
func NewPlan(arg string, settings []Setting) (*Plan, error) {
	if arg == "" {
		arg = "quickstart"
	}
	sc, prov, err := scenarios.LoadSource(arg)
	if err != nil {
		return nil, BadInput(err)
	}
	p := &Plan{Provenance: prov, flags: map[string]string{}}
	var faultList []string // --fault is repeatable: each adds to the list
	for _, s := range settings {
		if scenarios.FieldOf(s.Flag) == "faults" {
			faultList = append(faultList, s.Value)
			s.Value = strings.Join(faultList, ",")
		}
		if err := sc.Set(s.Flag, s.Value); err != nil {
			return nil, BadInput(err)
		}
		field := scenarios.FieldOf(s.Flag)
		if _, seen := p.flags[field]; !seen {
			p.order = append(p.order, field)
		}
		p.flags[field] = "--" + s.Flag
	}
	describeOverrides(&sc, settings)
	if err := p.checkClassFlags(&sc); err != nil {
		return nil, BadInput(err)
	}
	if err := sc.Validate(Allowed()); err != nil {
		return nil, BadInput(err)
	}
	p.Driver, err = drivers.Lookup(sc.Driver)
	if err != nil {
		return nil, BadInput(err)
	}
	p.Scenario = sc
	if err := p.checkDriver(); err != nil {
		return nil, BadInput(err)
	}
	ts, err := threshold.ParseAll(sc.Thresholds)
	if err != nil {
		return nil, BadInputf("%s: %w", p.name("thresholds"), err)
	}
	if err := threshold.CheckStrategies(ts, classStrategies(sc)); err != nil {
		return nil, BadInputf("%s: %w", p.name("thresholds"), err)
	}
	p.Cells = runner.Cells(sc)
	return p, nil
}

// checkDriver refuses settings the chosen drivers would ignore or
// reject only after a container started.
func (p *Plan) checkDriver() error {
	sc, d := p.Scenario, p.Driver
	var keys []string
	for k := range sc.Params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !slices.Contains(d.Params, k) {
			allowed := "none"
			if len(d.Params) > 0 {
				allowed = strings.Join(d.Params, ", ")
			}
			return fmt.Errorf("%s: unknown key %q for driver %s (allowed: %s)", p.name("params"), k, d.Name, allowed)
		}
	}
	if !sc.Latency.IsZero() && !d.Latency {
		return fmt.Errorf("%s: driver %s does not inject latency (only: %s); its latency is the store's own", p.name("latency"), d.Name, strings.Join(latencyDrivers(), ", "))
	}
	if sc.Image != "" && !d.Server {
		return fmt.Errorf("%s: driver %s runs no server, so no image applies", p.name("image"), d.Name)
	}
	if sc.DSN != "" && !d.Server && !d.File {
		return fmt.Errorf("%s: driver %s is in-process and connects to nothing", p.name("dsn"), d.Name)
	}
	if sc.LeaseDSN != "" && sc.LeaseStore == "" {
		return fmt.Errorf("%s: set --lease-store too (the lease DSN is for a separate lease store)", p.name("lease_dsn"))
	}
	hybridLease := slices.Contains(sc.Strategies, strategy.Hybrid) && sc.HybridLock == strategy.HybridLease
	if sc.LeaseStore != "" && sc.LeaseStore != sc.Driver && !slices.Contains(sc.Strategies, strategy.Lease) && !hybridLease {
		return fmt.Errorf("%s: only the lease strategy and hybrid with --hybrid-lock lease use a lease store, and strategies are %s", p.name("lease_store"), strings.Join(sc.Strategies, ", "))
	}
	if sc.Persistence != "" && (d.Name != "redis" || sc.DSN != "") {
		return fmt.Errorf("%s: applies to a redis container occbench starts, not to driver %s%s", p.name("persistence"), d.Name, map[bool]string{true: " with --dsn"}[sc.DSN != ""])
	}
	return p.checkFaults()
}

// checkFaults refuses faults the store cannot take and faults that
// would never be injected.
func (p *Plan) checkFaults() error {
	sc, d := p.Scenario, p.Driver
	fs, err := faults.ParseList(sc.Faults)
	if err != nil {
		return fmt.Errorf("%s: %w", p.name("faults"), err)
	}
	_, kindErr := provision.ParseKind(d.Name)
	for _, f := range fs {
		switch {
		case f.Kind.NeedsContainer() && !d.Server:
			return fmt.Errorf("%s: %s needs a server in a container occbench starts; driver %s runs in-process (use postgres, redis or mongo)", p.name("faults"), f.Spec, d.Name)
		case f.Kind.NeedsContainer() && (sc.DSN != "" || kindErr != nil):
			return fmt.Errorf("%s: %s needs a container occbench starts, and the store is --dsn %s: only partition and latency work on a server occbench did not start", p.name("faults"), f.Spec, d.Name)
		case f.Kind.NeedsProxy() && !d.Server:
			return fmt.Errorf("%s: %s acts on the network connection; driver %s runs in-process and has none", p.name("faults"), f.Spec, d.Name)
		case f.Kind == faults.StallHolder && !slices.Contains(sc.Strategies, strategy.Lease):
			return fmt.Errorf("%s: %s stalls lease holders, and strategies are %s (add lease)", p.name("faults"), f.Spec, strings.Join(sc.Strategies, ", "))
		case sc.OpsPerWriter == 0 && f.At >= sc.Duration.D():
			return fmt.Errorf("%s: %s starts at %v, at or after the end of each cell's measured window (--duration %v): it would never be injected", p.name("faults"), f.Spec, f.At, sc.Duration.D())
		}
	}
	return nil
}

func latencyDrivers() []string {
	var out []string
	for _, d := range drivers.All() {
		if d.Latency {
			out = append(out, d.Name)
		}
	}
	return out
}

// name is how an error names a field: the flag as the user typed it when
// a flag set it, else the YAML field.
func (p *Plan) name(field string) string {
	if f, ok := p.flags[field]; ok {
		return f
	}
	return field
}

// Origin says where a field's value came from: "flag --writers",
// "built-in quickstart", "file my.yaml" or "default".
func (p *Plan) Origin(field string) string {
	if f, ok := p.flags[field]; ok {
		return "flag " + f
	}
	return p.Provenance.Origin(field)
}

// FlagSet reports whether a flag set field.
func (p *Plan) FlagSet(field string) bool {
	_, ok := p.flags[field]
	return ok
}

// CheckSize refuses a plan of more than MaxCells cells unless force.
func (p *Plan) CheckSize(force bool) error {
	if len(p.Cells) > MaxCells && !force {
		return BadInputf("the plan has %d cells, more than %d: check --writers, --strategies, --backoffs and --trials, or pass --force", len(p.Cells), MaxCells)
	}
	return nil
}

// Estimate is the expected wall time of the cells: warmup, duration and
// a fixed overhead per cell. ok is false in ops_per_writer mode, where a
// cell lasts until every writer committed its ops.
func (p *Plan) Estimate() (d time.Duration, ok bool) {
	sc := p.Scenario
	if sc.OpsPerWriter > 0 {
		return 0, false
	}
	return time.Duration(len(p.Cells)) * p.CellTime(), true
}

// CellTime is the expected wall time of one cell: warmup, duration and a
// fixed overhead (seeding, the audit).
func (p *Plan) CellTime() time.Duration {
	return p.Scenario.Warmup.D() + p.Scenario.Duration.D() + cellOverhead
}

// ResultsName is the name the default results file carries: the
// scenario's, plus the driver when a flag changed it (so a redis run of
// quickstart is not filed as SQLite's quickstart).
func (p *Plan) ResultsName() string {
	if p.FlagSet("driver") && !p.FlagSet("name") {
		return p.Scenario.Name + "-" + p.Scenario.Driver
	}
	return p.Scenario.Name
}

// Write prints the plan: one line with the cell count, driver and
// estimated wall time, then each dimension with its value and origin,
// then the other fields flags changed.
func (p *Plan) Write(w io.Writer) error {
	sc := p.Scenario
	est := "unknown (ops_per_writer mode)"
	if d, ok := p.Estimate(); ok {
		est = "about " + FormatWall(d)
	}
	where := sc.Driver
	if p.Driver.Server && sc.DSN == "" {
		where += " (a container occbench starts)"
	}
	where += writePathNote(sc)
	cells := "cells"
	if len(p.Cells) == 1 {
		cells = "cell"
	}
	if _, err := fmt.Fprintf(w, "plan: %d %s of %s on %s, %s\n", len(p.Cells), cells, sc.Name, where, est); err != nil {
		return err
	}
	return p.WriteDimensions(w)
}

// WriteDimensions prints the plan's dimensions, one a line, with their
// values and origins, then the other fields flags changed (Write without
// its first line: for capacity and tune-backoff, whose cells are not the
// cross product).
func (p *Plan) WriteDimensions(w io.Writer) error {
	sc := p.Scenario
	dur := sc.Duration.String()
	if sc.OpsPerWriter > 0 {
		dur = fmt.Sprintf("until %d ops per writer", sc.OpsPerWriter)
	}
	rows := [][3]string{
		{"writers", joinInts(sc.Writers), p.Origin("writers")},
		{"strategies", strings.Join(sc.Strategies, ", "), p.Origin("strategies")},
		{"backoffs", strings.Join(sc.Backoffs, ", "), p.Origin("backoffs")},
	}
	if len(sc.Classes) > 0 { // the classes replace the three
		rows = p.classRows()
	}
	rows = append(rows, [][3]string{
		{"trials", trialsText(sc.Trials), p.Origin("trials")},
		{"duration", dur, p.durationOrigin()},
		{"warmup", sc.Warmup.String(), p.Origin("warmup")},
	}...)
	shown := map[string]bool{"writers": true, "strategies": true, "backoffs": true, "trials": true, "duration": true, "ops_per_writer": true, "warmup": true}
	for _, f := range p.order {
		if shown[f] || f == "driver" || f == "name" || f == "description" {
			continue
		}
		m := sc.ToMap(redactAll)
		v := fmt.Sprint(m[f])
		if block, name, ok := strings.Cut(f, "."); ok { // a block's field: idempotency.crash_rate
			if bm, ok := m[block].(map[string]any); ok {
				v = fmt.Sprint(bm[name])
			}
		}
		rows = append(rows, [3]string{f, v, p.Origin(f)})
	}
	width := 0
	for _, r := range rows {
		width = max(width, len(r[0]))
	}
	vw := 0
	for _, r := range rows {
		vw = max(vw, len(r[1]))
	}
	for _, r := range rows {
		if _, err := fmt.Fprintf(w, "  %-*s  %-*s  (%s)\n", width, r[0], vw, r[1], r[2]); err != nil {
			return err
		}
	}
	return nil
}

func (p *Plan) durationOrigin() string {
	if p.Scenario.OpsPerWriter > 0 {
		return p.Origin("ops_per_writer")
	}
	return p.Origin("duration")
}

// redactAll hides every connection string in the plan: a plan is shown
// before anything connects.
func redactAll(s string) string {
	if s == "" {
		return ""
	}
	return "(set)"
}

func trialsText(n int) string {
	if n > 1 {
		return fmt.Sprintf("%d, interleaved", n)
	}
	return fmt.Sprint(n)
}

func joinInts(xs []int) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = fmt.Sprint(x)
	}
	return strings.Join(parts, ", ")
}

// FormatWall renders a wall time for people: "45s", "3m 20s", "2h 5m".
func FormatWall(d time.Duration) string {
	d = d.Round(time.Second)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d/time.Second))
	case d < time.Hour:
		return fmt.Sprintf("%dm %02ds", int(d/time.Minute), int(d%time.Minute/time.Second))
	}
	return fmt.Sprintf("%dh %02dm", int(d/time.Hour), int(d%time.Hour/time.Minute))
}

// describeOverrides appends the flags that changed the scenario to its
// description, so that a report never presents a scenario's words for a
// run that measured something else. A --description flag is the user's
// own words and is left alone; DSNs are left out.
func describeOverrides(sc *scenarios.Scenario, settings []Setting) {
	var parts []string
	for _, s := range settings {
		switch {
		case s.Flag == "description":
			return
		case strings.Contains(s.Flag, "dsn"):
			continue
		}
		parts = append(parts, "--"+s.Flag+" "+s.Value)
	}
	if len(parts) == 0 {
		return
	}
	d := strings.TrimSpace(sc.Description)
	if d != "" {
		d += " "
	}
	sc.Description = d + "Changed by flags: " + strings.Join(parts, ", ") + "."
}

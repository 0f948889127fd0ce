package results

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/occbench/occbench/internal/golden"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// FaultsFixture is a results file with faults, shared with the tests of
// report, plots and merge (as ../results/testdata/faults.json). It is
// built by faultsFile; TestFaultsFixture keeps the two the same (run
// go test -update to rewrite it).
const FaultsFixture = "testdata/faults.json"

// fixtureCell describes one cell of the faults fixture.
type fixtureCell struct {
	strategy, backoff string
	rate              float64 // committed ops/s before any fault
	faults            []Fault
	audit             func(c *Cell)
}

// faultsFile builds the faults fixture: a redis run of four cells of 20 s
// at 8 writers. optimistic/expo had a pause (recovered in 1.3 s) and a
// restart it never recovered from before the end; pessimistic/expo had a
// kill that reset the store (STORE RESET); lww/none had a partition and a
// latency fault whose healing failed, and the store could not be read
// back (AUDIT UNAVAILABLE); optimistic/none had no fault. The
// throughput of each second falls inside a fault's window and climbs
// back after it, as the recorded faults say.
func faultsFile(t testing.TB) *File {
	t.Helper()
	r := rand.New(rand.NewPCG(11, 13))
	start := time.Date(2026, 12, 2, 9, 30, 0, 0, time.UTC)
	f := &File{
		Schema:     Schema,
		StartedAt:  start,
		FinishedAt: start.Add(100 * time.Second),
		Scenario: Scenario{
			"name": "faults", "driver": "redis", "writers": []any{8.0}, "duration": "20s", "keys": 16.0,
			"seed": 7.0, "rate": 0.0, "faults": []any{"pause@3s:4s", "restart@12s:2s", "kill@3s", "partition@5s:3s", "latency@10s:2s=50ms"},
		},
		Environment: Environment{
			Occbench: "v0.0.0-test", GoVersion: "go1.26.8", OS: "linux", Arch: "amd64", CPUs: 2,
			Driver: "redis", ServerVersion: "7.0.15", Image: "occbench-test/redis:7.0",
		},
	}
	cells := []fixtureCell{
		{strategy: "optimistic", backoff: "expo", rate: 900, faults: []Fault{
			{Kind: "pause", Spec: "pause@3s:4s", AtS: 3, DurationS: 4, DetectS: 0.5, RecoverS: 1.3,
				OpsFailed: 0, OpsRetried: 96, Indeterminate: 3, ThroughputDrop: 0.712},
			{Kind: "restart", Spec: "restart@12s:2s", AtS: 12, DurationS: 2, DetectS: 0.004, RecoverS: -1,
				OpsFailed: 41, OpsRetried: 180, Indeterminate: 7, ThroughputDrop: 0.934},
		}, audit: func(c *Cell) {
			// 6 of the 10 indeterminate ops did commit.
			c.Audit = Audit{Expected: c.Ops, Observed: c.Ops + 6, Versions: c.Ops + 6, LostUpdates: -6, Indeterminate: 10, OK: true,
				Verdict: "ok: 6 ops whose outcome the store did not confirm did commit"}
		}},
		{strategy: "pessimistic", backoff: "expo", rate: 400, faults: []Fault{
			{Kind: "kill", Spec: "kill@3s", AtS: 3, DurationS: 0, DetectS: 0.002, RecoverS: 2.1,
				OpsFailed: 12, OpsRetried: 300, Indeterminate: 5, ThroughputDrop: 0.55},
		}, audit: func(c *Cell) {
			gone := c.Ops * 3 / 4
			c.Audit = Audit{Expected: c.Ops, Observed: c.Ops - gone, Versions: c.Ops - gone, LostUpdates: gone, Indeterminate: 5,
				StoreReset: true, Verdict: "STORE RESET: 12 of the 16 documents the cell seeded were gone after it"}
		}},
		{strategy: "lww", backoff: "none", rate: 1500, faults: []Fault{
			{Kind: "partition", Spec: "partition@5s:3s", AtS: 5, DurationS: 3, DetectS: 1, RecoverS: 0.4,
				OpsFailed: 230, OpsRetried: 0, Indeterminate: 230, ThroughputDrop: 1},
			{Kind: "latency", Spec: "latency@10s:2s=50ms", AtS: 10, DurationS: 2, DetectS: -1, RecoverS: 0.2,
				OpsFailed: 0, OpsRetried: 0, Indeterminate: 0, ThroughputDrop: 0.81,
				Error: "latency: heal: proxy: use of closed network connection"},
		}, audit: func(c *Cell) {
			c.Audit = Audit{Expected: c.Ops, Indeterminate: 230, LossExpected: true,
				Unavailable: "read totals: dial tcp 127.0.0.1:56379: connect: connection refused",
				Verdict:     "AUDIT UNAVAILABLE: read totals: dial tcp 127.0.0.1:56379: connect: connection refused"}
		}},
		{strategy: "optimistic", backoff: "none", rate: 1000, audit: func(c *Cell) {
			c.Audit = Audit{Expected: c.Ops, Observed: c.Ops, Versions: c.Ops, OK: true, Verdict: "ok"}
		}},
	}
	for _, fc := range cells {
		f.Cells = append(f.Cells, fixtureCellOf(t, r, fc))
	}
	return f
}

// fixtureCellOf builds a measured-looking cell whose per-second
// throughput follows its faults.
func fixtureCellOf(t testing.TB, r *rand.Rand, fc fixtureCell) Cell {
	t.Helper()
	const secs = 20
	c := Cell{
		Driver: "redis", Strategy: fc.strategy, Backoff: fc.backoff, Writers: 8,
		OnConflict: "retry", Scope: "document", Keys: 16, DurationS: secs,
		GiveUps: map[string]int64{}, Errors: map[string]int64{}, Faults: fc.faults,
	}
	// share is the throughput of second s (ending at t = s) as a share of
	// the rate before the faults.
	share := func(s float64) float64 {
		v := 1.0
		for _, fl := range fc.faults {
			end := fl.AtS + fl.DurationS
			switch {
			case s > fl.AtS && s <= math.Max(end, fl.AtS+1):
				v = math.Min(v, 1-fl.ThroughputDrop)
			case s > end && (fl.RecoverS < 0 || s <= end+math.Ceil(fl.RecoverS)):
				v = math.Min(v, 0.6)
			}
		}
		return v
	}
	conflictShare := map[string]float64{"optimistic": 0.2, "pessimistic": 0.05, "lww": 0}[fc.strategy]
	var errored int64
	for s := 1; s <= secs; s++ {
		ops := int64(fc.rate * share(float64(s)) * (0.97 + 0.06*r.Float64()))
		attempts := int64(float64(ops) * (1 + conflictShare))
		c.Timeseries = append(c.Timeseries, Point{T: float64(s), Ops: ops, Attempts: attempts, Conflicts: attempts - ops,
			P99MS: math.Round((2+40*(1-share(float64(s))))*(0.9+0.2*r.Float64())*1000) / 1000})
		c.Ops += ops
		c.Attempts += attempts
		c.Conflicts += attempts - ops
	}
	for _, fl := range fc.faults {
		c.GiveUps["error"] += fl.OpsFailed
		errored += fl.OpsFailed + fl.OpsRetried
	}
	if errored > 0 {
		c.Errors["connection"] = errored
	}
	if c.Conflicts > 0 {
		c.ConflictsByKind = map[string]int64{"version_mismatch": c.Conflicts}
	}
	c.ThroughputOpsS = float64(c.Ops) / secs
	c.AttemptsS = float64(c.Attempts) / secs
	c.ConflictRatio = math.Round(float64(c.Conflicts)/float64(c.Attempts)*1e6) / 1e6
	c.SuccessRate = math.Round(float64(c.Ops)/float64(c.Ops+GaveUp(&c))*1e6) / 1e6
	c.Amplification = math.Round(float64(c.Attempts)/float64(c.Ops)*1e4) / 1e4

	committed, attempt, attempts := NewHistogram(), NewHistogram(), NewHistogram()
	record := func(h *hdrhistogram.Histogram, v int64) {
		if err := h.RecordValue(v); err != nil {
			t.Fatal(err)
		}
	}
	for range c.Ops {
		record(committed, int64(800*math.Exp(0.6*r.NormFloat64()))+1)
	}
	for range c.Attempts {
		record(attempt, int64(500*math.Exp(0.5*r.NormFloat64()))+1)
	}
	retries := c.Attempts - c.Ops
	for i := range c.Ops {
		n := int64(1)
		if i < retries {
			n = 2
		}
		record(attempts, n)
	}
	c.Histograms = map[string]string{}
	for name, h := range map[string]*hdrhistogram.Histogram{HistCommitted: committed, HistAttempt: attempt, HistAttempts: attempts} {
		s, err := EncodeHistogram(h)
		if err != nil {
			t.Fatal(err)
		}
		c.Histograms[name] = s
	}
	c.LatencyMS = LatencyOf(committed)
	c.AttemptMS = LatencyOf(attempt)
	c.RetriesPerOp = RetriesOf(attempts)
	fc.audit(&c)
	return c
}

// TestFaultsFixture keeps testdata/faults.json what faultsFile builds, and
// checks that it reads back as the same file.
func TestFaultsFixture(t *testing.T) {
	f := faultsFile(t)
	var buf bytes.Buffer
	if err := Encode(&buf, f); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, FaultsFixture, buf.Bytes())
	got, err := ReadFile(FaultsFixture)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, f) {
		t.Errorf("ReadFile(%s) differs from the file it was written from", FaultsFixture)
	}
}

// readFaults reads the faults fixture.
func readFaults(t testing.TB) *File {
	t.Helper()
	f, err := ReadFile(FaultsFixture)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// TestRenderFaults renders the faults fixture in every text format: a row
// per fault, and audit states that are never called lost updates.
func TestRenderFaults(t *testing.T) {
	f := readFaults(t)
	for _, tt := range []struct {
		format string
		want   []string
	}{
		{"text", []string{
			"faults:\n  cell                 kind       spec                 at   duration  detect     recover (MTTR)  ops failed  ops retried  indeterminate  throughput drop  error\n",
			"  optimistic/expo/w8   pause      pause@3s:4s          3s   4s        0.5s       1.3s            0           96           3              71.2%            -\n",
			"  optimistic/expo/w8   restart    restart@12s:2s       12s  2s        0.004s     not recovered   41          180          7              93.4%            -\n",
			"  lww/none/w8          latency    latency@10s:2s=50ms  10s  2s        no errors  0.2s            0           0            0              81.0%            latency: heal: proxy: use of closed network connection\n",
			"STORE RESET: no verdict, 5 indeterminate\n",
			"AUDIT UNAVAILABLE: no verdict, 230 indeterminate\n",
			"\nSTORE RESET: strategy pessimistic (backoff expo, writers 8): the store lost documents the cell seeded (a server restarted without its data), so the 5581 of 7442 committed updates missing from it are the store's loss, not lost updates of the strategy — 12 of the 16 documents the cell seeded were gone after it\n",
			"AUDIT UNAVAILABLE: strategy lww (backoff none, writers 8): the store could not be read back (read totals: dial tcp 127.0.0.1:56379: connect: connection refused): the cell keeps what was measured, its audit proves nothing\n",
			"audit: no unexpected lost updates in the 2 cells audited; 2 of the 4 cells that ran have no audit verdict (store reset or audit unavailable)\n",
		}},
		{"markdown", []string{
			"#### Faults\n\n| cell | kind | spec | at | duration | detect | recover (MTTR) | ops failed | ops retried | indeterminate | throughput drop | error |\n|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|\n",
			"| optimistic/expo/w8 | pause | pause@3s:4s | 3s | 4s | 0.5s | 1.3s | 0 | 96 | 3 | 71.2% | - |\n",
			"> [!WARNING]\n> **STORE RESET**: strategy `pessimistic` (backoff expo, writers 8)",
			">\n> **AUDIT UNAVAILABLE**: strategy `lww` (backoff none, writers 8)",
			"No unexpected lost updates in the 2 cells audited; 2 of the 4 cells that ran have no audit verdict (store reset or audit unavailable).\n",
		}},
		{"csv", []string{
			",audit_store_reset,audit_unavailable,faults,faults_ops_failed,faults_ops_retried,faults_indeterminate,faults_recover_max_s,faults_throughput_drop_max,recovery_ops,",
		}},
	} {
		t.Run(tt.format, func(t *testing.T) {
			out := render(t, f, tt.format)
			golden.Check(t, golden.Path(t), out)
			for _, w := range tt.want {
				if !bytes.Contains(out, []byte(w)) {
					t.Errorf("%s report lacks %q", tt.format, w)
				}
			}
			for _, bad := range []string{"LOST", "lost 5581", "CAUTION", "!!", "lost 7442", "expected: lww"} {
				if bytes.Contains(out, []byte(bad)) {
					t.Errorf("%s report says %q of an audit without a verdict", tt.format, bad)
				}
			}
		})
	}
}

// TestFaultsCSV reads the CSV of the faults fixture back: the columns
// of a file without faults come first, in their order, and the fault
// summary of each cell is right.
func TestFaultsCSV(t *testing.T) {
	t.Parallel()
	recs, err := csv.NewReader(bytes.NewReader(render(t, readFaults(t), "csv"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range csvColumns() {
		names = append(names, c.name)
	}
	if !reflect.DeepEqual(recs[0][:len(names)], names) {
		t.Errorf("header starts %v, want the fixed columns %v", recs[0][:len(names)], names)
	}
	at := map[string]int{}
	for i, n := range recs[0] {
		at[n] = i
	}
	want := []map[string]string{
		{"faults": "2", "faults_ops_failed": "41", "faults_ops_retried": "276", "faults_indeterminate": "10",
			"faults_recover_max_s": "-1", "faults_throughput_drop_max": "0.934", "audit_store_reset": "false", "audit_unavailable": ""},
		{"faults": "1", "faults_recover_max_s": "2.1", "faults_throughput_drop_max": "0.55", "audit_store_reset": "true", "audit_ok": "false"},
		{"faults": "2", "faults_recover_max_s": "0.4", "faults_throughput_drop_max": "1",
			"audit_unavailable": "read totals: dial tcp 127.0.0.1:56379: connect: connection refused"},
		{"faults": "0", "faults_ops_failed": "0", "faults_recover_max_s": "", "faults_throughput_drop_max": ""},
	}
	for i, w := range want {
		for col, v := range w {
			j, ok := at[col]
			if !ok {
				t.Fatalf("no column %s", col)
			}
			if got := recs[i+1][j]; got != v {
				t.Errorf("cell %d: %s = %q, want %q", i+1, col, got, v)
			}
		}
	}
}

// TestFaultsRoundTrip: a file with faults and audit states encodes and
// reads back the same; a file written before faults existed reads with
// none, and encodes without the new keys.
func TestFaultsRoundTrip(t *testing.T) {
	t.Parallel()
	f := readFaults(t)
	path := filepath.Join(t.TempDir(), "faults.json")
	if err := WriteFile(path, f); err != nil {
		t.Fatal(err)
	}
	back, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back.Cells, f.Cells) {
		t.Error("cells with faults do not read back the same")
	}
	if n := len(back.Cells[0].Faults); n != 2 || back.Cells[0].Faults[1].RecoverS != -1 || !back.Cells[1].Audit.StoreReset ||
		back.Cells[2].Audit.Unavailable == "" || back.Cells[3].Faults != nil {
		t.Errorf("read back %d faults in cell 1, %+v, %+v", n, back.Cells[1].Audit, back.Cells[3].Faults)
	}

	old := testFile(t)
	var buf bytes.Buffer
	if err := Encode(&buf, old); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`"faults"`, `"store_reset"`, `"unavailable"`} {
		if bytes.Contains(buf.Bytes(), []byte(key)) {
			t.Errorf("a file without faults or audit states has %s", key)
		}
	}
	got, err := Read(&buf, "old.json")
	if err != nil {
		t.Fatal(err)
	}
	for i := range got.Cells {
		if c := &got.Cells[i]; c.Faults != nil || NoVerdict(c) {
			t.Errorf("cell %d of a file without faults: faults %v, no verdict %v", i, c.Faults, NoVerdict(c))
		}
	}
	var raw map[string]any
	if err := json.Unmarshal(mustRead(t, FaultsFixture), &raw); err != nil {
		t.Fatal(err)
	}
	fl := raw["cells"].([]any)[0].(map[string]any)["faults"].([]any)[1].(map[string]any)
	for _, key := range []string{"kind", "spec", "at_s", "duration_s", "detect_s", "recover_s", "ops_failed", "ops_retried", "indeterminate", "throughput_drop"} {
		if _, ok := fl[key]; !ok {
			t.Errorf("fault in the fixture has no %s", key)
		}
	}
}

func mustRead(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestAuditTextStates(t *testing.T) {
	t.Parallel()
	reset := Audit{StoreReset: true, LostUpdates: 40, Expected: 100, Verdict: "STORE RESET: 3 of 16 documents gone"}
	down := Audit{Unavailable: "dial: refused", Verdict: "AUDIT UNAVAILABLE: dial: refused"}
	both := Audit{StoreReset: true, Unavailable: "timeout", LostUpdates: 7, Verdict: "AUDIT UNAVAILABLE: timeout"}
	tests := []struct {
		name  string
		cell  Cell
		want  string
		lines []string
	}{
		{"store reset", Cell{Strategy: "optimistic", Audit: reset}, "STORE RESET: no verdict",
			[]string{"STORE RESET: c: the store lost documents the cell seeded (a server restarted without its data), so the 40 of 100 committed updates missing from it are the store's loss, not lost updates of the strategy — 3 of 16 documents gone"}},
		{"store reset, lww", Cell{Strategy: "lww", Audit: Audit{StoreReset: true, LossExpected: true, OK: true, Verdict: "lost 5 of 9 committed updates, as expected"}},
			"STORE RESET: no verdict",
			[]string{"STORE RESET: c: the store lost documents the cell seeded (a server restarted without its data), so the updates missing from it are the store's loss, not lost updates of the strategy"}},
		{"unavailable", Cell{Strategy: "optimistic", Interrupted: true, Audit: down}, "AUDIT UNAVAILABLE: no verdict, interrupted",
			[]string{"AUDIT UNAVAILABLE: c: the store could not be read back (dial: refused): the cell keeps what was measured, its audit proves nothing"}},
		{"unavailable, longer verdict", Cell{Strategy: "optimistic", Audit: Audit{Unavailable: "refused", Verdict: "AUDIT UNAVAILABLE: read totals: refused"}},
			"AUDIT UNAVAILABLE: no verdict",
			[]string{"AUDIT UNAVAILABLE: c: the store could not be read back (read totals: refused): the cell keeps what was measured, its audit proves nothing"}},
		{"unavailable, other verdict", Cell{Strategy: "optimistic", Audit: Audit{Unavailable: "refused", Verdict: "AUDIT UNAVAILABLE: stopped while it hung"}},
			"AUDIT UNAVAILABLE: no verdict",
			[]string{"AUDIT UNAVAILABLE: c: the store could not be read back (refused): the cell keeps what was measured, its audit proves nothing — stopped while it hung"}},
		{"both", Cell{Strategy: "optimistic", Audit: both}, "AUDIT UNAVAILABLE, STORE RESET: no verdict",
			[]string{
				"AUDIT UNAVAILABLE: c: the store could not be read back (timeout): the cell keeps what was measured, its audit proves nothing",
				"STORE RESET: c: the store lost documents the cell seeded (a server restarted without its data), so the 7 of 0 committed updates missing from it are the store's loss, not lost updates of the strategy",
			}},
		{"skipped", Cell{Strategy: "lease", Skipped: "no leases", Audit: reset}, "skipped: no leases", nil},
		{"ok", Cell{Strategy: "optimistic", Audit: Audit{OK: true}}, "ok", nil},
	}
	for _, tt := range tests {
		if got := AuditText(&tt.cell); got != tt.want {
			t.Errorf("%s: AuditText = %q, want %q", tt.name, got, tt.want)
		}
		if got := AuditStateLines(&tt.cell, "c"); !reflect.DeepEqual(got, tt.lines) {
			t.Errorf("%s: AuditStateLines =\n%q\nwant\n%q", tt.name, got, tt.lines)
		}
		if unexpected(&tt.cell) || (NoVerdict(&tt.cell) && expectedLoss(&tt.cell)) {
			t.Errorf("%s: an audit without a verdict counted as a loss", tt.name)
		}
	}
}

func TestFaultRow(t *testing.T) {
	t.Parallel()
	tests := []struct {
		fl   Fault
		want string
	}{
		{Fault{Kind: "pause", Spec: "pause@3s:4s", AtS: 3, DurationS: 4, DetectS: 0.5, RecoverS: 1.25, OpsFailed: 1, OpsRetried: 2, Indeterminate: 3, ThroughputDrop: 0.6251},
			"pause|pause@3s:4s|3s|4s|0.5s|1.25s|1|2|3|62.5%|-"},
		{Fault{Kind: "kill", Spec: "kill@1m", AtS: 60.0004, DetectS: -1, RecoverS: -1, ThroughputDrop: 1, Error: "docker kill: no such container"},
			"kill|kill@1m|60s|0s|no errors|not recovered|0|0|0|100.0%|docker kill: no such container"},
		{Fault{AtS: 0.012345, DurationS: 123.4, ThroughputDrop: -0.05}, "-|-|0.0123s|123s|0s|0s|0|0|0|-5.0%|-"},
	}
	for _, tt := range tests {
		row := FaultRow(&tt.fl)
		if got := strings.Join(row, "|"); got != tt.want {
			t.Errorf("FaultRow(%+v) = %s, want %s", tt.fl, got, tt.want)
		}
		if len(row) != len(FaultColumns()) {
			t.Errorf("FaultRow has %d values for %d columns", len(row), len(FaultColumns()))
		}
	}
	if s, ok := WorstRecover(&Cell{}); ok || s != 0 {
		t.Errorf("WorstRecover of no faults = %v, %v", s, ok)
	}
	if s, _ := WorstRecover(&Cell{Faults: []Fault{{RecoverS: 0.5}, {RecoverS: 2}, {RecoverS: 1}}}); s != 2 {
		t.Errorf("WorstRecover = %v, want 2", s)
	}
}

// TestSummaryTableFaults: the faults column appears only when a cell had
// a fault.
func TestSummaryTableFaults(t *testing.T) {
	t.Parallel()
	cols, rows := SummaryTable(readFaults(t))
	last := cols[len(cols)-1].Name
	if last != "faults" {
		t.Fatalf("last column %q, want faults", last)
	}
	var got []string
	for _, r := range rows {
		got = append(got, r[len(r)-1])
	}
	if !reflect.DeepEqual(got, []string{"2", "1", "2", "0"}) {
		t.Errorf("faults column %v", got)
	}
	cols, _ = SummaryTable(testFile(t))
	for _, c := range cols {
		if c.Name == "faults" {
			t.Error("a file without faults has a faults column")
		}
	}
	if _, rows := FaultTable(testFile(t)); rows != nil {
		t.Errorf("FaultTable of a file without faults: %v", rows)
	}
}

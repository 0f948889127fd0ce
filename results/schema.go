package results

import "time"

// Schema is the value of the top-level "schema" field.
const Schema = "occbench/v1"

// Histogram outcome names, keys of Cell.Histograms.
const (
	HistCommitted   = "committed"    // op latency of committed ops, µs
	HistAttempt     = "attempt"      // single-attempt latency, µs
	HistGaveUp      = "gave_up"      // op latency of ops that gave up, µs
	HistAttempts    = "attempts"     // attempts per committed op (count)
	HistScheduleLag = "schedule_lag" // open loop: actual − intended start, µs
	// HistRecovery is the conflict recovery time of committed ops that
	// met at least one conflict: from the end of the op's first
	// conflicting attempt to its commit, µs.
	HistRecovery = "recovery"
	// HistManyAttempts is the op latency of ops, committed or given up,
	// that took more than StarvedAttempts attempts, µs: with HistCommitted
	// and HistGaveUp it gives Fairness.StarvedOps exactly (StarvedOps).
	HistManyAttempts = "many_attempts"
)

// Histogram settings shared by every histogram occbench writes, so that
// results from any process merge exactly.
const (
	HistLowest  = 1                                   // 1 µs
	HistHighest = int64(time.Hour / time.Microsecond) // 1 h in µs
	HistSigFigs = 3
)

// File is a results file.
type File struct {
	Schema      string      `json:"schema"`
	StartedAt   time.Time   `json:"started_at"`
	FinishedAt  time.Time   `json:"finished_at"`
	Interrupted bool        `json:"interrupted"`
	Scenario    Scenario    `json:"scenario"`
	Environment Environment `json:"environment"`
	Cells       []Cell      `json:"cells"`
	// Parts is the environment of each input of a merged file (occbench
	// merge), in input order; empty for a single run.
	Parts []Environment `json:"parts,omitempty"`
	// USL is the Universal Scalability Law fitted to each writers sweep
	// (see USL, FitUSL); absent in files written before it existed, and
	// when no sweep has three writer counts.
	USL []USL `json:"usl,omitempty"`
	// Runner is set in the part file of one runner of a multi-runner run
	// (occbench run --runners N): which runner wrote it and its clock's
	// skew against the store. See runner.go in this package.
	Runner *Runner `json:"runner,omitempty"`
	// Runners lists the runners of a merged multi-runner run, by index.
	Runners []Runner `json:"runners,omitempty"`
}

// Scenario is the resolved scenario (after flags), as plain data so that
// results imports nothing above it. Keys are the YAML field names.
type Scenario map[string]any

// Environment records where the run happened.
type Environment struct {
	Occbench      string `json:"occbench_version"`
	GoVersion     string `json:"go_version"`
	OS            string `json:"os"`
	Arch          string `json:"arch"`
	CPUs          int    `json:"cpus"`
	Hostname      string `json:"hostname,omitempty"`
	Driver        string `json:"driver"`
	ServerVersion string `json:"server_version,omitempty"`
	DSN           string `json:"dsn,omitempty"` // always redacted
	Image         string `json:"image,omitempty"`
}

// Cell is one (driver, strategy, backoff, writers) combination.
type Cell struct {
	Driver     string  `json:"driver"`
	Strategy   string  `json:"strategy"`
	Backoff    string  `json:"backoff"`
	Writers    int     `json:"writers"`
	OnConflict string  `json:"on_conflict"`
	Scope      string  `json:"scope"`
	Keys       int     `json:"keys"`
	Rate       float64 `json:"rate,omitempty"` // open loop target ops/s; 0 = closed loop
	Trial      int     `json:"trial,omitempty"`
	// Runner is this runner's share of the cell in a part file of a
	// multi-runner run (Writers stays the whole cell's): see CellRunner.
	Runner *CellRunner `json:"runner,omitempty"`

	DurationS   float64 `json:"duration_s"` // measured seconds (warmup excluded)
	Interrupted bool    `json:"interrupted,omitempty"`
	Skipped     string  `json:"skipped,omitempty"` // reason the cell did not run

	// Every measured op (one that started inside the measured window)
	// ends in exactly one of three ways: committed (Ops), gave up (the
	// sum of GiveUps, by reason), or cut off by the end of the cell
	// (CutOff). Attempts, Conflicts and Errors count the attempts of all
	// three.
	Ops             int64            `json:"ops"`
	Attempts        int64            `json:"attempts"`
	Conflicts       int64            `json:"conflicts"`
	ConflictsByKind map[string]int64 `json:"conflicts_by_kind,omitempty"`
	GiveUps         map[string]int64 `json:"give_ups"` // by reason: max-attempts, max-elapsed, budget, fail-policy, error
	// CutOff counts ops still retrying, or still in an attempt, when the
	// cell ended (its duration ran out, or it was stopped): neither a
	// success nor a failure. Files written before cut_off existed kept
	// them as give_ups["interrupted"] (LegacyCutOffReason).
	CutOff int64            `json:"cut_off"`
	Errors map[string]int64 `json:"errors"`

	ThroughputOpsS float64 `json:"throughput_ops_s"` // ops ÷ duration_s
	AttemptsS      float64 `json:"attempts_s"`       // attempts ÷ duration_s
	ConflictRatio  float64 `json:"conflict_ratio"`   // conflicts ÷ attempts
	// SuccessRate is ops ÷ (ops + Σ give_ups): the share of the ops that
	// finished which committed. Cut-offs are excluded, being neither
	// success nor failure; 0 when no op finished.
	SuccessRate float64 `json:"success_rate"`
	// Amplification is attempts ÷ ops: every measured attempt, those of
	// ops that gave up or were cut off included, per committed op; 0
	// when no op committed.
	Amplification float64 `json:"amplification"`

	RetriesPerOp  Retries    `json:"retries_per_op"` // attempts − 1 of each committed op
	LatencyMS     Latency    `json:"latency_ms"`
	AttemptMS     Latency    `json:"attempt_latency_ms"`
	Components    Components `json:"components_ms"`
	ScheduleLagMS *Latency   `json:"schedule_lag_ms,omitempty"` // open loop only

	// RecoveryMS summarises the conflict recovery time (HistRecovery) of
	// the committed ops that met a conflict. Every cell that ran has it,
	// all zeros (ops 0) when no op committed after a conflict; it is nil
	// in files written before it existed.
	RecoveryMS *Recovery `json:"recovery_ms,omitempty"`
	// Fairness is how evenly the writers' commits were spread, and how
	// many ops starved. Every cell that ran has it; nil in files written
	// before it existed.
	Fairness *Fairness `json:"fairness,omitempty"`
	// WriterOps is each writer's committed ops, in writer order (a
	// merged cell: every input's writers, in input order). Fairness is
	// computed from it. nil in files written before it existed.
	WriterOps []int64 `json:"writer_ops,omitempty"`

	StaleWritesRejected int64 `json:"stale_writes_rejected"`
	OutOfRange          int64 `json:"out_of_range"` // samples beyond 1 h, counted not dropped

	Audit Audit `json:"audit"`

	// Faults injected into the cell, in the order they were injected.
	Faults []Fault `json:"faults,omitempty"`

	Histograms map[string]string `json:"histograms"` // outcome → base64 V2 compressed HDR
	Timeseries []Point           `json:"timeseries"`

	Thresholds []ThresholdResult `json:"thresholds,omitempty"` // checked thresholds, in scenario order
}

// ThresholdResult is one threshold checked against one cell.
type ThresholdResult struct {
	Expr   string  `json:"expr"`   // as parsed, e.g. "optimistic: p99_ms < 20"
	Metric string  `json:"metric"` // e.g. "p99_ms"
	Value  float64 `json:"value"`  // the cell's value of Metric
	Pass   bool    `json:"pass"`
}

// Retries summarises attempts − 1 per committed op.
type Retries struct {
	Mean float64 `json:"mean"`
	P99  float64 `json:"p99"`
	Max  float64 `json:"max"`
}

// Recovery summarises the conflict recovery times of a cell in
// milliseconds: for each committed op that met at least one conflict, the
// time from the end of its first conflicting attempt to its commit.
type Recovery struct {
	Ops  int64   `json:"ops"` // committed ops that met at least one conflict
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P99  float64 `json:"p99"`
	Max  float64 `json:"max"`
	Mean float64 `json:"mean"`
}

// Fairness says how evenly a cell's writers shared its commits, and how
// many of its ops starved. A writer's share is its committed ops ÷ the
// cell's. With no commit, Jain, MinShare and MaxShare are 0.
type Fairness struct {
	// Jain is Jain's fairness index over the writers' committed ops
	// x₁…xₙ: (Σx)² ÷ (n·Σx²), from 1/n (one writer made every commit)
	// to 1 (all made as many); 1 for a single writer.
	Jain     float64 `json:"jain"`
	MinShare float64 `json:"min_share"` // the smallest writer's share, 0…1
	MaxShare float64 `json:"max_share"` // the largest writer's share, 0…1
	// StarvedOps counts the measured ops, committed or given up (not
	// cut off), that took more than StarvedAttempts attempts or whose
	// latency exceeded StarvedLatencyFactor × the cell's median
	// committed-op latency.
	StarvedOps int64 `json:"starved_ops"`
}

// Latency summarises a latency histogram in milliseconds.
type Latency struct {
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P99  float64 `json:"p99"`
	P999 float64 `json:"p999"`
	Max  float64 `json:"max"`
	Mean float64 `json:"mean"`
}

// Components splits the mean committed op latency: time in backoff sleeps
// and time in attempts (work, lock and lease waits).
type Components struct {
	BackoffMean float64 `json:"backoff_mean"`
	AttemptMean float64 `json:"attempts_mean"`
}

// Audit compares what the harness counted with what the store holds.
type Audit struct {
	Expected      int64  `json:"expected"`      // committed ops, measured or not (warmup, committed after the end)
	Observed      int64  `json:"observed"`      // Σ counter read from the store
	Versions      int64  `json:"versions"`      // Σ version read from the store
	LostUpdates   int64  `json:"lost_updates"`  // expected − observed
	Indeterminate int64  `json:"indeterminate"` // errored attempts whose write may have reached the store: each may or may not have committed
	OK            bool   `json:"ok"`            // no unexpected loss
	LossExpected  bool   `json:"loss_expected"` // the strategy promises no safety (lww, unfenced lease)
	Verdict       string `json:"verdict"`       // one human line

	// StoreReset is set when the store lost documents the cell seeded
	// (a server restarted without its data): the missing updates are the
	// store's, not the strategy's, and OK is false with a verdict that
	// starts "STORE RESET".
	StoreReset bool `json:"store_reset,omitempty"`
	// Unavailable, when not empty, says why the store could not be read
	// back (it was down, or the run was stopped while it hung): the
	// cell keeps what was measured and the audit proves nothing. OK is
	// false and Verdict starts "AUDIT UNAVAILABLE".
	Unavailable string `json:"unavailable,omitempty"`
	// Pending, when not empty, says that no audit ran yet: the cell is
	// one runner's part of a multi-runner run ("runner 1 of 3"), judged
	// only by occbench merge. OK is false and Verdict is "audit: pending
	// (runner 1 of 3)"; a pending audit is neither ok nor lost.
	Pending string `json:"pending,omitempty"`
}

// Fault is one fault injected into a cell and what it did to the
// measurements. Times are seconds from the start of measurement, as the
// time series' t_s.
type Fault struct {
	Kind      string  `json:"kind"`       // pause, restart, kill, partition, latency, stall-holder
	Spec      string  `json:"spec"`       // as given, e.g. "pause@3s:4s"
	AtS       float64 `json:"at_s"`       // when it was injected
	DurationS float64 `json:"duration_s"` // how long until it was healed (0: instantaneous)
	// DetectS is the time from the injection to the first errored
	// attempt after it; -1 when no attempt errored.
	DetectS float64 `json:"detect_s"`
	// RecoverS (MTTR) is the time from the fault's end (its heal
	// returned: the store answers again) until the
	// throughput is back at 90% of its mean before the fault, measured
	// in 100 ms steps over a 1 s sliding window; -1 when it never got
	// back before the cell ended.
	RecoverS float64 `json:"recover_s"`
	// Between the injection and the next fault (or the end of the
	// cell): ops that gave up on an error, ops that committed after at
	// least one errored attempt, and errored attempts whose write may
	// have reached the store.
	OpsFailed     int64 `json:"ops_failed"`
	OpsRetried    int64 `json:"ops_retried"`
	Indeterminate int64 `json:"indeterminate"`
	// ThroughputDrop is 1 − (throughput from the injection to the
	// recovery ÷ the mean before the fault): 1 when nothing committed.
	ThroughputDrop float64 `json:"throughput_drop"`
	// Error, when not empty, says why the fault could not be injected
	// or healed.
	Error string `json:"error,omitempty"`
}

// Point is one second of a cell's time series.
type Point struct {
	T         float64 `json:"t_s"`
	Ops       int64   `json:"ops"`
	Attempts  int64   `json:"attempts"`
	Conflicts int64   `json:"conflicts"`
	P99MS     float64 `json:"p99_ms"`
}

// LegacyCutOffReason is the give-up reason under which files written
// before Cell.CutOff existed counted the ops cut off by a cell's end.
// Such files are read as they are; GaveUp and CutOffOf, which every
// report uses, count the legacy key as a cut-off.
const LegacyCutOffReason = "interrupted"

// GaveUp is the number of c's ops that gave up: Σ give_ups, without a
// legacy give_ups["interrupted"].
func GaveUp(c *Cell) int64 {
	return Sum(c.GiveUps) - c.GiveUps[LegacyCutOffReason]
}

// CutOffOf is the number of c's ops cut off by the end of the cell:
// CutOff, plus a legacy give_ups["interrupted"].
func CutOffOf(c *Cell) int64 {
	return c.CutOff + c.GiveUps[LegacyCutOffReason]
}

// Package merge combines the results files of several occbench processes
// (on one or several machines) that ran the same scenario at the same
// time against the same store, into one file that reads as a single run
// of all their writers together.
//
// # What must match
//
// Every input must be an occbench/v1 file of the same scenario: the
// scenario maps are compared field by field, except the fields that
// legitimately differ between processes (IgnoredFields: the description,
// connection strings and image, and the seed, which should differ so that
// processes do not replay the same keys). The merged scenario is the first
// input's, so its seed and connection string are the first input's.
// Every input must have the same cells, matched by (driver, strategy,
// backoff, writers, trial); a cell missing from one input (an interrupted
// run) is refused, naming the cell and the input. A cell skipped in one
// input must be skipped in all. Histograms must have the same settings
// (lowest, highest trackable value, significant figures), which every
// occbench histogram does (1 µs … 1 h, 3 figures); anything else is
// refused rather than merged inexactly.
//
// # How numbers combine
//
// Since the inputs ran concurrently against one store, the merged cell is
// one cell with all of their writers:
//
//   - writers and the open-loop rate are the sums of the inputs' (two
//     processes of 8 writers make a cell of 16; the scenario's writers
//     and rate are scaled the same way), so a merged run compares with a
//     single process of as many writers;
//   - counters (ops, attempts, conflicts and their kinds, give-ups by
//     reason, errors by class, stale writes rejected, out-of-range
//     samples) are summed;
//   - the measured duration is the longest input's, and throughput_ops_s
//     and attempts_s are the sums of the inputs' rates (each input
//     measured its own ops over its own duration, concurrently);
//   - conflict ratio, success rate and amplification are recomputed from
//     the summed counters, the backoff/attempt components as means
//     weighted by ops;
//   - HDR histograms are merged exactly (no sample dropped: a merge that
//     would drop one is an error), and the latency and retry summaries
//     are recomputed from the merged histograms, as are the conflict
//     recovery summary (recovery_ms, from the recovery histogram) and
//     starved ops (from the committed, gave_up and many_attempts
//     histograms, against the merged median);
//   - writer_ops are the inputs' concatenated, in input order, and
//     fairness (Jain's index, the smallest and largest share) is
//     recomputed from them. When an input predates these fields
//     (recovery_ms, fairness or writer_ops absent), the merged cell has
//     none of the three, rather than numbers that leave that input out;
//   - a hybrid cell's escalations and time_escalated_s are summed (each
//     process escalated the keys its own writers saw conflict on), and
//     its escalated and plain latencies are recomputed from the merged
//     escalated and plain histograms; when an input has no hybrid
//     results, the merged cell has none.
//
// # Writer classes
//
// A cell of writer classes (the scenario's classes block) merges its
// classes by name: every input must have the same classes, each with the
// same strategy, backoff and field group, and each class is merged as a
// cell of its writers is, by the rules above (writers, rate and
// counters summed, histograms merged exactly, summaries and fairness
// recomputed), in the first input's class order. The scenario's class
// writers and rates are scaled as its writers and rate are.
//
// # The audit
//
// Each input audited the store after its own cell, and each audit read
// the store's total, including the other processes' writes. The counter
// of the store only grows (every committed write adds one), so the last
// input to finish read the largest total, and that total includes every
// input's writes: merged expected = Σ expected, observed = the largest
// observed (= the last-finished input's), versions likewise, indeterminate
// = Σ, lost updates = expected − observed, and the verdict is recomputed
// with the runner's rules. This assumes that the inputs' corresponding
// cells overlapped in time (the processes were started together) and that
// no input's setup reset the store while another was still writing.
//
// An audit without a verdict stays without one: when any input's audit
// found the store reset (Audit.StoreReset) or could not read it back
// (Audit.Unavailable), the merged audit is so too, never OK, whatever
// the merged totals say; Unavailable joins the inputs' reasons ("input
// 2: …"), and the verdict starts "AUDIT UNAVAILABLE" or "STORE RESET"
// and names the inputs.
//
// When the inputs did not share a store (Options.SeparateStores; always
// for the memory driver, whose store lives inside the process), each audit
// saw only its own writes, so observed and versions are summed instead.
//
// # Time series
//
// A cell's time series counts seconds from its own start of measurement,
// and a results file records only when the whole run started. Series are
// aligned by wall clock on the assumption that corresponding cells started
// at the same offset into their runs: input k's point at second t moves
// to t + (StartedAt_k − earliest StartedAt), rounded to whole seconds.
// Per second, ops, attempts and conflicts are summed; the p99 is the
// largest of the inputs' p99s, an upper bound on the p99 of the merged
// second (exact per-second histograms are not kept).
//
// # Faults
//
// Each runner records the faults injected while it ran, so a merged
// cell's faults are the inputs' concatenated, in input order, each moved
// by its input's offset as the time series is (at_s + offset), so that a
// fault window still falls on the seconds it hit.
//
// # Multi-runner parts
//
// The part files of one occbench run --runners N (File.Runner set) merge
// differently, since the runners split one scenario instead of each
// running all of it (docs/MULTI-RUNNER.md):
//
//   - every input must be a part, of the same runner count and
//     namespace, and of the same seed (the runners share it); a runner
//     index twice is refused, and a missing index is named ("a run of 3
//     runners: missing the part of runner 1");
//   - writers and rate are the cell's (each part's cell has the whole
//     cell's), and the scenario is not scaled;
//   - counters are summed and histograms merged exactly, as above;
//     writer_ops leave out the runners that ran no writer of the cell;
//   - time series are aligned per cell by the wall time each runner's
//     measurement started (CellRunner.StartedAt), not by the files';
//   - the audit is the one global audit: Σ expected and Σ indeterminate
//     of every runner against the totals runner 0 read once every runner
//     had finished (CellRunner.StoreTotals), with the runner's rules; a
//     read runner 0 could not make leaves the audit unavailable, fewer
//     documents than keys a store reset. Each committed write is in the
//     store once, whichever runner made it, so lww's losses count once;
//   - the merged cell keeps a CellRunner with runner 0's Seq and store
//     totals and every runner's writers, for CheckStore; File.Runners
//     lists the runners, by index.
//
// Environment holds the fields on which all inputs agree (others are
// left empty); File.Parts keeps each input's environment in input order
// (an input that is itself a merge contributes its own parts).
// Thresholds (scenario field thresholds) are evaluated again on the merged
// cells.
package merge

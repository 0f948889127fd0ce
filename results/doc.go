// Package results reads, writes and renders occbench results files.
//
// A results file is one JSON document per run, schema "occbench/v1"
// (the Schema constant). It holds:
//
//   - schema, started_at, finished_at, interrupted: the run's identity.
//     interrupted is true when the run was stopped by a signal; the cells
//     that finished are still complete and audited.
//   - scenario: the resolved scenario (after flags) as plain data, keyed by
//     the YAML field names, so a run can be repeated from its results.
//   - environment: occbench and Go versions, OS, CPUs, driver, server
//     version and the DSN, always redacted (Encode redacts it again).
//   - cells: one per (driver, strategy, backoff, writers[, trial])
//     combination, with counts, rates, latency summaries in milliseconds,
//     the lost-update audit, a per-second time series and the raw HDR
//     histograms.
//
// The definition of every number is in docs/METRICS.md; the JSON field names are
// the struct tags in schema.go and are a contract: new fields may be added
// to occbench/v1, none renamed or removed.
//
// # Histograms
//
// Cell.Histograms maps an outcome (HistCommitted, HistAttempt, …) to an HDR
// histogram of values in microseconds (attempt counts for HistAttempts),
// recorded with the shared settings HistLowest … HistHighest at HistSigFigs
// significant figures so that histograms from any process merge exactly.
// Each is stored as the string hdrhistogram-go's
// Histogram.Encode(V2CompressedEncodingCookieBase) returns: the standard
// HdrHistogram V2 compressed encoding (cookie, length, zlib payload) in one
// layer of standard base64, readable by every HdrHistogram implementation
// (Java's Histogram.decodeFromCompressedByteBuffer after base64-decoding,
// HdrHistogram_py's decode, the Go Decode). EncodeHistogram and
// DecodeHistogram convert; LatencyOf and RetriesOf summarise.
//
// # Files
//
// WriteFile writes atomically (temporary file in the same directory, fsync,
// rename) so that an interrupted run never leaves a truncated file behind;
// DefaultPath names files occbench-results/<UTC start>-<scenario>.json. ReadFile
// rejects anything that is not an occbench/v1 file with an error naming
// the path and the line and column of a syntax error.
//
// # Reports
//
// Render prints a file as an aligned text table, a GitHub markdown table
// (for pull requests and step summaries: at most MarkdownLimit bytes, the
// rows that do not fit left out and counted), CSV with every summary
// column (for spreadsheets and benchstat-like tooling), JSON, JSON lines
// (WriteJSONL: a "second" object per second of each cell, a "cell" object
// per cell, then a "run" object with the verdict) or JUnit XML
// (JUnitSuiteOf: a testcase per cell audit and threshold, for CI
// systems). Every report lists each cell's audit; lost updates under a
// strategy that promises safety are printed loudly, those under lww or an
// unfenced lease are labelled as expected. Numbers are written one way
// everywhere: rates and counts with three significant digits and
// thousands grouped (FormatCount: 41,200 ops/s), exact counts grouped
// (FormatInt), milliseconds with three significant digits (FormatMS).
//
// RenderWith takes Options: the scenario's question, printed at the top
// with its description, and the file's path, which the text and markdown
// reports end with the commands to run next on. Both end with a verdict
// (VerdictOf): in each group of cells differing only by strategy,
// backoff and trial (one writers count), the strategy/backoff with the
// highest goodput and the one with the lowest p99 of committed ops, each
// with the runner-up and, when the file has trials, the Mann-Whitney
// U-test of the two (NoiseTest, as occbench compare does: "~" within
// noise, "ahead of", or too few trials to test); with single trials the
// verdict says that differences were not tested. A cell that was
// skipped, failed its audit or has none, lost updates (even as its
// strategy allows), committed nothing or was cut short cannot be best,
// and the verdict says how many there were.
//
// An audit may also have no verdict (NoVerdict): the store was reset under
// the cell (Audit.StoreReset) or could not be read back
// (Audit.Unavailable). Reports word these "STORE RESET" and "AUDIT
// UNAVAILABLE" (AuditText, AuditStateLines), apart from the losses: the
// updates missing then are not lost updates, and are never reported as
// such.
//
// # Faults
//
// A cell into which faults were injected (Cell.Faults) gets, in the text
// and markdown reports, one row per fault (FaultTable, FaultColumns,
// FaultRow): kind and spec, when it was injected and how long it lasted,
// the time to detect it and to recover from it (MTTR, "not recovered"
// when the throughput never came back), the ops that failed, were retried
// or are indeterminate, the throughput drop as a percentage, and the
// fault's error. The summary table then has a faults column (how many),
// and CSV rows have the audit states and a summary of the cell's faults
// (count, sums, worst recovery and drop), after every column a file
// without faults has. testdata/faults.json is a results file with faults
// and both audit states, which the tests of the packages that read
// results files share.
//
// # Conflict recovery and fairness
//
// Every cell that ran has recovery_ms (Recovery: for each committed op
// that met a conflict, the time from the end of its first conflicting
// attempt to its commit; histogram HistRecovery), fairness (Fairness:
// Jain's index and the smallest and largest writer's share of the
// commits, and StarvedOps) and writer_ops (each writer's commits, from
// which merge recomputes fairness). SetKPIs computes them from the
// histograms. Files written before they existed have none: reports then
// leave out the summary table's "recov p99 ms" and "jain" columns (and
// show "-" in a cell without them when another cell has them), the CSV
// fields are empty, and the threshold metrics read 0.
//
// # Writer classes
//
// A cell of a scenario that declared writer classes (its classes block)
// runs every class's writers together, and its Classes list breaks the
// cell down per class, in class order (Class): the class's identity
// (name, writers, strategy, backoff, field_group, think_ms, rate) and
// every measured number of Cell counted over that class's writers only
// (ops, attempts, conflicts, give-ups, cut-offs, errors, goodput
// throughput_ops_s over the cell's duration, conflict ratio, success
// rate, amplification, retries, latencies, recovery_ms, fairness among
// the class's writers, writer_ops, and its histograms so that merge
// combines classes exactly). The cell's own numbers are over all its
// writers: its counters are the sums of its classes'. Its strategy and
// backoff are the classes' distinct ones joined by "+" ("optimistic+lease")
// and its rate the sum of theirs. The audit is the cell's alone (the
// documents are shared); its verdict names the class whose writes may
// overwrite the others' when a loss is expected (CellLossReason). The
// text and markdown reports print ClassTable under the summary, the
// HTML report ClassRows in the cell's section; the JSONL cell object
// carries the classes without their histograms; the CSV has no class
// columns (one row per cell). Cells without classes have no classes key.
//
// # Hybrid escalation
//
// A hybrid cell that ran has hybrid (Hybrid: escalations, the time its
// keys spent escalated, and OpLatency summaries of the ops committed
// under the lock and with a conditional write, from histograms
// HistEscalated and HistPlain; SetHybridLatency); other cells have none.
// HybridTable and HybridText render it, and CSV gains hybrid_* columns
// only when some cell has it.
//
// # Scalability (USL)
//
// File.USL holds the Universal Scalability Law, X(N) = λN / (1 + σ(N−1)
// + κN(N−1)), fitted (package usl) to the committed ops/s against writers
// of each writers sweep: per (driver, strategy, backoff), the closed-loop
// cells that ran to their end, trials averaged at each writer count,
// three writer counts or more (FitUSL; occbench capacity fits each
// pair's probes instead). Each USL has lambda (ops/s of one writer
// without contention), sigma (contention, 0 … 1), kappa (coherency),
// peak_writers = sqrt((1−σ)/κ) and peak_ops_s (both absent when κ = 0:
// no peak), peak_beyond_measured, r2 and mape_pct on the measured
// points, or an error. Files written before it existed, and merged
// files, have none: USLOf fits them when they are reported. The text and
// markdown reports end the tables with a "Scalability (USL)" section
// (USLTable). Cells with a distribution of their own (below) are left out
// of the fits: several skews at one writer count are not one sweep.
//
// # Advice (occbench advise)
//
// occbench advise runs one scenario under several key skews; each of its
// cells names its skew in distribution ("single", "zipfian(0.99)",
// "uniform"; absent in every other command's cells). Cells that differ
// only by it are different cells: the reports show a "keys dist" column,
// and merge keeps them apart. File.Advice (Advice) holds advise's answer
// from the cells: per skew, the bands of writer counts with one winner
// (or a tie within noise) on goodput and on p99, bounded by the
// crossovers in optimistic's conflict ratio, and the crossovers
// themselves; omitted lists the candidate strategies the store could
// not run. It is absent in other files and in merged ones (merge does not
// carry it: the advice of merged inputs would have to be computed
// again). The reports print its lines in an advice section, the HTML
// page in a banner. docs/ADVISE.md describes the method.
package results

/*
Occbench fires concurrent writers at hot documents and measures how a
compare-and-swap write path holds up: throughput, conflicts, retries, tail
latency, and whether any update was lost.

Usage:

	occbench run [SCENARIO] [flags]     run a scenario (default: quickstart)
	occbench list [scenarios|drivers|strategies|backoffs|distributions]
	occbench report FILE [--format text|markdown|csv|json|jsonl|junit|hgrm|html]
	occbench plot FILE [--out DIR]      plots (PNG, SVG) and a self-contained report.html
	occbench compare BASE NEW [--fail-on GATES] [--format text|markdown|json|junit]
	occbench merge A.json B.json … -o ALL.json
	occbench capacity [SCENARIO] --slo 'p99_ms<=50,success_rate>=0.999' --vary writers|rate
	occbench tune-backoff [SCENARIO] --writers 32 --policies … --base … --cap … --objective p99|goodput|attempts
	occbench advise [SCENARIO] --driver D [--writers 1,2,4,8,16,32] [--skews single,zipfian,uniform] [--plot DIR]
	occbench version                    (also occbench --version)
	occbench help [COMMAND]

SCENARIO is a built-in name (occbench list scenarios) or a YAML file. Every
scenario field can be set by a flag of the same name (see occbench help
run); flags win over the file. run, capacity, tune-backoff and advise print their
plan first (cells, each dimension and where its value came from, the
estimated time); --dry-run prints it and exits.

The commands are flag glue: internal/harness turns flags into a plan,
refuses bad input before any work, opens the stores, runs the cells and
judges the outcome (one verdict for run, capacity, tune-backoff and advise).

Exit codes:

	0    ok
	1    the run failed, the audit found unexpected lost updates, a cell
	     was dominated by errors (error_ratio > 0.5 unless a threshold
	     on error_ratio decides), the results file could not be written
	     where asked (a copy is in the temp directory), or compare found
	     a regression
	2    bad input: a flag, a scenario field, a file
	3    a threshold failed
	130  interrupted (Ctrl-C): what was measured is kept, marked interrupted
*/
package main

// Package harness is what the occbench commands share between their flags
// and the packages that do the work: it turns a scenario and the flags
// into a Plan (every cell, every dimension with where its value came
// from, an estimated wall time), refuses a plan that cannot run as asked
// before anything starts, opens the stores the plan needs (starting
// containers through internal/provision), runs the plan's cells, writes
// the results file without ever losing it, and turns the outcome into
// one verdict and exit code.
//
// The commands in cmd/occbench are flag glue over it: run, capacity and
// tune-backoff judge their results the same way, through Judge.
package harness

// Package judge turns a results file into the verdict occbench gives it:
// the exit code and the findings behind it, in one order (cells
// dominated by errors, an interrupt, audits that could not judge, unexpected
// lost updates, failed thresholds). The CLI (internal/harness) and the Go
// API (package occbench) both judge through it.
package judge

// Package dashboard serves a live page while occbench runs a scenario
// (occbench run --dashboard ADDR), as k6's web dashboard does.
//
// A Dashboard is a runner.Observer. It keeps the run as a log of
// server-sent events, and the page replays the log from its start, so a
// page opened late, or reconnecting (Last-Event-ID), shows the whole run:
//
//	plan      the scenario, the driver and the planned cells, in run order
//	start     a cell started: its index, strategy, backoff, writers, trial,
//	          planned length and the run's ETA
//	second    one second of the running cell: committed ops, attempts,
//	          conflicts and p99 (ms), sent a second after that second
//	          ended, as occbench run --format jsonl streams them
//	finished  a finished cell's row: ops/s, conflict %, p99 and the audit
//	end       the run is over; report names /report.html when there is one
//
// The per-second figures come from the running cell's runner.Live series,
// read on a timer of the injected clock, so the writers' hot path is
// untouched; a finished cell's remaining seconds come from its final
// time series.
//
// The page (GET /) is one HTML document with inline CSS and JavaScript:
// no external asset and nothing fetched but /events and, at the end,
// /report.html. It draws an SVG sparkline per metric, the plan with its
// progress and ETA, and the finished cells' table.
//
// Lifecycle: Listen binds the address (loopback when it names no host),
// Serve starts the server, Finish publishes the report and the end event,
// and Server.Close shuts the server down. Close first waits, at most
// Options.Linger on the dashboard's clock, until every page open at the
// end has fetched the report: the page keeps it, so its link still works
// once the server is gone.
package dashboard

package main

import (
	"bytes"
	"context"
	"fmt"
	"io"

	"github.com/occbench/occbench/dashboard"
	"github.com/occbench/occbench/internal/harness"
	htmlreport "github.com/occbench/occbench/report"
	"github.com/occbench/occbench/results"
)

// dashboardRun is the live page of occbench run --dashboard ADDR.
type dashboardRun struct {
	d      *dashboard.Dashboard
	srv    *dashboard.Server
	stderr io.Writer
	closed bool
}

// startDashboard listens on addr and serves the live page of the plan
// p; it prints the page's URL on stderr (even with --quiet: the port
// may be one the system picked).
func startDashboard(addr string, p *harness.Plan, stderr io.Writer) (*dashboardRun, error) {
	ln, err := dashboard.Listen(addr)
	if err != nil {
		return nil, err
	}
	d := dashboard.New(dashboard.Options{Scenario: p.Scenario.Name, Driver: p.Scenario.Driver, Cells: p.Cells})
	r := &dashboardRun{d: d, srv: d.Serve(ln), stderr: stderr}
	fmt.Fprintf(stderr, "occbench: live dashboard on %s (it stops when the run ends)\n", dashboard.URL(ln))
	return r, nil
}

// close ends the page with the report of f (nil: the run ended without
// results) and shuts the server down once the open pages fetched it.
// Later calls do nothing.
func (r *dashboardRun) close(ctx context.Context, f *results.File) {
	if r.closed {
		return
	}
	r.closed = true
	if f != nil {
		var buf bytes.Buffer
		if err := htmlreport.HTML(&buf, f); err != nil {
			r.d.Finish(nil, fmt.Sprintf("report.html: %v", err))
		} else {
			r.d.Finish(buf.Bytes(), "")
		}
	}
	// A cancelled run (Ctrl-C) still lets the open pages fetch the report.
	if err := r.srv.Close(context.WithoutCancel(ctx)); err != nil {
		fmt.Fprintf(r.stderr, "occbench: %v\n", err)
	}
}

package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/drivers/memory"
	"github.com/occbench/occbench/results"
)

// nolog is a memory store that hides its op log: a store without
// drivers.OpLogger.
type nolog struct {
	drivers.CompareAndSwapper
	drivers.Store
}

func init() {
	drivers.Register(drivers.Driver{Name: "test-nolog", Summary: "test only: a memory store without an op log",
		Open: func(ctx context.Context, o drivers.Options) (drivers.Store, error) {
			st, err := memory.New(o)
			return nolog{st, st}, err
		}})
}

// TestAuditOps: --audit ops on memory with lww names the ops it lost,
// in the results file and in every report, as expected losses; the
// refusals are one line, exit 2.
func TestAuditOps(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "lww.json")
	r := runT(t, "run", "--driver", "memory", "--strategy", "lww,optimistic", "--audit", "ops", "--latency", "100us",
		"--writers", "4", "--ops-per-writer", "200", "--duration", "0s", "--warmup", "0s", "--backoff", "none", "--out", out)
	if r.code != exitOK {
		t.Fatalf("exit %d\nstderr: %s", r.code, r.stderr)
	}
	f, err := results.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	lww, opt := f.Cells[0].Audit, f.Cells[1].Audit
	if lww.Ops == nil || opt.Ops == nil {
		t.Fatalf("no ops audit: lww %+v, optimistic %+v", lww, opt)
	}
	if o := *lww.Ops; o.Lost == 0 || o.Checked != lww.Expected || o.Unexplained != 0 || !lww.OK || len(o.Examples) == 0 || o.Examples[0].What != results.OpLost {
		t.Errorf("lww ops audit %+v (audit %+v): want named lost ops, as expected", o, lww)
	}
	if o := *opt.Ops; o.Lost != 0 || o.Duplicated != 0 || o.Checked != 800 || !opt.OK {
		t.Errorf("optimistic ops audit %+v: want all 800 ops in the store once", o)
	}
	named := "w" // "… (ops lost: w0/op3 key 0, …)"
	for _, format := range []string{"text", "markdown", "html"} {
		rep := runT(t, "report", out, "--format", format)
		if rep.code != 0 || !strings.Contains(rep.stdout, "ops lost: "+named) && format != "html" {
			t.Errorf("report --format %s: exit %d, no named lost ops in:\n%s", format, rep.code, rep.stdout)
		}
		if !strings.Contains(rep.stdout, "ops ok") || !strings.Contains(rep.stdout, "lost") {
			t.Errorf("report --format %s lacks the ops audit column", format)
		}
		if format == "html" && !strings.Contains(rep.stdout, "ops audit") {
			t.Errorf("report --format html lacks the ops audit fact")
		}
	}
	for _, tt := range []struct {
		name   string
		args   []string
		stderr string
	}{
		{"unknown value", []string{"run", "--driver", "memory", "--audit", "elle"}, `audit (--audit): unknown value "elle" (allowed: counts, ops)`},
		{"write_path", []string{"run", "orders", "--audit", "ops"}, `audit (--audit): must be counts with a write_path`},
		{"store without op log", []string{"run", "--driver", "test-nolog", "--audit", "ops", "--writers", "1", "--ops-per-writer", "1"}, "--audit: ops is not available on driver test-nolog"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := runT(t, tt.args...)
			if r.code != exitBadInput || !strings.Contains(r.stderr, tt.stderr) || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
				t.Errorf("exit %d, stderr %q: want exit 2 and one line with %q", r.code, r.stderr, tt.stderr)
			}
		})
	}
}

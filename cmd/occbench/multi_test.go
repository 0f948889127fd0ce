package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/internal/testenv"
	"github.com/occbench/occbench/results"
)

func TestRunnersFlagsRefused(t *testing.T) {
	t.Setenv("JOB_COMPLETION_INDEX", "")
	pg := []string{"run", "--driver", "postgres", "--dsn", "postgres://nobody@127.0.0.1:1/none", "--quiet"}
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"memory", []string{"run", "--driver", "memory", "--runners", "2", "--runner-index", "1"}, "--runners: driver memory cannot share its store between runners"},
		{"sqlite namespace", []string{"run", "--driver", "sqlite", "--namespace", "a"}, "--namespace: driver sqlite cannot share"},
		{"no index", append(pg, "--runners", "3"), "--runner-index: missing: with --runners 3 set --runner-index 0 … 2 (or $JOB_COMPLETION_INDEX)"},
		{"index out of range", append(pg, "--runners", "2", "--runner-index", "2"), "--runner-index: 2 is out of range"},
		{"bad namespace", append(pg, "--namespace", "9lives"), `--namespace: "9lives" is not a valid namespace`},
		{"bad start", append(pg, "--runners", "2", "--runner-index", "0", "--start-at", "soon"), `--start-at: "soon" is not an RFC 3339 time`},
		{"no dsn", []string{"run", "--driver", "postgres", "--runners", "2", "--runner-index", "0"}, "--runners: the runners must share one server: set --dsn"},
		{"zero barrier timeout", append(pg, "--runners", "2", "--runner-index", "0", "--barrier-timeout", "0s"), "--barrier-timeout: must be > 0"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := runT(t, tt.args...)
			if r.code != exitBadInput || !strings.Contains(r.stderr, tt.want) || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
				t.Fatalf("exit %d, stderr %q; want exit 2 and one line with %q", r.code, r.stderr, tt.want)
			}
		})
	}
}

func TestRunnersEndToEnd(t *testing.T) {
	dsn := testenv.DSN(t, testenv.PostgresDSN)
	dir := t.TempDir()
	const ns = "cmdmulti"
	part := func(i int) string { return filepath.Join(dir, fmt.Sprintf("part-%d.json", i)) }
	var wg sync.WaitGroup
	res := make([]result, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res[i] = runT(t, "run", "--driver", "postgres", "--dsn", dsn, "--writers", "3", "--strategies", "optimistic,lww",
				"--backoffs", "none", "--ops-per-writer", "30", "--warmup", "0s", "--keys", "1", "--hold", "0s",
				"--runners", "2", "--runner-index", fmt.Sprint(i), "--namespace", ns, "--barrier-timeout", "1m", "--quiet", "--out", part(i))
		}()
	}
	wg.Wait()
	for i, r := range res {
		if r.code != exitOK || !strings.Contains(r.stdout, fmt.Sprintf("audit: pending (runner %d of 2)", i)) {
			t.Fatalf("runner %d: exit %d\nstdout: %s\nstderr: %s", i, r.code, r.stdout, r.stderr)
		}
	}
	all := filepath.Join(dir, "all.json")
	for _, tt := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"the same runner twice", []string{"merge", part(0), part(0), "-o", all}, exitBadInput, "runner 0 again"},
		{"namespace mismatch", []string{"merge", part(0), part(1), "-o", all, "--dsn", dsn, "--driver", "postgres", "--namespace", "other"}, exitBadInput, `--namespace "other", but the parts ran in namespace "cmdmulti"`},
		{"merged and checked", []string{"merge", part(1), part(0), "-o", all, "--dsn", dsn, "--driver", "postgres", "--namespace", ns}, exitOK, "store check: ok"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := runT(t, tt.args...)
			if r.code != tt.code || !strings.Contains(r.stderr, tt.want) {
				t.Fatalf("exit %d, stderr %q; want %d and %q", r.code, r.stderr, tt.code, tt.want)
			}
		})
	}
	m, err := results.ReadFile(all)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range m.Cells {
		if c.Ops != 90 || c.Writers != 3 || !c.Audit.OK {
			t.Errorf("%s: ops %d writers %d audit %s", c.Strategy, c.Ops, c.Writers, c.Audit.Verdict)
		}
	}
	if r := runT(t, "report", all); r.code != exitOK || !strings.Contains(r.stdout, "2 runners (namespace cmdmulti)") {
		t.Errorf("report: exit %d, %s", r.code, r.stdout)
	}
	// A write to the namespace after the run: the store no longer holds
	// what runner 0 read after the last cell.
	d, _ := drivers.Lookup("postgres")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	st, err := d.Open(ctx, drivers.Options{DSN: dsn, Writers: 1, Namespace: ns})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.(drivers.Attacher).Attach(ctx, drivers.Spec{Keys: 1, FieldGroups: 1}); err != nil {
		t.Fatal(err)
	}
	var doc drivers.Doc
	p := st.(drivers.Putter)
	if err := p.Read(ctx, 0, &doc); err != nil {
		t.Fatal(err)
	}
	if err := p.Put(ctx, &drivers.Write{Key: 0, Version: doc.Version + 1, Counter: doc.Counter + 1, Payload: []byte{}}); err != nil {
		t.Fatal(err)
	}
	r := runT(t, "merge", part(0), part(1), "-o", all, "--dsn", dsn, "--driver", "postgres", "--namespace", ns, "--quiet")
	if r.code != exitFailed || !strings.Contains(r.stderr, "something wrote to the namespace since") {
		t.Fatalf("merge after a foreign write: exit %d, %q", r.code, r.stderr)
	}
}

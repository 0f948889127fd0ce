package multirunnertest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/occbench/occbench/internal/testenv"
	"github.com/occbench/occbench/results"
)

// The image variables: the occbench image and the PostgreSQL image.
const (
	imageVar    = "OCCBENCH_IMAGE_OCCBENCH"
	postgresVar = "OCCBENCH_IMAGE_POSTGRES"
)

const runners = 3

// need returns the value of the environment variable name, or skips (or
// fails, with OCCBENCH_REQUIRE_DOCKER=1) naming it.
func need(t *testing.T, name, how string) string {
	t.Helper()
	if v := os.Getenv(name); v != "" {
		return v
	}
	if testenv.RequireDocker() {
		t.Fatalf("missing environment variable %s (%s=1: containers are required): %s", name, testenv.RequireDockerVar, how)
	}
	t.Skipf("missing environment variable %s: %s", name, how)
	return ""
}

// unavailable skips the test, or fails it with OCCBENCH_REQUIRE_DOCKER=1,
// saying why Docker cannot be used.
func unavailable(t *testing.T, why string) {
	t.Helper()
	if testenv.RequireDocker() {
		t.Fatalf("docker: %s (%s=1: containers are required)", why, testenv.RequireDockerVar)
	}
	t.Skipf("docker: %s", why)
}

// dockerCLI runs docker commands for one test; every container it
// starts carries the test's label, so that cleanup finds them all.
type dockerCLI struct {
	t     *testing.T
	label string
}

// run runs docker with args and returns its standard output, trimmed.
func (d *dockerCLI) run(ctx context.Context, args ...string) (string, error) {
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "docker", args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("docker %s: %w: %s", args[0], err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(stdout.String()), nil
}

// must is run, failing the test on an error.
func (d *dockerCLI) must(ctx context.Context, args ...string) string {
	d.t.Helper()
	out, err := d.run(ctx, args...)
	if err != nil {
		d.t.Fatal(err)
	}
	return out
}

// cleanup removes every container with the test's label, then network.
func (d *dockerCLI) cleanup(network string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ids, err := d.run(ctx, "ps", "-aq", "--filter", "label="+d.label)
	if err != nil {
		d.t.Errorf("cleanup: %v", err)
	}
	if ids != "" {
		if _, err := d.run(ctx, append([]string{"rm", "-f", "-v"}, strings.Fields(ids)...)...); err != nil {
			d.t.Errorf("cleanup: %v", err)
		}
	}
	if _, err := d.run(ctx, "network", "rm", network); err != nil {
		d.t.Errorf("cleanup: %v", err)
	}
}

// exitCode waits for container name to exit and returns its exit code.
func (d *dockerCLI) exitCode(ctx context.Context, name string) int {
	d.t.Helper()
	out := d.must(ctx, "wait", name)
	code, err := strconv.Atoi(out)
	if err != nil {
		d.t.Fatalf("docker wait %s: %q is not an exit code", name, out)
	}
	return code
}

// logs returns the last lines of a container's output, for a failure.
func (d *dockerCLI) logs(name string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var b bytes.Buffer
	cmd := exec.CommandContext(ctx, "docker", "logs", "--tail", "40", name)
	cmd.Stdout, cmd.Stderr = &b, &b
	_ = cmd.Run() // the logs are for the failure message only
	return b.String()
}

// waitReady polls check every 250 ms until it succeeds or ctx ends.
func waitReady(ctx context.Context, check func() error) error {
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		err := check()
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (last: %v)", ctx.Err(), err)
		case <-tick.C:
		}
	}
}

func randomHex(t *testing.T, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// fleet is one multi-runner setup: a network, PostgreSQL on it, a shared
// results directory.
type fleet struct {
	d        *dockerCLI
	image    string
	network  string
	postgres string // container name
	dsn      string // as the containers reach PostgreSQL
	dir      string // results directory on the host, /results inside
	suffix   string
}

// multiRun is what one run of runners and its merge produced.
type multiRun struct {
	parts     []*results.File
	merged    *results.File
	mergeCode int
}

// run starts the runners of namespace ns (JOB_COMPLETION_INDEX 0..N-1,
// as an Indexed Job), waits for them, then runs the merge and reads
// every file.
func (f *fleet) run(ctx context.Context, t *testing.T, ns string, args ...string) multiRun {
	t.Helper()
	names := make([]string, runners)
	for i := range runners {
		names[i] = fmt.Sprintf("occbench-mr-%s-%s-%d", f.suffix, ns, i)
		cmd := []string{"run", "-d", "--name", names[i], "--label", f.d.label, "--network", f.network,
			"-e", "JOB_COMPLETION_INDEX=" + strconv.Itoa(i), "-v", f.dir + ":/results", f.image,
			"run", "--driver", "postgres", "--dsn", f.dsn, "--runners", strconv.Itoa(runners), "--namespace", ns,
			"--barrier-timeout", "60s", "--quiet", "--out", fmt.Sprintf("/results/%s-part-%d.json", ns, i)}
		f.d.must(ctx, append(cmd, args...)...)
	}
	for i, name := range names {
		if code := f.d.exitCode(ctx, name); code != 0 {
			t.Fatalf("runner %d (%s) exited %d; its log:\n%s", i, ns, code, f.d.logs(name))
		}
	}
	merge := fmt.Sprintf("occbench-mr-%s-%s-merge", f.suffix, ns)
	cmd := []string{"run", "-d", "--name", merge, "--label", f.d.label, "--network", f.network,
		"-v", f.dir + ":/results", f.image, "merge"}
	for i := range runners {
		cmd = append(cmd, fmt.Sprintf("/results/%s-part-%d.json", ns, i))
	}
	cmd = append(cmd, "-o", "/results/"+ns+"-merged.json", "--driver", "postgres", "--dsn", f.dsn, "--namespace", ns)
	f.d.must(ctx, cmd...)
	r := multiRun{mergeCode: f.d.exitCode(ctx, merge)}
	if r.mergeCode != 0 && r.mergeCode != 1 {
		t.Fatalf("merge (%s) exited %d; its log:\n%s", ns, r.mergeCode, f.d.logs(merge))
	}
	for i := range runners {
		p, err := results.ReadFile(filepath.Join(f.dir, fmt.Sprintf("%s-part-%d.json", ns, i)))
		if err != nil {
			t.Fatal(err)
		}
		r.parts = append(r.parts, p)
	}
	var err error
	if r.merged, err = results.ReadFile(filepath.Join(f.dir, ns+"-merged.json")); err != nil {
		t.Fatalf("%v; the merge's log:\n%s", err, f.d.logs(merge))
	}
	t.Logf("%s: merge exited %d:\n%s", ns, r.mergeCode, f.d.logs(merge))
	for _, c := range r.merged.Cells {
		t.Logf("%s: %s w%d: %d ops, p99 %.2f ms, audit: %s", ns, c.Strategy, c.Writers, c.Ops, c.LatencyMS.P99, c.Audit.Verdict)
	}
	for _, rr := range r.merged.Runners {
		t.Logf("%s: runner %d of %d: clock skew %+.3f ms (round trip %.3f ms)", ns, rr.Index, rr.Runners, rr.SkewMS, rr.RTTMS)
	}
	return r
}

// checkSums checks what holds for every multi-runner run: each part is
// its runner's and pending, and the merged cells add up the parts'.
func checkSums(t *testing.T, r multiRun) {
	t.Helper()
	for i, p := range r.parts {
		if p.Runner == nil || p.Runner.Index != i || p.Runner.Runners != runners {
			t.Fatalf("part %d: runner %+v, want index %d of %d (JOB_COMPLETION_INDEX did not reach occbench)", i, p.Runner, i, runners)
		}
		if len(p.Cells) != len(r.merged.Cells) {
			t.Fatalf("part %d has %d cells, the merged file %d", i, len(p.Cells), len(r.merged.Cells))
		}
		for _, c := range p.Cells {
			if want := results.PendingReason(i, runners); c.Audit.Pending != want || c.Audit.OK {
				t.Errorf("part %d cell %s: audit pending %q ok %v, want pending %q and not ok", i, c.Strategy, c.Audit.Pending, c.Audit.OK, want)
			}
		}
	}
	if len(r.merged.Runners) != runners {
		t.Errorf("merged file lists %d runners, want %d", len(r.merged.Runners), runners)
	}
	for ci, m := range r.merged.Cells {
		var ops, attempts, expected int64
		for _, p := range r.parts {
			ops += p.Cells[ci].Ops
			attempts += p.Cells[ci].Attempts
			expected += p.Cells[ci].Audit.Expected
		}
		if m.Ops == 0 || m.Ops != ops || m.Attempts != attempts || m.Audit.Expected != expected {
			t.Errorf("merged cell %s: ops %d attempts %d expected %d; the parts sum to %d, %d, %d", m.Strategy, m.Ops, m.Attempts, m.Audit.Expected, ops, attempts, expected)
		}
		if m.Audit.Pending != "" {
			t.Errorf("merged cell %s: audit still pending (%q)", m.Strategy, m.Audit.Pending)
		}
		if m.Writers != 6 {
			t.Errorf("merged cell %s: %d writers, want the whole scenario's 6", m.Strategy, m.Writers)
		}
	}
}

func TestContainers(t *testing.T) {
	if _, err := exec.LookPath("docker"); err != nil {
		unavailable(t, "no docker on PATH")
	}
	image := need(t, imageVar, `eval "$(docker/build-occbench-image.sh --print-env)"`)
	pgImage := need(t, postgresVar, `eval "$(docker/build-images.sh --print-env)"`)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()

	suffix := randomHex(t, 4)
	d := &dockerCLI{t: t, label: "org.occbench.multirunnertest=" + suffix}
	if _, err := d.run(ctx, "info", "--format", "{{.ServerVersion}}"); err != nil {
		unavailable(t, err.Error())
	}
	f := &fleet{d: d, image: image, network: "occbench-mr-" + suffix, postgres: "occbench-mr-" + suffix + "-postgres", suffix: suffix}
	d.must(ctx, "network", "create", f.network)
	t.Cleanup(func() { d.cleanup(f.network) })

	password := randomHex(t, 12)
	d.must(ctx, "run", "-d", "--name", f.postgres, "--label", d.label, "--network", f.network, "--network-alias", "postgres",
		"-e", "POSTGRES_USER=occbench", "-e", "POSTGRES_PASSWORD="+password, "-e", "POSTGRES_DB=occbench",
		pgImage, "postgres", "-c", "fsync=off", "-c", "max_connections=200")
	f.dsn = "postgres://occbench:" + password + "@postgres:5432/occbench?sslmode=disable"

	f.dir = t.TempDir()
	// The image runs as user 65532: let it write here.
	if err := os.Chmod(f.dir, 0o777); err != nil {
		t.Fatal(err)
	}

	start := time.Now()
	readyCtx, readyCancel := context.WithTimeout(ctx, 90*time.Second)
	defer readyCancel()
	if err := waitReady(readyCtx, func() error {
		_, err := d.run(readyCtx, "exec", f.postgres, "pg_isready", "-q", "-h", "127.0.0.1", "-U", "occbench", "-d", "occbench")
		return err
	}); err != nil {
		t.Fatalf("postgres not ready: %v; its log:\n%s", err, d.logs(f.postgres))
	}
	t.Logf("postgres ready in %v", time.Since(start).Round(time.Millisecond))

	common := []string{"--backoffs", "none", "--writers", "6", "--keys", "1", "--hold", "500us", "--duration", "2s", "--warmup", "200ms"}

	t.Run("optimistic", func(t *testing.T) {
		r := f.run(ctx, t, "mropt", append([]string{"--strategies", "optimistic"}, common...)...)
		checkSums(t, r)
		if r.mergeCode != 0 {
			t.Errorf("merge exited %d, want 0: an optimistic run loses nothing", r.mergeCode)
		}
		for _, c := range r.merged.Cells {
			if !c.Audit.OK || c.Audit.LostUpdates != 0 || c.Audit.Observed != c.Audit.Expected {
				t.Errorf("cell %s: global audit %+v, want ok with observed == expected", c.Strategy, c.Audit)
			}
		}
	})

	t.Run("lww", func(t *testing.T) {
		const ns = "mrlww"
		r := f.run(ctx, t, ns, append([]string{"--strategies", "lww"}, common...)...)
		checkSums(t, r)
		if len(r.merged.Cells) != 1 {
			t.Fatalf("%d cells, want 1", len(r.merged.Cells))
		}
		c := r.merged.Cells[0]
		// What the store holds, read here, independently of occbench.
		out := d.must(ctx, "exec", "-e", "PGPASSWORD="+password, f.postgres, "psql", "-h", "127.0.0.1", "-U", "occbench", "-d", "occbench",
			"-tAc", "SELECT coalesce(sum(counter), 0) FROM "+ns+"_occbench_docs")
		stored, err := strconv.ParseInt(out, 10, 64)
		if err != nil {
			t.Fatalf("psql: %q is not a number", out)
		}
		var expected int64
		for _, p := range r.parts {
			expected += p.Cells[0].Audit.Expected
		}
		if c.Audit.Observed != stored {
			t.Errorf("merged audit observed %d, the store holds %d", c.Audit.Observed, stored)
		}
		if c.Audit.LostUpdates != expected-stored || c.Audit.LostUpdates <= 0 {
			t.Errorf("merged lost updates %d, want the parts' committed %d less the store's %d = %d (> 0: %d lww writers on one key lose updates)",
				c.Audit.LostUpdates, expected, stored, expected-stored, c.Writers)
		}
		if !c.Audit.LossExpected || r.mergeCode != 0 {
			t.Errorf("lww: loss expected %v, merge exit %d; want true and 0 (lww promises nothing)", c.Audit.LossExpected, r.mergeCode)
		}
	})
}

// TestWaitReady checks the poll loop without Docker: it returns once the
// check succeeds, and with the context's error when it never does.
func TestWaitReady(t *testing.T) {
	t.Parallel()
	calls := 0
	if err := waitReady(context.Background(), func() error {
		calls++
		if calls < 2 {
			return errors.New("not yet")
		}
		return nil
	}); err != nil || calls != 2 {
		t.Fatalf("waitReady = %v after %d calls, want nil after 2", err, calls)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := waitReady(ctx, func() error { return errors.New("never") }); !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "never") {
		t.Fatalf("waitReady on a cancelled context = %v, want context.Canceled naming the last error", err)
	}
}

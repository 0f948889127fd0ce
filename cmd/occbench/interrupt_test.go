package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/occbench/occbench/internal/harness"
	"github.com/occbench/occbench/internal/provision"
	"github.com/occbench/occbench/internal/testenv"
)

// watchWriter is a stderr that tells when a line containing want was
// written.
type watchWriter struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	want string
	seen chan struct{}
	once sync.Once
}

func (w *watchWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n, err := w.buf.Write(p)
	if strings.Contains(w.buf.String(), w.want) {
		w.once.Do(func() { close(w.seen) })
	}
	return n, err
}

func (w *watchWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// TestSecondInterruptRemovesContainers: Ctrl-C twice while a cell runs
// against a container occbench started returns 130 at once, and the
// container is gone and no temporary results file is left.
func TestSecondInterruptRemovesContainers(t *testing.T) {
	if err := provision.DockerAvailable(context.Background()); err != nil {
		if testenv.RequireDocker() {
			t.Fatalf("no container engine: %v", err)
		}
		t.Skipf("no container engine: %v", err)
	}
	docker, err := exec.LookPath("docker")
	if err != nil {
		t.Skip("no docker CLI to list containers")
	}
	out := filepath.Join(t.TempDir(), "r.json")
	stderr := &watchWriter{want: "plan:", seen: make(chan struct{})}
	sig := make(chan os.Signal, 2)
	td := harness.NewTeardown()
	done := make(chan int, 1)
	var stdout bytes.Buffer
	go func() {
		done <- runWithTeardown(context.Background(), td, []string{"run", "--driver", "redis", "--strategies", "optimistic", "--backoffs", "expo", "--writers", "1", "--duration", "1m", "--out", out}, &stdout, stderr, sig)
	}()
	select {
	case <-stderr.seen: // the container runs: the plan is printed after it is ready
	case code := <-done:
		t.Fatalf("run ended (exit %d) before its plan:\n%s", code, stderr.String())
	case <-time.After(2 * time.Minute):
		t.Fatalf("no plan after 2 minutes:\n%s", stderr.String())
	}
	runs := td.Runs()
	if len(runs) != 1 {
		t.Fatalf("runs %v, want one container", runs)
	}
	sig <- os.Interrupt
	sig <- os.Interrupt
	start := time.Now()
	select {
	case code := <-done:
		if code != exitInterrupted {
			t.Errorf("exit %d, want %d", code, exitInterrupted)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("a second Ctrl-C did not return within 30s")
	}
	t.Logf("returned %v after the second Ctrl-C", time.Since(start).Round(time.Millisecond))
	ids, err := exec.Command(docker, "ps", "-aq", "--filter", "label="+provision.RunLabel+"="+runs[0]).Output()
	if err != nil {
		t.Fatal(err)
	}
	if s := strings.TrimSpace(string(ids)); s != "" {
		t.Errorf("containers left behind: %s", s)
		_ = exec.Command(docker, "rm", "-f", s).Run()
	}
	if tmp, _ := filepath.Glob(filepath.Join(filepath.Dir(out), ".*.tmp")); len(tmp) > 0 {
		t.Errorf("temporary results files left: %v", tmp)
	}
	if !strings.Contains(stderr.String(), "interrupted twice") {
		t.Errorf("stderr lacks the second interrupt's line:\n%s", stderr.String())
	}
}

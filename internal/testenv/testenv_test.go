package testenv

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// fakeTB records how a test ended. Skipf and Fatalf stop the calling
// goroutine as the real ones do.
type fakeTB struct {
	testing.TB
	skipped, failed bool
	msg             string
}

func (f *fakeTB) Helper() {}

func (f *fakeTB) Skipf(format string, args ...any) {
	f.skipped, f.msg = true, fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func (f *fakeTB) Fatalf(format string, args ...any) {
	f.failed, f.msg = true, fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// call runs DSN on f in its own goroutine, since Skipf and Fatalf end it.
func call(f *fakeTB, name string) (got string) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		got = DSN(f, name)
	}()
	<-done
	return got
}

func TestDSN(t *testing.T) {
	const name = "OCCBENCH_TESTENV_TEST_DSN"
	tests := []struct {
		name, value, require string
		want                 string
		skipped, failed      bool
	}{
		{name: "set", value: "postgres://u:pw@h/db", want: "postgres://u:pw@h/db"},
		{name: "set and required", value: "redis://h:6379/0", require: "1", want: "redis://h:6379/0"},
		{name: "unset skips", skipped: true},
		{name: "unset required fails", require: "1", failed: true},
		{name: "require other than 1 skips", require: "true", skipped: true},
		{name: "require 0 skips", require: "0", skipped: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(name, tt.value)
			t.Setenv(RequireDockerVar, tt.require)
			f := &fakeTB{}
			got := call(f, name)
			if got != tt.want || f.skipped != tt.skipped || f.failed != tt.failed {
				t.Fatalf("DSN = %q, skipped %v, failed %v; want %q, %v, %v (message %q)",
					got, f.skipped, f.failed, tt.want, tt.skipped, tt.failed, f.msg)
			}
			if tt.skipped || tt.failed {
				if !strings.Contains(f.msg, name) {
					t.Errorf("message %q does not name %s", f.msg, name)
				}
				if strings.Contains(f.msg, "\n") {
					t.Errorf("message %q is more than one line", f.msg)
				}
			}
			if tt.failed && !strings.Contains(f.msg, RequireDockerVar) {
				t.Errorf("failure %q does not name %s", f.msg, RequireDockerVar)
			}
		})
	}
}

func TestRequireDocker(t *testing.T) {
	tests := []struct {
		value string
		want  bool
	}{
		{"1", true},
		{"", false},
		{"0", false},
		{"true", false},
		{" 1", false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%q", tt.value), func(t *testing.T) {
			t.Setenv(RequireDockerVar, tt.value)
			if got := RequireDocker(); got != tt.want {
				t.Errorf("RequireDocker() with %s=%q = %v, want %v", RequireDockerVar, tt.value, got, tt.want)
			}
		})
	}
}

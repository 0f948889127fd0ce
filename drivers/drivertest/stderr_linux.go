package drivertest

import (
	"bytes"
	"io"
	"os"
	"syscall"
	"testing"
)

// CaptureStderr runs fn with the process's file descriptor 2 pointed at
// a pipe, and returns what was written to it: what a client library
// printed to stderr, through os.Stderr or a *log.Logger made before the
// test. It redirects the whole process, so the calling test must not
// run in parallel with others that print.
func CaptureStderr(t testing.TB, fn func()) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	saved, err := syscall.Dup(2)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Dup3(int(w.Fd()), 2, 0); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	done := make(chan struct{})
	go func() {
		_, _ = io.Copy(&buf, r)
		close(done)
	}()
	restored := false
	restore := func() {
		restored = true
		_ = syscall.Dup3(saved, 2, 0)
		_ = syscall.Close(saved)
		w.Close()
		<-done
		r.Close()
	}
	defer func() {
		if !restored {
			restore() // fn failed the test
		}
	}()
	fn()
	restore()
	return buf.String()
}

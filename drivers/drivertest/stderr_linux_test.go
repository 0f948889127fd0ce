package drivertest

import (
	"os"
	"syscall"
	"testing"
)

// TestCaptureStderr: what is written to file descriptor 2, through
// os.Stderr or directly, is captured, and stderr is restored after.
func TestCaptureStderr(t *testing.T) {
	out := CaptureStderr(t, func() {
		os.Stderr.WriteString("via os.Stderr\n")
		syscall.Write(2, []byte("via fd 2\n"))
	})
	if out != "via os.Stderr\nvia fd 2\n" {
		t.Errorf("captured %q", out)
	}
	if out := CaptureStderr(t, func() {}); out != "" {
		t.Errorf("captured %q from nothing", out)
	}
}

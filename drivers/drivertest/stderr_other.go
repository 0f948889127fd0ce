//go:build !linux

package drivertest

import "testing"

// CaptureStderr needs dup3, which only Linux has here: the test skips.
func CaptureStderr(t testing.TB, fn func()) string {
	t.Helper()
	t.Skip("capturing stderr needs Linux")
	return ""
}

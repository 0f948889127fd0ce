// Package golden is the test helper for golden files: Check compares a
// test's output with testdata/<name>.golden and rewrites the file when the
// test binary runs with -update. It is imported only by _test.go files.
package golden

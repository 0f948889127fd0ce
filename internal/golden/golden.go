package golden

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// update is the -update flag of every test binary that imports golden.
var update = flag.Bool("update", false, "rewrite testdata golden files")

// Path is testdata/<test name>.golden, subtests' slashes as underscores.
func Path(t testing.TB) string {
	return filepath.Join("testdata", strings.ReplaceAll(t.Name(), "/", "_")+".golden")
}

// Check compares got with the file at path; with -update it writes got
// there first (creating testdata/ when needed).
func Check(t testing.TB, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (run go test -update to accept)\n--- got ---\n%s\n--- want ---\n%s", path, got, want)
	}
}

// Updating reports whether the tests run with -update.
func Updating() bool { return *update }

package harness

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/occbench/occbench/results"
)

// WriteResults writes f to path (atomically: a temporary file renamed
// into place). When that fails (a missing directory, permissions, a full
// disk) it writes the same file into the temporary directory instead and
// returns that path with the error, so a run's measurements are never
// lost: the caller prints both paths and exits 1.
func WriteResults(path string, f *results.File) (written string, err error) {
	err = results.WriteFile(path, f)
	if err == nil {
		return path, nil
	}
	fallback := filepath.Join(os.TempDir(), fmt.Sprintf("occbench-%s-%s", f.StartedAt.UTC().Format("20060102T150405Z"), filepath.Base(path)))
	if ferr := results.WriteFile(fallback, f); ferr != nil {
		return "", fmt.Errorf("--out %s: %w (and the fallback %s failed too: %v)", path, err, fallback, ferr)
	}
	return fallback, fmt.Errorf("--out %s: %w; the results were written to %s instead", path, err, fallback)
}

package browsertest

import (
	"os"
	"os/exec"
)

// Environment variables of the browser test.
const (
	// EnvRequire set to 1 makes a missing browser fail the test.
	EnvRequire = "OCCBENCH_REQUIRE_BROWSER"
	// EnvChromium names the browser binary to use.
	EnvChromium = "OCCBENCH_CHROMIUM"
	// EnvArtifacts is the directory for screenshots.
	EnvArtifacts = "OCCBENCH_ARTIFACTS"
)

// chromiumNames are the names a Chromium binary goes by: Debian's
// package, other distributions', Google's build, and the headless shell.
var chromiumNames = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome", "headless-shell"}

// FindChromium returns the path of a Chromium binary: $OCCBENCH_CHROMIUM
// when set, else the first of the usual names on PATH. ok is false when
// there is none.
func FindChromium() (path string, ok bool) {
	if p := os.Getenv(EnvChromium); p != "" {
		if p, err := exec.LookPath(p); err == nil {
			return p, true
		}
		return "", false
	}
	for _, name := range chromiumNames {
		if p, err := exec.LookPath(name); err == nil {
			return p, true
		}
	}
	return "", false
}

// Required reports whether a missing browser must fail the test
// (OCCBENCH_REQUIRE_BROWSER=1).
func Required() bool { return os.Getenv(EnvRequire) == "1" }

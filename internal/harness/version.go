package harness

import (
	"runtime/debug"
	"strings"
)

func readBuildInfo() *debug.BuildInfo {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return nil
	}
	return bi
}

// version renders the module version and, when the build recorded one,
// the VCS revision (12 digits) and whether the tree was modified.
func version(bi *debug.BuildInfo) string {
	if bi == nil {
		return "devel"
	}
	v := bi.Main.Version
	if v == "" || v == "(devel)" {
		v = "devel"
	}
	var rev, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	if rev == "" || strings.Contains(v, rev[:min(len(rev), 12)]) {
		return v
	}
	extra := "rev " + rev[:min(len(rev), 12)]
	if modified == "true" {
		extra += ", modified"
	}
	return v + " (" + extra + ")"
}

package main

import (
	"errors"
	"flag"
	"io"
	"strings"
	"testing"

	"github.com/occbench/occbench/internal/harness"
)

// FuzzRunFlags feeds arbitrary command lines (NUL-separated arguments)
// through run's flag parsing and planning, which refuse bad input before
// anything runs: nothing may panic, every error is one line, and every
// refusal is bad input (exit 2).
func FuzzRunFlags(f *testing.F) {
	for _, seed := range []string{
		"--writers\x001,4", "--writers\x001,,4", "--rate\x00NaN", "--latency\x00normal:1ms,2ms", "--driver\x00memory\x00--params\x00a=b",
		"quickstart\x00--strategies\x00optimistic,lease", "--trials\x001000\x00--writers\x001,2,3", "--lease-stall\x000.5:1s", "-h", "--threshold\x00p99<5",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, line string) {
		args := strings.Split(line, "\x00")
		var rf runFlags
		fs := newRunFlagSet("occbench run", &rf)
		fs.SetOutput(io.Discard)
		pos, err := parseInterleaved(fs, args)
		if err == nil {
			var p *harness.Plan
			p, err = rf.plan("run", pos)
			if err == nil {
				_ = p.Write(io.Discard)
				return
			}
		}
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		if !harness.IsBadInput(err) {
			t.Fatalf("%q: not marked bad input: %v", args, err)
		}
		if strings.Contains(firstLine(err.Error()), "\n") || err.Error() == "" {
			t.Fatalf("%q: error %q", args, err)
		}
	})
}

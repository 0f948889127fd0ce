package harness

import (
	"strings"
	"testing"

	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/drivers/memory"
)

// noRowLocks is a memory store whose row locks are refused, as a Mongo
// server without transactions refuses them.
type noRowLocks struct{ *memory.Store }

func (noRowLocks) Unsupported(c drivers.Capability) string {
	if c == drivers.CapLockedUpdate {
		return "row locks need transactions"
	}
	return ""
}

// TestCheckRunnableHybrid: hybrid is refused, with the lock's missing
// capability named, when the store lacks what --hybrid-lock needs, and
// runs when it has it.
func TestCheckRunnableHybrid(t *testing.T) {
	mem, err := memory.New(drivers.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name  string
		lock  string
		store drivers.Store
		want  string // "" = runnable
	}{
		{"row lock refused", "row", noRowLocks{mem}, "no cell can run: --hybrid-lock row: --strategy hybrid: row locks need transactions"},
		{"lease on the same store", "lease", noRowLocks{mem}, ""},
		{"row lock", "row", mem, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p, err := NewPlan("", []Setting{{"driver", "memory"}, {"strategies", "hybrid"}, {"hybrid-lock", tt.lock}})
			if err != nil {
				t.Fatal(err)
			}
			err = p.CheckRunnable(&Stores{Data: tt.store})
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("CheckRunnable: %v", err)
			case tt.want != "" && (err == nil || !IsBadInput(err) || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("CheckRunnable: %v, want bad input containing %q", err, tt.want)
			}
		})
	}
}

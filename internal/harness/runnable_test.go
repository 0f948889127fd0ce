package harness

import (
	"context"
	"slices"
	"strings"
	"testing"
)

func TestRunnable(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name     string
		settings []Setting
		want     []string
		refused  string // the strategy refused, with a word of its reason
		reason   string
	}{
		{"memory runs all three", []Setting{{"driver", "memory"}}, []string{"optimistic", "pessimistic", "lease"}, "", ""},
		{"operation scope refuses the locks", []Setting{{"driver", "memory"}, {"scope", "operation"}}, []string{"optimistic"}, "pessimistic", "whole document"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := NewPlan("", tt.settings)
			if err != nil {
				t.Fatal(err)
			}
			st, err := Open(context.Background(), p.Scenario, OpenOptions{})
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			ok, refused := p.Runnable(st, []string{"optimistic", "pessimistic", "lease"})
			if !slices.Equal(ok, tt.want) {
				t.Errorf("runnable = %v, want %v", ok, tt.want)
			}
			if tt.refused == "" {
				if len(refused) != 0 {
					t.Errorf("refused = %v, want none", refused)
				}
				return
			}
			if len(refused) == 0 || refused[0].Strategy != tt.refused || !strings.Contains(refused[0].Reason, tt.reason) ||
				strings.HasPrefix(refused[0].Reason, "no cell can run") {
				t.Errorf("refused = %+v, want %s for %q", refused, tt.refused, tt.reason)
			}
		})
	}
}

package harness

import (
	"testing"

	"github.com/occbench/occbench/scenarios"
)

func TestDescribeOverrides(t *testing.T) {
	tests := []struct {
		name     string
		desc     string
		settings []Setting
		want     string
	}{
		{"no flags", "Hot row.", nil, "Hot row."},
		{"flags appended", "Hot row.\n", []Setting{{"driver", "memory"}, {"writers", "1,8"}},
			"Hot row. Changed by flags: --driver memory, --writers 1,8."},
		{"dsn left out", "Hot row.", []Setting{{"dsn", "postgres://u:secret@h/db"}, {"lease-dsn", "redis://:pw@h"}}, "Hot row."},
		{"own description wins", "Hot row.", []Setting{{"driver", "memory"}, {"description", "Mine."}}, "Hot row."},
		{"empty description", "", []Setting{{"keys", "10"}}, "Changed by flags: --keys 10."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := scenarios.Scenario{Description: tt.desc}
			describeOverrides(&sc, tt.settings)
			if sc.Description != tt.want {
				t.Errorf("description = %q, want %q", sc.Description, tt.want)
			}
		})
	}
}

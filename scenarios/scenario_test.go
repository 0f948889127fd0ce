package scenarios

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var testAllowed = Allowed{
	Drivers:       []string{"memory", "sqlite"},
	Strategies:    []string{"optimistic", "pessimistic", "lease", "lww", "idempotent"},
	Backoffs:      []string{"none", "expo", "full-jitter", "decorrelated-jitter"},
	Distributions: []string{"single", "uniform", "zipfian", "hotspot"},
}

func TestBuiltinsParseAndValidate(t *testing.T) {
	bs := Builtins()
	if len(bs) < 6 {
		t.Fatalf("want at least 6 built-ins, got %d", len(bs))
	}
	for _, b := range bs {
		t.Run(b.Name, func(t *testing.T) {
			if b.Question == "" || !strings.HasSuffix(b.Question, "?") {
				t.Errorf("built-in %s: first comment line must be the question it answers, got %q", b.Name, b.Question)
			}
			s, err := Load(b.Name)
			if err != nil {
				t.Fatal(err)
			}
			if s.Name != b.Name {
				t.Errorf("name field %q, want %q", s.Name, b.Name)
			}
			if err := s.Validate(testAllowed); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestParseRejectsUnknownFieldsWithLine(t *testing.T) {
	_, err := Parse("x.yaml", []byte("name: x\nwriters: [1]\nwritters: 3\n"))
	if err == nil {
		t.Fatal("want an error")
	}
	for _, want := range []string{"x.yaml", "line 3", `unknown field "writters"`, "allowed:"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

func TestParseBadValues(t *testing.T) {
	for _, tt := range []struct{ name, yaml, want string }{
		{"duration", "duration: fast\n", "line 1: duration: want a duration"},
		{"int", "keys: many\n", "line 1"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("f.yaml", []byte(tt.yaml))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestParseEmptyFileIsDefaults(t *testing.T) {
	s, err := Parse("empty.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.Driver != "sqlite" || s.Duration.D() != 10*time.Second {
		t.Errorf("defaults not applied: %+v", s)
	}
}

func TestLoadFileAndMissing(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "mine.yaml")
	if err := os.WriteFile(p, []byte("driver: memory\nwriters: [2, 8]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if s.Name != "mine" || s.Driver != "memory" || len(s.Writers) != 2 {
		t.Errorf("loaded %+v", s)
	}
	_, err = Load("no-such-scenario")
	if err == nil || !strings.Contains(err.Error(), "built-ins: field-groups") {
		t.Errorf("missing built-in: got %v", err)
	}
}

func TestValidate(t *testing.T) {
	for _, tt := range []struct {
		name string
		mod  func(*Scenario)
		want string // "" = valid
	}{
		{"default", func(*Scenario) {}, ""},
		{"driver", func(s *Scenario) { s.Driver = "oracle" }, `driver (--driver): unknown value "oracle" (allowed: memory, sqlite)`},
		{"strategy", func(s *Scenario) { s.Strategies = []string{"hope"} }, `strategies (--strategies): unknown value "hope" (allowed: optimistic, pessimistic, lease, lww, idempotent)`},
		{"no strategies", func(s *Scenario) { s.Strategies = nil }, "strategies (--strategies): must name at least one"},
		{"dup backoff", func(s *Scenario) { s.Backoffs = []string{"expo", "expo"} }, `backoffs (--backoffs): "expo" listed twice`},
		{"backoff base", func(s *Scenario) { s.BackoffBase = 0 }, "backoff_base (--backoff-base): must be > 0"},
		{"backoff cap", func(s *Scenario) { s.BackoffCap = Duration(time.Millisecond) }, "backoff_cap (--backoff-cap): must be ≥ backoff_base"},
		{"writers zero", func(s *Scenario) { s.Writers = []int{4, 0} }, "writers (--writers): each must be 1 … 10000, got 0"},
		{"writers empty", func(s *Scenario) { s.Writers = nil }, "writers (--writers): must list"},
		{"keys", func(s *Scenario) { s.Keys = 0 }, "keys (--keys): must be ≥ 1, got 0"},
		{"on_conflict", func(s *Scenario) { s.OnConflict = "pray" }, `on_conflict (--on-conflict): unknown value "pray" (allowed: retry, fail, merge)`},
		{"scope", func(s *Scenario) { s.Scope = "row" }, `scope (--scope): unknown value "row" (allowed: document, field-group, operation)`},
		{"field groups", func(s *Scenario) { s.FieldGroups = 17 }, "field_groups (--field-groups): must be 1 … 16, got 17"},
		{"theta", func(s *Scenario) { s.ZipfTheta = 1 }, "zipf_theta (--zipf-theta): must be in (0, 1)"},
		{"distribution", func(s *Scenario) { s.Distribution = "gauss" }, `distribution (--distribution): unknown value "gauss"`},
		{"duration", func(s *Scenario) { s.Duration = 0 }, "duration (--duration): must be > 0 when ops_per_writer is 0"},
		{"ops mode", func(s *Scenario) { s.Duration = 0; s.OpsPerWriter = 10 }, ""},
		{"rate", func(s *Scenario) { s.Rate = -1 }, "rate (--rate): must be ≥ 0"},
		{"stall", func(s *Scenario) { s.LeaseStall.Prob = 2 }, "lease_stall (--lease-stall): probability must be in [0, 1]"},
		{"budget", func(s *Scenario) { s.Budget = -5 }, "budget (--budget): must be ≥ 0"},
		{"max attempts", func(s *Scenario) { s.MaxAttempts = -1 }, "max_attempts (--max-attempts): must be ≥ 0"},
		{"payload", func(s *Scenario) { s.PayloadBytes = -1 }, "payload_bytes (--payload-bytes): must be 0 … 1048576"},
		{"trials", func(s *Scenario) { s.Trials = 0 }, "trials (--trials): must be 1 … 1000"},
		{"name", func(s *Scenario) { s.Name = "a/b" }, "name (--name): must be non-empty"},
		{"lease store", func(s *Scenario) { s.LeaseStore = "etcd" }, `lease_store (--lease-store): unknown value "etcd"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := Default()
			tt.mod(&s)
			err := s.Validate(testAllowed)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("want valid, got %v", err)
			case tt.want != "" && err == nil:
				t.Fatalf("want error containing %q, got nil", tt.want)
			case tt.want != "" && !strings.Contains(err.Error(), tt.want):
				t.Fatalf("error %q\nwant it to contain %q", err, tt.want)
			}
			if err != nil && strings.Contains(err.Error(), "\n") {
				t.Errorf("error must be one line: %q", err)
			}
		})
	}
}

func TestSetFromFlags(t *testing.T) {
	for _, tt := range []struct {
		flag, value string
		check       func(Scenario) bool
		wantErr     string
	}{
		{"writers", "1,4,16", func(s Scenario) bool { return len(s.Writers) == 3 && s.Writers[2] == 16 }, ""},
		{"writers", "1,x", nil, "--writers: want a comma list of integers"},
		{"strategy", "optimistic, lease", func(s Scenario) bool { return len(s.Strategies) == 2 && s.Strategies[1] == "lease" }, ""},
		{"backoff-base", "2ms", func(s Scenario) bool { return s.BackoffBase.D() == 2*time.Millisecond }, ""},
		{"backoff-base", "soon", nil, "--backoff-base: want a duration"},
		{"fencing", "false", func(s Scenario) bool { return !s.Fencing }, ""},
		{"fencing", "maybe", nil, "--fencing: want true or false"},
		{"lease-stall", "0.1:2s", func(s Scenario) bool { return s.LeaseStall.Prob == 0.1 && s.LeaseStall.Duration.D() == 2*time.Second }, ""},
		{"lease-stall", "often", nil, "--lease-stall: want PROB:DURATION"},
		{"param", "lock_wait=nowait", func(s Scenario) bool { return s.Params["lock_wait"] == "nowait" }, ""},
		{"param", "nokey", nil, "--param: want key=value"},
		{"seed", "-1", nil, "--seed: want a non-negative integer"},
		{"rate", "1e3", func(s Scenario) bool { return s.Rate == 1000 }, ""},
		{"keys", "ten", nil, "--keys: want an integer"},
		{"nonsense", "1", nil, "--nonsense: not a scenario flag"},
	} {
		t.Run(tt.flag+"="+tt.value, func(t *testing.T) {
			s := Default()
			err := s.Set(tt.flag, tt.value)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(s) {
				t.Errorf("field not set: %+v", s)
			}
		})
	}
}

func TestEveryFieldHasAFlag(t *testing.T) {
	if len(Flags()) != len(FieldNames()) {
		t.Fatalf("%d flags for %d fields", len(Flags()), len(FieldNames()))
	}
}

func TestMapRoundTripRedacts(t *testing.T) {
	s := Default()
	s.DSN = "postgres://u:secret@h/db"
	m := s.ToMap(func(string) string { return "REDACTED" })
	if m["dsn"] != "REDACTED" || m["backoff_base"] != "5ms" {
		t.Fatalf("map: %v", m)
	}
	back, err := FromMap(m)
	if err != nil {
		t.Fatal(err)
	}
	if back.BackoffBase != s.BackoffBase || back.Writers[0] != s.Writers[0] {
		t.Errorf("round trip lost fields: %+v", back)
	}
}

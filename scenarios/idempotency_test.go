package scenarios

import (
	"strings"
	"testing"
	"time"
)

func TestIdempotencyBlock(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name  string
		yaml  string
		flags [][2]string
		want  Idempotency
		err   string // a Parse, Set or Validate error containing this
	}{
		{name: "absent: defaults", yaml: "name: x\n", want: DefaultIdempotency()},
		{name: "partial block keeps defaults", yaml: "name: x\nidempotency:\n  crash_rate: 0.5\n",
			want: Idempotency{CrashRate: 0.5, TTL: Duration(time.Minute), StaleAfter: Duration(500 * time.Millisecond)}},
		{name: "flags and aliases", yaml: "name: x\n", flags: [][2]string{{"duplicate-rate", "0.2"}, {"idempotency-crash-rate", "0.1"}, {"mismatch-rate", "1"}, {"idem-ttl", "2m"}, {"stale-after", "1s"}},
			want: Idempotency{DuplicateRate: 0.2, CrashRate: 0.1, MismatchRate: 1, TTL: Duration(2 * time.Minute), StaleAfter: Duration(time.Second)}},
		{name: "flag over file", yaml: "name: x\nidempotency: {duplicate_rate: 0.3}\n", flags: [][2]string{{"duplicate-rate", "0"}},
			want: Idempotency{TTL: Duration(time.Minute), StaleAfter: Duration(500 * time.Millisecond)}},
		{name: "rate above 1", yaml: "name: x\n", flags: [][2]string{{"crash-rate", "2"}}, err: "--crash-rate: want a fraction in [0, 1], got \"2\""},
		{name: "rate NaN", yaml: "name: x\n", flags: [][2]string{{"idempotency-duplicate-rate", "NaN"}}, err: "--idempotency-duplicate-rate: want a fraction in [0, 1]"},
		{name: "bad duration", yaml: "name: x\n", flags: [][2]string{{"stale-after", "soon"}}, err: "--stale-after: want a duration"},
		{name: "yaml rate above 1", yaml: "name: x\nidempotency: {duplicate_rate: 1.5}\n",
			err: "idempotency.duplicate_rate (--idempotency-duplicate-rate, --duplicate-rate): must be in [0, 1], got 1.5"},
		{name: "ttl not above stale_after", yaml: "name: x\nidempotency: {ttl: 1s, stale_after: 1s}\n",
			err: "idempotency.ttl (--idempotency-ttl, --idem-ttl): must be > stale_after (1s) and ≤ 24h, got 1s"},
		{name: "stale_after zero", yaml: "name: x\nidempotency: {stale_after: 0s}\n", err: "idempotency.stale_after (--idempotency-stale-after, --stale-after): must be > 0"},
		{name: "unknown block field", yaml: "name: x\nidempotency: {crash: 0.1}\n", err: "crash"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := Parse("t.yaml", []byte(tt.yaml))
			for _, f := range tt.flags {
				if err == nil {
					err = s.Set(f[0], f[1])
				}
			}
			if err == nil {
				err = s.Validate(testAllowed)
			}
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) || strings.Contains(err.Error(), "\n") {
					t.Fatalf("got %v, want one line containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := s.Idem(); got != tt.want {
				t.Fatalf("block %+v, want %+v", got, tt.want)
			}
			// The block survives a results file's scenario map.
			back, err := FromMap(s.ToMap(nil))
			if err != nil {
				t.Fatal(err)
			}
			if back.Idem() != tt.want {
				t.Fatalf("after ToMap/FromMap %+v, want %+v", back.Idem(), tt.want)
			}
		})
	}
}

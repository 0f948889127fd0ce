package memory

import (
	"bytes"
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/occbench/occbench/delay"
	"github.com/occbench/occbench/drivers"
)

func newStore(t testing.TB, spec drivers.Spec, o drivers.Options) *Store {
	t.Helper()
	s, err := New(o)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if err := s.Setup(context.Background(), spec); err != nil {
		t.Fatalf("Setup(%+v): %v", spec, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func write(key, group int, scope drivers.Scope, expect int64, payload byte, gb int) *drivers.Write {
	return &drivers.Write{
		Key: key, Group: group, Scope: scope, Expect: expect,
		Writer: 7, Op: expect + 100, UpdatedAt: 1234,
		Payload: bytes.Repeat([]byte{payload}, gb),
	}
}

func TestRegistered(t *testing.T) {
	d, err := drivers.Lookup(Name)
	if err != nil {
		t.Fatal(err)
	}
	st, err := d.Open(context.Background(), drivers.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, ok := st.(drivers.Leaser); !ok {
		t.Errorf("registered opener returns %T, not a drivers.Leaser", st)
	}
	v, err := st.(drivers.Versioner).ServerVersion(context.Background())
	if err != nil || v != Version {
		t.Errorf("ServerVersion = %q, %v; want %q", v, err, Version)
	}
}

// TestSetupTooLarge: a cell that could not fit in memory is refused before
// anything is allocated, with an error that names keys, the estimate and
// the limit and wraps drivers.ErrInvalidOption. (The rest of Setup's
// contract is checked by drivertest, in TestConformance.)
func TestSetupTooLarge(t *testing.T) {
	const limit = 1 << 20
	for _, tt := range []struct {
		name    string
		prev    *drivers.Spec // a cell set up before
		spec    drivers.Spec
		wantErr string // "" = fits
	}{
		{name: "fits", spec: drivers.Spec{Keys: 4000, FieldGroups: 1, PayloadBytes: 64}},
		{name: "too many keys", spec: drivers.Spec{Keys: 10000, FieldGroups: 1, PayloadBytes: 64},
			wantErr: "memory: setup: keys: 10000 documents of 64 payload bytes in 1 field groups need about 1.9 MiB, more than the 1.0 MiB available (test limit); lower keys or payload_bytes: invalid option"},
		{name: "payload", spec: drivers.Spec{Keys: 1000, FieldGroups: 2, PayloadBytes: 4096}, wantErr: "need about 4.0 MiB"},
		{name: "overflow", spec: drivers.Spec{Keys: 1 << 62, FieldGroups: 16, PayloadBytes: 1 << 20}, wantErr: "need about 8.0 EiB"},
		// The previous cell's 0.8 MiB is released first, so the same cell
		// fits again under a 1 MiB limit whatever it leaves free.
		{name: "previous cell released first", prev: &drivers.Spec{Keys: 4000, FieldGroups: 1, PayloadBytes: 64},
			spec: drivers.Spec{Keys: 4000, FieldGroups: 1, PayloadBytes: 64}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, err := New(drivers.Options{})
			if err != nil {
				t.Fatal(err)
			}
			s.memory = func() (int64, string) { return limit, "test limit" }
			if tt.prev != nil {
				if err := s.Setup(context.Background(), *tt.prev); err != nil {
					t.Fatal(err)
				}
				s.memory = func() (int64, string) {
					return limit - EstimateBytes(tt.prev.Keys, tt.prev.PayloadBytes, tt.prev.FieldGroups), "test limit"
				}
			}
			err = s.Setup(context.Background(), tt.spec)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Setup(%+v): %v", tt.spec, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, drivers.ErrInvalidOption) {
				t.Fatalf("Setup(%+v) = %v, want an error wrapping ErrInvalidOption containing %q", tt.spec, err, tt.wantErr)
			}
			if tt.prev == nil && s.docs != nil {
				t.Error("refused cell allocated documents")
			}
		})
	}
}

// TestSetupBeyondThisMachine: two billion keys (~250 GiB) are refused
// against the real limit, before anything is allocated, instead of
// dying out of memory.
func TestSetupBeyondThisMachine(t *testing.T) {
	s, err := New(drivers.Options{})
	if err != nil {
		t.Fatal(err)
	}
	avail, src := availableMemory()
	spec := drivers.Spec{Keys: 2_000_000_000, FieldGroups: 1, PayloadBytes: 0}
	if need := EstimateBytes(spec.Keys, spec.PayloadBytes, spec.FieldGroups); need <= avail {
		t.Skipf("this machine has %s available (%s): %d keys fit", formatBytes(avail), src, spec.Keys)
	}
	err = s.Setup(context.Background(), spec)
	if err == nil || !errors.Is(err, drivers.ErrInvalidOption) || !strings.Contains(err.Error(), "keys: 2000000000 documents") || !strings.Contains(err.Error(), src) {
		t.Fatalf("Setup(%+v) = %v", spec, err)
	}
	t.Log(err)
}

func TestEstimateBytes(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		keys, payload, groups int
		want                  int64
	}{
		{1, 0, 1, 136},
		{1000, 64, 1, 1000 * (128 + 8 + 64)},
		{100_000, 256, 4, 100_000 * (128 + 32 + 256)},
		{2_000_000_000, 0, 1, 2_000_000_000 * 136},
		{0, 64, 1, 0},
		{-5, 64, 1, 0},
		{1, -1, -1, 128},
		{math.MaxInt, 1 << 20, 16, math.MaxInt64},
		{2, math.MaxInt, 1, math.MaxInt64},
		{2, 1, math.MaxInt, math.MaxInt64},
	} {
		if got := EstimateBytes(tt.keys, tt.payload, tt.groups); got != tt.want {
			t.Errorf("EstimateBytes(%d, %d, %d) = %d, want %d", tt.keys, tt.payload, tt.groups, got, tt.want)
		}
	}
}

func TestParseMemAvailable(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, in string
		want     int64
		wantErr  string
	}{
		{"linux", "MemTotal:       24683548 kB\nMemFree:        22048712 kB\nMemAvailable:   23861600 kB\nBuffers: 1 kB\n", 23861600 * 1024, ""},
		{"missing", "MemTotal: 1 kB\n", 0, "no MemAvailable line"},
		{"unit", "MemAvailable: 5 MB\n", 0, `unexpected " 5 MB"`},
		{"number", "MemAvailable: x kB\n", 0, "unexpected"},
		{"overflow", "MemAvailable: 99999999999999999 kB\n", 0, "unexpected"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseMemAvailable(strings.NewReader(tt.in))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %d, %v; want error %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %d, %v; want %d", got, err, tt.want)
			}
		})
	}
	for _, tt := range []struct {
		max, cur string
		want     int64
		ok       bool
	}{
		{"max\n", "100\n", 0, false},
		{"1000\n", "300\n", 700, true},
		{"1000", "3000", 0, true},
		{"1000", "?", 0, false},
	} {
		if got, ok := parseCgroupLeft([]byte(tt.max), []byte(tt.cur)); got != tt.want || ok != tt.ok {
			t.Errorf("parseCgroupLeft(%q, %q) = %d, %v; want %d, %v", tt.max, tt.cur, got, ok, tt.want, tt.ok)
		}
	}
	if avail, src := availableMemory(); avail <= 0 || src == "" {
		t.Errorf("availableMemory() = %d, %q", avail, src)
	}
}

func TestLatency(t *testing.T) {
	spec := drivers.Spec{Keys: 1, FieldGroups: 1, PayloadBytes: 1}
	s := newStore(t, spec, drivers.Options{Latency: delay.Constant(time.Hour)})
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	w := write(0, 0, drivers.ScopeDocument, 0, 1, 1)
	calls := []struct {
		name string
		call func(context.Context) error
	}{
		{"read", func(ctx context.Context) error { return s.Read(ctx, 0, &drivers.Doc{}) }},
		{"cas", func(ctx context.Context) error { return s.CompareAndSwap(ctx, w) }},
		{"put", func(ctx context.Context) error { return s.Put(ctx, w) }},
		{"read fenced", func(ctx context.Context) error { return s.ReadFenced(ctx, 0, 1, &drivers.Doc{}) }},
		{"locked update", func(ctx context.Context) error { return s.LockedUpdate(ctx, w) }},
		{"acquire", func(ctx context.Context) error { _, err := s.Acquire(ctx, 0, 1, time.Second); return err }},
		{"extend", func(ctx context.Context) error { return s.Extend(ctx, 0, 1, 1, time.Second) }},
		{"release", func(ctx context.Context) error { return s.Release(ctx, 0, 1, 1) }},
	}
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) {
			if err := c.call(canceled); !errors.Is(err, context.Canceled) {
				t.Errorf("with canceled ctx during latency: %v, want context.Canceled", err)
			}
		})
	}
	if tot, _ := s.Totals(context.Background()); tot.Counter != 0 {
		t.Errorf("canceled calls wrote: %+v", tot)
	}

	// A real, short service time is spent (lower bound only).
	const lat = 2 * time.Millisecond
	s = newStore(t, spec, drivers.Options{Latency: delay.Constant(lat)})
	start := time.Now()
	if err := s.CompareAndSwap(context.Background(), w); err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el < lat {
		t.Errorf("CAS with latency %v took %v", lat, el)
	}
}

func TestHotPathAllocatesNothing(t *testing.T) {
	ctx := context.Background()
	spec := drivers.Spec{Keys: 1000, FieldGroups: 4, PayloadBytes: 64}
	s := newStore(t, spec, drivers.Options{})
	var d drivers.Doc
	w := write(0, 0, drivers.ScopeFieldGroup, 0, 1, spec.GroupBytes())
	r := rand.New(rand.NewPCG(1, 2))
	miss := &drivers.Write{Key: 0, Payload: w.Payload, Expect: -1}
	allocs := testing.AllocsPerRun(1000, func() {
		w.Key = r.IntN(spec.Keys)
		w.Group = r.IntN(spec.FieldGroups)
		if err := s.Read(ctx, w.Key, &d); err != nil {
			t.Fatal(err)
		}
		w.Expect = d.Groups[w.Group]
		if err := s.CompareAndSwap(ctx, w); err != nil {
			t.Fatal(err)
		}
		if err := s.CompareAndSwap(ctx, miss); err != drivers.ErrVersionMismatch {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("Read + CompareAndSwap: %v allocs per op, want 0", allocs)
	}
}

package memory

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/strategy"
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
	if _, ok := st.(strategy.Leaser); !ok {
		t.Errorf("registered opener returns %T, not a strategy.Leaser", st)
	}
	v, err := st.(drivers.Versioner).ServerVersion(context.Background())
	if err != nil || v != Version {
		t.Errorf("ServerVersion = %q, %v; want %q", v, err, Version)
	}
	if _, err := New(drivers.Options{Latency: -time.Second}); err == nil {
		t.Error("New with negative latency: no error")
	}
}

// TestSetupTooLarge: a cell that could not fit in memory is refused before
// anything is allocated. (The rest of Setup's contract is checked by
// drivertest, in TestConformance.)
func TestSetupTooLarge(t *testing.T) {
	s, err := New(drivers.Options{})
	if err != nil {
		t.Fatal(err)
	}
	spec := drivers.Spec{Keys: 1 << 40, FieldGroups: 1, PayloadBytes: 1 << 20}
	if err := s.Setup(context.Background(), spec); err == nil || !strings.Contains(err.Error(), "exceeds") {
		t.Errorf("Setup(%+v) = %v, want an error saying the cell exceeds the limit", spec, err)
	}
}

func TestLatency(t *testing.T) {
	spec := drivers.Spec{Keys: 1, FieldGroups: 1, PayloadBytes: 1}
	s := newStore(t, spec, drivers.Options{Latency: time.Hour})
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
	s = newStore(t, spec, drivers.Options{Latency: lat})
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

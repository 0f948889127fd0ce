package inventory

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
)

func openRepo(t *testing.T) *Repo {
	t.Helper()
	r, err := Open(t.Context(), filepath.Join(t.TempDir(), "inventory.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Close() })
	return r
}

func TestReserve(t *testing.T) {
	r := openRepo(t)
	ctx := t.Context()
	if err := r.Restock(ctx, []string{"a"}, 2); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name    string
		version int64
		ok      bool
		err     error
		want    Item
	}{
		{"current version", 0, true, nil, Item{"a", 1, 1}},
		{"stale version", 0, false, nil, Item{"a", 1, 1}},
		{"current again", 1, true, nil, Item{"a", 0, 2}},
		{"out of stock", 2, false, ErrOutOfStock, Item{"a", 0, 2}},
	} {
		ok, err := r.Reserve(ctx, "a", tt.version)
		if ok != tt.ok || !errors.Is(err, tt.err) {
			t.Errorf("%s: ok %v, err %v: want %v, %v", tt.name, ok, err, tt.ok, tt.err)
		}
		if it, err := r.Get(ctx, "a"); err != nil || it != tt.want {
			t.Errorf("%s: item %+v, %v: want %+v", tt.name, it, err, tt.want)
		}
	}
	if _, err := r.Reserve(ctx, "nope", 0); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing item: %v, want ErrNotFound", err)
	}
}

func TestRestockAdvancesTheVersion(t *testing.T) {
	r := openRepo(t)
	ctx := t.Context()
	for range 2 {
		if err := r.Restock(ctx, []string{"a", "b"}, 10); err != nil {
			t.Fatal(err)
		}
	}
	if it, err := r.Get(ctx, "b"); err != nil || it != (Item{"b", 10, 1}) {
		t.Errorf("item %+v, %v: want stock 10 at version 1", it, err)
	}
}

func TestUpdate(t *testing.T) {
	r := openRepo(t)
	ctx := t.Context()
	if err := r.Restock(ctx, []string{"a"}, 5); err != nil {
		t.Fatal(err)
	}
	take := func(_ context.Context, it *Item) error { it.Stock--; return nil }
	if err := r.Update(ctx, "a", take); err != nil {
		t.Fatal(err)
	}
	if err := r.UpdateNaive(ctx, "a", take); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	if err := r.Update(ctx, "a", func(_ context.Context, it *Item) error { it.Stock = 0; return boom }); !errors.Is(err, boom) {
		t.Errorf("fn's error: got %v", err)
	}
	if it, err := r.Get(ctx, "a"); err != nil || it != (Item{"a", 3, 2}) {
		t.Errorf("item %+v, %v: want stock 3 at version 2 (the failed update rolled back)", it, err)
	}
	if err := r.Update(ctx, "nope", take); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing item: %v, want ErrNotFound", err)
	}
}

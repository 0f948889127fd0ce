package redis

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/occbench/occbench/drivers"
)

var (
	_ drivers.Attacher    = (*Store)(nil)
	_ drivers.Coordinator = (*Store)(nil)
)

// Attach prepares the store for a cell of spec that another runner set
// up: it names the cell's keys and loads its scripts, and writes no key.
func (s *Store) Attach(ctx context.Context, spec drivers.Spec) error {
	if err := spec.Validate(); err != nil {
		return fmt.Errorf("redis: attach: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return opErr("attach", -1, classify(err), err)
	}
	gvNames, pNames, keys := cellNames(s.ks, spec)
	cell, err := loadCell(ctx, s.rdb, spec, keys, gvNames, pNames)
	if err != nil {
		return opErr("attach", -1, classify(err), err)
	}
	s.use(spec, cell)
	return nil
}

// Mark sets marker name to value: a field of the namespace's
// occbench:marks hash.
func (s *Store) Mark(ctx context.Context, name, value string) error {
	if err := s.rdb.HSet(ctx, s.ks.marks(), name, value).Err(); err != nil {
		return opErr("mark "+name, -1, classify(err), err)
	}
	return nil
}

// Marks returns the markers whose name starts with prefix.
func (s *Store) Marks(ctx context.Context, prefix string) (map[string]string, error) {
	all, err := s.rdb.HGetAll(ctx, s.ks.marks()).Result()
	if err != nil {
		return nil, opErr("marks", -1, classify(err), err)
	}
	out := map[string]string{}
	for k, v := range all {
		if strings.HasPrefix(k, prefix) {
			out[k] = v
		}
	}
	return out, nil
}

// ClearMarks deletes the namespace's markers.
func (s *Store) ClearMarks(ctx context.Context) error {
	if err := s.rdb.Unlink(ctx, s.ks.marks()).Err(); err != nil {
		return opErr("clear marks", -1, classify(err), err)
	}
	return nil
}

// Now reads the server's clock (TIME).
func (s *Store) Now(ctx context.Context) (time.Time, error) {
	t, err := s.rdb.Time(ctx).Result()
	if err != nil {
		return time.Time{}, opErr("now", -1, classify(err), err)
	}
	return t, nil
}

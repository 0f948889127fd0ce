package occbench

import (
	"context"
	"errors"
	"fmt"

	"github.com/occbench/occbench/drivers"
)

// adapter turns a Store into a drivers.Store with the capabilities the
// Store has: Reader and CompareAndSwapper always, LockedUpdater when it
// is a Locker (lockingAdapter). The runner's cells are sequential: Setup
// runs before the writers start and Totals after they stopped, so the
// keys and baselines Setup writes need no lock.
type adapter struct {
	st      Store
	auditor Auditor // nil: the audit is unavailable
	name    string
	keyOf   func(int) string

	keys        []string // the cell's keys, by index
	baseVersion []int64  // each key's version after seeding
	baseApplied []int64  // each key's Applied after seeding (auditor only)
	groups      int      // Doc.Groups' length: the cell's field groups
}

// lockingAdapter is an adapter over a Locker: the pessimistic strategy
// finds LockedUpdate on it by type assertion.
type lockingAdapter struct {
	*adapter
	locker Locker
}

var (
	_ drivers.Store             = (*adapter)(nil)
	_ drivers.CompareAndSwapper = (*adapter)(nil)
	_ drivers.LockedUpdater     = lockingAdapter{}
)

func newAdapter(st Store, name string, keyOf func(int) string) drivers.Store {
	a := &adapter{st: st, name: name, keyOf: keyOf}
	a.auditor, _ = st.(Auditor)
	if l, ok := st.(Locker); ok {
		return lockingAdapter{adapter: a, locker: l}
	}
	return a
}

// Setup names the cell's keys, seeds them (Seeder) and reads the
// baselines the audit subtracts.
func (a *adapter) Setup(ctx context.Context, spec drivers.Spec) error {
	if err := spec.Validate(); err != nil {
		return err
	}
	if len(a.keys) != spec.Keys {
		keys := make([]string, spec.Keys)
		seen := make(map[string]int, spec.Keys)
		for i := range keys {
			keys[i] = a.keyOf(i)
			if j, dup := seen[keys[i]]; dup {
				return invalid(fmt.Errorf("occbench.WithKeys: keys %d and %d are both named %q: key names must be distinct", j, i, keys[i]))
			}
			seen[keys[i]] = i
		}
		a.keys = keys
		a.baseVersion = make([]int64, spec.Keys)
		a.baseApplied = make([]int64, spec.Keys)
	}
	a.groups = spec.FieldGroups
	if s, ok := a.st.(Seeder); ok {
		if err := s.Seed(ctx, a.keys); err != nil {
			return fmt.Errorf("seed %d keys: %w", len(a.keys), err)
		}
	}
	for i, k := range a.keys {
		v, err := a.st.Read(ctx, k)
		if err != nil {
			if errors.Is(err, ErrNotFound) {
				return fmt.Errorf("read %q after seeding: %w (create the keys, or implement occbench.Seeder)", k, err)
			}
			return fmt.Errorf("read %q after seeding: %w", k, err)
		}
		a.baseVersion[i] = v
		if a.auditor != nil {
			if a.baseApplied[i], err = a.auditor.Applied(ctx, k); err != nil {
				return fmt.Errorf("applied %q after seeding: %w", k, err)
			}
		}
	}
	return nil
}

// errNoAuditor is the audit of a store that cannot say what it holds.
var errNoAuditor = errors.New("the store implements no occbench.Auditor: nothing counts what it holds")

// Totals reads every key back: Counter is Σ Applied and Versions Σ
// version, both less their baselines; Docs counts the keys found.
func (a *adapter) Totals(ctx context.Context) (drivers.Totals, error) {
	if a.auditor == nil {
		return drivers.Totals{}, errNoAuditor
	}
	var t drivers.Totals
	for i, k := range a.keys {
		n, err := a.auditor.Applied(ctx, k)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return drivers.Totals{}, fmt.Errorf("applied %q: %w", k, err)
		}
		v, err := a.st.Read(ctx, k)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return drivers.Totals{}, fmt.Errorf("read %q: %w", k, err)
		}
		t.Docs++
		t.Counter += n - a.baseApplied[i]
		t.Versions += v - a.baseVersion[i]
	}
	return t, nil
}

// Close does nothing: the store is the caller's.
func (a *adapter) Close() error { return nil }

// Read fills d with key's version; Groups holds one zero per field group
// (a Store has no group versions), reusing d's slice.
func (a *adapter) Read(ctx context.Context, key int, d *drivers.Doc) error {
	if err := ctx.Err(); err != nil {
		return drivers.NotSent(err)
	}
	v, err := a.st.Read(ctx, a.keys[key])
	if err != nil {
		return a.opError("read", key, err)
	}
	d.Key, d.Version = key, v
	d.Groups = d.Groups[:0]
	for range a.groups {
		d.Groups = append(d.Groups, 0)
	}
	d.Slots = d.Slots[:0]
	return nil
}

// CompareAndSwap is the Store's CompareAndSwap in the document scope:
// ok=false is a version mismatch.
func (a *adapter) CompareAndSwap(ctx context.Context, w *drivers.Write) error {
	if err := ctx.Err(); err != nil {
		return drivers.NotSent(err)
	}
	if w.Scope != drivers.ScopeDocument {
		return drivers.NotSent(fmt.Errorf("scope %s: an occbench.Store has one version per key", w.Scope))
	}
	ok, err := a.st.CompareAndSwap(ctx, a.keys[w.Key], w.Expect, Op{Writer: int(w.Writer), Seq: w.Op})
	switch {
	case err != nil:
		return a.opError("cas", w.Key, err)
	case !ok:
		return drivers.ErrVersionMismatch
	}
	return nil
}

// LockedUpdate is the Locker's LockedApply; op.Hold is the write's hold.
func (l lockingAdapter) LockedUpdate(ctx context.Context, w *drivers.Write) error {
	if err := ctx.Err(); err != nil {
		return drivers.NotSent(err)
	}
	err := l.locker.LockedApply(ctx, l.keys[w.Key], Op{Writer: int(w.Writer), Seq: w.Op, hold: w.Hold})
	if err == nil {
		return nil
	}
	if errors.Is(err, ErrConflict) {
		return drivers.Conflict(drivers.LockNotAvailable, err)
	}
	return l.opError("locked", w.Key, err)
}

// opError classifies a Store's error: a conflict (ErrConflict), or an
// error naming the call and the key. A key that is gone is not_found,
// which the audit reads as a store reset.
func (a *adapter) opError(op string, key int, err error) error {
	if errors.Is(err, ErrConflict) {
		return drivers.Conflict(drivers.VersionMismatch, err)
	}
	return fmt.Errorf("%s %q: %w", op, a.keys[key], err)
}

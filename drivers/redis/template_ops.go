package redis

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/occbench/occbench/drivers"
)

const tplDriver = "write_path.redis"

// tplWrap classifies an error of a template call as wrap does, naming
// the template store; notSent marks a call that wrote nothing.
func tplWrap(op string, key int, err error, notSent bool) error {
	return &drivers.OpError{Driver: tplDriver, Op: op, Key: key, Class: classify(err), Err: err, NotSent: notSent || sentNothing(err)}
}

// tplReady refuses a call before Setup, or for a key out of range.
func (s *TemplateStore) tplReady(ctx context.Context, op string, key int) error {
	if !s.ranSetup {
		return drivers.NotSent(fmt.Errorf("%s: %s key %d: Setup has not run", tplDriver, op, key))
	}
	if key < 0 || key >= len(s.keys) {
		return drivers.NotSent(fmt.Errorf("%s: %s: key %d (keys: %d): %w", tplDriver, op, key, len(s.keys), drivers.ErrNotFound))
	}
	if err := ctx.Err(); err != nil {
		return &drivers.OpError{Driver: tplDriver, Op: op, Key: key, Class: classify(err), Err: err, NotSent: true}
	}
	return nil
}

// tplInt reads an integer reply value: an integer, or a decimal string
// (what HGET returns).
func tplInt(v any) (int64, error) {
	switch v := v.(type) {
	case int64:
		return v, nil
	case string:
		return strconv.ParseInt(v, 10, 64)
	}
	return 0, fmt.Errorf("want an integer, got %s", describeReply(v))
}

// decodeTplDoc fills d from a read's reply: an integer (the version),
// or an array of name, value pairs (HGETALL's shape) whose names
// version (required), counter, writer, op, updated_at, fence and
// payload fill the document, others being ignored. nil (Lua false) or
// an empty array is a missing key: found false.
func decodeTplDoc(v any, key int, d *drivers.Doc) (found bool, err error) {
	*d = drivers.Doc{Key: key, Payload: d.Payload[:0], Groups: d.Groups[:0], Slots: d.Slots[:0]}
	defer func() {
		if found {
			d.Groups = append(d.Groups, d.Version) // one field group: the key's version
		}
	}()
	switch r := v.(type) {
	case nil:
		return false, nil
	case int64, string:
		d.Version, err = tplInt(r)
		if err != nil {
			return false, fmt.Errorf("version: %w", err)
		}
		return true, nil
	case []any:
		if len(r) == 0 {
			return false, nil
		}
		if len(r)%2 != 0 {
			return false, fmt.Errorf("returned an array of %d values, want name, value pairs (as HGETALL) or one integer (the version)", len(r))
		}
		var haveVersion bool
		for i := 0; i < len(r); i += 2 {
			name, ok := r[i].(string)
			if !ok {
				return false, fmt.Errorf("value %d of the reply: want a field name, got %s", i+1, describeReply(r[i]))
			}
			var dst *int64
			switch name {
			case "version":
				dst, haveVersion = &d.Version, true
			case "counter":
				dst = &d.Counter
			case "writer":
				dst = &d.Writer
			case "op":
				dst = &d.Op
			case "updated_at":
				dst = &d.UpdatedAt
			case "fence":
				dst = &d.Fence
			case "payload":
				if p, ok := r[i+1].(string); ok {
					d.Payload = append(d.Payload, p...)
				}
				continue
			default:
				continue
			}
			n, err := tplInt(r[i+1])
			if err != nil {
				return false, fmt.Errorf("%s: %w", name, err)
			}
			*dst = n
		}
		if !haveVersion {
			return false, errors.New("returns no version (want name, value pairs with \"version\", or one integer)")
		}
		return true, nil
	}
	return false, fmt.Errorf("returned %s, want name, value pairs (as HGETALL) or one integer (the version)", describeReply(v))
}

// Read runs the read template for key into d: KEYS[1] the key, ARGV[1]
// its index.
func (s *TemplateStore) Read(ctx context.Context, key int, d *drivers.Doc) error {
	if err := s.tplReady(ctx, "read", key); err != nil {
		return err
	}
	v, err := s.read.sc.rs.Run(ctx, s.rdb, []string{s.keys[key]}, key).Result()
	if err != nil && !errors.Is(err, goredis.Nil) {
		return tplWrap("read", key, err, true)
	}
	found, err := decodeTplDoc(v, key, d)
	switch {
	case err != nil:
		return tplWrap("read", key, fmt.Errorf("%s: %w", s.read.name, err), true)
	case !found:
		return drivers.NotSent(fmt.Errorf("%s: no value for key %d (%s): %w", s.read.name, key, s.keys[key], drivers.ErrNotFound))
	}
	return nil
}

// writeArgs are the ARGV of cas and write: version, new_version,
// writer, op, payload, counter, updated_at, key index (and, for the
// fenced wrapper, the fence).
func writeArgs(w *drivers.Write, version, newVersion int64, fence int64) []any {
	args := []any{version, newVersion, w.Writer, w.Op, w.Payload, w.Counter, w.UpdatedAt, w.Key}
	if fence > 0 {
		args = append(args, fence)
	}
	return args
}

// CompareAndSwap runs the cas template with ARGV[1] = w.Expect and
// ARGV[2] = w.Expect+1: 1 commits, 0 is a VersionMismatch conflict,
// any other reply is an error (the script ran: it may have written).
func (s *TemplateStore) CompareAndSwap(ctx context.Context, w *drivers.Write) error {
	if err := s.tplReady(ctx, "cas", w.Key); err != nil {
		return err
	}
	if w.Scope != drivers.ScopeDocument {
		return drivers.NotSent(fmt.Errorf("%s: cas key %d: scope %s: a template compares the key's version only (scope document)", tplDriver, w.Key, w.Scope))
	}
	v, err := s.cas.sc.rs.Run(ctx, s.rdb, []string{s.keys[w.Key]}, writeArgs(w, w.Expect, w.Expect+1, 0)...).Result()
	if err != nil && !errors.Is(err, goredis.Nil) {
		return tplWrap("cas", w.Key, err, false)
	}
	switch v {
	case int64(1):
		return nil
	case int64(0):
		return drivers.ErrVersionMismatch
	}
	return tplWrap("cas", w.Key, fmt.Errorf("%s returned %s, want 1 (committed) or 0 (conflict)", s.cas.name, describeReply(v)), false)
}

// Put runs the write template with the values the client computed from
// its read: ARGV[1] = w.Version−1, ARGV[2] = w.Version, ARGV[6] =
// w.Counter. It must return 1; 0 means the key is missing. With
// w.Fence > 0 the fenced wrapper runs it: a higher fence already
// accepted is a StaleFence conflict and nothing is written.
func (s *TemplateStore) Put(ctx context.Context, w *drivers.Write) error {
	if s.write == nil {
		return drivers.NotSent(fmt.Errorf("%s: put key %d: %s", tplDriver, w.Key, s.Unsupported(drivers.CapPut)))
	}
	if err := s.tplReady(ctx, "put", w.Key); err != nil {
		return err
	}
	t, keys := s.write, []string{s.keys[w.Key]}
	if w.Fence > 0 {
		t, keys = s.writeFenced, []string{s.keys[w.Key], s.fences[w.Key]}
	}
	v, err := t.sc.rs.Run(ctx, s.rdb, keys, writeArgs(w, w.Version-1, w.Version, w.Fence)...).Result()
	if err != nil && !errors.Is(err, goredis.Nil) {
		return tplWrap("put", w.Key, err, false)
	}
	switch v {
	case int64(1):
		return nil
	case int64(0):
		return drivers.NotSent(fmt.Errorf("%s: put: %s wrote nothing for key %d (%s): %w", tplDriver, s.write.name, w.Key, s.keys[w.Key], drivers.ErrNotFound))
	case staleFenceReply:
		return drivers.ErrStaleFence
	}
	return tplWrap("put", w.Key, fmt.Errorf("%s returned %s, want 1 (written) or 0 (no such key)", s.write.name, describeReply(v)), false)
}

// ReadFenced raises the key's accepted fence to fence and runs the
// read, in one script; a higher fence already accepted is a StaleFence
// conflict.
func (s *TemplateStore) ReadFenced(ctx context.Context, key int, fence int64, d *drivers.Doc) error {
	if err := s.tplReady(ctx, "read fenced", key); err != nil {
		return err
	}
	// ARGV[9] is the fence: pad ARGV as the write's.
	args := []any{0, 0, 0, 0, "", 0, 0, key, fence}
	v, err := s.readFenced.sc.rs.Run(ctx, s.rdb, []string{s.keys[key], s.fences[key]}, args...).Result()
	if err != nil && !errors.Is(err, goredis.Nil) {
		return tplWrap("read fenced", key, err, false)
	}
	if v == staleFenceReply {
		return drivers.ErrStaleFence
	}
	found, err := decodeTplDoc(v, key, d)
	switch {
	case err != nil:
		return tplWrap("read fenced", key, fmt.Errorf("%s: %w", s.read.name, err), false)
	case !found:
		return drivers.NotSent(fmt.Errorf("%s: no value for key %d (%s): %w", s.read.name, key, s.keys[key], drivers.ErrNotFound))
	}
	return nil
}

func (s *TemplateStore) tplLease(ctx context.Context, op string, key int, holder int64, ttl time.Duration, needTTL bool) error {
	if holder == 0 {
		return drivers.NotSent(fmt.Errorf("%s: %s key %d: holder: must be ≠ 0", tplDriver, op, key))
	}
	if needTTL && ttl <= 0 {
		return drivers.NotSent(fmt.Errorf("%s: %s key %d: ttl: must be > 0, got %v", tplDriver, op, key, ttl))
	}
	return s.tplReady(ctx, op, key)
}

// Acquire grants the lease on key to holder, as the redis driver's:
// occbench:tpl:lease:{key} with PX ttl, its fence drawn from
// occbench:tpl:grant:{key}; LeaseHeld while another holds it. Expiry
// is Redis's clock.
func (s *TemplateStore) Acquire(ctx context.Context, key int, holder int64, ttl time.Duration) (int64, error) {
	if err := s.tplLease(ctx, "acquire", key, holder, ttl, true); err != nil {
		return 0, err
	}
	fence, err := s.acquire.rs.Run(ctx, s.rdb, []string{s.leases[key], s.grants[key]}, holder, millis(ttl)).Int64()
	switch {
	case err != nil:
		return 0, tplWrap("acquire", key, err, false)
	case fence == 0:
		return 0, drivers.ErrLeaseHeld
	}
	return fence, nil
}

// Extend pushes the lease's expiry to ttl from now if holder still
// holds it with fence; LeaseLost otherwise.
func (s *TemplateStore) Extend(ctx context.Context, key int, holder, fence int64, ttl time.Duration) error {
	if err := s.tplLease(ctx, "extend", key, holder, ttl, true); err != nil {
		return err
	}
	ok, err := s.extend.rs.Run(ctx, s.rdb, []string{s.leases[key]}, token(holder, fence), millis(ttl)).Int64()
	switch {
	case err != nil:
		return tplWrap("extend", key, err, false)
	case ok == 0:
		return drivers.ErrLeaseLost
	}
	return nil
}

// Release frees the lease if holder still holds it with fence;
// LeaseLost otherwise. The grant counter stays, so fences only rise.
func (s *TemplateStore) Release(ctx context.Context, key int, holder, fence int64) error {
	if err := s.tplLease(ctx, "release", key, holder, 0, false); err != nil {
		return err
	}
	ok, err := s.release.rs.Run(ctx, s.rdb, []string{s.leases[key]}, token(holder, fence)).Int64()
	switch {
	case err != nil:
		return tplWrap("release", key, err, false)
	case ok == 0:
		return drivers.ErrLeaseLost
	}
	return nil
}

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

// checkKey returns an error wrapping drivers.ErrNotFound if the cell has
// no document key.
func (s *Store) checkKey(op string, key int) error {
	if key < 0 || key >= len(s.keys) {
		return drivers.NotSent(fmt.Errorf("redis: %s: key %d (keys: %d): %w", op, key, len(s.keys), drivers.ErrNotFound))
	}
	return nil
}

// checkWrite validates w's key, group and payload against the spec.
func (s *Store) checkWrite(op string, w *drivers.Write) error {
	if err := s.checkKey(op, w.Key); err != nil {
		return err
	}
	if w.Group < 0 || w.Group >= s.spec.FieldGroups {
		return drivers.NotSent(fmt.Errorf("redis: %s key %d: group: must be 0 … %d, got %d", op, w.Key, s.spec.FieldGroups-1, w.Group))
	}
	if len(w.Payload) != s.gb {
		return drivers.NotSent(fmt.Errorf("redis: %s key %d: payload: must be %d bytes (group bytes), got %d", op, w.Key, s.gb, len(w.Payload)))
	}
	return nil
}

// intValue decodes a hash field's value.
func intValue(v any) (int64, error) {
	switch v := v.(type) {
	case string:
		return strconv.ParseInt(v, 10, 64)
	case int64:
		return v, nil
	case nil:
		return 0, errors.New("missing field")
	}
	return 0, fmt.Errorf("unexpected value of type %T", v)
}

// decode fills d from the values of s.fields.
func (s *Store) decode(vals []any, key int, d *drivers.Doc) error {
	n := s.spec.FieldGroups
	if len(vals) != len(s.fields) {
		return fmt.Errorf("read %d fields, want %d", len(vals), len(s.fields))
	}
	var fixed [len(fixedFields)]int64
	for i := range fixed {
		v, err := intValue(vals[i])
		if err != nil {
			return fmt.Errorf("field %s: %w", s.fields[i], err)
		}
		fixed[i] = v
	}
	d.Key = key
	d.Version, d.Counter, d.Fence = fixed[0], fixed[1], fixed[2]
	d.Writer, d.Op, d.UpdatedAt = fixed[3], fixed[4], fixed[5]
	d.Groups = d.Groups[:0]
	for i := len(fixed); i < len(fixed)+n; i++ {
		v, err := intValue(vals[i])
		if err != nil {
			return fmt.Errorf("field %s: %w", s.fields[i], err)
		}
		d.Groups = append(d.Groups, v)
	}
	d.Payload = d.Payload[:0]
	for i := len(fixed) + n; i < len(vals); i++ {
		p, ok := vals[i].(string)
		if !ok {
			return fmt.Errorf("field %s: unexpected value of type %T", s.fields[i], vals[i])
		}
		d.Payload = append(d.Payload, p...)
	}
	// Bytes that PayloadBytes leaves over after whole groups are zero.
	for len(d.Payload) < s.spec.PayloadBytes {
		d.Payload = append(d.Payload, 0)
	}
	return nil
}

// Read reads document key into d with one HMGET, reusing d's slices.
func (s *Store) Read(ctx context.Context, key int, d *drivers.Doc) error {
	if err := s.checkKey("read", key); err != nil {
		return err
	}
	if err := ended(ctx, "read", key); err != nil {
		return err
	}
	vals, err := s.rdb.HMGet(ctx, s.keys[key], s.fields...).Result()
	if err != nil {
		return wrapRead("read", key, err)
	}
	if vals[0] == nil {
		return notFound("read", key)
	}
	if err := s.decode(vals, key, d); err != nil {
		return notSentErr("read", key, drivers.ClassOther, err)
	}
	return nil
}

// ReadFenced raises the document's fence to fence and reads it into d in
// one Lua script; drivers.ErrStaleFence if the document has accepted a
// higher fence.
func (s *Store) ReadFenced(ctx context.Context, key int, fence int64, d *drivers.Doc) error {
	if err := s.checkKey("read fenced", key); err != nil {
		return err
	}
	if err := ended(ctx, "read fenced", key); err != nil {
		return err
	}
	res, err := s.sc.readFenced.rs.Run(ctx, s.rdb, []string{s.keys[key]}, fence).Result()
	if err != nil {
		return wrapWrite("read fenced", key, err)
	}
	switch res := res.(type) {
	case []any:
		if err := s.decode(res, key, d); err != nil {
			return opErr("read fenced", key, drivers.ClassOther, err)
		}
		return nil
	case int64:
		if res == 0 {
			return drivers.ErrStaleFence
		}
		return notFound("read fenced", key)
	}
	return opErr("read fenced", key, drivers.ClassOther, fmt.Errorf("unexpected script result %T", res))
}

// CompareAndSwap bumps version, counter and gvG and writes w's payload
// and metadata if version (gvG in the field-group scope) equals w.Expect:
// one Lua script, or WATCH … EXEC under cas=watch. A mismatch is a
// VersionMismatch conflict.
func (s *Store) CompareAndSwap(ctx context.Context, w *drivers.Write) error {
	if err := s.checkWrite("cas", w); err != nil {
		return err
	}
	if err := ended(ctx, "cas", w.Key); err != nil {
		return err
	}
	cmp := "version"
	if w.Scope == drivers.ScopeFieldGroup {
		cmp = s.gvNames[w.Group]
	}
	if s.watch {
		return s.casWatch(ctx, w, cmp)
	}
	res, err := s.sc.cas.rs.Run(ctx, s.rdb, []string{s.keys[w.Key]},
		cmp, w.Expect, s.gvNames[w.Group], s.pNames[w.Group], w.Payload, w.Writer, w.Op, w.UpdatedAt).Int64()
	switch {
	case err != nil:
		return wrapWrite("cas", w.Key, err)
	case res == 0:
		return drivers.ErrVersionMismatch
	case res < 0:
		return notFound("cas", w.Key)
	}
	return nil
}

// casWatch is CompareAndSwap with WATCH key; HGET cmp; MULTI; HINCRBY …;
// HSET …; EXEC. A mismatch read after WATCH, or an EXEC that fails
// because another client wrote the key, is a VersionMismatch. A
// failure before MULTI … EXEC was sent wrote nothing.
func (s *Store) casWatch(ctx context.Context, w *drivers.Write, cmp string) error {
	key := s.keys[w.Key]
	sent := false
	err := s.rdb.Watch(ctx, func(tx *goredis.Tx) error {
		cur, err := tx.HGet(ctx, key, cmp).Int64()
		if err != nil {
			return err
		}
		if cur != w.Expect {
			return drivers.ErrVersionMismatch
		}
		sent = true
		_, err = tx.TxPipelined(ctx, func(p goredis.Pipeliner) error {
			p.HIncrBy(ctx, key, "version", 1)
			p.HIncrBy(ctx, key, "counter", 1)
			p.HIncrBy(ctx, key, s.gvNames[w.Group], 1)
			p.HSet(ctx, key, s.pNames[w.Group], w.Payload, "writer", w.Writer, "op", w.Op, "updated_at", w.UpdatedAt)
			return nil
		})
		return err
	}, key)
	switch {
	case err == nil:
		return nil
	case err == drivers.ErrVersionMismatch:
		return err
	case !sent:
		return wrapRead("cas", w.Key, err)
	}
	return wrapWrite("cas", w.Key, err)
}

// Put stores w.Version, w.Counter, w.GroupVersion, the payload and the
// metadata unconditionally, in one Lua script. With w.Fence > 0 it
// returns drivers.ErrStaleFence and writes nothing if the document has
// accepted a higher fence, and otherwise records w.Fence.
func (s *Store) Put(ctx context.Context, w *drivers.Write) error {
	if err := s.checkWrite("put", w); err != nil {
		return err
	}
	if err := ended(ctx, "put", w.Key); err != nil {
		return err
	}
	res, err := s.sc.put.rs.Run(ctx, s.rdb, []string{s.keys[w.Key]},
		max(w.Fence, 0), w.Version, w.Counter, s.gvNames[w.Group], w.GroupVersion,
		s.pNames[w.Group], w.Payload, w.Writer, w.Op, w.UpdatedAt).Int64()
	switch {
	case err != nil:
		return wrapWrite("put", w.Key, err)
	case res == 0:
		return drivers.ErrStaleFence
	case res < 0:
		return notFound("put", w.Key)
	}
	return nil
}

// millis converts a TTL to whole milliseconds for PX, rounding up.
func millis(ttl time.Duration) int64 {
	return int64((ttl + time.Millisecond - 1) / time.Millisecond)
}

// token is the lease key's value: "holder:fence".
func token(holder, fence int64) string {
	return strconv.FormatInt(holder, 10) + ":" + strconv.FormatInt(fence, 10)
}

func (s *Store) checkLease(op string, key int, holder int64, ttl time.Duration, needTTL bool) error {
	if err := s.checkKey(op, key); err != nil {
		return err
	}
	if holder == 0 {
		return drivers.NotSent(fmt.Errorf("redis: %s key %d: holder: must be ≠ 0", op, key))
	}
	if needTTL && ttl <= 0 {
		return drivers.NotSent(fmt.Errorf("redis: %s key %d: ttl: must be > 0, got %v", op, key, ttl))
	}
	return nil
}

// Acquire grants the lease on key to holder if no lease key exists (free,
// released or expired by Redis's clock): one script INCRs the key's fence
// counter and SETs "holder:fence" with PX ttl. drivers.ErrLeaseHeld
// otherwise, and then no fence is spent.
func (s *Store) Acquire(ctx context.Context, key int, holder int64, ttl time.Duration) (int64, error) {
	if err := s.checkLease("acquire", key, holder, ttl, true); err != nil {
		return 0, err
	}
	if err := ended(ctx, "acquire", key); err != nil {
		return 0, err
	}
	fence, err := s.sc.acquire.rs.Run(ctx, s.rdb, []string{s.ks.lease(key), s.ks.fence(key)}, holder, millis(ttl)).Int64()
	switch {
	case err != nil:
		return 0, wrapWrite("acquire", key, err)
	case fence == 0:
		return 0, drivers.ErrLeaseHeld
	}
	return fence, nil
}

// Extend sets the lease's expiry to ttl from now if its value is still
// "holder:fence"; drivers.ErrLeaseLost otherwise (expired, released or
// taken over).
func (s *Store) Extend(ctx context.Context, key int, holder, fence int64, ttl time.Duration) error {
	if err := s.checkLease("extend", key, holder, ttl, true); err != nil {
		return err
	}
	if err := ended(ctx, "extend", key); err != nil {
		return err
	}
	ok, err := s.sc.extend.rs.Run(ctx, s.rdb, []string{s.ks.lease(key)}, token(holder, fence), millis(ttl)).Int64()
	switch {
	case err != nil:
		return wrapWrite("extend", key, err)
	case ok == 0:
		return drivers.ErrLeaseLost
	}
	return nil
}

// Release deletes the lease key if its value is still "holder:fence";
// drivers.ErrLeaseLost otherwise. The fence counter stays, so the next
// holder gets a higher fence.
func (s *Store) Release(ctx context.Context, key int, holder, fence int64) error {
	if err := s.checkLease("release", key, holder, 0, false); err != nil {
		return err
	}
	if err := ended(ctx, "release", key); err != nil {
		return err
	}
	ok, err := s.sc.release.rs.Run(ctx, s.rdb, []string{s.ks.lease(key)}, token(holder, fence)).Int64()
	switch {
	case err != nil:
		return wrapWrite("release", key, err)
	case ok == 0:
		return drivers.ErrLeaseLost
	}
	return nil
}

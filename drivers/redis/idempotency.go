package redis

import (
	"context"
	"fmt"
	"strconv"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/occbench/occbench/drivers"
)

var _ drivers.IdempotencyStore = (*Store)(nil)

// Idempotency keys: one hash per entry, occbench:idem:KEY (status, hash,
// token, claimed_at, expires_at), created with a PEXPIRE of the TTL (the
// server's clock bounds the memory they hold), and the set
// occbench:idemdone of every key ever completed, which survives the
// entries' expiry. Setup deletes both. A Session's idempotency calls go
// through the pool (the methods are the Store's).
const (
	idemKeyPrefix = keyPrefix + "idem:"
	idemDoneKey   = keyPrefix + "idemdone"
	idemScan      = idemKeyPrefix + "*"
)

func idemKey(key int64) string { return idemKeyPrefix + strconv.FormatInt(key, 10) }

// Times are compared in the scripts as zero-padded 20-digit strings
// (Lua's numbers are doubles, exact only to 2^53: Unix nanoseconds are
// not), so the decision is drivers.IdemDecide's to the nanosecond: pad
// gives a non-negative time its string.
func pad(ns int64) string {
	if ns < 0 {
		ns = 0
	}
	return fmt.Sprintf("%020d", ns)
}

// idemBeginSrc: KEYS[1] entry; ARGV: hash, token, now, now+ttl,
// now−stale_after (all times padded), ttl in ms. The decision of
// drivers.IdemDecide, and the claim, in one script. Returns {state,
// claimed_at of a recovered entry}.
const idemBeginSrc = `
local e = redis.call('HMGET', KEYS[1], 'status', 'hash', 'claimed_at', 'expires_at')
local function claim(state)
  redis.call('HSET', KEYS[1], 'status', 'PENDING', 'hash', ARGV[1], 'token', ARGV[2], 'claimed_at', ARGV[3], 'expires_at', ARGV[4])
  redis.call('PEXPIRE', KEYS[1], ARGV[6])
  return {state, '0'}
end
if not e[1] or e[4] <= ARGV[3] then return claim(1) end
if e[2] ~= ARGV[1] then return {6, '0'} end
if e[1] == 'COMPLETED' then return {5, '0'} end
if e[1] == 'FAILED' then return claim(2) end
if e[3] < ARGV[5] then
  claim(3)
  return {3, e[3]}
end
return {4, '0'}
`

// idemCompleteSrc: KEYS[1] entry, KEYS[2] document, KEYS[3] the done
// set; ARGV: token, key, writer, op, updated_at. Applies the effect and
// marks the entry COMPLETED in one script; 0 when the claim is not the
// token's, -1 for a missing document.
const idemCompleteSrc = `
local e = redis.call('HMGET', KEYS[1], 'status', 'token')
if e[1] ~= 'PENDING' or e[2] ~= ARGV[1] then return 0 end
if redis.call('EXISTS', KEYS[2]) == 0 then return -1 end
redis.call('HINCRBY', KEYS[2], 'version', 1)
redis.call('HINCRBY', KEYS[2], 'counter', 1)
redis.call('HSET', KEYS[2], 'writer', ARGV[3], 'op', ARGV[4], 'updated_at', ARGV[5])
redis.call('HSET', KEYS[1], 'status', 'COMPLETED')
redis.call('SADD', KEYS[3], ARGV[2])
return 1
`

// idemFailSrc: KEYS[1] entry; ARGV: token. 0 when the claim is not the
// token's.
const idemFailSrc = `
local e = redis.call('HMGET', KEYS[1], 'status', 'token')
if e[1] ~= 'PENDING' or e[2] ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'status', 'FAILED')
return 1
`

// The scripts are the same for every cell: made once, sent by EVALSHA
// (go-redis loads them on a NOSCRIPT).
var (
	idemBegin    = goredis.NewScript(idemBeginSrc)
	idemComplete = goredis.NewScript(idemCompleteSrc)
	idemFail     = goredis.NewScript(idemFailSrc)
)

// Begin claims r.Key in one Lua script: the entry is created (the SET NX
// of a key no entry holds) or, when one exists, read, judged and claimed
// if it may be (drivers.IdemDecide), with PEXPIRE of the TTL.
func (s *Store) Begin(ctx context.Context, r *drivers.IdemRequest, c *drivers.IdemClaim) error {
	const op = "idempotency begin"
	if err := s.checkIdem(ctx, op, r); err != nil {
		return err
	}
	c.State, c.PendingSince = 0, 0
	res, err := idemBegin.Run(ctx, s.rdb, []string{idemKey(r.Key)},
		strconv.FormatUint(r.Hash, 10), strconv.FormatInt(r.Token, 10), pad(r.Now), pad(r.Now+int64(r.TTL)),
		pad(r.Now-int64(r.StaleAfter)), max(millis(r.TTL), 1)).Slice()
	if err != nil {
		return wrapWrite(op, r.Doc, err)
	}
	if len(res) != 2 {
		return opErr(op, r.Doc, drivers.ClassOther, fmt.Errorf("begin script answered %v", res))
	}
	state, err1 := intValue(res[0])
	since, err2 := strconv.ParseInt(fmt.Sprint(res[1]), 10, 64)
	if err1 != nil || err2 != nil || state < int64(drivers.IdemNew) || state > int64(drivers.IdemMismatch) {
		return opErr(op, r.Doc, drivers.ClassOther, fmt.Errorf("begin script answered %v", res))
	}
	c.State = drivers.IdemState(state)
	if c.State == drivers.IdemRecovered {
		c.PendingSince = since
	}
	return nil
}

// Complete applies the effect to document r.Doc and marks r.Key
// COMPLETED in one Lua script; drivers.ErrClaimLost when the claim is no
// longer r.Token's.
func (s *Store) Complete(ctx context.Context, r *drivers.IdemRequest) error {
	const op = "idempotency complete"
	if err := s.checkIdem(ctx, op, r); err != nil {
		return err
	}
	res, err := idemComplete.Run(ctx, s.rdb, []string{idemKey(r.Key), s.keys[r.Doc], idemDoneKey},
		strconv.FormatInt(r.Token, 10), r.Key, r.Writer, r.Op, r.Now).Int64()
	switch {
	case err != nil:
		return wrapWrite(op, r.Doc, err)
	case res == 0:
		return drivers.ErrClaimLost
	case res < 0:
		return notFound(op, r.Doc)
	}
	return nil
}

// Fail marks r.Key FAILED if r.Token holds its claim, in one script.
func (s *Store) Fail(ctx context.Context, r *drivers.IdemRequest) error {
	const op = "idempotency fail"
	if err := s.checkIdem(ctx, op, r); err != nil {
		return err
	}
	res, err := idemFail.Run(ctx, s.rdb, []string{idemKey(r.Key)}, strconv.FormatInt(r.Token, 10)).Int64()
	switch {
	case err != nil:
		return wrapWrite(op, r.Doc, err)
	case res == 0:
		return drivers.ErrClaimLost
	}
	return nil
}

// IdemTotals counts the done set, and the entries PENDING and FAILED
// (SCAN, then their status, pipelined).
func (s *Store) IdemTotals(ctx context.Context) (drivers.IdemTotals, error) {
	var t drivers.IdemTotals
	if err := ended(ctx, "idempotency totals", -1); err != nil {
		return t, err
	}
	err := honour(ctx, func(ctx context.Context) error {
		n, err := s.rdb.SCard(ctx, idemDoneKey).Result()
		if err != nil {
			return err
		}
		t.Completed = n
		it := s.rdb.Scan(ctx, 0, idemScan, 1000).Iterator()
		var keys []string
		for it.Next(ctx) {
			keys = append(keys, it.Val())
		}
		if err := it.Err(); err != nil {
			return err
		}
		for lo := 0; lo < len(keys); lo += batch {
			p := s.rdb.Pipeline()
			cmds := make([]*goredis.StringCmd, 0, batch)
			for _, k := range keys[lo:min(lo+batch, len(keys))] {
				cmds = append(cmds, p.HGet(ctx, k, "status"))
			}
			if _, err := p.Exec(ctx); err != nil && err != goredis.Nil {
				return err
			}
			for _, c := range cmds {
				switch c.Val() { // "" for an entry that expired since the SCAN
				case drivers.IdemStatusPending:
					t.Pending++
				case drivers.IdemStatusFailed:
					t.Failed++
				}
			}
		}
		return nil
	})
	if err != nil {
		return drivers.IdemTotals{}, wrapRead("idempotency totals", -1, err)
	}
	return t, nil
}

// dropIdem deletes the previous cell's idempotency entries and done set.
func dropIdem(ctx context.Context, rdb *goredis.Client) error {
	it := rdb.Scan(ctx, 0, idemScan, 1000).Iterator()
	found := []string{idemDoneKey}
	for it.Next(ctx) {
		found = append(found, it.Val())
		if len(found) == batch {
			if err := rdb.Unlink(ctx, found...).Err(); err != nil {
				return err
			}
			found = found[:0]
		}
	}
	if err := it.Err(); err != nil {
		return err
	}
	if len(found) > 0 {
		return rdb.Unlink(ctx, found...).Err()
	}
	return nil
}

// checkIdem refuses a request out of range, or made with an ended ctx.
func (s *Store) checkIdem(ctx context.Context, op string, r *drivers.IdemRequest) error {
	if err := s.checkKey(op, r.Doc); err != nil {
		return err
	}
	if err := drivers.CheckIdem(r); err != nil {
		return drivers.NotSent(fmt.Errorf("redis: %s: %w", op, err))
	}
	if r.TTL < time.Millisecond {
		return drivers.NotSent(fmt.Errorf("redis: %s: ttl: must be ≥ 1ms (PEXPIRE), got %v", op, r.TTL))
	}
	return ended(ctx, op, r.Doc)
}

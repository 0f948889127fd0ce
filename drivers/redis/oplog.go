package redis

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/occbench/occbench/drivers"
)

var (
	_ drivers.OpLogger = (*Store)(nil)
	_ drivers.Limiter  = (*Store)(nil)
)

// A document's op log (--audit ops, drivers.OpLogger) is a sorted set
// of "pos:writer:op" members scored by pos, at keyspace.opLog: in the
// document's hash slot.

// opLogLua is appended to the write scripts under Spec.OpLog, before
// their final "return 1": in the same script as the write, it files the
// writer and op (ARGV[%d], ARGV[%d]) at position counter−1, after
// dropping the entries from that position on. The log key is the
// document key's, with "oplog" for "doc": the same hash slot.
const opLogLua = `local lk = (string.gsub(KEYS[1], ':doc:', ':oplog:', 1))
local pos = tonumber(redis.call('HGET', KEYS[1], 'counter')) - 1
redis.call('ZREMRANGEBYSCORE', lk, pos, '+inf')
redis.call('ZADD', lk, pos, pos .. ':' .. ARGV[%d] .. ':' .. ARGV[%d])
return 1
`

// withOpLog returns the script src with the op log written before its
// final "return 1"; writer and op are the ARGV indexes of the writer
// and the op.
func withOpLog(src string, writer, op int) string {
	i := strings.LastIndex(src, "return 1")
	return src[:i] + fmt.Sprintf(opLogLua, writer, op) + src[i+len("return 1\n"):]
}

// logOps makes the conditional and unconditional write scripts keep the
// op log; without it (the default) they are unchanged.
func (sc *scripts) logOps() {
	sc.cas = newScript(withOpLog(casScriptSrc, 6, 7))
	sc.put = newScript(withOpLog(putScriptSrc, 8, 9))
}

// Unsupported implements drivers.Limiter: under cas=watch the
// conditional write is a MULTI … EXEC the op log is not part of.
func (s *Store) Unsupported(c drivers.Capability) string {
	if c == drivers.CapOpLog && s.watch {
		return "the op log is written by the Lua scripts, and cas=watch writes with MULTI … EXEC (use cas=lua)"
	}
	return ""
}

// OpLog implements drivers.OpLogger: one ZRANGE per document, in key
// order, each in position order. A cell set up without Spec.OpLog has
// no log: OpLog says so.
func (s *Store) OpLog(ctx context.Context, fn func(key int, writer, op int64) error) error {
	if !s.spec.OpLog {
		return fmt.Errorf("redis: op log: the cell was set up without one (Spec.OpLog)")
	}
	for key := range s.keys {
		members, err := s.rdb.ZRange(ctx, s.ks.opLog(key), 0, -1).Result()
		if err != nil {
			return opErr("op log", key, classify(err), err)
		}
		for _, m := range members {
			writer, op, err := parseOpMember(m)
			if err != nil {
				return fmt.Errorf("redis: op log key %d: %w", key, err)
			}
			if err := fn(key, writer, op); err != nil {
				return err
			}
		}
	}
	return nil
}

// parseOpMember reads an op log member, "pos:writer:op" (decimal
// integers), into the writer and the op.
func parseOpMember(m string) (writer, op int64, err error) {
	parts := strings.Split(m, ":")
	if len(parts) == 3 {
		_, err0 := strconv.ParseInt(parts[0], 10, 64)
		w, err1 := strconv.ParseInt(parts[1], 10, 64)
		o, err2 := strconv.ParseInt(parts[2], 10, 64)
		if err0 == nil && err1 == nil && err2 == nil {
			return w, o, nil
		}
	}
	return 0, 0, fmt.Errorf("entry %q: want pos:writer:op", m)
}

package redis

import (
	"strconv"
	"strings"

	goredis "github.com/redis/go-redis/v9"

	"github.com/occbench/occbench/drivers"
)

// Key layout; see the package documentation.
const (
	keyPrefix   = "occbench:"
	metaKeysFld = "keys"
)

// keyspace names the keys of one namespace: every key starts with
// "occbench:", or "NS_occbench:" with Options.Namespace NS.
type keyspace struct {
	prefix                   string // "occbench:" or "NS_occbench:"
	leasePrefix, fencePrefix string // prefix + "lease:{", prefix + "fence:{"
}

func keyspaceOf(ns string) keyspace {
	p := drivers.Prefixed(ns, keyPrefix)
	return keyspace{prefix: p, leasePrefix: p + "lease:{", fencePrefix: p + "fence:{"}
}

func (k keyspace) doc(id int) string   { return k.prefix + "doc:{" + strconv.Itoa(id) + "}" }
func (k keyspace) lease(id int) string { return k.leasePrefix + strconv.Itoa(id) + "}" }
func (k keyspace) fence(id int) string { return k.fencePrefix + strconv.Itoa(id) + "}" }
func (k keyspace) meta() string        { return k.prefix + "meta" }
func (k keyspace) scan() string        { return k.prefix + "*" }

// marks is the hash of a multi-runner run's markers (coordinate.go).
// Setup's SCAN-based drop removes it too, which is harmless: runner 0
// rewrites its markers after every Setup.
func (k keyspace) marks() string { return k.prefix + "marks" }

// Fixed hash fields, in the order Read and ReadFenced return them.
var fixedFields = [...]string{"version", "counter", "fence", "writer", "op", "updated_at"}

// gvField and pField name field group g's version and payload fields.
func gvField(g int) string { return "gv" + strconv.Itoa(g) }
func pField(g int) string  { return "p" + strconv.Itoa(g) }

// readFields lists every field of a document with n groups: the fixed
// fields, gv0…, p0….
func readFields(n int) []string {
	f := append([]string(nil), fixedFields[:]...)
	for g := range n {
		f = append(f, gvField(g))
	}
	for g := range n {
		f = append(f, pField(g))
	}
	return f
}

// casScriptSrc: KEYS[1] doc; ARGV: compared field, expected value, group
// version field, payload field, payload, writer, op, updated_at.
// Returns 1 when written, 0 on a version mismatch, -1 for a missing doc.
const casScriptSrc = `
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if not cur then return -1 end
if cur ~= ARGV[2] then return 0 end
redis.call('HINCRBY', KEYS[1], 'version', 1)
redis.call('HINCRBY', KEYS[1], 'counter', 1)
redis.call('HINCRBY', KEYS[1], ARGV[3], 1)
redis.call('HSET', KEYS[1], ARGV[4], ARGV[5], 'writer', ARGV[6], 'op', ARGV[7], 'updated_at', ARGV[8])
return 1
`

// putScriptSrc: KEYS[1] doc; ARGV: fence (0 = unfenced), version, counter,
// group version field, group version, payload field, payload, writer, op,
// updated_at. Returns 1 when written, 0 for a stale fence, -1 for a
// missing doc.
const putScriptSrc = `
local f = redis.call('HGET', KEYS[1], 'fence')
if not f then return -1 end
local fence = tonumber(ARGV[1])
if fence > 0 then
  if tonumber(f) > fence then return 0 end
  redis.call('HSET', KEYS[1], 'fence', ARGV[1])
end
redis.call('HSET', KEYS[1], 'version', ARGV[2], 'counter', ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], 'writer', ARGV[8], 'op', ARGV[9], 'updated_at', ARGV[10])
return 1
`

// script is a Lua script: go-redis's, for the Store's pool, and its
// text and SHA1 for sessions, which send EVALSHA themselves.
type script struct {
	rs       *goredis.Script
	src, sha string
}

func newScript(src string) *script {
	rs := goredis.NewScript(src)
	return &script{rs: rs, src: src, sha: rs.Hash()}
}

// scripts are one cell's Lua scripts. A goredis.Script caches its SHA,
// so each Store has its own rather than sharing package-level ones.
type scripts struct {
	cas, put, readFenced, acquire, extend, release *script
}

func newScripts(fields []string) scripts {
	return scripts{
		cas:        newScript(casScriptSrc),
		put:        newScript(putScriptSrc),
		readFenced: readFencedScript(fields),
		acquire:    newScript(acquireScriptSrc),
		extend:     newScript(extendScriptSrc),
		release:    newScript(releaseScriptSrc),
	}
}

func (sc *scripts) all() []*script {
	return []*script{sc.cas, sc.put, sc.readFenced, sc.acquire, sc.extend, sc.release}
}

// readFencedScript returns the ReadFenced script for fields: KEYS[1] doc,
// ARGV[1] fence. It returns 0 for a stale fence, -1 for a missing doc,
// otherwise the HMGET of fields after raising the fence. The field list
// is part of the script's text, so that a call sends only the fence.
func readFencedScript(fields []string) *script {
	quoted := make([]string, len(fields))
	for i, f := range fields {
		quoted[i] = "'" + f + "'"
	}
	return newScript(`
local f = redis.call('HGET', KEYS[1], 'fence')
if not f then return -1 end
if tonumber(f) > tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'fence', ARGV[1])
return redis.call('HMGET', KEYS[1], ` + strings.Join(quoted, ", ") + `)
`)
}

// acquireScriptSrc: KEYS[1] lease, KEYS[2] fence counter; ARGV: holder, ttl
// in ms. Grants the lease only if the lease key does not exist (free or
// expired), so a failed acquire burns no fence. Returns the new fence, or
// 0 when the lease is held.
const acquireScriptSrc = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local f = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], ARGV[1] .. ':' .. f, 'PX', ARGV[2])
return f
`

// extendScriptSrc: KEYS[1] lease; ARGV: "holder:fence", ttl in ms. Returns 1
// when extended, 0 when the lease is someone else's or gone.
const extendScriptSrc = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
`

// releaseScriptSrc: KEYS[1] lease; ARGV[1] "holder:fence". Returns 1 when
// deleted, 0 when the lease is someone else's or gone.
const releaseScriptSrc = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`

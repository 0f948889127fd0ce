// Package redis is the Redis store, on go-redis v9.
//
// Open connects to the DSN the run passes in (--dsn redis://host:6379/0,
// rediss://…, unix://…, or a bare host:port; provisioning a server is done
// elsewhere). The pool holds Writers+2 connections, at least 4. go-redis's
// own command retries are switched off (MaxRetries -1): a write whose
// reply was lost must surface as an error, never be sent twice.
//
// # Connections
//
// By default (conns=writer) each writer of a cell gets a Session: a
// connection of its own for the whole cell, as each redis-benchmark
// client has one. A session does not go through go-redis: it writes the
// same commands as the Store (HMGET, EVALSHA of the same scripts, WATCH …
// EXEC) in RESP2 itself, and parses the replies itself. Each command is
// appended to a buffer the session reuses, with strconv.Append* for
// numbers, the scripts' SHA1s computed once per Setup and the read's
// field list encoded once per Setup, and written with one write; integers
// are parsed and the expected version compared in the read buffer, and
// payloads appended to the caller's Doc. An optimistic attempt (HMGET,
// EVALSHA) allocates nothing (TestSessionAllocs; through go-redis's pool
// it allocates 46 times). When the server does not know a script (it
// restarted and flushed them) the NOSCRIPT reply is followed by one EVAL
// of the script's text, which caches it again. Under cas=watch a session
// sends WATCH and HGET in one write and MULTI … EXEC in another, and
// leaves the WATCH of a mismatch in place, to be cleared by an UNWATCH
// sent ahead of its next WATCH: two round trips either way, where
// go-redis's Watch takes four.
//
// A call's deadline is the socket's (set when it differs from the last
// call's); a cancellation is watched by one goroutine per session, which
// waits on the Done channel of the last context a call brought and
// interrupts the call in flight (a deadline in the past) when it closes.
// The runner's writers reuse one context for attempt after attempt, so a
// call hands the watcher nothing and wakes no goroutine: each round trip
// is one write and the reads of its reply. The session's own context is
// watched once. Setup, Totals and ServerVersion use the Store's pool.
// With conns=pool every call borrows a connection of go-redis's pool
// instead, as an application on go-redis does, and Session returns
// drivers.ErrNoSessions.
//
// # Faults
//
// Every command is bounded by its context's deadline exactly:
// ReadTimeout and WriteTimeout are -1 and ContextTimeoutEnabled is set,
// so go-redis makes the context's deadline the socket's (and sets none
// without one); the runner gives every attempt a deadline. go-redis does
// not watch a cancellation once a command is on the wire, so Setup and
// Totals, which may be cancelled without a deadline, return at once and
// leave the command they wait for to the background. Each dial is
// bounded by Options.ConnectTimeout (0 = drivers.DefaultConnectTimeout)
// and made once per call, through Options.Dial when it is set (TLS
// included); Open's handshake is bounded by it too.
//
// A session dials as the pool does (Options.Dial, TLS, ConnectTimeout),
// then sends AUTH, SELECT and CLIENT SETNAME as the DSN asks. A session
// whose connection broke (an I/O error, a deadline, an interrupted call,
// a reply it cannot parse) closes it, and its next call dials a new one
// first, bounded by ConnectTimeout and the call's context; a failed dial
// is a connection error marked not sent, and the next call dials again.
// The session neither waits nor retries: the runner's error backoff
// paces the attempts. An error reply leaves the connection in use.
//
// go-redis reconnects by itself: it checks an idle connection before
// handing it out and drops one the server closed. It would also stop
// dialing after PoolSize failed dials and probe the server once a second
// in the background, a cooldown of up to a second after the server is
// back; the driver's dialer therefore never reports a failed dial to
// go-redis as such, but as a connection whose handshake fails with the
// dial's error, so that every call dials (see dialer). The first call
// after a restart succeeds at once.
//
// An error is marked not sent (drivers.MayHaveCommitted false) when the
// call cannot have written: its context had ended before it started,
// the dial failed, the pool timed out or was closed, the call only reads
// (HMGET), a WATCH transaction failed before MULTI … EXEC was sent (or
// EXEC was refused with EXECABORT), or a session's write failed before
// the whole command was written (Redis runs only whole commands). Any
// other failure of a Lua script or EXEC may have been applied.
//
// go-redis logs through one process-wide logger, to stderr by default.
// The package installs its own once (the package's one piece of global
// state, forced by go-redis): each line goes to the Options.Log of every
// open Store that has one, and nowhere when none has.
//
// # Keys
//
// Every key the driver writes starts with "occbench:", or with
// "NS_occbench:" under Options.Namespace NS (occbench run --namespace),
// so that runs in different namespaces never touch each other's keys
// (Setup's SCAN matches its own prefix only). The markers of a
// multi-runner run are fields of the hash NS_occbench:marks
// (drivers.Coordinator); Attach loads a cell's scripts and writes
// nothing. The {id} hash tag
// puts a document's three keys in one cluster slot:
//
//	occbench:doc:{id}    hash: version counter fence writer op updated_at
//	                           gv0 … gvN-1 (field-group versions)
//	                           p0 … pN-1   (field-group payloads, binary)
//	occbench:lease:{id}  string "holder:fence", with a PX expiry
//	occbench:fence:{id}  integer, the last fencing token granted for id
//	occbench:meta        hash: keys = the number of documents of the cell
//
// Setup deletes the previous cell's keys (documents, leases and fence
// counters 0 … n-1, where n is the key count this Store or occbench:meta
// remembers; only when neither knows does it SCAN for occbench:*), then
// seeds spec.Keys documents with pipelined HSETs. It touches no other key.
// Close deletes nothing.
//
// # Write paths
//
//   - CompareAndSwap: a Lua script (EVALSHA, loaded by Setup) that
//     compares version (or gvG) with the expected value and applies
//     HINCRBYs and an HSET atomically; 0 means a VersionMismatch. With the
//     parameter cas=watch it is WATCH, HGET, MULTI … EXEC instead, and a
//     failed EXEC (redis.TxFailedErr) is the VersionMismatch.
//   - Put and ReadFenced: Lua scripts with the fence check. A fenced Put
//     is rejected as StaleFence when the document's fence is higher.
//   - Leases: one Lua script INCRs occbench:fence:{id} and SETs the lease
//     key "holder:fence" with PX ttl, only when the lease key does not
//     exist: a failed acquire burns no fence, and fences only increase.
//     Extend is a compare-and-PEXPIRE, Release a compare-and-DEL, both on
//     "holder:fence". Expiry is Redis's own clock (TTL rounded up to whole
//     milliseconds); Options.Clock is not used.
//   - The store offers neither LockedUpdate nor SerializableUpdate: Redis
//     has no row lock or serializable transaction to measure, so the
//     pessimistic and serializable cells are skipped with that reason.
//
// Lua compares versions as decimal strings (exact), and fences as Lua
// numbers, which are exact up to 2^53.
//
// A missing document is drivers.ErrNotFound; network errors are
// connection or timeout errors; error replies from the server are server
// errors.
//
// # Parameters
//
// Options.Params (from the CLI's --params) accepts two keys:
//
//	cas    lua (default) | watch    how CompareAndSwap is made atomic
//	conns  writer (default) | pool  a connection per writer, or go-redis's pool per call
//
// Registered as driver "redis".
package redis

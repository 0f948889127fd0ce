// Package postgres is the PostgreSQL store, on pgx v5 and a pgxpool pool.
//
// Open connects to the DSN the run passes in (--dsn; provisioning a
// server is done elsewhere). The pool holds Writers+2 connections, at
// least 4, and uses pgx's default statement cache
// (QueryExecModeCacheStatement): every statement is prepared once per
// connection and then executed by name, as `pgbench -M prepared` does.
// The SQL strings are built once per Setup, one per field group, never per
// call.
//
// # Connections
//
// By default (conns=writer) each writer of a cell gets a Session: a
// connection of its own for the whole cell, dialed with the pool's
// settings, as pgbench gives each client one. A session sends the same
// statements and transactions as the Store, but through pgconn: each
// statement is prepared on the connection on first use with fixed
// parameter types (int8, bytea), then only bound and executed, with
// binary parameters and results. The runner's context is watched once
// per session, not once per statement; when it is cancelled (a stop's
// grace period ran out) the connection's deadline is set to the past,
// which interrupts the statement in flight, and every later call fails
// with the context's error. An optimistic attempt (read + conditional
// UPDATE) then allocates twice (pgconn's command tags) and costs the
// client about a third less CPU than through pgxpool (see
// bench/PARITY.md). Close closes the connection, and its statements with
// it. With conns=pool every statement borrows a pool connection through
// pgx instead, as an application on pgxpool does; a DSN with
// default_query_exec_mode other than cache_statement (e.g.
// simple_protocol behind a transaction-pooling proxy) implies it.
//
// # Transport
//
// How a session's connection waits for the server (transport=): with
// blocking (Linux), the writer's goroutine waits in ppoll(2) on its own
// thread, as pgbench does, instead of parking on Go's netpoller, which at
// low concurrency costs every round trip several thread wake-ups (the
// poller's, an idle P's, sysmon's): at 1 writer 2.4 … 4 context
// switches and under 1 futex call per optimistic attempt instead of
// 9 … 13 and 6 … 7, and about half the client CPU (bench/PARITY.md,
// session 3). What an attempt sends is the same. A waiting writer keeps its P, so with as many writers as
// GOMAXPROCS the runtime has to hand Ps round, and the netpoller is
// cheaper: auto (the default) is blocking when Options.Writers is below
// GOMAXPROCS, netpoll otherwise. On a blocking connection the session's
// and the socket's deadlines and Close interrupt a wait at once (an
// eventfd in the same ppoll); a call's own context is handed to the
// session's watcher only once the call has waited 10 ms or reached the
// context's deadline, so a context cancelled earlier by anything but its
// deadline or the session's context ends the call up to 10 ms late. A
// DSN with TLS works on either (TLS runs over the blocking socket); a
// connection from Options.Dial that is not a TCP or Unix socket stays on
// the netpoller.
//
// # Faults
//
// A session whose connection broke (the server restarted or killed the
// backend, or a deadline interrupted a statement, which makes pgconn
// close the connection) dials a new one at its next call, bounded by
// ConnectTimeout and the call's context, and prepares its statements
// again as they are used; if the dial fails the call returns a
// connection error marked not sent, and the next call dials again. The
// session neither sleeps nor retries: the runner's error backoff paces
// the attempts, so the first call after the server accepts connections
// again succeeds (measured: about 0.1 s after a restart, under -race,
// most of it the SCRAM handshake). In pool mode a connection error
// resets the pool, so that the next calls dial afresh instead of each
// finding a dead idle connection; Setup, Totals and ServerVersion ping
// the connection they get and replace a dead one.
//
// Options.ConnectTimeout (0 = drivers.DefaultConnectTimeout, or the
// DSN's connect_timeout when it sets one) bounds every connect, per
// address tried, and the pool's liveness pings. Options.Dial, when set,
// makes every connection: the pool's, the sessions', and pgx's cancel
// requests (which dial the address the connection is connected to).
// Session.Close takes at most about a second, interrupting a call still
// in flight; Store.Close returns within CloseWithin, leaving connections
// that a hung server keeps busy to close in the background. pgx prints
// nothing of its own.
//
// An error is marked not sent (drivers.MayHaveCommitted false) when the
// call cannot have committed: its context had ended before it started,
// the connect failed, pgconn failed before sending anything
// (SafeToRetry), the failing statement was a read, a transaction failed
// before its COMMIT was sent, or COMMIT answered ROLLBACK. Any other
// failure of a write may have committed.
//
// # Schema
//
// Setup drops and recreates two tables, and touches nothing else in the
// database (under Options.Namespace NS they are NS_occbench_docs and
// NS_occbench_leases, and the markers of a multi-runner run are rows of
// NS_occbench_meta; Attach touches no table):
//
//	CREATE TABLE occbench_docs (
//	    id         bigint PRIMARY KEY,   -- document key, 0 … keys-1
//	    version    bigint NOT NULL,      -- +1 per committed write
//	    counter    bigint NOT NULL,      -- +1 per committed op (the audit sums it)
//	    fence      bigint NOT NULL,      -- highest fencing token accepted
//	    writer     bigint NOT NULL,      -- writer id of the last write
//	    op         bigint NOT NULL,      -- op id of the last write
//	    updated_at bigint NOT NULL,      -- Unix nanoseconds of the last write
//	    gv0 … gvN-1 bigint NOT NULL,     -- one version per field group
//	    p0  … pN-1  bytea  NOT NULL      -- one payload per field group
//	);
//	CREATE TABLE occbench_leases (
//	    id         bigint PRIMARY KEY,   -- document key
//	    holder     bigint NOT NULL,      -- 0 = free
//	    expires_at timestamptz NOT NULL, -- server clock; -infinity when free
//	    fence      bigint NOT NULL       -- last token granted; survives release
//	);
//
// Both tables are seeded with one row per key by a single
// INSERT … SELECT … FROM generate_series, then analyzed. Close drops
// nothing.
//
// # Write paths
//
//   - CompareAndSwap: one UPDATE … WHERE id=$1 AND version=$2 (or
//     gvG=$2 for the field-group scope); 0 rows is a VersionMismatch.
//   - Put: one unconditional UPDATE of the client's values; when fenced,
//     AND fence <= $fence and SET fence=$fence; 0 rows is StaleFence.
//   - ReadFenced: UPDATE … SET fence=$2 WHERE id=$1 AND fence <= $2
//     RETURNING every column.
//   - LockedUpdate: BEGIN; SELECT … FOR UPDATE [NOWAIT]; UPDATE with
//     values computed from that read; COMMIT. With lock_wait=nowait a
//     held row lock is a LockNotAvailable conflict (SQLSTATE 55P03).
//   - SerializableUpdate: the same read and write in one SERIALIZABLE
//     transaction; 40001 is a Serialization conflict, 40P01 a Deadlock.
//   - Leases: one UPDATE … RETURNING fence on the key's lease row. Expiry
//     is decided by the server clock (now()), so it is the same for every
//     client; Options.Clock is not used.
//
// Errors that are not conflicts carry a drivers.ErrorClass: 57014
// (query_canceled, e.g. statement_timeout) is a timeout; class 08, 57P0x
// and failed connects are connection errors; every other SQLSTATE is a
// server error.
//
// # Parameters
//
// Options.Params (from the CLI's --param) accepts three keys:
//
//	lock_wait  wait (default) | nowait   LockedUpdate's FOR UPDATE mode
//	conns      writer (default) | pool   a connection per writer, or pgxpool per statement
//	transport  auto (default) | blocking | netpoll   how a session waits (see Transport)
//
// Registered as driver "postgres".
package postgres

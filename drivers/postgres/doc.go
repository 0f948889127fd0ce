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
// By default (conns=writer) each writer of a cell gets a Session: one
// pool connection of its own for the whole cell, as pgbench gives each
// client one. A session sends the same statements and transactions as
// the Store, but through pgconn: each statement is prepared on the
// connection on first use with fixed parameter types (int8, bytea), then
// only bound and executed, with binary parameters and results. The
// runner's context is watched once per session, not once per statement;
// when it is cancelled (a stop's grace period ran out) the connection's
// deadline is set to the past, which interrupts the statement in flight,
// and Close discards that connection. An optimistic attempt (read +
// conditional UPDATE) then allocates twice (pgconn's command tags) and
// costs the client about a third less CPU than through pgxpool (see
// bench/PARITY.md). Close deallocates the session's statements and gives
// the connection back. With conns=pool every statement borrows a pool
// connection through pgx instead, as an application on pgxpool does; a
// DSN with default_query_exec_mode other than cache_statement (e.g.
// simple_protocol behind a transaction-pooling proxy) implies it.
//
// # Schema
//
// Setup drops and recreates two tables, and touches nothing else in the
// database:
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
// Options.Params (from the CLI's --param) accepts two keys:
//
//	lock_wait  wait (default) | nowait   LockedUpdate's FOR UPDATE mode
//	conns      writer (default) | pool   a connection per writer, or pgxpool per statement
//
// Registered as driver "postgres".
package postgres

// Package sqltemplate runs occbench's strategies over a user's own table:
// the statements of a scenario's write_path block, for PostgreSQL (pgx
// through database/sql) and SQLite (modernc.org/sqlite). It is opened by
// the harness in place of the postgres or sqlite driver when a scenario
// has a write_path; it registers no --driver name of its own.
//
// # The templates
//
//	setup      statements run in order at every cell's Setup (@keys): create and seed the table
//	read       one row for @key; columns by name: version (required), counter, writer, op,
//	           updated_at, fence, payload fill the document, others are ignored
//	cas        the conditional write (@key @version @new_version @writer @op @payload @updated_at):
//	           one row changed commits, none is a version-mismatch conflict, more is an error
//	write      optional: the unconditional write of lww, check-then-write and lease, with the
//	           values the client computed from its read (@new_version = read version + 1,
//	           @counter = read counter + 1)
//	lock_read  optional: the locking read of pessimistic (SELECT … FOR UPDATE; on SQLite
//	           a plain SELECT, the transaction is BEGIN IMMEDIATE)
//	audit      optional: one integer, the committed ops the store holds (see Audit)
//	teardown   optional: statements run once when the store closes (@keys)
//
// Parameters are named and always bound, never interpolated: package
// placeholder rewrites them to $n (PostgreSQL) or ?n (SQLite), and refuses
// a name the template may not use, a positional parameter and a second
// statement. Keys are the integers 0 … keys−1: setup must create one row
// for each.
//
// # How the strategies compose them
//
//   - optimistic: read, then cas with @version = the version read, in
//     autocommit.
//   - pessimistic: BEGIN; lock_read; the hold (--hold); cas with the
//     version lock_read returned, which must change one row (none is an
//     error: another condition of the template refused it); COMMIT.
//   - lww and check-then-write: read, then write.
//   - lease: leases are rows of occbench_tpl_leases (expired by the
//     server's now() on PostgreSQL, by the client's clock on SQLite).
//     With fencing, the lease's fence is raised in occbench_tpl_fences in
//     the transaction of the read (ReadFenced) and of the write (Put),
//     so a stale holder's write is refused atomically: the user's table
//     needs no fence column. Setup drops and recreates these two tables
//     in the user's database; Close drops nothing.
//   - serializable is not offered (no template for it), nor the
//     field-group and operation scopes: a template writes the row of
//     @key as a whole.
//
// Templates the write_path leaves out are refused through
// drivers.Limiter with a reason naming the template, so the strategies
// that need them are skipped with that reason.
//
// # Checks at start
//
// Setup runs the setup statements, prepares every template (the server
// parses and resolves it), runs the read for keys 0 and keys−1 (each must
// find a row and return a version column), runs lock_read in a
// transaction it rolls back, checks that a write binding @counter has a
// read returning counter, and runs the audit (one row, one integer). A
// statement the server refuses or whose result does not fit is a
// *TemplateError, one line "write_path.DRIVER.NAME: message" matching
// drivers.ErrInvalidOption: the CLI exits 2 with it.
//
// # Audit
//
// The audit statement returns the number of committed ops the store
// holds; Totals.Counter is its value less its value right after Setup,
// and the runner compares it with the ops that committed, as for the
// built-in document's Σ counter. For the orders example that is the
// units sold, Σ (initial − stock): fewer than the committed orders is
// an oversell (a lost update), more is a double count. Totals.Docs and
// Totals.Versions (Σ version, less its value after Setup) come from
// reading every key back when there are at most MaxScanKeys keys; above,
// Docs is the keys and Versions 0, so a store reset reads as lost updates
// rather than STORE RESET. Without an audit template Totals fails, and
// every cell's audit is AUDIT UNAVAILABLE with the reason, never ok.
//
// # Errors and contexts
//
// Conflicts: zero rows from cas (VersionMismatch), SQLSTATE 40001,
// 40P01, 55P03 and SQLITE_BUSY (their kinds), a stale fence, a lease
// held or lost. A call whose context has already ended sends nothing;
// reads and rolled-back transactions are marked not sent; a SQLite
// statement interrupted by its context is rolled back (not sent), a
// PostgreSQL one may have committed.
//
// Writers share one database/sql pool of writers+2 connections (no
// per-writer sessions), so latencies include database/sql's overhead and
// are not comparable to the built-in postgres driver's to the
// microsecond. Options.Dial and ConnectTimeout apply to PostgreSQL.
// Redis (Lua) and MongoDB templates are run by drivers/redis and
// drivers/mongo (their TemplateStore), over those drivers' connections.
package sqltemplate

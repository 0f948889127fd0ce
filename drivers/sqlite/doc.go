// Package sqlite is the SQLite store: modernc.org/sqlite (no cgo), a real
// database file in WAL mode with busy_timeout(5000) and synchronous(NORMAL).
//
// Documents are rows of occbench_docs (id, version, counter, fence,
// writer, op, updated_at, one version column gvN and one payload BLOB
// column pN per field group, and slots: the operation slots' versions,
// 16 hex digits per writer, empty unless Spec.Slots > 0); leases are
// rows of occbench_leases (id,
// holder, expires_at, fence). Setup drops and recreates both tables and
// prepares every statement once; each op then runs prepared statements:
//
//   - CompareAndSwap is one UPDATE … WHERE id = ? AND version = ? (or
//     gvN = ?; under the operation scope the writer's 16 digits of slots,
//     which the same UPDATE rewrites +1 with substr and printf); zero
//     rows affected is a VersionMismatch conflict. Read decodes slots
//     into Doc.Slots.
//   - Put is one UPDATE, with AND fence <= ? when fenced.
//   - ReadFenced and LockedUpdate run in BEGIN IMMEDIATE transactions (a
//     second pool opened with _txlock=immediate): SELECT, UPDATE, COMMIT;
//     LockedUpdate calls Write.Hold (--hold) between its SELECT and its
//     UPDATE, holding the database's write lock.
//   - Acquire is one UPDATE … RETURNING fence.
//
// SQLITE_BUSY or SQLITE_LOCKED that outlasts the busy timeout is a
// LockNotAvailable conflict; every other failure is an error.
//
// A call's context ends it promptly, even while it waits out the busy
// timeout (modernc's busy handler gives up when the context ends), with
// an error wrapping the context's and marked not sent: an interrupted
// statement is rolled back, and database/sql checks the context before
// each statement and before COMMIT. Failures inside ReadFenced's and
// LockedUpdate's transactions before COMMIT are marked not sent too.
// Options.Dial is ignored: there is no network.
//
// Options.DSN is a file path or a file: URI. When it is empty the store
// creates a fresh temporary directory for its file and Close removes it.
// Close never drops tables.
//
// Registered as driver "sqlite".
package sqlite

// Package inventory is the repository code a Go team might ship, over
// database/sql (SQLite, modernc.org/sqlite): items with a stock and a
// version column. Its tests show how to contention-test such code with
// package occbench from go test:
//
//   - contention_test.go wraps Repo in an occbench.Store (Read: the
//     item's version; CompareAndSwap: Reserve, a conditional UPDATE …
//     WHERE id = ? AND version = ?; Locker: Update under BEGIN IMMEDIATE;
//     Auditor: the stock sold) and runs occbench.Run with 8 writers,
//     failing on lost updates;
//   - the same test over UpdateNaive, the read-modify-write without a
//     version check, asserts that the audit reports the updates it
//     loses.
//
// The package is an example: its API is not part of occbench's.
package inventory

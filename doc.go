// Package occbench contention-tests a Go team's own repository code from
// go test: the code that ships, under the same runner, strategies,
// backoffs, recorders, audit and results file as the occbench command.
//
// A team implements Store around its repository (read a key's version;
// write one op only if the version is unchanged) and calls Run with a
// scenario:
//
//	type store struct{ repo *inventory.Repo }
//
//	func (s store) Read(ctx context.Context, key string) (int64, error) {
//		it, err := s.repo.Get(ctx, key)
//		return it.Version, err
//	}
//
//	func (s store) CompareAndSwap(ctx context.Context, key string, expected int64, _ occbench.Op) (bool, error) {
//		return s.repo.Reserve(ctx, key, expected) // UPDATE … WHERE id = ? AND version = ?
//	}
//
//	func TestReserveUnderContention(t *testing.T) {
//		sc := scenarios.Default()
//		sc.Writers, sc.OpsPerWriter = []int{8}, 50
//		f, err := occbench.Run(t.Context(), sc, store{repo})
//		if err != nil {
//			t.Fatal(err)
//		}
//		if err := occbench.Judge(f).Err(); err != nil {
//			t.Fatal(err) // lost updates, errors, an audit that could not judge, …
//		}
//	}
//
// # Optional interfaces
//
// Run finds these by type assertion:
//
//	Seeder   create or reset the keys before each cell
//	Auditor  what the store holds of the committed ops (a counter, stock
//	         sold): without it every audit is unavailable and Judge fails
//	Locker   a pessimistic read-modify-write: the pessimistic strategy
//
// Strategies that need what a Store cannot express (lww and
// check-then-write an unconditional write, serializable a transaction,
// lease leases), and scenario fields that act on a server occbench
// starts (dsn, image, faults, latency), are refused before anything
// runs, with the field and the allowed values.
//
// # Keys, ops and the audit
//
// The scenario's keys are named "key-0" … (WithKeys names them
// otherwise). Each op is one unit of the team's operation (reserve one
// item, add one to a counter): Auditor.Applied counts them, and the audit
// compares the ops the writers committed with what the store holds. A
// conditional write that is not atomic loses updates under contention,
// and the cell's audit says LOST UPDATES; Judge then returns an error
// matching ErrLostUpdates.
//
// # Results and verdict
//
// Run returns the results file (package results): write it with WithOut
// or results.WriteFile, and read it with occbench report, compare and
// merge as any run's. Judge gives the exit code occbench run would give
// the file and its findings; Verdict.Err matches ErrLostUpdates,
// ErrAuditUnavailable, ErrStoreReset, ErrErrors, ErrInterrupted or
// ErrThresholds. A context that ends stops the run as Ctrl-C stops
// occbench run: the current cell keeps what it measured and the file is
// marked interrupted.
//
// The package imports the runner and its leaf packages only, never the
// container or network machinery of the command, so a test binary stays
// small.
package occbench

package sqlite

import (
	"context"
	"fmt"

	"github.com/occbench/occbench/drivers"
)

var _ drivers.OpLogger = (*Store)(nil)

// opLogDDL is what Setup runs, in its transaction, for the op log
// (drivers.OpLogger): it always drops the previous cell's log, and with
// spec.OpLog it creates occbench_oplog and a trigger on occbench_docs
// that every write (conditional, unconditional, locked: each sets
// counter, writer and op) fires inside its own UPDATE, so the entry is
// written in the same atomic step as the document. The entry sits at
// position counter−1: a conditional or locked write appends, and a Put
// of counter c first deletes the entries from position c−1 on. Without
// spec.OpLog there is no trigger: the write paths are unchanged.
func opLogDDL(spec drivers.Spec) []string {
	ddl := []string{"DROP TABLE IF EXISTS occbench_oplog"}
	if !spec.OpLog {
		return ddl
	}
	return append(ddl,
		"CREATE TABLE occbench_oplog (doc INTEGER NOT NULL, pos INTEGER NOT NULL, writer INTEGER NOT NULL, op INTEGER NOT NULL, "+
			"PRIMARY KEY (doc, pos)) WITHOUT ROWID",
		"CREATE TRIGGER occbench_oplog_write AFTER UPDATE OF counter, writer, op ON occbench_docs BEGIN "+
			"DELETE FROM occbench_oplog WHERE doc = NEW.id AND pos >= NEW.counter - 1; "+
			"INSERT INTO occbench_oplog (doc, pos, writer, op) VALUES (NEW.id, NEW.counter - 1, NEW.writer, NEW.op); "+
			"END")
}

// OpLog implements drivers.OpLogger: one SELECT of occbench_oplog in
// document and write order. A cell set up without Spec.OpLog has no
// log: OpLog says so.
func (s *Store) OpLog(ctx context.Context, fn func(key int, writer, op int64) error) error {
	if !s.spec.OpLog {
		return fmt.Errorf("sqlite: op log: the cell was set up without one (Spec.OpLog)")
	}
	rows, err := s.db.QueryContext(ctx, "SELECT doc, writer, op FROM occbench_oplog ORDER BY doc, pos")
	if err != nil {
		return fmt.Errorf("sqlite: op log: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var key int
		var writer, op int64
		if err := rows.Scan(&key, &writer, &op); err != nil {
			return fmt.Errorf("sqlite: op log: %w", err)
		}
		if err := fn(key, writer, op); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlite: op log: %w", err)
	}
	return nil
}

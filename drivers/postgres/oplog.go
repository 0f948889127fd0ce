package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/occbench/occbench/drivers"
)

var _ drivers.OpLogger = (*Store)(nil)

// opLogTable keeps the op log of --audit ops (drivers.OpLogger).
const opLogTable = "occbench_oplog"

// opLogDDL is what Setup runs, in its transaction, for the op log: it
// always drops the previous cell's log, and with spec.OpLog it creates
// occbench_oplog and a row trigger on occbench_docs that every write
// (conditional, unconditional, locked, serializable: each sets counter,
// writer and op) fires inside its own UPDATE, so that the entry is
// written in the same atomic step as the document, and a conditional
// write stays one statement, one round trip. The entry sits at position
// counter−1: a conditional or locked write appends, and a Put of counter
// c first deletes the entries from position c−1 on. Without spec.OpLog
// there is no trigger: the write paths are unchanged.
func opLogDDL(spec drivers.Spec) []string {
	ddl := []string{"DROP TABLE IF EXISTS " + opLogTable}
	if !spec.OpLog {
		return ddl
	}
	return append(ddl,
		"CREATE TABLE "+opLogTable+" (doc bigint NOT NULL, pos bigint NOT NULL, writer bigint NOT NULL, op bigint NOT NULL, PRIMARY KEY (doc, pos))",
		"CREATE OR REPLACE FUNCTION occbench_oplog_write() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "+
			"DELETE FROM "+opLogTable+" WHERE doc = NEW.id AND pos >= NEW.counter - 1; "+
			"INSERT INTO "+opLogTable+" (doc, pos, writer, op) VALUES (NEW.id, NEW.counter - 1, NEW.writer, NEW.op); "+
			"RETURN NULL; END $$",
		"CREATE TRIGGER occbench_oplog_write AFTER UPDATE OF counter, writer, op ON "+docsTable+
			" FOR EACH ROW EXECUTE FUNCTION occbench_oplog_write()")
}

// OpLog implements drivers.OpLogger: one SELECT of occbench_oplog in
// document and write order. A cell set up without Spec.OpLog has no
// log: OpLog says so.
func (s *Store) OpLog(ctx context.Context, fn func(key int, writer, op int64) error) error {
	if !s.spec.OpLog {
		return fmt.Errorf("postgres: op log: the cell was set up without one (Spec.OpLog)")
	}
	c, err := s.fresh(ctx, "op log")
	if err != nil {
		return err
	}
	defer c.Release()
	rows, err := c.Query(ctx, "SELECT doc, writer, op FROM "+opLogTable+" ORDER BY doc, pos", pgx.QueryExecModeExec)
	if err != nil {
		return s.fail("op log", -1, err, true)
	}
	defer rows.Close()
	var key, writer, op int64
	_, err = pgx.ForEachRow(rows, []any{&key, &writer, &op}, func() error { return fn(int(key), writer, op) })
	if err != nil {
		return fmt.Errorf("postgres: op log: %w", err)
	}
	return nil
}

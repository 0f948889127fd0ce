package memory

import (
	"context"
	"fmt"

	"github.com/occbench/occbench/drivers"
)

// opEntry is one committed write's identity in a document's op log, at
// position pos: the document's counter after the write, minus one.
type opEntry struct{ writer, op, pos int64 }

// newOpLogs returns one empty op log per document when spec asks for
// them (drivers.Spec.OpLog), else nil: the store keeps none.
func newOpLogs(spec drivers.Spec) [][]opEntry {
	if !spec.OpLog {
		return nil
	}
	return make([][]opEntry, spec.Keys)
}

// logOp records w's identity in its document's op log at position
// counter−1, d's counter after the write (drivers.OpLogger): it first
// drops the entries at that position and after, so a conditional or
// locked write appends and a Put of counter c keeps the entries before
// position c−1, as the SQL stores' logs do. Entries stay sorted by
// position. The caller holds d.mu. Appends grow the log by doubling:
// amortised, and the default path (no log) never gets here.
func (s *Store) logOp(d *doc, w *drivers.Write) {
	pos := d.counter - 1
	l := s.oplogs[w.Key]
	cut := len(l)
	for cut > 0 && l[cut-1].pos >= pos {
		cut--
	}
	s.oplogs[w.Key] = append(l[:cut], opEntry{w.Writer, w.Op, pos})
}

// OpLog implements drivers.OpLogger: it calls fn for every entry of
// every document's op log, key by key, each in write order. A cell set
// up without Spec.OpLog has no log: OpLog says so.
func (s *Store) OpLog(ctx context.Context, fn func(key int, writer, op int64) error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memory: op log: %w", err)
	}
	if s.oplogs == nil {
		return fmt.Errorf("memory: op log: the cell was set up without one (Spec.OpLog)")
	}
	var buf []opEntry
	for key := range s.docs {
		d := &s.docs[key]
		d.mu.Lock()
		buf = append(buf[:0], s.oplogs[key]...)
		d.mu.Unlock()
		for _, e := range buf {
			if err := fn(key, e.writer, e.op); err != nil {
				return err
			}
		}
	}
	return nil
}

// OpLog implements drivers.OpLogger: the Store's.
func (ss *Session) OpLog(ctx context.Context, fn func(key int, writer, op int64) error) error {
	return ss.s.OpLog(ctx, fn)
}

package memory

import (
	"context"
	"fmt"

	"github.com/occbench/occbench/drivers"
)

// opEntry is one committed write's identity in a document's op log.
type opEntry struct{ writer, op int64 }

// newOpLogs returns one empty op log per document when spec asks for
// them (drivers.Spec.OpLog), else nil: the store keeps none.
func newOpLogs(spec drivers.Spec) [][]opEntry {
	if !spec.OpLog {
		return nil
	}
	return make([][]opEntry, spec.Keys)
}

// logOp records w's identity in its document's op log, which it keeps as
// long as the counter d now holds (drivers.OpLogger): a conditional or
// locked write appends; a Put keeps the first w.Counter−1 entries, those
// the writer read, and appends. The caller holds d.mu. Appends grow the
// log by doubling: amortised, the default path (no log) never gets here.
func (s *Store) logOp(d *doc, w *drivers.Write) {
	l := s.oplogs[w.Key]
	keep := min(max(d.counter-1, 0), int64(len(l)))
	s.oplogs[w.Key] = append(l[:keep], opEntry{w.Writer, w.Op})
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

package mongo

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/occbench/occbench/drivers"
)

var _ drivers.OpLogger = (*Store)(nil)

// opsField is the document's op log (--audit ops, drivers.OpLogger): an
// array of {w: writer, o: op} entries (FerretDB stores no nested
// arrays), written by the same update as the write.
const opsField = "ops"

// withOpLog adds the op log to update, a write of w, when the cell keeps
// one (Spec.OpLog); otherwise it returns update unchanged. A conditional
// or locked write appends its entry ($push). A Put of counter c
// ($push with $position c−1 and $slice c) keeps the first c−1 entries
// and puts its own after them: an overwritten write's identity goes with
// its count. The array has no gaps: where a Put's read is newer than the
// log (a rare lww interleaving) the entry lands at the end, not at
// position c−1 as in the SQL stores.
func (s *Store) withOpLog(update bson.D, w *drivers.Write, putCounter int64) bson.D {
	if !s.spec.OpLog {
		return update
	}
	entry := bson.D{{Key: "w", Value: w.Writer}, {Key: "o", Value: w.Op}}
	var push any = entry
	if putCounter > 0 {
		push = bson.D{
			{Key: "$each", Value: bson.A{entry}},
			{Key: "$position", Value: putCounter - 1},
			{Key: "$slice", Value: putCounter},
		}
	}
	return append(update, bson.E{Key: "$push", Value: bson.D{{Key: opsField, Value: push}}})
}

// OpLog implements drivers.OpLogger: one find over the documents, in key
// order, each log in write order. A cell set up without Spec.OpLog has
// no log: OpLog says so.
func (s *Store) OpLog(ctx context.Context, fn func(key int, writer, op int64) error) error {
	if !s.spec.OpLog {
		return fmt.Errorf("mongo: op log: the cell was set up without one (Spec.OpLog)")
	}
	opts := options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetProjection(bson.D{{Key: opsField, Value: 1}})
	cur, err := s.docs.Find(ctx, bson.D{}, opts)
	if err != nil {
		return wrap("op log", -1, err)
	}
	defer cur.Close(context.WithoutCancel(ctx))
	for cur.Next(ctx) {
		var d struct {
			ID  int64 `bson:"_id"`
			Ops []struct {
				W int64 `bson:"w"`
				O int64 `bson:"o"`
			} `bson:"ops"`
		}
		if err := cur.Decode(&d); err != nil {
			return fmt.Errorf("mongo: op log: %w", err)
		}
		for _, e := range d.Ops {
			if err := fn(int(d.ID), e.W, e.O); err != nil {
				return err
			}
		}
	}
	if err := cur.Err(); err != nil {
		return wrap("op log", -1, err)
	}
	return nil
}

// opLogUnsupported says why the server cannot keep the op log: FerretDB
// (1.24 measured) ignores $push's $position and $slice, so an
// unconditional write would append instead of overwriting, and its
// conditional updates are not atomic, so the log would not be written
// in the same atomic step as the document. "" on MongoDB.
func (s *Store) opLogUnsupported() string {
	if s.server.FerretDB != "" {
		return "FerretDB " + s.server.FerretDB + " ignores $push's $position and $slice and does not apply a conditional update atomically"
	}
	return ""
}

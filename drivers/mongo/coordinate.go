package mongo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/occbench/occbench/drivers"
)

var (
	_ drivers.Attacher    = (*Store)(nil)
	_ drivers.Coordinator = (*Store)(nil)
)

// Attach prepares the store for a cell of spec that another runner set
// up: it touches no collection.
func (s *Store) Attach(ctx context.Context, spec drivers.Spec) error {
	if err := spec.Validate(); err != nil {
		return fmt.Errorf("mongo: attach: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("mongo: attach: %w", err)
	}
	s.prepare(spec)
	return nil
}

// Mark sets marker name to value: a document {_id: name, value} of the
// namespace's occbench_meta collection.
func (s *Store) Mark(ctx context.Context, name, value string) error {
	_, err := s.marks.UpdateOne(ctx, bson.D{{Key: "_id", Value: name}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "value", Value: value}}}}, options.UpdateOne().SetUpsert(true))
	if err != nil {
		return wrap("mark "+name, -1, err)
	}
	return nil
}

// Marks returns the markers whose name starts with prefix. The
// collection holds a few markers per cell: it is read whole and filtered
// here, which every wire-compatible server can do.
func (s *Store) Marks(ctx context.Context, prefix string) (map[string]string, error) {
	cur, err := s.marks.Find(ctx, bson.D{})
	if err != nil {
		return nil, wrap("marks", -1, err)
	}
	defer cur.Close(context.WithoutCancel(ctx))
	out := map[string]string{}
	for cur.Next(ctx) {
		var m struct {
			ID    string `bson:"_id"`
			Value string `bson:"value"`
		}
		if err := cur.Decode(&m); err != nil {
			return nil, wrap("marks", -1, err)
		}
		if strings.HasPrefix(m.ID, prefix) {
			out[m.ID] = m.Value
		}
	}
	if err := cur.Err(); err != nil {
		return nil, wrap("marks", -1, err)
	}
	return out, nil
}

// ClearMarks deletes every marker of the namespace.
func (s *Store) ClearMarks(ctx context.Context) error {
	if _, err := s.marks.DeleteMany(ctx, bson.D{}); err != nil {
		return wrap("clear marks", -1, err)
	}
	return nil
}

// Now reads the server's clock: hello's localTime.
func (s *Store) Now(ctx context.Context) (time.Time, error) {
	var r struct {
		LocalTime time.Time `bson:"localTime"`
	}
	if err := s.client.Database("admin").RunCommand(ctx, bson.D{{Key: "hello", Value: 1}}).Decode(&r); err != nil {
		return time.Time{}, wrap("now", -1, err)
	}
	if r.LocalTime.IsZero() {
		return time.Time{}, fmt.Errorf("mongo: now: the server's hello has no localTime")
	}
	return r.LocalTime, nil
}

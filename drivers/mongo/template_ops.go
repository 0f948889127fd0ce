package mongo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	mgo "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/occbench/occbench/drivers"
)

// tplReady refuses a call before Setup, for a key out of range, or with
// an ended ctx: nothing is sent.
func (s *TemplateStore) tplReady(ctx context.Context, op string, key int) error {
	if !s.ranSetup {
		return drivers.NotSent(fmt.Errorf("write_path.mongo: %s key %d: Setup has not run", op, key))
	}
	if key < 0 || key >= s.spec.Keys {
		return drivers.NotSent(fmt.Errorf("write_path.mongo: %s: key %d (keys: %d): %w", op, key, s.spec.Keys, drivers.ErrNotFound))
	}
	return ended(ctx, "write_path "+op, key)
}

// Read runs the read filter for key into d.
func (s *TemplateStore) Read(ctx context.Context, key int, d *drivers.Doc) error {
	if err := s.tplReady(ctx, "read", key); err != nil {
		return err
	}
	found, err := s.readDoc(ctx, key, d)
	switch {
	case err != nil:
		return wrapRead("write_path read", key, err)
	case !found:
		return drivers.NotSent(fmt.Errorf("%s: no document for key %d: %w", s.read.name, key, drivers.ErrNotFound))
	}
	return nil
}

// fenced adds the fence condition to a filter: the document has
// accepted no fence above f (a missing field is none).
func fenced(filter any, f int64) bson.D {
	return append(filter.(bson.D), bson.E{Key: FenceField, Value: bson.D{{Key: "$not", Value: bson.D{{Key: "$gt", Value: f}}}}})
}

// withFence adds $set occbench_fence: f to an operator update.
func withFence(update any, f int64) bson.D {
	u := update.(bson.D)
	for i, e := range u {
		if e.Key == "$set" {
			if set, ok := e.Value.(bson.D); ok {
				u[i].Value = append(set, bson.E{Key: FenceField, Value: f})
				return u
			}
		}
	}
	return append(u, bson.E{Key: "$set", Value: bson.D{{Key: FenceField, Value: f}}})
}

// CompareAndSwap runs updateOne(cas.filter, cas.update) with @version =
// w.Expect and @new_version = w.Expect+1: one document matched commits,
// none is a VersionMismatch conflict. (On FerretDB v1 two writers'
// filters can both match: see the package doc.)
func (s *TemplateStore) CompareAndSwap(ctx context.Context, w *drivers.Write) error {
	if err := s.tplReady(ctx, "cas", w.Key); err != nil {
		return err
	}
	if w.Scope != drivers.ScopeDocument {
		return drivers.NotSent(fmt.Errorf("write_path.mongo: cas key %d: scope %s: a template compares the document's version only (scope document)", w.Key, w.Scope))
	}
	v := tplValues{key: int64(w.Key), version: w.Expect, newVersion: w.Expect + 1, writer: w.Writer, op: w.Op, updatedAt: w.UpdatedAt, payload: w.Payload}
	res, err := s.coll.UpdateOne(ctx, subst(s.casFilter.v, &v), subst(s.casUpdate.v, &v))
	if err != nil {
		return wrapWrite("write_path cas", w.Key, err)
	}
	if res.MatchedCount == 0 {
		return drivers.ErrVersionMismatch
	}
	return nil
}

// Put runs updateOne(write.filter, write.update) with the values the
// client computed from its read: @new_version = w.Version, @version =
// w.Version−1, @counter = w.Counter. With w.Fence > 0 the filter also
// requires that the document has accepted no higher fence, and the
// update sets occbench_fence: a higher one is a StaleFence conflict.
func (s *TemplateStore) Put(ctx context.Context, w *drivers.Write) error {
	if s.writeUpdate == nil {
		return drivers.NotSent(fmt.Errorf("write_path.mongo: put key %d: %s", w.Key, s.Unsupported(drivers.CapPut)))
	}
	if err := s.tplReady(ctx, "put", w.Key); err != nil {
		return err
	}
	v := tplValues{key: int64(w.Key), version: w.Version - 1, newVersion: w.Version, counter: w.Counter, writer: w.Writer, op: w.Op, updatedAt: w.UpdatedAt, payload: w.Payload}
	filter, update := subst(s.writeFilter.v, &v), subst(s.writeUpdate.v, &v)
	if w.Fence > 0 {
		filter, update = fenced(filter, w.Fence), withFence(update, w.Fence)
	}
	res, err := s.coll.UpdateOne(ctx, filter, update)
	if err != nil {
		return wrapWrite("write_path put", w.Key, err)
	}
	if res.MatchedCount == 0 {
		return s.noMatch(ctx, "put", w.Key, w.Fence > 0)
	}
	return nil
}

// noMatch explains a fenced or unconditional update that matched
// nothing: StaleFence when the key's document is there (and fenced),
// ErrNotFound otherwise.
func (s *TemplateStore) noMatch(ctx context.Context, op string, key int, fence bool) error {
	if fence {
		var d drivers.Doc
		found, err := s.readDoc(ctx, key, &d)
		if err != nil {
			return wrapRead("write_path "+op, key, err)
		}
		if found {
			return drivers.ErrStaleFence
		}
	}
	return drivers.NotSent(fmt.Errorf("write_path.mongo: %s: no document matched for key %d: %w", op, key, drivers.ErrNotFound))
}

// ReadFenced raises the document's occbench_fence to fence and returns
// it, in one findOneAndUpdate on the read filter; a higher fence
// already accepted is a StaleFence conflict.
func (s *TemplateStore) ReadFenced(ctx context.Context, key int, fence int64, d *drivers.Doc) error {
	if err := s.tplReady(ctx, "read fenced", key); err != nil {
		return err
	}
	filter := fenced(subst(s.read.v, &tplValues{key: int64(key)}), fence)
	update := bson.D{{Key: "$set", Value: bson.D{{Key: FenceField, Value: fence}}}}
	raw, err := s.coll.FindOneAndUpdate(ctx, filter, update, options.FindOneAndUpdate().SetReturnDocument(options.After)).Raw()
	if errors.Is(err, mgo.ErrNoDocuments) {
		return s.noMatch(ctx, "read fenced", key, true)
	}
	if err != nil {
		return wrapWrite("write_path read fenced", key, err)
	}
	return s.decode(raw, key, d)
}

// Acquire, Extend and Release are the mongo driver's leases (its leases
// collection, the client's clock).
func (s *TemplateStore) Acquire(ctx context.Context, key int, holder int64, ttl time.Duration) (int64, error) {
	if err := s.tplReady(ctx, "acquire", key); err != nil {
		return 0, err
	}
	return s.base.Acquire(ctx, key, holder, ttl)
}

// Extend: see Acquire.
func (s *TemplateStore) Extend(ctx context.Context, key int, holder, fence int64, ttl time.Duration) error {
	if err := s.tplReady(ctx, "extend", key); err != nil {
		return err
	}
	return s.base.Extend(ctx, key, holder, fence, ttl)
}

// Release: see Acquire.
func (s *TemplateStore) Release(ctx context.Context, key int, holder, fence int64) error {
	if err := s.tplReady(ctx, "release", key); err != nil {
		return err
	}
	return s.base.Release(ctx, key, holder, fence)
}

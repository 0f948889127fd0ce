package mongo

import (
	"context"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	mgo "go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/occbench/occbench/drivers"
)

var _ drivers.IdempotencyStore = (*Store)(nil)

// IdemCollection holds the idempotency entries: {_id: key (int64), status,
// hash (int64), token, claimed_at, expires_at (int64 Unix ns, the
// client's clock), done (bool, true once completed: it survives expiry
// and reclaim)}. _id is the unique index. Setup drops it with the
// documents.
const IdemCollection = "idem"

// idemRetries bounds Begin's read-and-claim loop when other deliveries
// keep changing the entry between its read and its conditional update;
// then Begin answers a WriteConflict conflict and the runner retries.
const idemRetries = 8

// Begin claims r.Key: insertOne {_id: key, PENDING, …} claims a key no
// entry holds (the _id unique index decides: a duplicate key error means
// one exists); otherwise the entry is read, judged (drivers.IdemDecide)
// and, if it may be claimed, taken with an updateOne filtered on the
// status, token and claimed_at read. On MongoDB that conditional update is
// atomic per document; on FerretDB v1 it is not (see
// IdempotencyNotAtomic): two deliveries may both take a stale entry over.
func (s *Store) Begin(ctx context.Context, r *drivers.IdemRequest, c *drivers.IdemClaim) error {
	const op = "idempotency begin"
	if err := s.checkIdem(ctx, op, r); err != nil {
		return err
	}
	c.State, c.PendingSince = 0, 0
	coll := s.db.Collection(IdemCollection)
	claim := bson.D{
		{Key: "status", Value: drivers.IdemStatusPending}, {Key: "hash", Value: int64(r.Hash)}, {Key: "token", Value: r.Token},
		{Key: "claimed_at", Value: r.Now}, {Key: "expires_at", Value: r.Now + int64(r.TTL)},
	}
	for range idemRetries {
		_, err := coll.InsertOne(ctx, append(bson.D{{Key: "_id", Value: r.Key}}, append(claim, bson.E{Key: "done", Value: false})...))
		if err == nil {
			c.State = drivers.IdemNew
			return nil
		}
		if !mgo.IsDuplicateKeyError(err) && !hasCode(err, codeDuplicateKey) {
			return wrapWrite(op, r.Doc, err)
		}
		var e struct {
			Status    string `bson:"status"`
			Hash      int64  `bson:"hash"`
			Token     int64  `bson:"token"`
			ClaimedAt int64  `bson:"claimed_at"`
			ExpiresAt int64  `bson:"expires_at"`
		}
		err = coll.FindOne(ctx, bson.D{{Key: "_id", Value: r.Key}}).Decode(&e)
		if errors.Is(err, mgo.ErrNoDocuments) {
			continue // deleted since: insert again
		}
		if err != nil {
			return wrapRead(op, r.Doc, err)
		}
		state, ok := drivers.IdemDecide(true, e.Status, uint64(e.Hash), e.ClaimedAt, e.ExpiresAt, r)
		if !ok {
			c.State = state
			return nil
		}
		res, err := coll.UpdateOne(ctx,
			bson.D{{Key: "_id", Value: r.Key}, {Key: "status", Value: e.Status}, {Key: "token", Value: e.Token}, {Key: "claimed_at", Value: e.ClaimedAt}},
			bson.D{{Key: "$set", Value: claim}})
		if err != nil {
			return wrapWrite(op, r.Doc, err)
		}
		if res.MatchedCount == 1 {
			c.State = state
			if state == drivers.IdemRecovered {
				c.PendingSince = e.ClaimedAt
			}
			return nil
		}
		// Changed between the read and the update: read it again.
	}
	return drivers.Conflict(drivers.WriteConflict, fmt.Errorf("mongo: %s key %d: the entry changed %d times under the claim", op, r.Key, idemRetries))
}

// Complete marks r.Key COMPLETED with an updateOne filtered on PENDING
// and r.Token (none matched: drivers.ErrClaimLost), then applies the
// effect to document r.Doc with a second updateOne. The two writes are
// not one transaction: a failure between them leaves a key COMPLETED
// whose effect is missing, which the audit reports as a lost effect.
func (s *Store) Complete(ctx context.Context, r *drivers.IdemRequest) error {
	const op = "idempotency complete"
	if err := s.checkIdem(ctx, op, r); err != nil {
		return err
	}
	if err := s.mark(ctx, op, r, drivers.IdemStatusCompleted); err != nil {
		return err
	}
	res, err := s.docs.UpdateOne(ctx, bson.D{{Key: "_id", Value: int64(r.Doc)}}, bson.D{
		{Key: "$inc", Value: bson.D{{Key: "version", Value: int64(1)}, {Key: "counter", Value: int64(1)}}},
		{Key: "$set", Value: bson.D{{Key: "writer", Value: r.Writer}, {Key: "op", Value: r.Op}, {Key: "updated_at", Value: r.Now}}},
	})
	switch {
	case err != nil:
		return wrapWrite(op, r.Doc, err)
	case res.MatchedCount == 0:
		return fmt.Errorf("mongo: %s key %d: marked COMPLETED but the document is missing: %w", op, r.Doc, drivers.ErrNotFound)
	}
	return nil
}

// Fail marks r.Key FAILED if r.Token holds its claim.
func (s *Store) Fail(ctx context.Context, r *drivers.IdemRequest) error {
	const op = "idempotency fail"
	if err := s.checkIdem(ctx, op, r); err != nil {
		return err
	}
	return s.mark(ctx, op, r, drivers.IdemStatusFailed)
}

// mark sets r.Key's status if r.Token holds its PENDING claim.
func (s *Store) mark(ctx context.Context, op string, r *drivers.IdemRequest, status string) error {
	set := bson.D{{Key: "status", Value: status}}
	if status == drivers.IdemStatusCompleted {
		set = append(set, bson.E{Key: "done", Value: true})
	}
	res, err := s.db.Collection(IdemCollection).UpdateOne(ctx,
		bson.D{{Key: "_id", Value: r.Key}, {Key: "status", Value: drivers.IdemStatusPending}, {Key: "token", Value: r.Token}},
		bson.D{{Key: "$set", Value: set}})
	switch {
	case err != nil:
		return wrapWrite(op, r.Doc, err)
	case res.MatchedCount == 0:
		return drivers.ErrClaimLost
	}
	return nil
}

// IdemTotals counts the entries ever completed (done) and those PENDING
// and FAILED now.
func (s *Store) IdemTotals(ctx context.Context) (drivers.IdemTotals, error) {
	const op = "idempotency totals"
	var t drivers.IdemTotals
	if err := ended(ctx, op, -1); err != nil {
		return t, err
	}
	coll := s.db.Collection(IdemCollection)
	for _, q := range []struct {
		filter bson.D
		n      *int64
	}{
		{bson.D{{Key: "done", Value: true}}, &t.Completed},
		{bson.D{{Key: "status", Value: drivers.IdemStatusPending}}, &t.Pending},
		{bson.D{{Key: "status", Value: drivers.IdemStatusFailed}}, &t.Failed},
	} {
		n, err := coll.CountDocuments(ctx, q.filter)
		if err != nil {
			return drivers.IdemTotals{}, wrapRead(op, -1, err)
		}
		*q.n = n
	}
	return t, nil
}

// IdempotencyNotAtomic says why FerretDB's claims are not atomic (its
// filtered updates are a read, a filter in Go and a write), or "" on
// MongoDB: the runner then reports double applies with the reason.
func (s *Store) IdempotencyNotAtomic() string {
	if s.server.FerretDB == "" {
		return ""
	}
	return "FerretDB " + s.server.FerretDB + " applies filtered updates and $inc without isolation: two redeliveries can both take one stale claim over, and increments are lost"
}

// checkIdem refuses a request out of range, or made with an ended ctx.
func (s *Store) checkIdem(ctx context.Context, op string, r *drivers.IdemRequest) error {
	if err := s.checkKey(op, r.Doc); err != nil {
		return err
	}
	if err := drivers.CheckIdem(r); err != nil {
		return drivers.NotSent(fmt.Errorf("mongo: %s: %w", op, err))
	}
	return ended(ctx, op, r.Doc)
}

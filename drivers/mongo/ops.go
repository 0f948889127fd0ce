package mongo

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	mgo "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/occbench/occbench/drivers"
)

// callOptions are the options of the hot calls, built once by Open and
// only read afterwards.
type callOptions struct {
	cas, fenced, acquire *options.FindOneAndUpdateOptionsBuilder
}

// newCallOptions builds them. With project, findOneAndUpdate returns only
// the fields the caller reads (FerretDB v1 rejects a projection there, so
// it gets whole documents back).
func newCallOptions(project bool) callOptions {
	o := callOptions{
		cas:     options.FindOneAndUpdate(),
		fenced:  options.FindOneAndUpdate().SetReturnDocument(options.After),
		acquire: options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After),
	}
	if project {
		o.cas.SetProjection(bson.D{{Key: "_id", Value: 1}})
		o.acquire.SetProjection(bson.D{{Key: "fence", Value: 1}})
	}
	return o
}

// checkKey returns an error wrapping drivers.ErrNotFound when key is not
// one of the seeded documents.
func (s *Store) checkKey(op string, key int) error {
	if key < 0 || key >= s.spec.Keys {
		return drivers.NotSent(fmt.Errorf("mongo: %s: key %d (keys: %d): %w", op, key, s.spec.Keys, drivers.ErrNotFound))
	}
	return nil
}

// checkWrite validates w's key, group and payload against the spec.
func (s *Store) checkWrite(op string, w *drivers.Write) error {
	if err := s.checkKey(op, w.Key); err != nil {
		return err
	}
	if w.Group < 0 || w.Group >= s.spec.FieldGroups {
		return drivers.NotSent(fmt.Errorf("mongo: %s key %d: group: must be 0 … %d, got %d", op, w.Key, s.spec.FieldGroups-1, w.Group))
	}
	if len(w.Payload) != s.gb {
		return drivers.NotSent(fmt.Errorf("mongo: %s key %d: payload: must be %d bytes (group bytes), got %d", op, w.Key, s.gb, len(w.Payload)))
	}
	return nil
}

// notFound is the error for a seeded document the store did not find.
func notFound(op string, key int) error {
	return drivers.NotSent(fmt.Errorf("mongo: %s key %d: %w", op, key, drivers.ErrNotFound))
}

// decode fills out from a document as stored, reusing out's slices.
func (s *Store) decode(raw bson.Raw, key int, out *drivers.Doc) error {
	elems, err := raw.Elements()
	if err != nil {
		return fmt.Errorf("mongo: decode key %d: %w", key, err)
	}
	n := s.spec.FieldGroups
	if cap(out.Groups) >= n {
		out.Groups = out.Groups[:n]
	} else {
		out.Groups = make([]int64, n)
	}
	size := s.spec.PayloadBytes // leftover bytes beyond the last whole group stay zero, as in every store
	if cap(out.Payload) >= size {
		out.Payload = out.Payload[:size]
	} else {
		out.Payload = make([]byte, size)
	}
	if ns := s.spec.Slots; cap(out.Slots) >= ns {
		out.Slots = out.Slots[:ns]
	} else {
		out.Slots = make([]int64, ns)
	}
	clear(out.Groups)
	clear(out.Payload)
	clear(out.Slots)
	out.Key = key
	for _, e := range elems {
		name, v := e.Key(), e.Value()
		var dst *int64
		switch name {
		case "_id", "lock":
			continue
		case "version":
			dst = &out.Version
		case "counter":
			dst = &out.Counter
		case "fence":
			dst = &out.Fence
		case "writer":
			dst = &out.Writer
		case "op":
			dst = &out.Op
		case "updated_at":
			dst = &out.UpdatedAt
		default:
			if w, ok := slotOf(name, len(out.Slots)); ok {
				dst = &out.Slots[w]
				break
			}
			g, isPayload, ok := groupOf(name, n)
			if !ok {
				continue // a field some other tool added
			}
			if isPayload {
				_, data, ok := v.BinaryOK()
				if !ok || len(data) != s.gb {
					return fmt.Errorf("mongo: decode key %d: %s: want %d bytes of binary, got %s", key, name, s.gb, v.Type)
				}
				copy(out.Payload[g*s.gb:], data)
				continue
			}
			dst = &out.Groups[g]
		}
		x, ok := v.AsInt64OK()
		if !ok {
			return fmt.Errorf("mongo: decode key %d: %s: want a number, got %s", key, name, v.Type)
		}
		*dst = x
	}
	return nil
}

// slotOf parses an operation slot's field name: "sl3" → 3.
func slotOf(name string, slots int) (int, bool) {
	if len(name) < 3 || name[:2] != "sl" {
		return 0, false
	}
	w, err := strconv.Atoi(name[2:])
	if err != nil || w < 0 || w >= slots {
		return 0, false
	}
	return w, true
}

// groupOf parses a field group's field name: "gv3" → (3, false), "p3" →
// (3, true).
func groupOf(name string, groups int) (g int, payload, ok bool) {
	var digits string
	switch {
	case len(name) > 2 && name[:2] == "gv":
		digits = name[2:]
	case len(name) > 1 && name[0] == 'p':
		digits, payload = name[1:], true
	default:
		return 0, false, false
	}
	g, err := strconv.Atoi(digits)
	if err != nil || g < 0 || g >= groups {
		return 0, false, false
	}
	return g, payload, true
}

// Read reads document key into d, reusing d's slices.
func (s *Store) Read(ctx context.Context, key int, d *drivers.Doc) error {
	if err := s.checkKey("read", key); err != nil {
		return err
	}
	if err := ended(ctx, "read", key); err != nil {
		return err
	}
	raw, err := s.docs.FindOne(ctx, bson.D{{Key: "_id", Value: int64(key)}}).Raw()
	if errors.Is(err, mgo.ErrNoDocuments) {
		return notFound("read", key)
	}
	if err != nil {
		return wrapRead("read", key, err)
	}
	return s.decode(raw, key, d)
}

// meta is the $set part every write shares: the group's payload and the
// write's metadata.
func (s *Store) meta(w *drivers.Write, extra int) bson.D {
	p := w.Payload
	if p == nil {
		p = []byte{} // nil would be stored as null
	}
	set := make(bson.D, 0, 4+extra)
	return append(set,
		bson.E{Key: s.groups[w.Group].p, Value: p},
		bson.E{Key: "writer", Value: w.Writer},
		bson.E{Key: "op", Value: w.Op},
		bson.E{Key: "updated_at", Value: w.UpdatedAt},
	)
}

// CompareAndSwap is one findOneAndUpdate whose filter holds the expected
// version (the document's, field group w.Group's under the field-group
// scope, or slot field slW under the operation scope) and whose update
// increments version, counter and the group's version (and the slot's)
// and sets payload and metadata. No match is a VersionMismatch conflict.
func (s *Store) CompareAndSwap(ctx context.Context, w *drivers.Write) error {
	if err := s.checkWrite("cas", w); err != nil {
		return err
	}
	if err := ended(ctx, "cas", w.Key); err != nil {
		return err
	}
	g := s.groups[w.Group]
	field := "version"
	inc := bson.D{{Key: "version", Value: int64(1)}, {Key: "counter", Value: int64(1)}, {Key: g.gv, Value: int64(1)}}
	switch w.Scope {
	case drivers.ScopeFieldGroup:
		field = g.gv
	case drivers.ScopeOperation:
		if w.Writer < 0 || w.Writer >= int64(len(s.slots)) {
			return drivers.NotSent(fmt.Errorf("mongo: cas key %d: scope operation: writer: must be 0 … %d (Spec.Slots %d), got %d", w.Key, len(s.slots)-1, len(s.slots), w.Writer))
		}
		field = s.slots[w.Writer]
		inc = append(inc, bson.E{Key: field, Value: int64(1)})
	}
	filter := bson.D{{Key: "_id", Value: int64(w.Key)}, {Key: field, Value: w.Expect}}
	update := bson.D{
		{Key: "$inc", Value: inc},
		{Key: "$set", Value: s.meta(w, 0)},
	}
	update = s.withOpLog(update, w, 0) // oplog.go
	err := s.docs.FindOneAndUpdate(ctx, filter, update, s.opts.cas).Err()
	switch {
	case err == nil:
		return nil
	case errors.Is(err, mgo.ErrNoDocuments):
		return drivers.ErrVersionMismatch
	}
	return wrapWrite("cas", w.Key, err)
}

// Put sets the client's values unconditionally with one updateOne. With
// w.Fence > 0 the filter also requires fence ≤ w.Fence and the update
// sets fence = w.Fence; no match is then a StaleFence conflict.
func (s *Store) Put(ctx context.Context, w *drivers.Write) error {
	if err := s.checkWrite("put", w); err != nil {
		return err
	}
	if err := ended(ctx, "put", w.Key); err != nil {
		return err
	}
	filter := bson.D{{Key: "_id", Value: int64(w.Key)}}
	set := append(s.meta(w, 4),
		bson.E{Key: "version", Value: w.Version},
		bson.E{Key: "counter", Value: w.Counter},
		bson.E{Key: s.groups[w.Group].gv, Value: w.GroupVersion},
	)
	if w.Fence > 0 {
		filter = append(filter, bson.E{Key: "fence", Value: bson.D{{Key: "$lte", Value: w.Fence}}})
		set = append(set, bson.E{Key: "fence", Value: w.Fence})
	}
	res, err := s.docs.UpdateOne(ctx, filter, s.withOpLog(bson.D{{Key: "$set", Value: set}}, w, w.Counter))
	if err != nil {
		return wrapWrite("put", w.Key, err)
	}
	if res.MatchedCount == 0 {
		if w.Fence > 0 {
			return drivers.ErrStaleFence
		}
		return notFound("put", w.Key)
	}
	return nil
}

// ReadFenced is one findOneAndUpdate that sets fence = fence where the
// document's fence ≤ fence and returns the document after the update; no
// match is a StaleFence conflict.
func (s *Store) ReadFenced(ctx context.Context, key int, fence int64, d *drivers.Doc) error {
	if err := s.checkKey("read fenced", key); err != nil {
		return err
	}
	if err := ended(ctx, "read fenced", key); err != nil {
		return err
	}
	filter := bson.D{{Key: "_id", Value: int64(key)}, {Key: "fence", Value: bson.D{{Key: "$lte", Value: fence}}}}
	update := bson.D{{Key: "$set", Value: bson.D{{Key: "fence", Value: fence}}}}
	raw, err := s.docs.FindOneAndUpdate(ctx, filter, update, s.opts.fenced).Raw()
	switch {
	case errors.Is(err, mgo.ErrNoDocuments):
		return drivers.ErrStaleFence
	case err != nil:
		return wrapWrite("read fenced", key, err)
	}
	return s.decode(raw, key, d)
}

// LockedUpdate runs one transaction: a findOneAndUpdate that sets the
// document's lock field (taking its write lock until the transaction
// ends) and returns the document, an updateOne that writes version+1,
// counter+1 and group version+1 computed from that read plus payload and
// metadata (and unsets lock), and the commit. A WriteConflict, or any
// error labelled TransientTransactionError, is a WriteConflict conflict:
// MongoDB fails the later of two transactions that write one document at
// once instead of making it wait. The transaction is not retried here
// (unlike Session.WithTransaction), so the runner's backoff sees every
// conflict.
//
// Without transactions (standalone server, FerretDB) it returns an error
// wrapping errors.ErrUnsupported and writes nothing; Unsupported says so
// before a cell starts.
func (s *Store) LockedUpdate(ctx context.Context, w *drivers.Write) error {
	if err := s.checkWrite("locked update", w); err != nil {
		return err
	}
	if err := ended(ctx, "locked update", w.Key); err != nil {
		return err
	}
	if s.noTx != "" {
		return notSentErr("locked update", w.Key, drivers.ClassOther, fmt.Errorf("%s: %w", s.noTx, errors.ErrUnsupported))
	}
	sess, err := s.client.StartSession()
	if err != nil {
		return wrapRead("locked update", w.Key, err)
	}
	defer sess.EndSession(context.WithoutCancel(ctx))
	if err := sess.StartTransaction(options.Transaction().SetReadConcern(s.txRC).SetWriteConcern(s.txWC)); err != nil {
		return wrapRead("locked update", w.Key, err)
	}
	if err := s.lockedWrite(mgo.NewSessionContext(ctx, sess), w); err != nil {
		_ = sess.AbortTransaction(context.WithoutCancel(ctx))
		// Nothing is committed before the commit is sent.
		return drivers.NotSent(err)
	}
	// A commit whose outcome is unknown may be retried: the server
	// applies a transaction's commit once.
	for try := 0; ; try++ {
		err = sess.CommitTransaction(ctx)
		var ce mgo.CommandError
		if err == nil || try == 2 || !errors.As(err, &ce) || !ce.HasErrorLabel(labelUnknown) || ce.IsMaxTimeMSExpiredError() {
			break
		}
	}
	if err != nil {
		return wrapWrite("locked update: commit", w.Key, err)
	}
	return nil
}

// lockedWrite is the body of LockedUpdate's transaction.
func (s *Store) lockedWrite(ctx context.Context, w *drivers.Write) error {
	g := s.groups[w.Group]
	id := bson.D{{Key: "_id", Value: int64(w.Key)}}
	lock := bson.D{{Key: "$set", Value: bson.D{{Key: "lock", Value: bson.D{{Key: "writer", Value: w.Writer}, {Key: "op", Value: w.Op}}}}}}
	opts := options.FindOneAndUpdate().SetReturnDocument(options.After).
		SetProjection(bson.D{{Key: "version", Value: 1}, {Key: "counter", Value: 1}, {Key: g.gv, Value: 1}})
	raw, err := s.docs.FindOneAndUpdate(ctx, id, lock, opts).Raw()
	switch {
	case errors.Is(err, mgo.ErrNoDocuments):
		return notFound("locked update", w.Key)
	case err != nil:
		return wrap("locked update", w.Key, err)
	}
	var cur [3]int64
	for i, f := range [...]string{"version", "counter", g.gv} {
		n, ok := raw.Lookup(f).AsInt64OK()
		if !ok {
			return fmt.Errorf("mongo: locked update key %d: %s: not a number in %s", w.Key, f, raw)
		}
		cur[i] = n
	}
	if err := w.CallHold(ctx); err != nil { // the conflict window, the document's write lock held
		return drivers.NotSent(err)
	}
	set := append(s.meta(w, 3),
		bson.E{Key: "version", Value: cur[0] + 1},
		bson.E{Key: "counter", Value: cur[1] + 1},
		bson.E{Key: g.gv, Value: cur[2] + 1},
	)
	update := bson.D{{Key: "$set", Value: set}, {Key: "$unset", Value: bson.D{{Key: "lock", Value: ""}}}}
	if _, err := s.docs.UpdateOne(ctx, id, s.withOpLog(update, w, 0)); err != nil {
		return wrap("locked update", w.Key, err)
	}
	return nil
}

// checkLease validates a lease call's arguments.
func (s *Store) checkLease(op string, key int, holder int64, ttl time.Duration, needTTL bool) error {
	if err := s.checkKey(op, key); err != nil {
		return err
	}
	if holder == 0 {
		return drivers.NotSent(fmt.Errorf("mongo: %s key %d: holder: must be ≠ 0 (0 marks a free lease)", op, key))
	}
	if needTTL && ttl <= 0 {
		return drivers.NotSent(fmt.Errorf("mongo: %s key %d: ttl: must be > 0, got %v", op, key, ttl))
	}
	return nil
}

// Acquire is one findOneAndUpdate with upsert on the key's lease
// document: where holder is 0 or expires_at ≤ now it sets holder and
// expires_at = now+ttl and increments fence, returning the new fence. A
// held lease matches nothing, so the upsert tries to insert a second
// document with the key's _id and fails with a duplicate key error (11000):
// a LeaseHeld conflict. The first Acquire of a key inserts its lease
// document with fence 1.
func (s *Store) Acquire(ctx context.Context, key int, holder int64, ttl time.Duration) (int64, error) {
	if err := s.checkLease("acquire", key, holder, ttl, true); err != nil {
		return 0, err
	}
	if err := ended(ctx, "acquire", key); err != nil {
		return 0, err
	}
	now := s.now()
	filter := bson.D{
		{Key: "_id", Value: int64(key)},
		{Key: "$or", Value: bson.A{
			bson.D{{Key: "holder", Value: int64(0)}},
			bson.D{{Key: "expires_at", Value: bson.D{{Key: "$lte", Value: now}}}},
		}},
	}
	update := bson.D{
		{Key: "$set", Value: bson.D{{Key: "holder", Value: holder}, {Key: "expires_at", Value: now + int64(ttl)}}},
		{Key: "$inc", Value: bson.D{{Key: "fence", Value: int64(1)}}},
	}
	raw, err := s.leases.FindOneAndUpdate(ctx, filter, update, s.opts.acquire).Raw()
	switch {
	case hasCode(err, codeDuplicateKey) || mgo.IsDuplicateKeyError(err):
		return 0, drivers.Conflict(drivers.LeaseHeld, fmt.Errorf("mongo: acquire key %d: %w", key, err))
	case errors.Is(err, mgo.ErrNoDocuments):
		// Only possible if the server ignored the upsert.
		return 0, fmt.Errorf("mongo: acquire key %d: the upsert returned no document", key)
	case err != nil:
		return 0, wrapWrite("acquire", key, err)
	}
	fence, ok := raw.Lookup("fence").AsInt64OK()
	if !ok {
		return 0, fmt.Errorf("mongo: acquire key %d: fence: not a number in %s", key, raw)
	}
	return fence, nil
}

// Extend is one updateOne that sets expires_at = now+ttl where holder and
// fence match and the lease has not expired; no match is a LeaseLost
// conflict.
func (s *Store) Extend(ctx context.Context, key int, holder, fence int64, ttl time.Duration) error {
	if err := s.checkLease("extend", key, holder, ttl, true); err != nil {
		return err
	}
	if err := ended(ctx, "extend", key); err != nil {
		return err
	}
	now := s.now()
	filter := bson.D{
		{Key: "_id", Value: int64(key)},
		{Key: "holder", Value: holder},
		{Key: "fence", Value: fence},
		{Key: "expires_at", Value: bson.D{{Key: "$gt", Value: now}}},
	}
	update := bson.D{{Key: "$set", Value: bson.D{{Key: "expires_at", Value: now + int64(ttl)}}}}
	res, err := s.leases.UpdateOne(ctx, filter, update)
	if err != nil {
		return wrapWrite("extend", key, err)
	}
	if res.MatchedCount == 0 {
		return drivers.ErrLeaseLost
	}
	return nil
}

// Release is one updateOne that frees the lease (holder 0, expires_at 0)
// where holder and fence match; no match is a LeaseLost conflict. The
// fence is kept, so the next holder gets a higher one.
func (s *Store) Release(ctx context.Context, key int, holder, fence int64) error {
	if err := s.checkLease("release", key, holder, 0, false); err != nil {
		return err
	}
	if err := ended(ctx, "release", key); err != nil {
		return err
	}
	filter := bson.D{{Key: "_id", Value: int64(key)}, {Key: "holder", Value: holder}, {Key: "fence", Value: fence}}
	update := bson.D{{Key: "$set", Value: bson.D{{Key: "holder", Value: int64(0)}, {Key: "expires_at", Value: int64(0)}}}}
	res, err := s.leases.UpdateOne(ctx, filter, update)
	if err != nil {
		return wrapWrite("release", key, err)
	}
	if res.MatchedCount == 0 {
		return drivers.ErrLeaseLost
	}
	return nil
}

package mongo

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	mgo "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/readconcern"
	"go.mongodb.org/mongo-driver/v2/mongo/writeconcern"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver/connstring"
	"golang.org/x/sync/errgroup"

	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/internal/redact"
)

// Name is the --driver name.
const Name = "mongo"

// DefaultDatabase is the database used when the URI names none.
const DefaultDatabase = "occbench"

// Collection names, inside the database.
const (
	DocsCollection   = "docs"
	LeasesCollection = "leases"
	// MetaCollection holds the markers of multi-runner runs. With
	// Options.Namespace NS every collection is NS_NAME.
	MetaCollection = "occbench_meta"
)

// Options.Params keys read by Open.
const (
	ParamWriteConcern = "write_concern" // majority (default) | 1, 2, …
	ParamReadConcern  = "read_concern"  // local (default) | majority | available | linearizable
	ParamLockWait     = "lock_wait"     // nowait only: MongoDB transactions never wait
)

// Defaults of the parameters.
const (
	DefaultWriteConcern = "majority"
	DefaultReadConcern  = "local"
)

// MinPoolSize is the smallest connection pool Open makes; it grows to two
// connections per writer (one for the writer, one for its lease
// heartbeat) beyond that.
const MinPoolSize = 100

// Setup seeds documents with up to seedWorkers concurrent InsertMany
// calls of seedBatch documents each.
const (
	seedBatch   = 1000
	seedWorkers = 4
)

func init() {
	drivers.Register(drivers.Driver{
		Name:    Name,
		Summary: "MongoDB (or a wire-compatible server) via mongo-driver v2: findOneAndUpdate CAS, transactions, lease documents (needs --dsn)",
		Params:  []string{ParamWriteConcern, ParamReadConcern, ParamLockWait},
		Server:  true,
		// Options.Namespace prefixes the collections; Attach and the
		// Coordinator's markers (coordinate.go) let runners share them.
		Namespace: true,
		Open: func(ctx context.Context, o drivers.Options) (drivers.Store, error) {
			return Open(ctx, o)
		},
	})
}

var (
	_ drivers.Store             = (*Store)(nil)
	_ drivers.Versioner         = (*Store)(nil)
	_ drivers.Reader            = (*Store)(nil)
	_ drivers.CompareAndSwapper = (*Store)(nil)
	_ drivers.Putter            = (*Store)(nil)
	_ drivers.FencedReader      = (*Store)(nil)
	_ drivers.LockedUpdater     = (*Store)(nil)
	_ drivers.Offerer           = (*Store)(nil)
	_ drivers.Leaser            = (*Store)(nil)
	_ drivers.Limiter           = (*Store)(nil)
)

// Config holds the settings specific to this driver, as read from
// Options.Params.
type Config struct {
	WriteConcern string // "" = DefaultWriteConcern
	ReadConcern  string // "" = DefaultReadConcern
}

// Server describes what Open learnt from the hello and buildInfo
// commands.
type Server struct {
	Version  string // MongoDB version the server reports (FerretDB: the one it emulates)
	FerretDB string // FerretDB version, "" for MongoDB
	SetName  string // replica set name, "" when not a replica set member
	Mongos   bool   // a sharded cluster's router
}

// Transactions reports whether the server runs multi-document
// transactions, and if not, why.
func (sv Server) Transactions() (ok bool, why string) {
	switch {
	case sv.FerretDB != "":
		return false, "FerretDB " + sv.FerretDB + " does not implement transactions"
	case sv.SetName == "" && !sv.Mongos:
		return false, "server is not a replica set"
	}
	return true, ""
}

// NoTransactions begins Unsupported(drivers.CapLockedUpdate)'s answer
// on a server without transactions; Server.Transactions's reason follows.
const NoTransactions = "row locks need multi-document transactions, which need a replica set: "

// Topology names the deployment: "replica set rs0", "sharded (mongos)"
// or "standalone".
func (sv Server) Topology() string {
	switch {
	case sv.SetName != "":
		return "replica set " + sv.SetName
	case sv.Mongos:
		return "sharded (mongos)"
	}
	return "standalone"
}

// String is e.g. "MongoDB 7.0.12, replica set rs0" or
// "FerretDB v1.24.2 (MongoDB 7.0.42 wire), standalone".
func (sv Server) String() string {
	if sv.FerretDB != "" {
		return fmt.Sprintf("FerretDB %s (MongoDB %s wire), %s", sv.FerretDB, sv.Version, sv.Topology())
	}
	return fmt.Sprintf("MongoDB %s, %s", sv.Version, sv.Topology())
}

// group holds the field names of one field group.
type group struct {
	gv string // its version: "gv3"
	p  string // its payload: "p3"
}

// Store is a MongoDB store. Setup must not run concurrently with any other
// method; every other method is safe for concurrent use.
type Store struct {
	client *mgo.Client
	db     *mgo.Database
	docs   *mgo.Collection
	leases *mgo.Collection
	marks  *mgo.Collection // markers of multi-runner runs (coordinate.go)
	clock  drivers.Clock   // nil = wall clock

	dbName string
	wc     string // write concern, as given
	rc     string // read concern level
	txRC   *readconcern.ReadConcern
	txWC   *writeconcern.WriteConcern
	server Server
	noTx   string // why LockedUpdate cannot run; "" = it can
	opts   callOptions

	// Set by Setup.
	spec   drivers.Spec
	gb     int // spec.GroupBytes()
	groups []group
	slots  []string // operation slot fields: "sl0", "sl1", … (spec.Slots)
}

// Open connects to the mongodb:// URI in o.DSN with the settings of
// o.Params (see ParamWriteConcern, ParamReadConcern), asks the server what
// it is, and decides from its answer whether LockedUpdate can run.
func Open(ctx context.Context, o drivers.Options) (*Store, error) {
	c, err := configFromParams(o.Params)
	if err != nil {
		return nil, err
	}
	return OpenConfig(ctx, o, c)
}

// configFromParams reads Config from driver parameters.
func configFromParams(params map[string]string) (Config, error) {
	var c Config
	var unknown []string
	for k, v := range params {
		switch k {
		case ParamWriteConcern:
			c.WriteConcern = v
		case ParamReadConcern:
			c.ReadConcern = v
		case ParamLockWait:
			if v != "nowait" {
				return Config{}, fmt.Errorf("mongo: params: %s: %q is not possible: a MongoDB transaction never waits for a document another one wrote, it fails with WriteConflict (allowed: nowait)", ParamLockWait, v)
			}
		default:
			unknown = append(unknown, strconv.Quote(k))
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return Config{}, fmt.Errorf("mongo: params: unknown key %s (allowed: %s, %s, %s)", strings.Join(unknown, ", "), ParamWriteConcern, ParamReadConcern, ParamLockWait)
	}
	return c, nil
}

// parseWriteConcern accepts "majority" or a number of nodes ≥ 1.
func parseWriteConcern(s string) (*writeconcern.WriteConcern, error) {
	if s == "majority" {
		return writeconcern.Majority(), nil
	}
	n, err := strconv.Atoi(s)
	switch {
	case err != nil:
		return nil, fmt.Errorf("mongo: params: %s: unknown value %q (allowed: majority, or a number of nodes ≥ 1)", ParamWriteConcern, s)
	case n < 1:
		return nil, fmt.Errorf("mongo: params: %s: must be ≥ 1, got %d (an unacknowledged write cannot report a conflict)", ParamWriteConcern, n)
	}
	return &writeconcern.WriteConcern{W: n}, nil
}

// parseReadConcern accepts the levels valid outside transactions.
func parseReadConcern(s string) (*readconcern.ReadConcern, error) {
	switch s {
	case "local":
		return readconcern.Local(), nil
	case "majority":
		return readconcern.Majority(), nil
	case "available":
		return readconcern.Available(), nil
	case "linearizable":
		return readconcern.Linearizable(), nil
	}
	return nil, fmt.Errorf("mongo: params: %s: unknown level %q (allowed: local, majority, available, linearizable)", ParamReadConcern, s)
}

// OpenConfig is Open with the parameters already read.
func OpenConfig(ctx context.Context, o drivers.Options, c Config) (*Store, error) {
	if c.WriteConcern == "" {
		c.WriteConcern = DefaultWriteConcern
	}
	if c.ReadConcern == "" {
		c.ReadConcern = DefaultReadConcern
	}
	wc, err := parseWriteConcern(c.WriteConcern)
	if err != nil {
		return nil, err
	}
	rc, err := parseReadConcern(c.ReadConcern)
	if err != nil {
		return nil, err
	}
	if err := drivers.ValidateNamespace(o.Namespace); err != nil {
		return nil, fmt.Errorf("mongo: %w", err)
	}
	if o.DSN == "" {
		return nil, errors.New("mongo: no connection string: pass --dsn mongodb://host:27017/occbench")
	}
	if o.Writers < 0 {
		return nil, fmt.Errorf("mongo: writers: must be ≥ 0, got %d", o.Writers)
	}
	if o.ConnectTimeout < 0 {
		return nil, fmt.Errorf("mongo: connect_timeout: must be ≥ 0, got %v: %w", o.ConnectTimeout, drivers.ErrInvalidOption)
	}
	cs, err := connstring.ParseAndValidate(o.DSN)
	if err != nil {
		return nil, fmt.Errorf("mongo: --dsn %q: %w", redact.DSN(o.DSN), hideDSN(err))
	}
	dbName := cs.Database
	if dbName == "" {
		dbName = DefaultDatabase
	}
	opts := options.Client().ApplyURI(o.DSN)
	if !cs.MaxPoolSizeSet {
		opts.SetMaxPoolSize(uint64(max(MinPoolSize, 2*o.Writers+4)))
	}
	if cs.AppName == "" {
		opts.SetAppName("occbench")
	}
	// Every connect is bounded: the dial and handshake by connectTimeout,
	// and the wait for a server to send an operation to (server
	// selection, which is where a call waits while the server is down) by
	// the same. Options.ConnectTimeout wins over the URI's settings,
	// which win over the default.
	ct := o.ConnectTimeout
	if ct == 0 {
		ct = drivers.DefaultConnectTimeout
	}
	if o.ConnectTimeout > 0 || !cs.ConnectTimeoutSet {
		opts.SetConnectTimeout(ct)
	}
	if o.ConnectTimeout > 0 || !cs.ServerSelectionTimeoutSet {
		opts.SetServerSelectionTimeout(ct)
	}
	if o.Dial != nil {
		opts.SetDialer(dialFunc(o.Dial))
	}
	// The driver logs only when MONGODB_LOG_* asks it to, to stderr by
	// default: its lines go to Options.Log instead, or nowhere.
	opts.SetLoggerOptions(options.Logger().SetSink(logSink{o.Log}))
	client, err := mgo.Connect(opts)
	if err != nil {
		return nil, fmt.Errorf("mongo: --dsn %q: %w", redact.DSN(o.DSN), hideDSN(err))
	}
	sv, err := probe(ctx, client)
	if err != nil {
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), closeTimeout)
		_ = client.Disconnect(dctx)
		cancel()
		return nil, fmt.Errorf("mongo: connect %q: %w", redact.DSN(o.DSN), opErr("connect", -1, classify(err), hideDSN(err)))
	}
	db := client.Database(dbName, options.Database().SetWriteConcern(wc).SetReadConcern(rc))
	s := &Store{
		client: client,
		db:     db,
		docs:   db.Collection(drivers.Prefixed(o.Namespace, DocsCollection)),
		leases: db.Collection(drivers.Prefixed(o.Namespace, LeasesCollection)),
		marks:  db.Collection(drivers.Prefixed(o.Namespace, MetaCollection)),
		clock:  o.Clock,
		dbName: dbName,
		wc:     c.WriteConcern,
		rc:     c.ReadConcern,
		txWC:   wc,
		txRC:   readconcern.Local(),
		server: sv,
		opts:   newCallOptions(sv.FerretDB == ""),
	}
	if c.ReadConcern == "majority" || c.ReadConcern == "linearizable" {
		s.txRC = readconcern.Majority() // the strongest level a transaction takes short of snapshot
	}
	if ok, why := sv.Transactions(); !ok {
		s.noTx = NoTransactions + why
	}
	return s, nil
}

// probe asks the server what it is: hello for the topology, buildInfo for
// the version (FerretDB adds ferretdbVersion).
func probe(ctx context.Context, client *mgo.Client) (Server, error) {
	admin := client.Database("admin")
	var sv Server
	hello, err := admin.RunCommand(ctx, bson.D{{Key: "hello", Value: 1}}).Raw()
	if err != nil {
		return sv, fmt.Errorf("hello: %w", err)
	}
	sv.SetName, _ = hello.Lookup("setName").StringValueOK()
	msg, _ := hello.Lookup("msg").StringValueOK()
	sv.Mongos = msg == "isdbgrid"
	info, err := admin.RunCommand(ctx, bson.D{{Key: "buildInfo", Value: 1}}).Raw()
	if err != nil {
		return sv, fmt.Errorf("buildInfo: %w", err)
	}
	sv.Version, _ = info.Lookup("version").StringValueOK()
	sv.FerretDB, _ = info.Lookup("ferretdbVersion").StringValueOK()
	return sv, nil
}

// Server returns what Open learnt about the server.
func (s *Store) Server() Server { return s.server }

// ServerVersion reports the server and the concerns the store uses, e.g.
// "MongoDB 7.0.12, replica set rs0; writeConcern=majority readConcern=local".
func (s *Store) ServerVersion(ctx context.Context) (string, error) {
	return fmt.Sprintf("%s; writeConcern=%s readConcern=%s", s.server, s.wc, s.rc), nil
}

// Settings returns the settings a results file should record: database,
// write_concern, read_concern, lease_clock, server, topology and
// transactions ("yes", or "no: " and the reason).
func (s *Store) Settings() map[string]string {
	tx := "yes"
	if s.noTx != "" {
		_, why := s.server.Transactions()
		tx = "no: " + why
	}
	return map[string]string{
		"database":      s.dbName,
		"write_concern": s.wc,
		"read_concern":  s.rc,
		"lease_clock":   "client",
		"server":        s.server.String(),
		"topology":      s.server.Topology(),
		"transactions":  tx,
	}
}

// Unsupported implements drivers.Limiter: it returns why the server
// cannot give capability c, or "" when it can. Only row locks
// (drivers.CapLockedUpdate) can be unsupported: they need multi-document
// transactions, which standalone servers and FerretDB lack.
func (s *Store) Unsupported(c drivers.Capability) string {
	if c == drivers.CapLockedUpdate {
		return s.noTx
	}
	return ""
}

// Offers implements drivers.Offerer: documents keep operation slots
// (drivers.CapOperationScope) as fields sl0, sl1, ….
func (s *Store) Offers(c drivers.Capability) bool { return c == drivers.CapOperationScope }

// Setup drops the docs and leases collections, and seeds spec.Keys
// documents with concurrent, unordered InsertMany batches. Leases are created by the first
// Acquire of each key.
func (s *Store) Setup(ctx context.Context, spec drivers.Spec) error {
	if err := spec.Validate(); err != nil {
		return fmt.Errorf("mongo: setup: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return notSentErr("setup", -1, classify(err), err)
	}
	for _, c := range []*mgo.Collection{s.docs, s.leases} {
		if err := c.Drop(ctx); err != nil {
			return wrap("setup: drop "+c.Name(), -1, err)
		}
	}
	gb := spec.GroupBytes()
	groups := make([]group, spec.FieldGroups)
	for g := range groups {
		groups[g] = group{gv: "gv" + strconv.Itoa(g), p: "p" + strconv.Itoa(g)}
	}
	slots := make([]string, spec.Slots)
	for w := range slots {
		slots[w] = "sl" + strconv.Itoa(w)
	}
	zero := make([]byte, gb)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(seedWorkers)
	for lo := 0; lo < spec.Keys; lo += seedBatch {
		hi := min(lo+seedBatch, spec.Keys)
		g.Go(func() error {
			batch := make([]any, 0, hi-lo)
			for k := lo; k < hi; k++ {
				batch = append(batch, seedDoc(k, groups, slots, zero))
			}
			if _, err := s.docs.InsertMany(gctx, batch, options.InsertMany().SetOrdered(false)); err != nil {
				return wrap("setup: seed", -1, err)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	s.prepare(spec)
	return nil
}

// prepare sets the store up for a cell of spec (the field names).
func (s *Store) prepare(spec drivers.Spec) {
	groups := make([]group, spec.FieldGroups)
	for g := range groups {
		groups[g] = group{gv: "gv" + strconv.Itoa(g), p: "p" + strconv.Itoa(g)}
	}
	slots := make([]string, spec.Slots)
	for w := range slots {
		slots[w] = "sl" + strconv.Itoa(w)
	}
	s.spec = spec
	s.gb = spec.GroupBytes()
	s.groups = groups
	s.slots = slots
}

// seedDoc is document k as Setup seeds it.
func seedDoc(k int, groups []group, slots []string, zero []byte) bson.D {
	d := make(bson.D, 0, 7+2*len(groups)+len(slots))
	d = append(d,
		bson.E{Key: "_id", Value: int64(k)},
		bson.E{Key: "version", Value: int64(0)},
		bson.E{Key: "counter", Value: int64(0)},
		bson.E{Key: "fence", Value: int64(0)},
		bson.E{Key: "writer", Value: int64(0)},
		bson.E{Key: "op", Value: int64(0)},
		bson.E{Key: "updated_at", Value: int64(0)},
	)
	for _, g := range groups {
		d = append(d, bson.E{Key: g.gv, Value: int64(0)})
	}
	for _, g := range groups {
		d = append(d, bson.E{Key: g.p, Value: zero})
	}
	for _, sl := range slots {
		d = append(d, bson.E{Key: sl, Value: int64(0)})
	}
	return d
}

// Totals reads every document's counter and version and sums them on the
// client. (A $group with $sum would ship less, but FerretDB v1.24.2 sums
// 64-bit integers to 0: the audit must not trust it.)
func (s *Store) Totals(ctx context.Context) (drivers.Totals, error) {
	if err := ended(ctx, "totals", -1); err != nil {
		return drivers.Totals{}, err
	}
	opts := options.Find().
		SetProjection(bson.D{{Key: "_id", Value: 0}, {Key: "counter", Value: 1}, {Key: "version", Value: 1}}).
		SetBatchSize(10_000)
	cur, err := s.docs.Find(ctx, bson.D{}, opts)
	if err != nil {
		return drivers.Totals{}, wrapRead("totals", -1, err)
	}
	defer cur.Close(context.WithoutCancel(ctx))
	var t drivers.Totals
	for cur.Next(ctx) {
		c, okC := cur.Current.Lookup("counter").AsInt64OK()
		v, okV := cur.Current.Lookup("version").AsInt64OK()
		if !okC || !okV {
			return drivers.Totals{}, fmt.Errorf("mongo: totals: counter or version is not a number in %s", cur.Current)
		}
		t.Docs++
		t.Counter += c
		t.Versions += v
	}
	if err := cur.Err(); err != nil {
		return drivers.Totals{}, wrapRead("totals", -1, err)
	}
	return t, nil
}

// closeTimeout bounds Disconnect, which ends the client's sessions on
// the server first: a hung server never answers, and the connections
// are closed anyway.
const closeTimeout = 1500 * time.Millisecond

// Close disconnects, within closeTimeout. It drops nothing.
func (s *Store) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
	defer cancel()
	if err := s.client.Disconnect(ctx); err != nil {
		return wrap("close", -1, err)
	}
	return nil
}

func (s *Store) now() int64 {
	if s.clock == nil {
		return time.Now().UnixNano()
	}
	return s.clock.Now().UnixNano()
}

package postgres

import (
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/occbench/occbench/drivers"
)

// How writers reach the server: the values of Config.Conns and of the
// "conns" parameter.
const (
	// ConnsWriter (the default) gives each writer a connection of its own
	// for the whole cell, as pgbench gives each client one: Session.
	ConnsWriter = "writer"
	// ConnsPool makes every statement borrow a pool connection through
	// pgx, as an application on pgxpool does.
	ConnsPool = "pool"
)

// ParamConns is the Options.Params key for Config.Conns.
const ParamConns = "conns"

// How a session's connection waits for the server: the values of
// Config.Transport and of the "transport" parameter.
const (
	// TransportAuto (the default): TransportBlocking on Linux when the
	// store is opened for fewer writers (Options.Writers, the most a
	// cell runs) than GOMAXPROCS, else TransportNetpoll.
	TransportAuto = "auto"
	// TransportBlocking (Linux only): the writer's goroutine waits for
	// the server's answer in ppoll(2) on its own thread, as a C client
	// such as pgbench does (blockConn).
	TransportBlocking = "blocking"
	// TransportNetpoll: the goroutine parks on Go's netpoller, as every
	// net.Conn does.
	TransportNetpoll = "netpoll"
)

// ParamTransport is the Options.Params key for Config.Transport.
const ParamTransport = "transport"

// slowCall is how long a call on a blocking connection waits before its
// own context is handed to the session's watcher (see Session.begin).
const slowCall = 10 * time.Millisecond

// Wire types of the statements' parameters.
const (
	oidInt8  = 20
	oidBytea = 17
)

// The statements a session prepares, by index: the fixed ones, then
// perGroup for each field group.
const (
	stRead = iota
	stReadFenced
	stBegin
	stBeginSerializable
	stCommit
	stAcquire
	stExtend
	stRelease
	numFixedStmts
)

const (
	gsCasDoc = iota
	gsCasGroup
	gsPut
	gsPutFenced
	gsLockRead
	gsPlainRead
	perGroup
)

// maxParams is the most parameters a statement takes (putFenced).
const maxParams = 9

// Session is one writer's connection, held from Session to Close. It
// sends the write paths' statements itself, with pgconn: each is prepared
// on the connection the first time it is used (parameter types fixed,
// int8 and bytea), and then only bound and executed, with binary
// parameters and results and no allocation per call. The statements and
// transactions are the Store's; everything a Session does not override
// (Setup, Totals) goes through the Store's pool.
//
// The connection is the session's own, dialed as the pool dials its
// connections (Options.Dial, Options.ConnectTimeout). When a call finds
// it closed (the server went away, killed the backend, or a deadline
// interrupted a statement) the call dials a new one first, bounded by
// ConnectTimeout and its context, and prepares its statements again as
// they are used. A failed dial is a connection error marked not sent,
// and the next call dials again: the runner's error backoff paces the
// attempts, the session neither waits nor retries.
//
// A Session serialises its methods: a writer and its lease heartbeat
// share the connection.
type Session struct {
	*Store

	ctx  context.Context // bounds the session; watched once, not per call
	stop func() bool     // stops the watch

	mu      sync.Mutex
	pc      *pgconn.PgConn // nil: dial on the next call
	id      int64
	stmts   []*pgconn.StatementDescription // prepared on pc so far, by index
	binary  []int16                        // {1}: every parameter and result column in binary
	ints    [maxParams][8]byte
	args    [maxParams][]byte
	results [3]int64 // version, counter, gvG of a transaction's read

	// The watcher (watch) interrupts a call whose own context ends:
	// begin hands it the context, end tells it the call returned.
	calls    chan context.Context
	ended    chan struct{}
	quit     chan struct{} // stops the watcher
	fired    atomic.Bool   // the watcher interrupted the call in progress
	watching bool          // the call in progress is watched; under mu

	// On a blocking connection (bc, under mu) a call's context goes to
	// the watcher only when the call is slow: begin arms bc, and its
	// wait calls slow after slowCall (or at the context's deadline).
	bc      *blockConn // the connection's, when it is one
	armedOn *blockConn // armed by begin; under mu
	watchMu sync.Mutex // guards callCtx and engaged, for slow
	callCtx context.Context
	engaged bool // slow handed callCtx to the watcher

	// closing is set by Close; calls then fail at once.
	closing atomic.Bool
	// pcMu guards pc and cancelDial for interrupt and Close, which run
	// without mu; pc changes only with both mu and pcMu held.
	pcMu       sync.Mutex
	cancelDial context.CancelFunc // ends a dial in progress
}

// closeTimeout bounds closing one connection: a hung server never
// answers, and the connection is dropped anyway.
const closeTimeout = time.Second

// Session returns a session on a connection of its own, dialed now and
// kept until Close, for the cell Setup prepared last. When ctx is
// cancelled a statement in flight is interrupted (the connection's
// deadline is set to the past), and every later call fails with ctx's
// error. drivers.ErrNoSessions when Config.Conns is ConnsPool, or when
// the DSN chose a query exec mode other than pgx's prepared-statement
// default (e.g. simple_protocol for a transaction-pooling proxy).
func (s *Store) Session(ctx context.Context) (drivers.Store, error) {
	if !s.sessions {
		return nil, drivers.ErrNoSessions
	}
	if s.sql.read == "" {
		return nil, errors.New("postgres: session: Setup has not run")
	}
	ss := &Session{Store: s, ctx: ctx, id: s.sessionSeq.Add(1), binary: []int16{1},
		calls: make(chan context.Context), ended: make(chan struct{}), quit: make(chan struct{})}
	ss.stmts = make([]*pgconn.StatementDescription, len(s.sessionSQL.sqls))
	if err := ss.connect(ctx); err != nil {
		return nil, ss.dialFailed(ctx, "session", -1, err)
	}
	ss.stop = context.AfterFunc(ctx, ss.interrupt)
	go ss.watch()
	return ss, nil
}

// watch interrupts a call whose own context ends while it runs, as
// pgconn would if it were given the context; but pgconn watches a
// context with a context.AfterFunc per statement, which allocates, and
// the runner gives every attempt a context of its own. The session's
// watcher is one goroutine for the session's life, handed each call's
// context over a channel: a watched call allocates nothing.
func (s *Session) watch() {
	for {
		select {
		case ctx := <-s.calls:
			select {
			case <-ctx.Done():
				s.fired.Store(true)
				s.interrupt()
				<-s.ended
			case <-s.ended:
			}
		case <-s.quit:
			return
		}
	}
}

// connect dials the session's connection, bounded by ctx and the
// store's connect timeout; Close ends a dial in progress.
func (s *Session) connect(ctx context.Context) error {
	dctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s.pcMu.Lock()
	s.cancelDial = cancel
	s.pcMu.Unlock()
	if s.closing.Load() {
		return errSessionClosed
	}
	pc, err := pgconn.ConnectConfig(dctx, s.connCfg)
	s.pcMu.Lock()
	s.cancelDial = nil
	if err == nil {
		s.pc = pc
	}
	s.pcMu.Unlock()
	if err != nil {
		return err
	}
	clear(s.stmts)
	s.bc = nil
	if s.blocking {
		c := pc.Conn()
		if tc, ok := c.(*tls.Conn); ok {
			c = tc.NetConn()
		}
		if bc := asBlockConn(c); bc != nil {
			bc.slow = s.slow
			s.bc = bc
		}
	}
	if s.closing.Load() || s.ctx.Err() != nil {
		s.interrupt() // they came while we dialed
	}
	return nil
}

// dialFailed is the error of a call whose (re)connect failed: nothing
// was sent. It is a connection error unless the call's own context
// ended, and wraps the session's context's error once that ended.
func (s *Session) dialFailed(ctx context.Context, op string, key int, err error) error {
	class := drivers.ClassConnection
	if cerr := ctx.Err(); cerr != nil {
		class = Classify(cerr)
		if !errors.Is(err, cerr) {
			err = fmt.Errorf("%w: %w", cerr, err)
		}
	}
	return &drivers.OpError{Driver: "postgres", Op: op, Key: key, Class: class, Err: fmt.Errorf("connect: %w", err), NotSent: true}
}

// interrupt sets the connection's deadline to the past: a statement in
// flight fails at once, and pgconn closes the connection.
func (s *Session) interrupt() {
	s.pcMu.Lock()
	if s.pc != nil {
		_ = s.pc.Conn().SetDeadline(time.Unix(1, 0))
	}
	s.pcMu.Unlock()
}

// drop closes the connection (it is broken, or in a state no call can
// use) and forgets its statements; the next call dials again. The
// caller holds mu.
func (s *Session) drop() {
	pc := s.pc
	if pc == nil {
		return
	}
	s.pcMu.Lock()
	s.pc = nil
	s.pcMu.Unlock()
	clear(s.stmts)
	if !pc.IsClosed() {
		ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
		_ = pc.Close(ctx)
		cancel()
	}
}

// sessionStatements is the SQL and the parameter types of every
// statement a session may prepare, by index; Setup builds it once per
// cell and sessions only read it.
type sessionStatements struct {
	sqls []string
	oids [][]uint32
}

// buildSessionStatements lists the statements of st by index.
func buildSessionStatements(st statements, f fixedSQL) sessionStatements {
	i8 := func(n int) []uint32 {
		o := make([]uint32, n)
		for i := range o {
			o[i] = oidInt8
		}
		return o
	}
	withBytea := func(n, at int) []uint32 {
		o := i8(n)
		o[at] = oidBytea
		return o
	}
	n := len(st.groups)
	sqls := make([]string, numFixedStmts+perGroup*n)
	oids := make([][]uint32, len(sqls))
	sqls[stRead], oids[stRead] = st.read, i8(1)
	sqls[stReadFenced], oids[stReadFenced] = st.readFenced, i8(2)
	sqls[stBegin], oids[stBegin] = "BEGIN", nil
	sqls[stBeginSerializable], oids[stBeginSerializable] = "BEGIN ISOLATION LEVEL SERIALIZABLE", nil
	sqls[stCommit], oids[stCommit] = "COMMIT", nil
	sqls[stAcquire], oids[stAcquire] = f.acquire, i8(3)
	sqls[stExtend], oids[stExtend] = f.extend, i8(4)
	sqls[stRelease], oids[stRelease] = f.release, i8(3)
	for g, q := range st.groups {
		b := numFixedStmts + perGroup*g
		sqls[b+gsCasDoc], oids[b+gsCasDoc] = q.casDoc, withBytea(6, 2)
		sqls[b+gsCasGroup], oids[b+gsCasGroup] = q.casGroup, withBytea(6, 2)
		sqls[b+gsPut], oids[b+gsPut] = q.put, withBytea(8, 4)
		sqls[b+gsPutFenced], oids[b+gsPutFenced] = q.putFenced, withBytea(9, 4)
		sqls[b+gsLockRead], oids[b+gsLockRead] = q.lockRead, i8(1)
		sqls[b+gsPlainRead], oids[b+gsPlainRead] = q.plainRead, i8(1)
	}
	return sessionStatements{sqls, oids}
}

// Close closes the session's connection (its prepared statements go
// with it). It takes at most about closeTimeout even when the server
// hangs: a call still in flight is interrupted, and so is a dial.
// Closing twice does nothing.
func (s *Session) Close() error {
	if !s.closing.CompareAndSwap(false, true) {
		return nil
	}
	s.pcMu.Lock()
	if s.cancelDial != nil {
		s.cancelDial()
	}
	s.pcMu.Unlock()
	if !s.mu.TryLock() {
		s.interrupt() // a call is in flight: end it
		s.mu.Lock()
	}
	defer s.mu.Unlock()
	s.stop()
	close(s.quit)
	s.drop()
	return nil
}

var errSessionClosed = errors.New("session closed")

// begin checks ctx and takes the session for one method: it fails at
// once, sending nothing, when ctx or the session's context has ended or
// the session is closed, and dials a new connection first when the last
// one broke.
func (s *Session) begin(ctx context.Context, op string, key int) error {
	if err := ctx.Err(); err != nil {
		return notSentErr(op, key, Classify(err), err)
	}
	s.mu.Lock()
	switch {
	case s.closing.Load():
		s.mu.Unlock()
		return notSentErr(op, key, drivers.ClassOther, errSessionClosed)
	case s.ctx.Err() != nil:
		err := s.ctx.Err()
		s.mu.Unlock()
		return notSentErr(op, key, Classify(err), fmt.Errorf("session: %w", err))
	case s.pc == nil || s.pc.IsClosed():
		s.drop()
		if err := s.connect(ctx); err != nil {
			s.mu.Unlock()
			return s.dialFailed(ctx, op, key, err)
		}
	}
	// The session's own context is watched already.
	s.watching = false
	if ctx == s.ctx || ctx.Done() == nil {
		return nil
	}
	if s.bc == nil {
		s.watching = true
		s.calls <- ctx
		return nil
	}
	// On a blocking connection most calls end before they would hand
	// their context to the watcher, which costs two goroutine wake-ups
	// (and their threads') per call: the wait hands it over (slow) only
	// once the call has taken slowCall, or at ctx's deadline, whichever
	// comes first. A context cancelled before its deadline by anything
	// but the session's context interrupts the call up to slowCall late.
	s.watchMu.Lock()
	s.callCtx = ctx
	s.watchMu.Unlock()
	at := time.Now().Add(slowCall).UnixNano()
	if dl, ok := ctx.Deadline(); ok && dl.UnixNano() < at {
		at = max(dl.UnixNano(), 1)
	}
	s.armedOn = s.bc
	s.bc.arm(at)
	return nil
}

// slow hands the slow call's context to the watcher, once per call. The
// goroutine waiting on the blocking connection calls it: the call's, or
// pgconn's background reader.
func (s *Session) slow() {
	s.watchMu.Lock()
	defer s.watchMu.Unlock()
	if s.callCtx == nil || s.engaged {
		return
	}
	s.engaged = true
	s.calls <- s.callCtx
}

// end releases the session after a method that began: the watcher stops
// watching the call's context. When it interrupted the call, pgconn has
// closed the connection, unless the call had just completed: then the
// connection is fine, and only its deadline must be cleared.
func (s *Session) end() {
	if s.armedOn != nil {
		s.armedOn.disarm()
		s.armedOn = nil
		s.watchMu.Lock()
		s.watching = s.engaged
		s.engaged = false
		s.callCtx = nil
		s.watchMu.Unlock()
	}
	if s.watching {
		s.ended <- struct{}{}
		s.watching = false
		if s.fired.Load() {
			s.fired.Store(false)
			if s.pc != nil && !s.pc.IsClosed() && s.ctx.Err() == nil && !s.closing.Load() {
				_ = s.pc.Conn().SetDeadline(time.Time{})
			}
		}
	}
	s.mu.Unlock()
}

// pgCtx is the context a call passes to pgconn: none, so that pgconn
// watches nothing per statement. The session's context is watched once,
// and a call's own by the watcher (see watch).
func (s *Session) pgCtx(context.Context) context.Context { return context.Background() }

// fail wraps err for op, as the Store does, naming the call's or the
// session's context when its end interrupted the statement. notSent
// says that no write of the call reached the server; pgconn's
// SafeToRetry adds the failures that happened before anything was sent.
// A connection that is still open but unusable (a connection error, or
// a transaction left open) is dropped, so that the next call dials
// again.
func (s *Session) fail(ctx context.Context, op string, key int, err error, notSent bool) error {
	cerr := ctx.Err()
	if cerr == nil {
		cerr = s.ctx.Err()
	}
	if cerr != nil && !errors.Is(err, cerr) {
		err = fmt.Errorf("%w: %w", cerr, err)
	}
	werr := wrapSent(op, key, err, notSent)
	if s.pc != nil && !s.pc.IsClosed() && (s.pc.TxStatus() != 'I' || drivers.ClassOf(werr) == drivers.ClassConnection) {
		s.drop()
	}
	return werr
}

// stmt returns statement i, preparing it on first use.
func (s *Session) stmt(ctx context.Context, i int) (*pgconn.StatementDescription, error) {
	if sd := s.stmts[i]; sd != nil {
		return sd, nil
	}
	name := fmt.Sprintf("occbench_s%d_%d", s.id, i)
	sd, err := s.pc.Prepare(s.pgCtx(ctx), name, s.sessionSQL.sqls[i], s.sessionSQL.oids[i])
	if err != nil {
		return nil, drivers.NotSent(err) // nothing was executed
	}
	s.stmts[i] = sd
	return sd, nil
}

// setInt sets parameter i to v in binary int8.
func (s *Session) setInt(i int, v int64) {
	binary.BigEndian.PutUint64(s.ints[i][:], uint64(v))
	s.args[i] = s.ints[i][:]
}

// exec runs statement i with parameters s.args[:n] and reads no rows:
// the rows it affected.
func (s *Session) exec(ctx context.Context, i, n int) (int64, error) {
	sd, err := s.stmt(ctx, i)
	if err != nil {
		return 0, err
	}
	tag, err := s.pc.ExecStatement(s.pgCtx(ctx), sd, s.args[:n], s.binary, s.binary).Close()
	return tag.RowsAffected(), err
}

// queryDoc runs statement i, which returns every column of at most one
// document, and decodes the row into d: found false when there is none.
func (s *Session) queryDoc(ctx context.Context, i, n, key int, d *drivers.Doc) (found bool, decodeErr, err error) {
	sd, err := s.stmt(ctx, i)
	if err != nil {
		return false, nil, err
	}
	rr := s.pc.ExecStatement(s.pgCtx(ctx), sd, s.args[:n], s.binary, s.binary)
	for rr.NextRow() {
		if !found {
			found = true
			decodeErr = s.decode(rr.FieldDescriptions(), rr.Values(), key, d)
		}
	}
	_, err = rr.Close()
	return found, decodeErr, err
}

// queryInts runs statement i, which returns at most one row of len(dst)
// bigints, into dst: found false when there is no row.
func (s *Session) queryInts(ctx context.Context, i, n int, dst []int64) (found bool, err error) {
	sd, err := s.stmt(ctx, i)
	if err != nil {
		return false, err
	}
	rr := s.pc.ExecStatement(s.pgCtx(ctx), sd, s.args[:n], s.binary, s.binary)
	var decodeErr error
	for rr.NextRow() {
		if found {
			continue
		}
		found = true
		vals, fds := rr.Values(), rr.FieldDescriptions()
		if len(vals) != len(dst) {
			decodeErr = fmt.Errorf("row has %d columns, want %d", len(vals), len(dst))
			continue
		}
		for c := range dst {
			if dst[c], decodeErr = int8Value(fds[c].Format, vals[c]); decodeErr != nil {
				break
			}
		}
	}
	if _, err := rr.Close(); err != nil {
		return false, err
	}
	return found, decodeErr
}

// Read is Store.Read on the session's connection.
func (s *Session) Read(ctx context.Context, key int, d *drivers.Doc) error {
	if err := s.checkKey("read", key); err != nil {
		return err
	}
	if err := s.begin(ctx, "read", key); err != nil {
		return err
	}
	defer s.end()
	s.setInt(0, int64(key))
	found, derr, err := s.queryDoc(ctx, stRead, 1, key, d)
	switch {
	case err != nil:
		return s.fail(ctx, "read", key, err, true)
	case derr != nil:
		return notSentErr("read", key, drivers.ClassOther, derr)
	case !found:
		return notFound("read", key)
	}
	return nil
}

// ReadFenced is Store.ReadFenced on the session's connection.
func (s *Session) ReadFenced(ctx context.Context, key int, fence int64, d *drivers.Doc) error {
	if err := s.checkKey("read fenced", key); err != nil {
		return err
	}
	if err := s.begin(ctx, "read fenced", key); err != nil {
		return err
	}
	defer s.end()
	s.setInt(0, int64(key))
	s.setInt(1, fence)
	found, derr, err := s.queryDoc(ctx, stReadFenced, 2, key, d)
	switch {
	case err != nil:
		return s.fail(ctx, "read fenced", key, err, false)
	case derr != nil:
		return opErr("read fenced", key, drivers.ClassOther, derr)
	case !found:
		return drivers.ErrStaleFence
	}
	return nil
}

// CompareAndSwap is Store.CompareAndSwap on the session's connection.
func (s *Session) CompareAndSwap(ctx context.Context, w *drivers.Write) error {
	if err := s.checkWrite("cas", w); err != nil {
		return err
	}
	if err := s.begin(ctx, "cas", w.Key); err != nil {
		return err
	}
	defer s.end()
	i := numFixedStmts + perGroup*w.Group + gsCasDoc
	if w.Scope == drivers.ScopeFieldGroup {
		i = numFixedStmts + perGroup*w.Group + gsCasGroup
	}
	s.setInt(0, int64(w.Key))
	s.setInt(1, w.Expect)
	s.args[2] = payload(w.Payload)
	s.setInt(3, w.Writer)
	s.setInt(4, w.Op)
	s.setInt(5, w.UpdatedAt)
	n, err := s.exec(ctx, i, 6)
	switch {
	case err != nil:
		return s.fail(ctx, "cas", w.Key, err, false)
	case n == 0:
		return drivers.ErrVersionMismatch
	}
	return nil
}

// setPut sets put's parameters from w's values, and fence as $9 when it
// is > 0: the number of parameters and the statement.
func (s *Session) setPut(w *drivers.Write, version, counter, gv, fence int64) (n, i int) {
	s.setInt(0, int64(w.Key))
	s.setInt(1, version)
	s.setInt(2, counter)
	s.setInt(3, gv)
	s.args[4] = payload(w.Payload)
	s.setInt(5, w.Writer)
	s.setInt(6, w.Op)
	s.setInt(7, w.UpdatedAt)
	if fence > 0 {
		s.setInt(8, fence)
		return 9, numFixedStmts + perGroup*w.Group + gsPutFenced
	}
	return 8, numFixedStmts + perGroup*w.Group + gsPut
}

// Put is Store.Put on the session's connection.
func (s *Session) Put(ctx context.Context, w *drivers.Write) error {
	if err := s.checkWrite("put", w); err != nil {
		return err
	}
	if err := s.begin(ctx, "put", w.Key); err != nil {
		return err
	}
	defer s.end()
	n, i := s.setPut(w, w.Version, w.Counter, w.GroupVersion, w.Fence)
	rows, err := s.exec(ctx, i, n)
	switch {
	case err != nil:
		return s.fail(ctx, "put", w.Key, err, false)
	case rows > 0:
		return nil
	case w.Fence > 0:
		return drivers.ErrStaleFence
	}
	return notFound("put", w.Key)
}

// LockedUpdate is Store.LockedUpdate on the session's connection: the
// same four round trips (BEGIN; SELECT … FOR UPDATE [NOWAIT]; UPDATE;
// COMMIT), each a prepared statement.
func (s *Session) LockedUpdate(ctx context.Context, w *drivers.Write) error {
	if err := s.checkWrite("locked update", w); err != nil {
		return err
	}
	if err := s.begin(ctx, "locked update", w.Key); err != nil {
		return err
	}
	defer s.end()
	return s.readModifyWrite(ctx, "locked update", stBegin, numFixedStmts+perGroup*w.Group+gsLockRead, w)
}

// SerializableUpdate is Store.SerializableUpdate on the session's
// connection.
func (s *Session) SerializableUpdate(ctx context.Context, w *drivers.Write) error {
	if err := s.checkWrite("serializable update", w); err != nil {
		return err
	}
	if err := s.begin(ctx, "serializable update", w.Key); err != nil {
		return err
	}
	defer s.end()
	return s.readModifyWrite(ctx, "serializable update", stBeginSerializable, numFixedStmts+perGroup*w.Group+gsPlainRead, w)
}

// readModifyWrite runs begin; read (version, counter, gvG); put of them
// +1; COMMIT, and rolls back on any failure. A failure before COMMIT
// was sent committed nothing.
func (s *Session) readModifyWrite(ctx context.Context, op string, begin, read int, w *drivers.Write) error {
	if _, err := s.exec(ctx, begin, 0); err != nil {
		return s.rollback(ctx, op, w.Key, err, true)
	}
	s.setInt(0, int64(w.Key))
	vals := s.results[:]
	found, err := s.queryInts(ctx, read, 1, vals)
	switch {
	case err != nil:
		return s.rollback(ctx, op, w.Key, err, true)
	case !found:
		return s.rollback(ctx, op, w.Key, notFound(op, w.Key), true)
	}
	if err := w.CallHold(ctx); err != nil { // the conflict window (--hold), inside the transaction
		return s.rollback(ctx, op, w.Key, err, true)
	}
	n, i := s.setPut(w, vals[0]+1, vals[1]+1, vals[2]+1, 0)
	rows, err := s.exec(ctx, i, n)
	switch {
	case err != nil:
		return s.rollback(ctx, op, w.Key, err, true)
	case rows != 1:
		return s.rollback(ctx, op, w.Key, errRowVanished, true)
	}
	if _, err := s.exec(ctx, stCommit, 0); err != nil {
		return s.rollback(ctx, op, w.Key, err, false)
	}
	return nil
}

// rollback ends a failed transaction and returns err wrapped for op.
// A connection that cannot roll back is closed by pgconn, or dropped by
// fail; the next call dials again.
func (s *Session) rollback(ctx context.Context, op string, key int, err error, notSent bool) error {
	if s.pc.TxStatus() != 'I' && !s.pc.IsClosed() {
		_ = s.pc.Exec(s.pgCtx(ctx), "ROLLBACK").Close()
	}
	if errors.Is(err, drivers.ErrNotFound) {
		return err
	}
	return s.fail(ctx, op, key, err, notSent)
}

// Acquire is Store.Acquire on the session's connection.
func (s *Session) Acquire(ctx context.Context, key int, holder int64, ttl time.Duration) (int64, error) {
	if err := s.checkLease("acquire", key, holder, ttl, true); err != nil {
		return 0, err
	}
	if err := s.begin(ctx, "acquire", key); err != nil {
		return 0, err
	}
	defer s.end()
	s.setInt(0, int64(key))
	s.setInt(1, holder)
	s.setInt(2, micros(ttl))
	fence := s.results[:1]
	found, err := s.queryInts(ctx, stAcquire, 3, fence)
	switch {
	case err != nil:
		return 0, s.fail(ctx, "acquire", key, err, false)
	case !found:
		return 0, drivers.ErrLeaseHeld
	}
	return fence[0], nil
}

// Extend is Store.Extend on the session's connection.
func (s *Session) Extend(ctx context.Context, key int, holder, fence int64, ttl time.Duration) error {
	if err := s.checkLease("extend", key, holder, ttl, true); err != nil {
		return err
	}
	if err := s.begin(ctx, "extend", key); err != nil {
		return err
	}
	defer s.end()
	s.setInt(0, int64(key))
	s.setInt(1, holder)
	s.setInt(2, fence)
	s.setInt(3, micros(ttl))
	n, err := s.exec(ctx, stExtend, 4)
	switch {
	case err != nil:
		return s.fail(ctx, "extend", key, err, false)
	case n == 0:
		return drivers.ErrLeaseLost
	}
	return nil
}

// Release is Store.Release on the session's connection.
func (s *Session) Release(ctx context.Context, key int, holder, fence int64) error {
	if err := s.checkLease("release", key, holder, 0, false); err != nil {
		return err
	}
	if err := s.begin(ctx, "release", key); err != nil {
		return err
	}
	defer s.end()
	s.setInt(0, int64(key))
	s.setInt(1, holder)
	s.setInt(2, fence)
	n, err := s.exec(ctx, stRelease, 3)
	switch {
	case err != nil:
		return s.fail(ctx, "release", key, err, false)
	case n == 0:
		return drivers.ErrLeaseLost
	}
	return nil
}

package redis

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/occbench/occbench/drivers"
)

// connConfig is how a session connects: the store's dialer (Options.Dial
// or a net.Dialer, then TLS; bounded by the connect timeout) and the
// commands the DSN asks for on a new connection.
type connConfig struct {
	dial          dialFunc
	network, addr string
	timeout       time.Duration
	hello         []byte // AUTH, SELECT, CLIENT SETNAME as the DSN asks
	helloN        int    // the replies hello expects, each +OK
}

func newConnConfig(o *goredis.Options, dial dialFunc, timeout time.Duration) connConfig {
	c := connConfig{dial: dial, network: o.Network, addr: o.Addr, timeout: timeout}
	if c.network == "" {
		c.network = "tcp"
	}
	if c.addr == "" {
		c.addr = "localhost:6379" // go-redis's default
	}
	if o.Password != "" {
		if o.Username != "" {
			c.hello = appendArray(c.hello, 3)
			c.hello = appendBulk(appendBulk(appendBulk(c.hello, "auth"), o.Username), o.Password)
		} else {
			c.hello = appendArray(c.hello, 2)
			c.hello = appendBulk(appendBulk(c.hello, "auth"), o.Password)
		}
		c.helloN++
	}
	if o.DB != 0 {
		c.hello = appendArray(c.hello, 2)
		c.hello = appendBulkInt(appendBulk(c.hello, "select"), int64(o.DB))
		c.helloN++
	}
	if o.ClientName != "" {
		c.hello = appendArray(c.hello, 3)
		c.hello = appendBulk(appendBulk(appendBulk(c.hello, "client"), "setname"), o.ClientName)
		c.helloN++
	}
	return c
}

// readBufSize is a session's read buffer: every reply line fits, and
// bulk strings longer than it are read through it.
const readBufSize = 16 << 10

// Session is one writer's connection, held from Session to Close, on
// which it speaks RESP2 itself (command names in lower case, as go-redis
// sends them, so that MONITOR shows the same commands for both paths): a
// command is appended to a buffer the session reuses (arguments with strconv.Append*, scripts by their SHA1
// computed at Setup) and written with one write; the reply is parsed
// from the session's read buffer, integers and comparisons in place and
// payloads into the caller's Doc. A call allocates nothing. Setup,
// Totals and ServerVersion go through the Store's go-redis pool.
//
// The connection is dialed as the pool dials (Options.Dial, TLS,
// Options.ConnectTimeout), followed by AUTH, SELECT and CLIENT SETNAME
// when the DSN sets them. A call that finds no connection (the last one
// broke: an I/O error, a timeout, an interrupted call, a reply out of
// step) dials one first, bounded by ConnectTimeout and its context; a
// failed dial is a connection error marked not sent, and the next call
// dials again. The session neither waits nor retries.
//
// Contexts: each call sets the connection's deadline to its context's
// (when it differs from the one set), so a deadline interrupts the call
// in the kernel, with no timer of the session's. A cancellation is
// watched by one goroutine per session, which waits on the Done channel
// of the last context a call brought: a writer that reuses its context
// from call to call (the runner's attempt contexts do) hands nothing
// over, and a call wakes no other goroutine. When the watched context
// ends during a call, the watcher sets the connection's deadline to the
// past. The session's own context is watched once (context.AfterFunc).
//
// A Session serialises its methods: a writer and its lease heartbeat
// share the connection.
type Session struct {
	*Store

	ctx     context.Context // bounds the session
	ctxDone <-chan struct{}
	stop    func() bool // stops the watch on ctx

	mu      sync.Mutex
	nc      net.Conn // nil: dial on the next call; changes under mu and ncMu
	rd      respReader
	wbuf    []byte    // the command being sent
	tail    []byte    // a script call's numkeys, keys and arguments
	ntail   int       // the bulk strings in tail
	dl      time.Time // the deadline set on nc, when dlSet
	dlSet   bool
	unwatch bool // a WATCH is pending on nc (cas=watch, no EXEC since)

	// The watcher (watcher) interrupts a call whose context ends.
	watched  <-chan struct{}        // the Done channel handed to the watcher; under mu
	calls    chan (<-chan struct{}) // hands the watcher a new Done channel
	quit     chan struct{}          // stops the watcher
	inFlight atomic.Bool            // a call is between begin and end
	fired    atomic.Bool            // the watcher set nc's deadline to the past

	closing    atomic.Bool
	over       atomic.Bool        // ctx has ended
	ncMu       sync.Mutex         // guards nc and cancelDial for interrupt and Close
	cancelDial context.CancelFunc // ends a dial in progress
}

var (
	_ drivers.Store             = (*Session)(nil)
	_ drivers.CompareAndSwapper = (*Session)(nil)
	_ drivers.Putter            = (*Session)(nil)
	_ drivers.FencedReader      = (*Session)(nil)
	_ drivers.Leaser            = (*Session)(nil)
)

var errSessionClosed = errors.New("session closed")

// Session returns a session on a connection of its own, dialed now and
// kept until Close, for the cell Setup prepared last. When ctx is
// cancelled a call in flight is interrupted, and every later call fails
// with ctx's error. drivers.ErrNoSessions when Config.Conns is
// ConnsPool.
func (s *Store) Session(ctx context.Context) (drivers.Store, error) {
	if !s.sessions {
		return nil, drivers.ErrNoSessions
	}
	if s.hmget == nil {
		return nil, errors.New("redis: session: Setup has not run")
	}
	ss := &Session{
		Store: s, ctx: ctx, ctxDone: ctx.Done(),
		rd:   respReader{br: bufio.NewReaderSize(nil, readBufSize)},
		wbuf: make([]byte, 0, 256+2*s.gb), tail: make([]byte, 0, 256+2*s.gb),
		calls: make(chan (<-chan struct{})), quit: make(chan struct{}),
	}
	if err := ss.connect(ctx); err != nil {
		return nil, ss.dialFailed(ctx, "session", -1, err)
	}
	ss.stop = context.AfterFunc(ctx, ss.sessionEnded)
	go ss.watcher()
	return ss, nil
}

// watcher interrupts the call in flight when the Done channel it was last
// handed closes. It keeps waiting on one channel across calls, so that
// a writer with one context for many calls costs it nothing per call.
func (s *Session) watcher() {
	var done <-chan struct{}
	for {
		select {
		case d := <-s.calls:
			done = d
		case <-done:
			done = nil
			if s.inFlight.Load() {
				s.fired.Store(true)
				s.interrupt()
			}
		case <-s.quit:
			return
		}
	}
}

// sessionEnded runs once the session's context has ended: every later call
// fails, and the one in flight is interrupted.
func (s *Session) sessionEnded() {
	s.over.Store(true)
	s.interrupt()
}

// interrupt sets the connection's deadline to the past, so that a call
// in flight fails at once, and ends a dial in progress.
func (s *Session) interrupt() {
	s.ncMu.Lock()
	if s.nc != nil {
		_ = s.nc.SetDeadline(time.Unix(1, 0))
	}
	if s.cancelDial != nil {
		s.cancelDial()
	}
	s.ncMu.Unlock()
}

// connect dials the session's connection and sends the DSN's hello,
// bounded by ctx and the connect timeout; Close ends it. The caller
// holds mu (or owns the session, in Session).
func (s *Session) connect(ctx context.Context) error {
	dctx, cancel := context.WithTimeout(ctx, s.cc.timeout)
	defer cancel()
	s.ncMu.Lock()
	s.cancelDial = cancel
	s.ncMu.Unlock()
	if s.closing.Load() {
		return errSessionClosed
	}
	c, err := s.cc.dial(dctx, s.cc.network, s.cc.addr)
	if err == nil {
		if err = s.hello(dctx, c); err != nil {
			c.Close()
		}
	}
	s.ncMu.Lock()
	s.cancelDial = nil
	if err == nil {
		s.nc = c
	}
	s.ncMu.Unlock()
	if err != nil {
		return err
	}
	s.dlSet, s.unwatch = false, false
	if s.closing.Load() || s.ctx.Err() != nil {
		s.interrupt() // they came while we dialed
	}
	return nil
}

// hello attaches the read buffer to c and sends the DSN's commands
// (AUTH, SELECT, CLIENT SETNAME), bounded by ctx.
func (s *Session) hello(ctx context.Context, c net.Conn) error {
	s.rd.br.Reset(c)
	if s.cc.helloN == 0 {
		return nil
	}
	dl, _ := ctx.Deadline()
	if err := c.SetDeadline(dl); err != nil {
		return err
	}
	stop := context.AfterFunc(ctx, func() { _ = c.SetDeadline(time.Unix(1, 0)) })
	err := s.helloRoundTrip(c)
	if !stop() {
		return fmt.Errorf("hello: %w", ctx.Err())
	}
	if err != nil {
		return fmt.Errorf("hello: %w", err)
	}
	return c.SetDeadline(time.Time{})
}

func (s *Session) helloRoundTrip(c net.Conn) error {
	if _, err := c.Write(s.cc.hello); err != nil {
		return err
	}
	for range s.cc.helloN {
		if err := s.rd.status(); err != nil {
			return err
		}
	}
	return nil
}

// dialFailed is the error of a call whose (re)connect failed: nothing
// was sent. It is a connection error unless the call's or the
// session's context ended.
func (s *Session) dialFailed(ctx context.Context, op string, key int, err error) error {
	class := drivers.ClassConnection
	cerr := ctxErr(ctx)
	if cerr == nil {
		cerr = s.ctx.Err() // Close or the session's end interrupted the dial
	}
	if cerr != nil {
		class = classify(cerr)
		if !errors.Is(err, cerr) {
			// Only cerr is wrapped: the dial's own error says "canceled"
			// when the watcher ended it for a deadline (cancelDial), and
			// a deadline must not read as a cancellation.
			err = fmt.Errorf("%w: %v", cerr, err)
		}
	}
	return &drivers.OpError{Driver: "redis", Op: op, Key: key, Class: class, Err: fmt.Errorf("connect: %w", err), NotSent: true}
}

// drop closes the connection; the next call dials again. The caller
// holds mu.
func (s *Session) drop() {
	s.ncMu.Lock()
	c := s.nc
	s.nc = nil
	s.ncMu.Unlock()
	if c != nil {
		_ = c.Close()
	}
}

// Close closes the session's connection, interrupting a call in flight
// and a dial. Closing twice does nothing.
func (s *Session) Close() error {
	if !s.closing.CompareAndSwap(false, true) {
		return nil
	}
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

// begin checks ctx and takes the session for one call: it fails at once,
// sending nothing, when ctx or the session's context has ended or the
// session is closed; it hands ctx's Done channel to the watcher when it
// is not the one watched already, dials when there is no connection, and
// sets the connection's deadline to ctx's.
func (s *Session) begin(ctx context.Context, op string, key int) error {
	if err := ctx.Err(); err != nil {
		return notSentErr(op, key, classify(err), err)
	}
	s.mu.Lock()
	if err := s.take(ctx, op, key); err != nil {
		s.inFlight.Store(false)
		s.mu.Unlock()
		return err
	}
	return nil
}

func (s *Session) take(ctx context.Context, op string, key int) error {
	if err := s.usable(); err != nil {
		return notSentErr(op, key, classify(err), err)
	}
	if done := ctx.Done(); done != nil && done != s.watched && done != s.ctxDone {
		s.calls <- done
		s.watched = done
	}
	s.inFlight.Store(true)
	if s.fired.Swap(false) {
		s.dlSet = false // the watcher set a past deadline
	}
	if s.nc == nil {
		if err := s.connect(ctx); err != nil {
			return s.dialFailed(ctx, op, key, err)
		}
	}
	dl, _ := ctx.Deadline()
	if !s.dlSet || !dl.Equal(s.dl) {
		if err := s.nc.SetDeadline(dl); err != nil {
			s.drop()
			return notSentErr(op, key, drivers.ClassConnection, err)
		}
		s.dl, s.dlSet = dl, true
	}
	// Checked once the call is in flight and its deadline set: a
	// cancellation from here on interrupts it, after that deadline.
	if err := ctx.Err(); err != nil {
		return notSentErr(op, key, classify(err), err)
	}
	if err := s.usable(); err != nil {
		return notSentErr(op, key, classify(err), err)
	}
	return nil
}

// usable is nil while the session may make calls: it is not closed and
// its context has not ended (as the AfterFunc on it records).
func (s *Session) usable() error {
	switch {
	case s.closing.Load():
		return errSessionClosed
	case s.over.Load():
		return fmt.Errorf("session: %w", s.ctx.Err())
	}
	return nil
}

// end releases the session after a call that began.
func (s *Session) end() {
	s.inFlight.Store(false)
	s.mu.Unlock()
}

// send writes s.wbuf; sent reports whether all of it was written. A
// command written in part was not run: Redis runs only whole commands,
// and drops a partial one with the connection.
func (s *Session) send() (sent bool, err error) {
	n, err := s.nc.Write(s.wbuf)
	return n == len(s.wbuf), err
}

// fail wraps the error of a call that began, for op. notSent says that
// no write of the call can have been run. An error reply leaves the
// connection as it was; any other failure (I/O, a deadline, a reply out
// of step) drops it, so that the next call dials again. The error names
// the call's or the session's context when its end interrupted the call.
func (s *Session) fail(ctx context.Context, op string, key int, err error, notSent bool) error {
	var re replyError
	if errors.As(err, &re) {
		return drivers.MarkNotSent(opErr(op, key, drivers.ClassServer, err), notSent)
	}
	s.drop()
	cerr := ctxErr(ctx)
	if cerr == nil {
		cerr = s.ctx.Err()
	}
	if cerr == nil && errors.Is(err, os.ErrDeadlineExceeded) {
		if _, ok := ctx.Deadline(); ok {
			cerr = context.DeadlineExceeded // the socket's deadline is ctx's
		}
	}
	if cerr == nil && s.closing.Load() {
		err = fmt.Errorf("%w: %w", errSessionClosed, err)
	}
	if cerr != nil && !errors.Is(err, cerr) {
		err = fmt.Errorf("%w: %w", cerr, err)
	}
	return drivers.MarkNotSent(opErr(op, key, classify(err), err), notSent)
}

// ctxErr is ctx.Err(), or context.DeadlineExceeded once ctx's deadline
// has passed: the socket's deadline, which is ctx's, may end a call
// before ctx's own timer has marked it done.
func ctxErr(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if dl, ok := ctx.Deadline(); ok && !time.Now().Before(dl) {
		return context.DeadlineExceeded
	}
	return nil
}

// outOfStep turns an error reply read in the middle of a reply or a
// pipeline into a protocol error: the replies after it are unread, so
// the connection must go.
func outOfStep(err error) error {
	var re replyError
	if errors.As(err, &re) {
		return protoErrorf("error reply %q inside a reply", string(re))
	}
	return err
}

// arrayLen reads the header of a reply that must be an array.
func (r *respReader) arrayLen() (int, error) {
	typ, rest, err := r.header()
	if err != nil {
		return 0, err
	}
	return r.arrayOf(typ, rest)
}

// arrayOf is arrayLen for a header read already.
func (r *respReader) arrayOf(typ byte, rest []byte) (int, error) {
	switch typ {
	case '*':
		return length(rest, maxArray, "array")
	case '-':
		return 0, replyError(rest)
	}
	return 0, r.unexpected(typ, rest, "an array")
}

// readDoc reads the rest of an array of n values of s.fields (an HMGET
// reply) into d. found is false when the document is missing (version is
// nil); decodeErr is a value that is not what the field holds, with the
// stream still in step; err is a failure that leaves it out of step.
func (s *Session) readDoc(n, key int, d *drivers.Doc) (found bool, decodeErr, err error) {
	if n != len(s.fields) {
		return false, nil, protoErrorf("read %d fields, want %d", n, len(s.fields))
	}
	nf, ng := len(fixedFields), s.spec.FieldGroups
	var fixed [len(fixedFields)]int64
	d.Groups = d.Groups[:0]
	d.Payload = d.Payload[:0]
	found = true
	for i := range n {
		if i < nf+ng {
			v, isNil, err := s.rd.bulkInt()
			switch {
			case errors.Is(err, errNotInteger):
				if decodeErr == nil {
					decodeErr = fmt.Errorf("field %s: %w", s.fields[i], err)
				}
			case err != nil:
				return false, nil, outOfStep(err)
			case isNil && i == 0:
				found = false
			case isNil && decodeErr == nil:
				decodeErr = fmt.Errorf("field %s: missing field", s.fields[i])
			}
			if i < nf {
				fixed[i] = v
			} else {
				d.Groups = append(d.Groups, v)
			}
			continue
		}
		pn, err := s.rd.bulkHeader()
		if err != nil {
			return false, nil, outOfStep(err)
		}
		if pn < 0 {
			if decodeErr == nil {
				decodeErr = fmt.Errorf("field %s: missing field", s.fields[i])
			}
			continue
		}
		if d.Payload, err = s.rd.bulkAppend(d.Payload, pn); err != nil {
			return false, nil, err
		}
	}
	if !found || decodeErr != nil {
		return found, decodeErr, nil
	}
	d.Key = key
	d.Version, d.Counter, d.Fence = fixed[0], fixed[1], fixed[2]
	d.Writer, d.Op, d.UpdatedAt = fixed[3], fixed[4], fixed[5]
	// Bytes that PayloadBytes leaves over after whole groups are zero.
	for len(d.Payload) < s.spec.PayloadBytes {
		d.Payload = append(d.Payload, 0)
	}
	return true, nil, nil
}

// Read is Store.Read on the session's connection: one HMGET.
func (s *Session) Read(ctx context.Context, key int, d *drivers.Doc) error {
	if err := s.checkKey("read", key); err != nil {
		return err
	}
	if err := s.begin(ctx, "read", key); err != nil {
		return err
	}
	defer s.end()
	b := appendArray(s.wbuf[:0], 2+len(s.fields))
	b = appendBulk(b, "hmget")
	b = appendBulk(b, s.keys[key])
	s.wbuf = append(b, s.hmget...)
	if _, err := s.send(); err != nil {
		return s.fail(ctx, "read", key, err, true)
	}
	n, err := s.rd.arrayLen()
	if err != nil {
		return s.fail(ctx, "read", key, err, true)
	}
	found, derr, err := s.readDoc(n, key, d)
	switch {
	case err != nil:
		return s.fail(ctx, "read", key, err, true)
	case !found:
		return notFound("read", key)
	case derr != nil:
		return notSentErr("read", key, drivers.ClassOther, derr)
	}
	return nil
}

// args starts a script call's arguments: numkeys and the keys follow.
func (s *Session) args() { s.tail, s.ntail = s.tail[:0], 0 }

func (s *Session) arg(v string)      { s.tail, s.ntail = appendBulk(s.tail, v), s.ntail+1 }
func (s *Session) argBytes(p []byte) { s.tail, s.ntail = appendBulkBytes(s.tail, p), s.ntail+1 }
func (s *Session) argInt(v int64)    { s.tail, s.ntail = appendBulkInt(s.tail, v), s.ntail+1 }

// evalCmd builds cmd (EVALSHA or EVAL) of script (its SHA or text) with
// the arguments in s.tail.
func (s *Session) evalCmd(cmd, script string) {
	b := appendArray(s.wbuf[:0], 2+s.ntail)
	b = appendBulk(b, cmd)
	b = appendBulk(b, script)
	s.wbuf = append(b, s.tail...)
}

// eval runs sc with the arguments in s.tail by its SHA, and by its text
// when the server does not know it (a restart flushed its scripts):
// the reply's header, and whether the command that ran was sent whole.
func (s *Session) eval(sc *script) (typ byte, rest []byte, sent bool, err error) {
	s.evalCmd("evalsha", sc.sha)
	if sent, err = s.send(); err != nil {
		return 0, nil, sent, err
	}
	if typ, rest, err = s.rd.header(); err != nil || typ != '-' || len(rest) < 8 || string(rest[:8]) != "NOSCRIPT" {
		return typ, rest, sent, err
	}
	// EVALSHA ran nothing; EVAL runs the script and caches it.
	s.evalCmd("eval", sc.src)
	if sent, err = s.send(); err != nil {
		return 0, nil, sent, err
	}
	typ, rest, err = s.rd.header()
	return typ, rest, sent, err
}

// evalInt is eval of a script that returns an integer.
func (s *Session) evalInt(sc *script) (v int64, sent bool, err error) {
	typ, rest, sent, err := s.eval(sc)
	if err != nil {
		return 0, sent, err
	}
	v, err = s.rd.integerOf(typ, rest)
	return v, sent, err
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
	s.args()
	s.arg("1")
	s.arg(s.keys[key])
	s.argInt(fence)
	typ, rest, sent, err := s.eval(s.sc.readFenced)
	if err != nil {
		return s.fail(ctx, "read fenced", key, err, !sent)
	}
	if typ == ':' {
		res, err := s.rd.integerOf(typ, rest)
		switch {
		case err != nil:
			return s.fail(ctx, "read fenced", key, err, false)
		case res == 0:
			return drivers.ErrStaleFence
		}
		return notFound("read fenced", key)
	}
	n, err := s.rd.arrayOf(typ, rest)
	if err != nil {
		return s.fail(ctx, "read fenced", key, err, false)
	}
	found, derr, err := s.readDoc(n, key, d)
	switch {
	case err != nil:
		return s.fail(ctx, "read fenced", key, err, false)
	case !found:
		return notFound("read fenced", key)
	case derr != nil:
		return opErr("read fenced", key, drivers.ClassOther, derr)
	}
	return nil
}

// CompareAndSwap is Store.CompareAndSwap on the session's connection:
// one EVALSHA, or WATCH … EXEC under cas=watch.
func (s *Session) CompareAndSwap(ctx context.Context, w *drivers.Write) error {
	if err := s.checkWrite("cas", w); err != nil {
		return err
	}
	if err := s.begin(ctx, "cas", w.Key); err != nil {
		return err
	}
	defer s.end()
	cmp := "version"
	if w.Scope == drivers.ScopeFieldGroup {
		cmp = s.gvNames[w.Group]
	}
	if s.watch {
		return s.casWatch(ctx, w, cmp)
	}
	s.args()
	s.arg("1")
	s.arg(s.keys[w.Key])
	s.arg(cmp)
	s.argInt(w.Expect)
	s.arg(s.gvNames[w.Group])
	s.arg(s.pNames[w.Group])
	s.argBytes(w.Payload)
	s.argInt(w.Writer)
	s.argInt(w.Op)
	s.argInt(w.UpdatedAt)
	res, sent, err := s.evalInt(s.sc.cas)
	switch {
	case err != nil:
		return s.fail(ctx, "cas", w.Key, err, !sent)
	case res == 0:
		return drivers.ErrVersionMismatch
	case res < 0:
		return notFound("cas", w.Key)
	}
	return nil
}

// casWatch is CompareAndSwap with WATCH key and HGET cmp in one round
// trip, then MULTI, HINCRBY × 3, HSET, EXEC in another. A mismatch
// leaves the WATCH in place, to be cleared by an UNWATCH sent ahead of
// the next WATCH; an EXEC that fails because another client wrote the
// key is a VersionMismatch. A failure before EXEC was sent whole wrote
// nothing.
func (s *Session) casWatch(ctx context.Context, w *drivers.Write, cmp string) error {
	key := s.keys[w.Key]
	unwatch := s.unwatch
	b := s.wbuf[:0]
	if unwatch {
		b = appendBulk(appendArray(b, 1), "unwatch")
	}
	b = appendBulk(appendBulk(appendArray(b, 2), "watch"), key)
	b = appendBulk(appendBulk(appendBulk(appendArray(b, 3), "hget"), key), cmp)
	s.wbuf = b
	if _, err := s.send(); err != nil {
		return s.fail(ctx, "cas", w.Key, err, true)
	}
	if unwatch {
		if err := s.rd.status(); err != nil {
			return s.fail(ctx, "cas", w.Key, outOfStep(err), true)
		}
	}
	if err := s.rd.status(); err != nil {
		return s.fail(ctx, "cas", w.Key, outOfStep(err), true)
	}
	s.unwatch = true
	var exp [20]byte
	equal, isNil, err := s.rd.bulkEqual(strconv.AppendInt(exp[:0], w.Expect, 10))
	switch {
	case err != nil:
		return s.fail(ctx, "cas", w.Key, err, true)
	case isNil:
		return notFound("cas", w.Key)
	case !equal:
		return drivers.ErrVersionMismatch
	}
	b = appendBulk(appendArray(s.wbuf[:0], 1), "multi")
	for _, f := range [...]string{"version", "counter", s.gvNames[w.Group]} {
		b = appendBulk(appendBulk(appendBulk(appendBulk(appendArray(b, 4), "hincrby"), key), f), "1")
	}
	b = appendBulk(appendBulk(appendBulk(appendArray(b, 10), "hset"), key), s.pNames[w.Group])
	b = appendBulkBytes(b, w.Payload)
	b = appendBulkInt(appendBulk(b, "writer"), w.Writer)
	b = appendBulkInt(appendBulk(b, "op"), w.Op)
	b = appendBulkInt(appendBulk(b, "updated_at"), w.UpdatedAt)
	s.wbuf = appendBulk(appendArray(b, 1), "exec")
	if sent, err := s.send(); err != nil {
		return s.fail(ctx, "cas", w.Key, err, !sent)
	}
	// MULTI's +OK, four +QUEUED.
	for range 5 {
		if err := s.rd.status(); err != nil {
			return s.fail(ctx, "cas", w.Key, outOfStep(err), false)
		}
	}
	typ, rest, err := s.rd.header()
	if err == nil && typ == '-' {
		err = replyError(rest) // EXECABORT: nothing ran
		s.unwatch = false
		return s.fail(ctx, "cas", w.Key, err, true)
	}
	var n int
	if err == nil {
		n, err = s.rd.arrayOf(typ, rest)
	}
	if err != nil {
		return s.fail(ctx, "cas", w.Key, err, false)
	}
	s.unwatch = false // EXEC unwatches
	if n < 0 {
		return drivers.ErrVersionMismatch // the key changed since WATCH
	}
	// The four commands' replies; an error reply among them ran the
	// others.
	var failed error
	for range n {
		typ, rest, err := s.rd.header()
		if err == nil {
			if typ == '-' && failed == nil {
				failed = replyError(rest)
			}
			err = s.rd.skip(typ, rest, 1)
		}
		if err != nil {
			return s.fail(ctx, "cas", w.Key, err, false)
		}
	}
	if failed != nil {
		return s.fail(ctx, "cas", w.Key, failed, false)
	}
	return nil
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
	s.args()
	s.arg("1")
	s.arg(s.keys[w.Key])
	s.argInt(max(w.Fence, 0))
	s.argInt(w.Version)
	s.argInt(w.Counter)
	s.arg(s.gvNames[w.Group])
	s.argInt(w.GroupVersion)
	s.arg(s.pNames[w.Group])
	s.argBytes(w.Payload)
	s.argInt(w.Writer)
	s.argInt(w.Op)
	s.argInt(w.UpdatedAt)
	res, sent, err := s.evalInt(s.sc.put)
	switch {
	case err != nil:
		return s.fail(ctx, "put", w.Key, err, !sent)
	case res == 0:
		return drivers.ErrStaleFence
	case res < 0:
		return notFound("put", w.Key)
	}
	return nil
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
	s.args()
	s.arg("2")
	s.tail, s.ntail = appendBulkID(appendBulkID(s.tail, s.ks.leasePrefix, key), s.ks.fencePrefix, key), s.ntail+2
	s.argInt(holder)
	s.argInt(millis(ttl))
	fence, sent, err := s.evalInt(s.sc.acquire)
	switch {
	case err != nil:
		return 0, s.fail(ctx, "acquire", key, err, !sent)
	case fence == 0:
		return 0, drivers.ErrLeaseHeld
	}
	return fence, nil
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
	s.args()
	s.arg("1")
	s.tail, s.ntail = appendBulkToken(appendBulkID(s.tail, s.ks.leasePrefix, key), holder, fence), s.ntail+2
	s.argInt(millis(ttl))
	ok, sent, err := s.evalInt(s.sc.extend)
	switch {
	case err != nil:
		return s.fail(ctx, "extend", key, err, !sent)
	case ok == 0:
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
	s.args()
	s.arg("1")
	s.tail, s.ntail = appendBulkToken(appendBulkID(s.tail, s.ks.leasePrefix, key), holder, fence), s.ntail+2
	ok, sent, err := s.evalInt(s.sc.release)
	switch {
	case err != nil:
		return s.fail(ctx, "release", key, err, !sent)
	case ok == 0:
		return drivers.ErrLeaseLost
	}
	return nil
}

package redis

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"syscall"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// dialFunc is drivers.Options.Dial's type.
type dialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

// rawDialer returns the dial function of a store: dial (Options.Dial,
// or a net.Dialer), then TLS when the DSN asked for it (go-redis leaves
// TLS to a custom Dialer), every attempt bounded by timeout and ctx.
// Sessions dial with it; go-redis's pool through dialer.
func rawDialer(dial dialFunc, timeout time.Duration, tlsConfig *tls.Config) dialFunc {
	if dial == nil {
		d := &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}
		dial = d.DialContext
	}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		ctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		c, err := dial(ctx, network, addr)
		if err == nil && tlsConfig != nil {
			tc := tls.Client(c, tlsConfig.Clone())
			if err = tc.HandshakeContext(ctx); err != nil {
				c.Close()
			} else {
				c = tc
			}
		}
		if err != nil {
			return nil, err
		}
		return c, nil
	}
}

// dialer returns the go-redis Dialer of a store, over raw (rawDialer).
//
// A failed dial is not returned to go-redis as an error. go-redis counts
// failed dials, and once PoolSize of them have failed it stops dialing
// and probes the server once a second in the background, failing every
// call meanwhile: a cooldown of up to a second after the server is back,
// which occbench must not add to what it measures. The dialer returns
// instead a deadConn that fails the connection's handshake with the
// dial's error, wrapped in a *dialError: the call fails at once, having
// sent nothing, and the next call dials again.
func dialer(raw dialFunc) dialFunc {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := raw(ctx, network, addr)
		if err != nil {
			return deadConn{&dialError{err: err}}, nil
		}
		return c, nil
	}
}

// dialError is a failed dial, reported by the handshake of the
// deadConn that stands for the connection: nothing was sent.
type dialError struct{ err error }

func (e *dialError) Error() string { return "dial: " + e.err.Error() }
func (e *dialError) Unwrap() error { return e.err }

// deadConn is a connection whose dial failed: every read and write
// fails with the dial's error. Its SyscallConn fails too, so that
// go-redis's health check discards it, should it ever reach the idle
// pool, without using it.
type deadConn struct{ err *dialError }

var deadAddr = &net.TCPAddr{IP: net.IPv4zero}

func (c deadConn) Read([]byte) (int, error)         { return 0, c.err }
func (c deadConn) Write([]byte) (int, error)        { return 0, c.err }
func (c deadConn) Close() error                     { return nil }
func (c deadConn) LocalAddr() net.Addr              { return deadAddr }
func (c deadConn) RemoteAddr() net.Addr             { return deadAddr }
func (c deadConn) SetDeadline(time.Time) error      { return nil }
func (c deadConn) SetReadDeadline(time.Time) error  { return nil }
func (c deadConn) SetWriteDeadline(time.Time) error { return nil }
func (c deadConn) SyscallConn() (syscall.RawConn, error) {
	return nil, c.err
}

// logRouter is go-redis's logger while this package is loaded: it hands
// every line to the Log of each open Store that has one, and drops it
// when there is none. go-redis logs through one process-wide logger
// (redis.SetLogger), which otherwise writes to stderr, so the router is
// this package's one piece of global state, forced by go-redis:
// installed once (routeLogs) and never removed; stores join it at Open
// and leave it at Close.
type logRouter struct {
	mu    sync.Mutex
	sinks map[*Store]func(string)
}

var (
	routeOnce sync.Once
	router    = &logRouter{sinks: map[*Store]func(string){}}
)

// routeLogs installs the router as go-redis's logger, once per process.
func routeLogs() {
	routeOnce.Do(func() { goredis.SetLogger(router) })
}

// Printf implements go-redis's internal.Logging.
func (r *logRouter) Printf(_ context.Context, format string, v ...any) {
	line := strings.TrimRight(fmt.Sprintf(format, v...), "\n")
	r.mu.Lock()
	sinks := make([]func(string), 0, len(r.sinks))
	for _, f := range r.sinks {
		sinks = append(sinks, f)
	}
	r.mu.Unlock()
	for _, f := range sinks {
		f(line)
	}
}

func (r *logRouter) join(s *Store, log func(string)) {
	if log == nil {
		return
	}
	r.mu.Lock()
	r.sinks[s] = log
	r.mu.Unlock()
}

func (r *logRouter) leave(s *Store) {
	r.mu.Lock()
	delete(r.sinks, s)
	r.mu.Unlock()
}

// honour runs fn and returns as soon as ctx ends. go-redis honours a
// context's deadline once a command is on the wire (it becomes the
// socket's), but not its cancellation; Setup and Totals may be cancelled
// without a deadline, and must then return at once. fn must leave the
// Store alone (it gets what it needs as arguments) and check ctx before
// each of its steps: after an early return it goes on in the background
// until the command it waits for returns, and stops there.
func honour(ctx context.Context, fn func(ctx context.Context) error) error {
	if ctx.Done() == nil {
		return fn(ctx)
	}
	done := make(chan error, 1)
	go func() { done <- fn(ctx) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		select {
		case err := <-done:
			return err
		default:
			return ctx.Err()
		}
	}
}

// sentNothing reports whether go-redis's error says the call sent
// nothing: no connection could be had (the dial failed, the pool timed
// out or is closed).
func sentNothing(err error) bool {
	var de *dialError
	return errors.As(err, &de) || errors.Is(err, goredis.ErrPoolTimeout) || errors.Is(err, goredis.ErrClosed)
}

package drivertest

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// Proxy is a TCP proxy on 127.0.0.1 for fault tests. A driver opened
// with drivers.Options{Dial: p.Dial} reaches its server through it, and
// the test then cuts, pauses or refuses every connection without
// touching the server, which other tests share:
//
//   - Up forwards bytes both ways (the initial state).
//   - Pause stops forwarding, on live and new connections alike: the
//     server looks hung (SIGSTOP), connects succeed and nothing answers.
//   - Down closes every live connection and refuses new ones with
//     ECONNREFUSED: the server is stopped or restarting.
//   - Blackhole makes new dials wait until their context ends or the
//     proxy leaves the mode: packets to the server are dropped, and a
//     dial still retrying when the network heals connects, as a
//     retransmitted SYN does.
//   - Cut closes every live connection and stays up: the backends were
//     killed.
//
// Dial names its target in a one-line preamble the proxy reads before
// it connects upstream, so one proxy serves any address.
type Proxy struct {
	ln    net.Listener
	dials atomic.Int64
	done  chan struct{}
	wg    sync.WaitGroup

	mu     sync.Mutex
	cond   *sync.Cond
	mode   proxyMode
	moved  chan struct{} // closed and replaced when the mode changes
	links  map[*link]struct{}
	closed bool
	target string // the last address dialed through the proxy
}

type proxyMode uint8

const (
	modeUp proxyMode = iota
	modePaused
	modeDown
	modeBlackhole
)

// link is one proxied connection: the proxy's side of the client's
// connection, and its own connection to the server.
type link struct {
	client, server net.Conn
	cut            bool
}

// NewProxy starts a proxy, stopped when the test ends.
func NewProxy(t testing.TB) *Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("proxy: %v", err)
	}
	p := &Proxy{ln: ln, done: make(chan struct{}), moved: make(chan struct{}), links: map[*link]struct{}{}}
	p.cond = sync.NewCond(&p.mu)
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(p.close)
	return p
}

// Dial is a drivers.Options.Dial that connects to addr through the
// proxy. It counts every call, failed ones included. A client that
// dials the address its connection is connected to (pgx does, to send a
// cancel request) dials the proxy's own address: that stands for the
// last server dialed.
func (p *Proxy) Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	p.dials.Add(1)
	p.mu.Lock()
	mode, moved := p.mode, p.moved
	if addr == p.ln.Addr().String() {
		addr = p.target
	} else {
		p.target = addr
	}
	p.mu.Unlock()
	for mode == modeBlackhole {
		select {
		case <-ctx.Done():
			return nil, &net.OpError{Op: "dial", Net: network, Err: ctx.Err()}
		case <-p.done:
			return nil, &net.OpError{Op: "dial", Net: network, Err: net.ErrClosed}
		case <-moved:
			p.mu.Lock()
			mode, moved = p.mode, p.moved
			p.mu.Unlock()
		}
	}
	if mode == modeDown {
		return nil, &net.OpError{Op: "dial", Net: network, Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	}
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", p.ln.Addr().String())
	if err != nil {
		return nil, err
	}
	if _, err := io.WriteString(c, addr+"\n"); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// Dials is the number of Dial calls so far.
func (p *Proxy) Dials() int64 { return p.dials.Load() }

// Up forwards bytes again and accepts dials.
func (p *Proxy) Up() { p.set(modeUp, false) }

// Pause stops forwarding bytes, on live and new connections.
func (p *Proxy) Pause() { p.set(modePaused, false) }

// Down closes every live connection and refuses new dials.
func (p *Proxy) Down() { p.set(modeDown, true) }

// Blackhole makes new dials hang until their context ends; live
// connections are closed.
func (p *Proxy) Blackhole() { p.set(modeBlackhole, true) }

// Cut closes every live connection; new ones are accepted.
func (p *Proxy) Cut() {
	p.mu.Lock()
	p.cutLocked()
	p.mu.Unlock()
}

// Live is the number of connections the proxy holds open.
func (p *Proxy) Live() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.links)
}

func (p *Proxy) set(m proxyMode, cut bool) {
	p.mu.Lock()
	if p.mode != m {
		close(p.moved)
		p.moved = make(chan struct{})
	}
	p.mode = m
	if cut {
		p.cutLocked()
	}
	p.cond.Broadcast()
	p.mu.Unlock()
}

func (p *Proxy) cutLocked() {
	for l := range p.links {
		l.cut = true
		l.client.Close()
		l.server.Close()
		delete(p.links, l)
	}
	p.cond.Broadcast()
}

func (p *Proxy) close() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	close(p.done)
	p.cutLocked()
	p.mu.Unlock()
	p.ln.Close()
	p.wg.Wait()
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.wg.Add(1)
		go p.serve(c)
	}
}

// serve reads the client's preamble, connects to its target and pumps
// bytes until either side closes or the link is cut.
func (p *Proxy) serve(c net.Conn) {
	defer p.wg.Done()
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	addr, err := readLine(c)
	_ = c.SetReadDeadline(time.Time{})
	if err != nil {
		c.Close()
		return
	}
	s, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		c.Close()
		return
	}
	l := &link{client: c, server: s}
	p.mu.Lock()
	if p.closed || p.mode == modeDown || p.mode == modeBlackhole {
		p.mu.Unlock()
		c.Close()
		s.Close()
		return
	}
	p.links[l] = struct{}{}
	p.mu.Unlock()
	var pumps sync.WaitGroup
	pumps.Add(2)
	go func() { defer pumps.Done(); p.pump(l, c, s) }()
	go func() { defer pumps.Done(); p.pump(l, s, c) }()
	pumps.Wait()
	p.mu.Lock()
	delete(p.links, l)
	p.mu.Unlock()
}

// pump copies src to dst, holding each chunk while the proxy is paused.
func (p *Proxy) pump(l *link, src, dst net.Conn) {
	defer func() {
		src.Close()
		dst.Close()
	}()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			p.mu.Lock()
			for p.mode == modePaused && !l.cut && !p.closed {
				p.cond.Wait()
			}
			cut := l.cut || p.closed
			p.mu.Unlock()
			if cut {
				return
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

var errPreamble = errors.New("proxy: preamble too long")

// readLine reads the preamble byte by byte, so that nothing the client
// sends after it is consumed.
func readLine(c net.Conn) (string, error) {
	var b [1]byte
	var line []byte
	for len(line) < 512 {
		if _, err := io.ReadFull(c, b[:]); err != nil {
			return "", err
		}
		if b[0] == '\n' {
			return string(line), nil
		}
		line = append(line, b[0])
	}
	return "", errPreamble
}

// CountingDial returns a drivers.Options.Dial that dials with a plain
// net.Dialer and counts its calls in n.
func CountingDial(n *atomic.Int64) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		n.Add(1)
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}
}

package chaos

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/occbench/occbench/faults"
	"github.com/occbench/occbench/internal/provision"
)

// block is how long a test waits to see that nothing gets through.
const block = 200 * time.Millisecond

// server is a TCP server whose accepted connections the test gets, to
// read and write the server's end directly.
type server struct {
	ln    net.Listener
	conns chan net.Conn
}

func newServer(t *testing.T) *server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &server{ln: ln, conns: make(chan net.Conn, 16)}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.conns <- c
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		for {
			select {
			case c := <-s.conns:
				_ = c.Close()
			default:
				return
			}
		}
	})
	return s
}

func (s *server) addr() string { return s.ln.Addr().String() }

// accept returns the server's end of the next connection.
func (s *server) accept(t *testing.T) net.Conn {
	t.Helper()
	select {
	case c := <-s.conns:
		t.Cleanup(func() { _ = c.Close() })
		return c
	case <-time.After(5 * time.Second):
		t.Fatal("the server accepted no connection within 5s")
		return nil
	}
}

// send writes msg on c.
func send(t *testing.T, c net.Conn, msg string) {
	t.Helper()
	if _, err := io.WriteString(c, msg); err != nil {
		t.Fatalf("write %q: %v", msg, err)
	}
}

// recv reads len(want) bytes from c within d and returns an error when
// they do not come or differ.
func recv(c net.Conn, want string, d time.Duration) error {
	if err := c.SetReadDeadline(time.Now().Add(d)); err != nil {
		return err
	}
	defer c.SetReadDeadline(time.Time{})
	buf := make([]byte, len(want))
	if _, err := io.ReadFull(c, buf); err != nil {
		return err
	}
	if string(buf) != want {
		return errors.New("read " + string(buf) + ", want " + want)
	}
	return nil
}

// dial connects through p to s and returns both ends.
func dial(t *testing.T, p *Proxy, s *server) (client, srv net.Conn) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := p.Dial(ctx, "tcp", s.addr())
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c, s.accept(t)
}

// roundTrip checks that data goes through both ways, promptly.
func roundTrip(t *testing.T, client, srv net.Conn, tag string) {
	t.Helper()
	send(t, client, "req-"+tag)
	if err := recv(srv, "req-"+tag, 5*time.Second); err != nil {
		t.Fatalf("server read request %s: %v", tag, err)
	}
	send(t, srv, "rep-"+tag)
	if err := recv(client, "rep-"+tag, 5*time.Second); err != nil {
		t.Fatalf("client read reply %s: %v", tag, err)
	}
}

func newProxy(t *testing.T) *Proxy {
	t.Helper()
	p := NewProxy()
	t.Cleanup(func() { _ = p.Close() })
	return p
}

func isTimeout(err error) bool {
	return errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, context.DeadlineExceeded)
}

func TestPartition(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	p := newProxy(t)
	client, srv := dial(t, p, s)
	roundTrip(t, client, srv, "before")

	heal, err := p.Partition(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// Both directions hold what is sent on an existing connection.
	send(t, client, "held-up")
	if err := recv(srv, "held-up", block); !isTimeout(err) {
		t.Errorf("server read during the partition: %v, want a timeout", err)
	}
	send(t, srv, "held-down")
	if err := recv(client, "held-down", block); !isTimeout(err) {
		t.Errorf("client read during the partition: %v, want a timeout", err)
	}
	// A new connection waits in Dial.
	ctx, cancel := context.WithTimeout(context.Background(), block)
	_, err = p.Dial(ctx, "tcp", s.addr())
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Dial during the partition = %v, want context.DeadlineExceeded", err)
	}
	var opErr *net.OpError
	if !errors.As(err, &opErr) || opErr.Op != "dial" || !strings.Contains(err.Error(), s.addr()) {
		t.Errorf("Dial during the partition = %v, want a *net.OpError dialing %s", err, s.addr())
	}
	if _, err := p.Partition(context.Background()); !errors.Is(err, ErrFaultActive) {
		t.Errorf("second Partition = %v, want ErrFaultActive", err)
	}

	if err := heal(context.Background()); err != nil {
		t.Fatalf("heal: %v", err)
	}
	// The held data is delivered, not dropped, and the connection lives.
	if err := recv(srv, "held-up", 5*time.Second); err != nil {
		t.Errorf("server read after heal: %v", err)
	}
	if err := recv(client, "held-down", 5*time.Second); err != nil {
		t.Errorf("client read after heal: %v", err)
	}
	roundTrip(t, client, srv, "after")
	client2, srv2 := dial(t, p, s)
	roundTrip(t, client2, srv2, "new")
	if err := heal(context.Background()); err != nil {
		t.Errorf("second heal: %v", err)
	}

	// A partition holds an upstream first dialed while it is in effect.
	heal, err = p.Partition(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	s2 := newServer(t)
	done := make(chan error, 1)
	var client3 net.Conn
	go func() {
		var err error
		client3, err = p.Dial(context.Background(), "tcp", s2.addr())
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("Dial to a new upstream returned during the partition: %v", err)
	case <-time.After(block):
	}
	if err := heal(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("Dial after heal: %v", err)
	}
	t.Cleanup(func() { _ = client3.Close() })
	roundTrip(t, client3, s2.accept(t), "new upstream")
}

func TestLatency(t *testing.T) {
	t.Parallel()
	const delay = 150 * time.Millisecond
	s := newServer(t)
	p := newProxy(t)
	client, srv := dial(t, p, s)
	roundTrip(t, client, srv, "before")

	heal, err := p.Latency(context.Background(), delay, 0)
	if err != nil {
		t.Fatal(err)
	}
	client2, srv2 := dial(t, p, s) // made while the latency is in effect
	for _, c := range []struct {
		name        string
		client, srv net.Conn
	}{{"existing", client, srv}, {"new", client2, srv2}} {
		start := time.Now()
		send(t, c.client, "req")
		if err := recv(c.srv, "req", 5*time.Second); err != nil {
			t.Fatal(err)
		}
		up := time.Since(start)
		start = time.Now()
		send(t, c.srv, "rep")
		if err := recv(c.client, "rep", 5*time.Second); err != nil {
			t.Fatal(err)
		}
		down := time.Since(start)
		t.Logf("%s connection: request %v, reply %v", c.name, up.Round(time.Millisecond), down.Round(time.Millisecond))
		if down < delay {
			t.Errorf("%s connection: the reply took %v, want ≥ %v", c.name, down, delay)
		}
		if up >= delay {
			t.Errorf("%s connection: the request took %v, want < %v (only replies are delayed)", c.name, up, delay)
		}
	}
	if err := heal(context.Background()); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	roundTrip(t, client, srv, "after")
	if d := time.Since(start); d >= delay {
		t.Errorf("round trip after heal took %v, want < %v", d, delay)
	}
}

func TestLatencyJitter(t *testing.T) {
	t.Parallel()
	const delay, jitter = 100 * time.Millisecond, 40 * time.Millisecond
	s := newServer(t)
	p := newProxy(t)
	client, srv := dial(t, p, s)
	heal, err := p.Latency(context.Background(), delay, jitter)
	if err != nil {
		t.Fatal(err)
	}
	defer heal(context.Background())
	for i := 0; i < 5; i++ {
		start := time.Now()
		send(t, srv, "r")
		if err := recv(client, "r", 5*time.Second); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d < delay-jitter {
			t.Errorf("reply %d took %v, want ≥ %v", i, d, delay-jitter)
		}
	}
}

func TestProxyRefuses(t *testing.T) {
	t.Parallel()
	p := newProxy(t)
	ctx := context.Background()
	tests := []struct {
		name    string
		f       func() error
		wantMsg string
	}{
		{"sub-millisecond delay", func() error { _, err := p.Latency(ctx, 400*time.Microsecond, 0); return err }, "must be ≥ 1ms"},
		{"jitter above delay", func() error { _, err := p.Latency(ctx, 10*time.Millisecond, 20*time.Millisecond); return err }, "jitter 20ms: must be ≥ 0 and ≤ the delay 10ms"},
		{"negative jitter", func() error { _, err := p.Latency(ctx, 10*time.Millisecond, -time.Millisecond); return err }, "jitter -1ms"},
		{"unix socket", func() error { _, err := p.Dial(ctx, "unix", "/tmp/x.sock"); return err }, `relays TCP only, not "unix"`},
	}
	for _, tt := range tests {
		if err := tt.f(); err == nil || !strings.Contains(err.Error(), tt.wantMsg) {
			t.Errorf("%s: %v, want an error containing %q", tt.name, err, tt.wantMsg)
		}
	}
	// A server that is down is reported as it is: nothing was sent.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	if _, err := p.Dial(ctx, "tcp", addr); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("Dial to a closed port = %v, want connection refused", err)
	}
}

func TestProxyClose(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	p := NewProxy()
	client, srv := dial(t, p, s)
	heal, err := p.Partition(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	send(t, client, "held")
	waiting := make(chan error, 1)
	go func() {
		_, err := p.Dial(context.Background(), "tcp", s.addr())
		waiting <- err
	}()
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-waiting; !errors.Is(err, net.ErrClosed) {
		t.Errorf("Dial waiting on the partition when the proxy closed = %v, want net.ErrClosed", err)
	}
	// The store's connection ends: EOF, or a reset when the proxy's
	// end still had unread bytes; not a timeout.
	if err := client.SetReadDeadline(time.Now().Add(5 * time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadAll(client); isTimeout(err) {
		t.Errorf("client read after Close: %v, want the connection to end", err)
	}
	_ = srv
	if _, err := p.Dial(context.Background(), "tcp", s.addr()); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Dial after Close = %v, want net.ErrClosed", err)
	}
	if _, err := p.Partition(context.Background()); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Partition after Close = %v, want net.ErrClosed", err)
	}
	if err := heal(context.Background()); err != nil {
		t.Errorf("heal after Close = %v, want nil", err)
	}
	if err := p.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
	p.mu.Lock()
	n := len(p.conns)
	p.mu.Unlock()
	if n != 0 {
		t.Errorf("%d connections still tracked after Close", n)
	}
}

func TestInjectorRefuses(t *testing.T) {
	t.Parallel()
	p := newProxy(t)
	must := func(s string) faults.Fault {
		f, err := faults.Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	tests := []struct {
		name    string
		inj     *Injector
		fault   string
		wantMsg string
	}{
		{"pause without container", New(nil, p), "pause@1s:2s", "chaos: fault pause needs a container occbench started (not --dsn)"},
		{"restart without container", New(nil, p), "restart@1s", "fault restart needs a container occbench started (not --dsn)"},
		{"kill without container", New(nil, nil), "kill@1s:1s", "fault kill needs a container"},
		{"partition without proxy", New(nil, nil), "partition@1s:1s", "fault partition needs the store's connections to go through the fault proxy"},
		{"latency without proxy", New(nil, nil), "latency@1s:1s=10ms", "fault latency needs the store's connections to go through the fault proxy"},
		{"stall-holder", New(nil, p), "stall-holder@1s:1s", "fault stall-holder is carried out by the runner"},
		{"restart without fixed port", New(&provision.Instance{Kind: provision.Redis}, p), "restart@1s",
			"fault restart needs a container started with a fixed host port (provision.Options.FixedPort)"},
		{"kill without fixed port", New(&provision.Instance{Kind: provision.Redis}, p), "kill@1s", "fault kill needs a container started with a fixed host port"},
	}
	for _, tt := range tests {
		heal, err := tt.inj.Inject(context.Background(), must(tt.fault))
		if heal != nil || !errors.Is(err, ErrCannotInject) || !strings.Contains(err.Error(), tt.wantMsg) {
			t.Errorf("%s: Inject = %v, want ErrCannotInject containing %q", tt.name, err, tt.wantMsg)
		}
	}
	// An Instance provision did not make has no container to pause.
	if _, err := New(&provision.Instance{Kind: provision.Redis}, p).Inject(context.Background(), must("pause@1s:1s")); !errors.Is(err, provision.ErrNoContainer) {
		t.Errorf("pause of an Instance without a container: %v, want provision.ErrNoContainer", err)
	}
	bad := faults.Fault{Kind: "flood", Spec: "flood@1s"}
	if _, err := New(nil, p).Inject(context.Background(), bad); !errors.Is(err, ErrCannotInject) {
		t.Errorf("unknown kind: %v, want ErrCannotInject", err)
	}
}

// TestInjectorNetwork injects partition and latency through an Injector
// with a proxy only (a --dsn store).
func TestInjectorNetwork(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	p := newProxy(t)
	client, srv := dial(t, p, s)
	inj := New(nil, p)
	ctx := context.Background()

	heal, err := inj.Inject(ctx, faults.Fault{Kind: faults.Partition, Duration: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	send(t, srv, "x")
	if err := recv(client, "x", block); !isTimeout(err) {
		t.Errorf("read during the injected partition: %v, want a timeout", err)
	}
	if err := heal(ctx); err != nil {
		t.Fatal(err)
	}
	if err := recv(client, "x", 5*time.Second); err != nil {
		t.Errorf("read after heal: %v", err)
	}

	heal, err = inj.Inject(ctx, faults.Fault{Kind: faults.Latency, Duration: time.Second, Delay: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	roundTrip(t, client, srv, "slow")
	if d := time.Since(start); d < 100*time.Millisecond {
		t.Errorf("round trip with latency 100ms took %v", d)
	}
	if err := heal(ctx); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkRoundTrip measures what the proxy adds to a 64-byte round
// trip to an echo server on loopback.
func BenchmarkRoundTrip(b *testing.B) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { _, _ = io.Copy(c, c); _ = c.Close() }()
		}
	}()
	p := NewProxy()
	defer p.Close()
	for _, via := range []string{"direct", "proxy"} {
		b.Run(via, func(b *testing.B) {
			var c net.Conn
			var err error
			if via == "proxy" {
				c, err = p.Dial(context.Background(), "tcp", ln.Addr().String())
			} else {
				c, err = net.Dial("tcp", ln.Addr().String())
			}
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			msg := make([]byte, 64)
			buf := make([]byte, 64)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.Write(msg); err != nil {
					b.Fatal(err)
				}
				if _, err := io.ReadFull(c, buf); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

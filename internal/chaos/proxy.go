package chaos

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"sort"
	"sync"
	"time"

	toxiproxy "github.com/Shopify/toxiproxy/v2"
	"github.com/Shopify/toxiproxy/v2/stream"
	"github.com/Shopify/toxiproxy/v2/toxics"
	"github.com/rs/zerolog"
)

// Names of the toxics the Proxy adds.
const (
	partitionUp   = "occbench_partition_upstream"
	partitionDown = "occbench_partition_downstream"
	latencyDown   = "occbench_latency_downstream"
)

// pairTimeout bounds accepting the proxy's end of a new connection,
// which the kernel has already queued when it is accepted.
const pairTimeout = 5 * time.Second

// ErrFaultActive is returned when a fault of the same kind is already in
// effect on the Proxy.
var ErrFaultActive = errors.New("a fault of this kind is already in effect")

// Proxy relays TCP connections to the servers a store dials and injects
// network faults into them: an embedded Toxiproxy (its toxic chains,
// without its HTTP API or its listeners). Make one with NewProxy, pass
// its Dial as drivers.Options.Dial, inject with Partition and Latency,
// and Close it when the store is closed. Its methods are safe for
// concurrent use.
type Proxy struct {
	server *toxiproxy.ApiServer
	dialer net.Dialer

	// faultMu serialises the changes of toxics: injecting, healing,
	// and giving a new upstream the toxics in effect.
	faultMu sync.Mutex
	active  []toxic // toxics in effect; guarded by faultMu

	mu      sync.Mutex
	proxies map[string]*toxiproxy.Proxy // by upstream address
	conns   map[*trackedConn]struct{}   // the proxy's own connections
	blocked chan struct{}               // non-nil while partitioned; closed at heal
	closed  bool
	done    chan struct{} // closed by Close
}

// toxic is one toxic as Toxiproxy's collection takes it.
type toxic struct {
	name string
	spec []byte // JSON: name, type, stream, toxicity, attributes
}

// NewProxy returns a Proxy with no upstream yet. Its Toxiproxy logs to a
// disabled zerolog logger and records no metrics, so that nothing of it
// reaches stderr.
func NewProxy() *Proxy {
	return &Proxy{
		server:  toxiproxy.NewServer(toxiproxy.NewMetricsContainer(nil), zerolog.Nop()),
		proxies: map[string]*toxiproxy.Proxy{},
		conns:   map[*trackedConn]struct{}{},
		done:    make(chan struct{}),
	}
}

// Dial has the signature of drivers.Options.Dial. It connects to addr
// (the real server: its errors, such as connection refused, are
// returned as they are) and returns a connection relayed to it through
// the toxic chain of addr, which is set up on first use of addr. While
// a partition is in effect it waits, as a dial to an unreachable host
// does, until the partition heals or ctx is done. Only TCP is relayed.
func (p *Proxy) Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	switch network {
	case "tcp", "tcp4", "tcp6":
	default:
		return nil, &net.OpError{Op: "dial", Net: network, Addr: textAddr{network, addr},
			Err: fmt.Errorf("chaos: the fault proxy relays TCP only, not %q", network)}
	}
	if err := p.waitHealed(ctx, network, addr); err != nil {
		return nil, err
	}
	tp, err := p.proxyFor(addr)
	if err != nil {
		return nil, &net.OpError{Op: "dial", Net: network, Addr: textAddr{network, addr}, Err: err}
	}
	upstream, err := p.dialer.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	client, server, err := pair(ctx)
	if err != nil {
		_ = upstream.Close()
		return nil, &net.OpError{Op: "dial", Net: network, Addr: textAddr{network, addr}, Err: fmt.Errorf("chaos: %w", err)}
	}
	up, down := p.track(upstream), p.track(server)
	if up == nil || down == nil { // closed meanwhile
		_ = client.Close()
		_ = upstream.Close()
		_ = server.Close()
		return nil, &net.OpError{Op: "dial", Net: network, Addr: textAddr{network, addr}, Err: net.ErrClosed}
	}
	name := client.LocalAddr().String()
	tp.Toxics.StartLink(p.server, name+"upstream", down, up, stream.Upstream)
	tp.Toxics.StartLink(p.server, name+"downstream", up, down, stream.Downstream)
	return client, nil
}

// waitHealed returns at once unless a partition is in effect, and then
// when it heals, when ctx is done or when the Proxy is closed.
func (p *Proxy) waitHealed(ctx context.Context, network, addr string) error {
	p.mu.Lock()
	blocked, closed := p.blocked, p.closed
	p.mu.Unlock()
	fail := func(err error) error {
		return &net.OpError{Op: "dial", Net: network, Addr: textAddr{network, addr}, Err: err}
	}
	if closed {
		return fail(net.ErrClosed)
	}
	if blocked == nil {
		return nil
	}
	select {
	case <-blocked:
		return nil
	case <-ctx.Done():
		return fail(ctx.Err())
	case <-p.done:
		return fail(net.ErrClosed)
	}
}

// proxyFor returns the toxiproxy.Proxy of upstream addr, making it, with
// the toxics in effect, on first use. It is never started: Dial makes
// the connections and hands them to its toxic chains.
func (p *Proxy) proxyFor(addr string) (*toxiproxy.Proxy, error) {
	p.mu.Lock()
	tp, closed := p.proxies[addr], p.closed
	p.mu.Unlock()
	if closed {
		return nil, net.ErrClosed
	}
	if tp != nil {
		return tp, nil
	}
	p.faultMu.Lock()
	defer p.faultMu.Unlock()
	p.mu.Lock()
	tp = p.proxies[addr]
	p.mu.Unlock()
	if tp != nil {
		return tp, nil
	}
	tp = toxiproxy.NewProxy(p.server, addr, "", addr)
	for _, t := range p.active {
		if _, err := tp.Toxics.AddToxicJson(bytes.NewReader(t.spec)); err != nil {
			return nil, fmt.Errorf("chaos: add toxic %s for %s: %w", t.name, addr, err)
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil, net.ErrClosed
	}
	p.proxies[addr] = tp
	return tp, nil
}

// Partition stops all traffic, both ways, between the store and every
// server it dialed through p: data sent on existing connections is held
// (not dropped, not refused: the connections stay open and deliver it
// once healed, as TCP does after a partition heals within its
// retransmission time-out), and new connections wait in Dial. heal lets
// the held data through and new connections in. ctx bounds nothing the
// proxy waits for; it is taken for symmetry with Injector.Inject.
func (p *Proxy) Partition(ctx context.Context) (heal func(context.Context) error, err error) {
	p.faultMu.Lock()
	defer p.faultMu.Unlock()
	if p.isActive(partitionUp) {
		return nil, fmt.Errorf("chaos: partition: %w", ErrFaultActive)
	}
	ts, err := newToxics(holdType, struct{}{}, [2]string{partitionUp, "upstream"}, [2]string{partitionDown, "downstream"})
	if err != nil {
		return nil, fmt.Errorf("chaos: partition: %w", err)
	}
	blocked := make(chan struct{})
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, fmt.Errorf("chaos: partition: %w", net.ErrClosed)
	}
	p.blocked = blocked
	p.mu.Unlock()
	if err := p.addLocked(ts); err != nil {
		p.unblock(blocked)
		return nil, fmt.Errorf("chaos: partition: %w", err)
	}
	return once(func(context.Context) error {
		p.faultMu.Lock()
		defer p.faultMu.Unlock()
		err := p.removeLocked(ts)
		p.unblock(blocked)
		if err != nil {
			return fmt.Errorf("chaos: heal partition: %w", err)
		}
		return nil
	}), nil
}

// unblock lets Dial through again after a partition.
func (p *Proxy) unblock(blocked chan struct{}) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.blocked == blocked { // else Close has closed it
		p.blocked = nil
		close(blocked)
	}
}

// latencyAttrs are the attributes of Toxiproxy's latency toxic, in
// milliseconds.
type latencyAttrs struct {
	Latency int64 `json:"latency"`
	Jitter  int64 `json:"jitter"`
}

// Latency delays every reply, that is every chunk of data from a server
// to the store, by delay ± jitter (uniform), on existing and new
// connections, until heal. Requests are not delayed, so a round trip
// takes delay more. Toxiproxy counts whole milliseconds: delay and
// jitter are rounded to the millisecond, and delay must be at least 1ms.
func (p *Proxy) Latency(ctx context.Context, delay, jitter time.Duration) (heal func(context.Context) error, err error) {
	d, j := delay.Round(time.Millisecond), jitter.Round(time.Millisecond)
	switch {
	case d < time.Millisecond:
		return nil, fmt.Errorf("chaos: latency: delay %v: the proxy delays in whole milliseconds: must be ≥ 1ms", delay)
	case jitter < 0 || j > d:
		return nil, fmt.Errorf("chaos: latency: jitter %v: must be ≥ 0 and ≤ the delay %v", jitter, delay)
	}
	p.faultMu.Lock()
	defer p.faultMu.Unlock()
	if p.isActive(latencyDown) {
		return nil, fmt.Errorf("chaos: latency: %w", ErrFaultActive)
	}
	if p.isClosed() {
		return nil, fmt.Errorf("chaos: latency: %w", net.ErrClosed)
	}
	ts, err := newToxics("latency", latencyAttrs{Latency: d.Milliseconds(), Jitter: j.Milliseconds()},
		[2]string{latencyDown, "downstream"})
	if err != nil {
		return nil, fmt.Errorf("chaos: latency: %w", err)
	}
	if err := p.addLocked(ts); err != nil {
		return nil, fmt.Errorf("chaos: latency: %w", err)
	}
	return once(func(context.Context) error {
		p.faultMu.Lock()
		defer p.faultMu.Unlock()
		if err := p.removeLocked(ts); err != nil {
			return fmt.Errorf("chaos: heal latency: %w", err)
		}
		return nil
	}), nil
}

// toxicSpec returns the JSON Toxiproxy's collection takes for a toxic.
func toxicSpec(name, typ, streamName string, attrs any) ([]byte, error) {
	b, err := json.Marshal(struct {
		Name       string  `json:"name"`
		Type       string  `json:"type"`
		Stream     string  `json:"stream"`
		Toxicity   float32 `json:"toxicity"`
		Attributes any     `json:"attributes"`
	}{name, typ, streamName, 1, attrs})
	if err != nil {
		return nil, fmt.Errorf("toxic %s: %w", name, err)
	}
	return b, nil
}

// newToxics returns the toxics of the given names, type and streams.
func newToxics(typ string, attrs any, nameStream ...[2]string) ([]toxic, error) {
	ts := make([]toxic, 0, len(nameStream))
	for _, ns := range nameStream {
		spec, err := toxicSpec(ns[0], typ, ns[1], attrs)
		if err != nil {
			return nil, err
		}
		ts = append(ts, toxic{name: ns[0], spec: spec})
	}
	return ts, nil
}

// isActive reports whether a toxic of that name is in effect. The
// caller holds faultMu.
func (p *Proxy) isActive(name string) bool {
	for _, t := range p.active {
		if t.name == name {
			return true
		}
	}
	return false
}

func (p *Proxy) isClosed() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.closed
}

// snapshot returns the upstreams' proxies, in a stable order.
func (p *Proxy) snapshot() []*toxiproxy.Proxy {
	p.mu.Lock()
	defer p.mu.Unlock()
	addrs := make([]string, 0, len(p.proxies))
	for a := range p.proxies {
		addrs = append(addrs, a)
	}
	sort.Strings(addrs)
	out := make([]*toxiproxy.Proxy, len(addrs))
	for i, a := range addrs {
		out[i] = p.proxies[a]
	}
	return out
}

// addLocked adds ts to every upstream and records them for new ones; on
// error it removes what it added. The caller holds faultMu.
func (p *Proxy) addLocked(ts []toxic) error {
	for _, tp := range p.snapshot() {
		for i, t := range ts {
			if _, err := tp.Toxics.AddToxicJson(bytes.NewReader(t.spec)); err != nil {
				for _, u := range ts[:i] {
					_ = tp.Toxics.RemoveToxic(context.Background(), u.name)
				}
				_ = p.removeLocked(ts) // from the upstreams done before
				return fmt.Errorf("add toxic %s for %s: %w", t.name, tp.Upstream, err)
			}
		}
	}
	p.active = append(p.active, ts...)
	return nil
}

// removeLocked removes ts from every upstream and from the toxics in
// effect. The caller holds faultMu.
func (p *Proxy) removeLocked(ts []toxic) error {
	var errs []error
	for _, tp := range p.snapshot() {
		for _, t := range ts {
			// The context only carries Toxiproxy's logger: none, so
			// that it logs nothing.
			err := tp.Toxics.RemoveToxic(context.Background(), t.name)
			if err != nil && !errors.Is(err, toxiproxy.ErrToxicNotFound) {
				errs = append(errs, fmt.Errorf("remove toxic %s for %s: %w", t.name, tp.Upstream, err))
			}
		}
	}
	kept := p.active[:0]
	for _, a := range p.active {
		drop := false
		for _, t := range ts {
			drop = drop || a.name == t.name
		}
		if !drop {
			kept = append(kept, a)
		}
	}
	p.active = kept
	return errors.Join(errs...)
}

// Close heals every fault in effect, closes every connection relayed
// through p (the store sees them end) and makes Dial fail. It returns
// nil when called again.
func (p *Proxy) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	close(p.done)
	p.mu.Unlock()

	// Heal first, so that no link stays stuck on a held chunk.
	p.faultMu.Lock()
	for _, tp := range p.snapshot() {
		tp.Toxics.ResetToxics(context.Background())
	}
	p.active = nil
	p.faultMu.Unlock()
	p.mu.Lock()
	if p.blocked != nil {
		close(p.blocked)
		p.blocked = nil
	}
	conns := make([]*trackedConn, 0, len(p.conns))
	for c := range p.conns {
		conns = append(conns, c)
	}
	p.mu.Unlock()
	for _, c := range conns {
		_ = c.Close()
	}
	return nil
}

// trackedConn is one of the proxy's own connections (to a server, or
// its end of the store's); Close forgets it.
type trackedConn struct {
	net.Conn
	p    *Proxy
	once sync.Once
}

// track records c so that Close closes it, or returns nil when the Proxy
// is closed.
func (p *Proxy) track(c net.Conn) *trackedConn {
	t := &trackedConn{Conn: c, p: p}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil
	}
	p.conns[t] = struct{}{}
	return t
}

func (c *trackedConn) Close() error {
	c.once.Do(func() {
		c.p.mu.Lock()
		delete(c.p.conns, c)
		c.p.mu.Unlock()
	})
	return c.Conn.Close()
}

// pair returns the two ends of a new loopback TCP connection: the
// store's end and the proxy's. TCP on both sides keeps what drivers
// expect of a connection: kernel buffers, deadlines, *net.TCPConn.
func pair(ctx context.Context) (client, server net.Conn, err error) {
	ln, err := net.ListenTCP("tcp", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return nil, nil, err
	}
	defer ln.Close()
	var d net.Dialer
	client, err = d.DialContext(ctx, "tcp", ln.Addr().String())
	if err != nil {
		return nil, nil, err
	}
	if err := ln.SetDeadline(time.Now().Add(pairTimeout)); err != nil {
		_ = client.Close()
		return nil, nil, err
	}
	for {
		s, err := ln.Accept()
		if err != nil {
			_ = client.Close()
			return nil, nil, err
		}
		if s.RemoteAddr().String() == client.LocalAddr().String() {
			return client, s, nil
		}
		_ = s.Close() // someone else's connection to the short-lived port
	}
}

// textAddr is a net.Addr given as text, for the errors of Dial.
type textAddr struct{ network, addr string }

func (a textAddr) Network() string { return a.network }
func (a textAddr) String() string  { return a.addr }

// once returns f made safe to call more than once: the later calls
// return the first call's error.
func once(f func(context.Context) error) func(context.Context) error {
	var o sync.Once
	var err error
	return func(ctx context.Context) error {
		o.Do(func() { err = f(ctx) })
		return err
	}
}

// holdType is the toxic that holds a direction's data: it never reads
// its input, so the chain before it fills, the relay stops reading the
// socket, and TCP's flow control holds the sender, as a partition
// does. Removing it lets the held data through in order. Toxiproxy's
// own "timeout" toxic drops the data instead, and closes the
// connection when it is removed.
const holdType = "occbench_hold"

type holdToxic struct{}

func (*holdToxic) Pipe(stub *toxics.ToxicStub) { <-stub.Interrupt }

// init registers the hold toxic in Toxiproxy's process-wide registry of
// toxic types, which its collections only take toxics from. This is
// the package's one effect on package-level state (the registry is
// Toxiproxy's); it is done once, and registering again would change
// nothing.
func init() { toxics.Register(holdType, new(holdToxic)) }

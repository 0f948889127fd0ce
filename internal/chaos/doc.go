// Package chaos carries out the faults of package faults on a store:
// Injector implements faults.Injector, with container faults done
// through internal/provision and network faults through Proxy, an
// embedded Toxiproxy (github.com/Shopify/toxiproxy/v2, used as a
// library).
//
//	proxy := chaos.NewProxy()
//	defer proxy.Close()
//	store, err := driver.Open(ctx, drivers.Options{DSN: inst.DSN, Dial: proxy.Dial, …})
//	inj := chaos.New(inst, proxy) // inst from provision.Start, or nil for --dsn
//	heal, err := inj.Inject(ctx, fault)
//	… f.Duration later …
//	err = heal(ctx)
//
// # Container faults
//
// pause is docker pause (heal: unpause): the server's processes are
// frozen, its connections stay open and nothing is answered. restart is
// a clean stop (the image's stop signal, data kept; heal: start and wait
// until the server serves requests); kill is SIGKILL (heal: the same).
// restart and kill need a container started with
// provision.Options.FixedPort, since the engine would otherwise publish
// it on a new host port and the DSN would go stale. Heal waits at most
// provision.ReadyTimeout (60s).
//
// # Network faults
//
// Proxy.Dial, given to a driver as drivers.Options.Dial, dials the real
// server itself, so that a server that is down is reported as it is
// (connection refused: nothing was sent), and relays the new connection
// through the toxic chain of that server's address, made on first use.
// The store's end is a real loopback TCP connection. Toxiproxy's own
// listeners and HTTP API are not used: its proxy would accept the
// store's connection before dialing the server, so a server that is down
// would look like a connection that closes after the request was sent
// (which drivers must count as possibly committed).
//
// partition holds all traffic both ways, on existing and new
// connections, with a toxic of this package (occbench_hold) on each
// direction: it never reads its input, so the relay stops reading the
// socket and TCP's flow control holds the sender, as a partition does
// while TCP retransmits. Nothing is dropped and no connection is closed
// or reset: when the partition heals, the held bytes are delivered in
// order, so a request the client gave up on may still reach the server
// and commit, as after a real partition. A new connection waits in Dial
// (as a dial to an unreachable host does) until the partition heals or
// the dial's ctx is done. Toxiproxy's "timeout" toxic with timeout 0 is
// not used: it drops the data (corrupting the protocol stream), and
// removing it closes every connection. "reset_peer" and disabling the
// proxy ("down") model a refused or reset connection, not a partition.
//
// latency is Toxiproxy's "latency" toxic on the downstream direction
// only (server to store): every reply is delayed by Delay ± Jitter
// (uniform), so that a round trip takes Delay more, as the fault says
// ("every reply is delayed"); delaying both directions would add twice
// the delay. Toxiproxy counts whole milliseconds: Delay and Jitter are
// rounded to the millisecond and Delay must be at least 1ms.
//
// Toxiproxy logs through zerolog: the Proxy gives it a disabled logger
// and no metrics registry, so nothing reaches stderr. The one piece of
// package-level state is the registration of occbench_hold in
// Toxiproxy's process-wide registry of toxic types, done once in init.
package chaos

package drivers

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sort"
	"strings"
	"time"

	"github.com/occbench/occbench/delay"
)

// Doc is one document as read from a store. Read methods fill a Doc that
// the caller owns (Groups and Payload are reused, never reallocated when
// their capacity suffices), so a read allocates nothing.
type Doc struct {
	Key       int     // document index, 0 … keys-1
	Version   int64   // document version: +1 on every committed write
	Counter   int64   // +1 per committed operation; what the audit sums
	Fence     int64   // highest fencing token the document has accepted
	Writer    int64   // writer id of the last committed write
	Op        int64   // op id (per writer) of the last committed write
	UpdatedAt int64   // Unix nanoseconds of the last committed write
	Groups    []int64 // per-field-group versions, len = Spec.FieldGroups
	Payload   []byte  // all field groups' payload, concatenated

	// Slots are the operation slots' versions, indexed by writer, len =
	// Spec.Slots (empty when the cell keeps none): see ScopeOperation.
	Slots []int64
}

// Scope says which version a conditional write checks: what two
// writers must share to conflict.
type Scope uint8

const (
	// ScopeDocument checks the document's version: any two writes to
	// one document conflict.
	ScopeDocument Scope = iota
	// ScopeFieldGroup checks the written field group's version: writes
	// to one document conflict only when they write the same group.
	ScopeFieldGroup
	// ScopeOperation checks the version of the writer's own operation
	// slot: one version per (document, writer), Doc.Slots[writer], which
	// only that writer's conditional writes advance. Writes to one
	// document conflict only when they hit the same slot, which writers
	// never do: the document's counter and version still advance
	// atomically, but no writer waits for another. A store keeps slots
	// only when Spec.Slots > 0 and offers the scope only through
	// Offerer (CapOperationScope).
	ScopeOperation
)

// ScopeNames lists the --scope spellings, narrowest conflict last.
var ScopeNames = []string{"document", "field-group", "operation"}

// String returns the --scope spelling.
func (s Scope) String() string {
	if int(s) < len(ScopeNames) {
		return ScopeNames[s]
	}
	return "document"
}

// ParseScope reads a --scope spelling; "" is the document.
func ParseScope(s string) (Scope, error) {
	if s == "" {
		return ScopeDocument, nil
	}
	for i, n := range ScopeNames {
		if s == n {
			return Scope(i), nil
		}
	}
	return 0, fmt.Errorf("scope: unknown value %q (allowed: %s): %w", s, strings.Join(ScopeNames, ", "), ErrInvalidOption)
}

// Write is one write intent. The same value is used for every write
// method; each method documents which fields it reads.
type Write struct {
	Key       int
	Group     int   // field group written (0 … FieldGroups-1)
	Scope     Scope // conditional writes: which version is compared
	Expect    int64 // conditional writes: the version read
	Writer    int64
	Op        int64
	UpdatedAt int64  // Unix nanoseconds
	Payload   []byte // new bytes for Group (len = Spec.GroupBytes())

	// Fence is the fencing token of the lease the write is made under;
	// 0 means unfenced (the store does not check it).
	Fence int64

	// Hold, when not nil, is the conflict window of a read-modify-write
	// that the store makes itself (LockedUpdate, SerializableUpdate):
	// the store calls it once, after its read and before its write,
	// inside its lock or transaction, and rolls back and returns its
	// error (wrapped with NotSent) when it fails. See CallHold.
	Hold func(ctx context.Context) error

	// Unconditional writes (Put) store these values, computed by the
	// client from its read: the naive read-modify-write.
	Version      int64
	Counter      int64
	GroupVersion int64
}

// CallHold calls w.Hold if it is set: the call a LockedUpdater or a
// SerializableUpdater makes between its read and its write. A store
// that cannot wait there (a server-side script) refuses CapHold through
// Limiter instead of skipping the call.
func (w *Write) CallHold(ctx context.Context) error {
	if w.Hold == nil {
		return nil
	}
	return w.Hold(ctx)
}

// Spec describes the documents a cell works on.
type Spec struct {
	Keys         int // number of documents
	FieldGroups  int // ≥ 1
	PayloadBytes int // total payload per document, split across groups
	// Slots is the number of operation slots per document, one per
	// writer of the cell when its scope is ScopeOperation, else 0: the
	// store keeps no slot versions.
	Slots int

	// Seed seeds whatever the store draws at random during the cell (the
	// memory driver's latency per round trip), so that a run repeats.
	// The runner derives it from the scenario's seed and the trial.
	Seed uint64
}

// GroupBytes is the payload size of one field group.
func (s Spec) GroupBytes() int {
	if s.FieldGroups <= 0 {
		return s.PayloadBytes
	}
	return s.PayloadBytes / s.FieldGroups
}

// Validate reports the first field that is out of range.
func (s Spec) Validate() error {
	switch {
	case s.Keys < 1:
		return fmt.Errorf("keys: must be ≥ 1, got %d", s.Keys)
	case s.FieldGroups < 1 || s.FieldGroups > MaxFieldGroups:
		return fmt.Errorf("field_groups: must be 1 … %d, got %d", MaxFieldGroups, s.FieldGroups)
	case s.PayloadBytes < 0:
		return fmt.Errorf("payload_bytes: must be ≥ 0, got %d", s.PayloadBytes)
	case s.Slots < 0 || s.Slots > MaxSlots:
		return fmt.Errorf("slots: must be 0 … %d (one per writer), got %d", MaxSlots, s.Slots)
	}
	return nil
}

// MaxFieldGroups bounds field groups so SQL stores can keep one column per
// group.
const MaxFieldGroups = 16

// MaxSlots bounds Spec.Slots: the most writers a cell may have.
const MaxSlots = 10000

// Totals is what an audit reads back from a store.
type Totals struct {
	Docs     int64 // documents found
	Counter  int64 // Σ counter
	Versions int64 // Σ version (seeded at 0)
}

// Store is what every driver implements: lifecycle and audit. The write
// paths are the capabilities of capabilities.go.
type Store interface {
	// Setup drops what a previous cell left and seeds spec.Keys fresh
	// documents at version 0, counter 0, fence 0.
	Setup(ctx context.Context, spec Spec) error
	// Totals reads every document of the cell directly from the store.
	Totals(ctx context.Context) (Totals, error)
	// Close releases connections. It drops nothing the user owns.
	Close() error
}

// ErrNoSessions is Sessioner's answer when writers must share the store.
var ErrNoSessions = errors.New("store offers no per-writer sessions")

// ErrInvalidOption is wrapped by errors that refuse a setting (an
// option, a scenario field) before anything ran: a usage error, which
// the CLI reports with exit code 2. Such errors name the field.
var ErrInvalidOption = errors.New("invalid option")

// Options are the settings a driver constructor gets from the run.
type Options struct {
	DSN     string            // connection string or file; "" = driver default
	Writers int               // concurrent writers (pool sizing)
	Latency delay.Dist        // injected latency per round trip (memory driver); zero = none
	Clock   Clock             // time source for lease expiry; nil = wall clock
	Params  map[string]string // driver-specific settings, e.g. "lock_wait": "nowait"

	// ConnectTimeout bounds each attempt to connect (dial, handshake,
	// authentication), at Open, for a session and when the driver
	// reconnects; 0 = 10s. Operations are bounded by their ctx: the
	// runner gives every attempt a deadline of its own.
	ConnectTimeout time.Duration
	// Dial, when not nil, makes every connection the driver opens to its
	// server (data and lease connections alike), in place of a plain
	// net.Dialer: occbench routes them through a fault-injecting proxy
	// this way. Drivers without a network connection ignore it.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// Log receives the client library's log lines, which a driver must
	// never let reach stderr: one call per line, from any goroutine.
	// nil = drop them.
	Log func(line string)
	// Namespace, when not "", prefixes every table, collection and key
	// the driver creates (Prefixed), so that runs sharing one server
	// never touch each other's data. Checked with ValidateNamespace; a
	// driver that does not declare Driver.Namespace is never given one.
	Namespace string
}

// DefaultConnectTimeout is Options.ConnectTimeout's zero value meaning.
const DefaultConnectTimeout = 10 * time.Second

// Clock is the time source drivers use for lease expiry.
type Clock interface {
	Now() time.Time
}

// Opener constructs a driver.
type Opener func(ctx context.Context, o Options) (Store, error)

// Driver is a registry entry. Besides the constructor it declares which
// run settings the driver reads, so that a setting it would ignore is
// refused before anything starts.
type Driver struct {
	Name    string
	Summary string // one line for `occbench list drivers`
	Open    Opener

	Params  []string // keys of Options.Params it accepts
	Latency bool     // it injects Options.Latency
	Server  bool     // it talks to a server: a DSN, or a container occbench starts (so an image applies)
	File    bool     // its DSN is a file path (no server)
	// Namespace: it honours Options.Namespace, and its store implements
	// Attacher and Coordinator, so several runners can share it.
	Namespace bool
}

// registry maps --driver names to constructors. Written only from init.
var registry = map[string]Driver{}

// Register adds a driver. It is called from init functions only; a
// duplicate name is a programming error reported by Lookup's listing.
func Register(d Driver) {
	if _, dup := registry[d.Name]; dup {
		d.Name += " (duplicate)"
	}
	registry[d.Name] = d
}

// Lookup returns the driver registered under name, or an error naming
// --driver and listing the known names.
func Lookup(name string) (Driver, error) {
	d, ok := registry[name]
	if !ok {
		return Driver{}, fmt.Errorf("--driver: unknown driver %q (known: %s)", name, strings.Join(Names(), ", "))
	}
	return d, nil
}

// Names lists registered drivers, sorted.
func Names() []string {
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// All returns every registered driver, sorted by name.
func All() []Driver {
	out := make([]Driver, 0, len(registry))
	for _, n := range Names() {
		out = append(out, registry[n])
	}
	return out
}

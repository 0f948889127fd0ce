package provision

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"net/url"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
)

func TestCheckPersistence(t *testing.T) {
	t.Parallel()
	tests := []struct {
		kind    Kind
		p       string
		wantErr string
		wantCmd []string
	}{
		{kind: Redis, p: ""},
		{kind: Redis, p: PersistenceNone, wantCmd: []string{"redis-server", "--save", "", "--appendonly", "no"}},
		{kind: Redis, p: PersistenceAOF, wantCmd: []string{"redis-server", "--appendonly", "yes", "--appendfsync", "always"}},
		{kind: Postgres, p: ""},
		{kind: Mongo, p: ""},
		{kind: Postgres, p: PersistenceNone, wantErr: `provision postgres: Options.Persistence "none": only redis takes a persistence setting`},
		{kind: Mongo, p: PersistenceAOF, wantErr: `provision mongo: Options.Persistence "aof": only redis`},
		{kind: Redis, p: "AOF", wantErr: `provision redis: Options.Persistence "AOF": allowed values are "" (image default), "none" and "aof"`},
		{kind: Redis, p: "rdb", wantErr: `Options.Persistence "rdb"`},
	}
	for _, tt := range tests {
		err := checkPersistence(tt.kind, tt.p)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("checkPersistence(%s, %q) = %v, want an error containing %q", tt.kind, tt.p, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("checkPersistence(%s, %q) = %v, want nil", tt.kind, tt.p, err)
		}
		if got := redisCmd(tt.p); strings.Join(got, "|") != strings.Join(tt.wantCmd, "|") || len(got) != len(tt.wantCmd) {
			t.Errorf("redisCmd(%q) = %q, want %q", tt.p, got, tt.wantCmd)
		}
	}
}

func TestPublishOn(t *testing.T) {
	t.Parallel()
	lo := netip.MustParseAddr("127.0.0.1")
	tests := []struct {
		name     string
		local    bool
		hostPort string
		want     []network.PortBinding // nil: no binding
	}{
		{name: "local, engine picks", local: true, want: []network.PortBinding{{HostIP: lo}}},
		{name: "local, fixed", local: true, hostPort: "41234", want: []network.PortBinding{{HostIP: lo, HostPort: "41234"}}},
		{name: "remote engine", local: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var req testcontainers.GenericContainerRequest
			if err := publishOn(lo, tt.local, redisPort, tt.hostPort)(&req); err != nil {
				t.Fatal(err)
			}
			hc := &container.HostConfig{}
			if req.HostConfigModifier == nil {
				t.Fatal("publishOn set no host config modifier")
			}
			req.HostConfigModifier(hc)
			got := hc.PortBindings[network.MustParsePort(redisPort)]
			if len(got) != len(tt.want) || (len(got) == 1 && got[0] != tt.want[0]) {
				t.Errorf("bindings %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestFreePort(t *testing.T) {
	t.Parallel()
	port, err := freePort(netip.MustParseAddr("127.0.0.1"))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", port))
	if err != nil {
		t.Fatalf("port %s freePort returned is not free: %v", port, err)
	}
	_ = ln.Close()
}

func TestPortTaken(t *testing.T) {
	t.Parallel()
	tests := []struct {
		msg  string
		want bool
	}{
		{"start container: Bind for 127.0.0.1:41234 failed: port is already allocated", true},
		{"listen tcp4 127.0.0.1:41234: bind: address already in use", true},
		{"create container: no such image", false},
	}
	for _, tt := range tests {
		if got := portTaken(errors.New(tt.msg)); got != tt.want {
			t.Errorf("portTaken(%q) = %v, want %v", tt.msg, got, tt.want)
		}
	}
}

// TestControlsRefuse checks the refusals that need no engine: an
// Instance Start did not make, and one started without FixedPort.
func TestControlsRefuse(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	bare := &Instance{Kind: Redis, DSN: "redis://127.0.0.1:1/0"}
	movable := &Instance{Kind: Redis, ctl: &control{kind: Redis, id: "0123456789abcdef"}}
	type call struct {
		name string
		f    func(*Instance) error
	}
	calls := []call{
		{"pause", func(in *Instance) error { return in.Pause(ctx) }},
		{"unpause", func(in *Instance) error { return in.Unpause(ctx) }},
		{"stop", func(in *Instance) error { return in.Stop(ctx) }},
		{"kill", func(in *Instance) error { return in.Kill(ctx) }},
		{"start", func(in *Instance) error { return in.Start(ctx) }},
		{"wait ready", func(in *Instance) error { return in.WaitReady(ctx) }},
	}
	for _, c := range calls {
		for _, in := range []*Instance{nil, bare} {
			if err := c.f(in); !errors.Is(err, ErrNoContainer) || !strings.Contains(err.Error(), c.name) {
				t.Errorf("%s on an Instance without a container = %v, want ErrNoContainer naming %q", c.name, err, c.name)
			}
		}
	}
	for _, c := range calls[2:5] {
		err := c.f(movable)
		if !errors.Is(err, ErrNoFixedPort) || !strings.Contains(err.Error(), "provision redis: "+c.name+": ") {
			t.Errorf("%s without FixedPort = %v, want ErrNoFixedPort", c.name, err)
		}
	}
}

// TestReaperWaitsForCreation checks, without an engine, that RemoveAll
// refuses new creations at once and returns only once the creation in
// progress is over, or when its ctx is done.
func TestReaperWaitsForCreation(t *testing.T) {
	t.Parallel()
	r := NewReaper()
	if err := r.enter("run1"); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- r.RemoveAll(context.Background()) }()
	for !r.reapingNow() {
		runtime.Gosched()
	}
	if err := r.enter("run2"); !errors.Is(err, ErrReaped) {
		t.Errorf("enter after RemoveAll = %v, want ErrReaped", err)
	}
	select {
	case err := <-done:
		t.Fatalf("RemoveAll returned (%v) while a creation was in progress", err)
	default:
	}
	r.forget("run1") // so that RemoveAll has nothing to ask the engine for
	if err := r.leave(); !errors.Is(err, ErrReaped) {
		t.Errorf("leave after RemoveAll = %v, want ErrReaped", err)
	}
	if err := <-done; err != nil {
		t.Errorf("RemoveAll = %v", err)
	}
	if err := r.RemoveAll(context.Background()); err != nil {
		t.Errorf("second RemoveAll = %v", err)
	}

	r2 := NewReaper()
	if err := r2.enter("run3"); err != nil {
		t.Fatal(err)
	}
	r2.forget("run3")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := r2.RemoveAll(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("RemoveAll with a creation stuck and ctx cancelled = %v, want context.Canceled", err)
	}
}

// runContainers lists the containers of run, in any state.
func runContainers(t *testing.T, cli client.APIClient, run string) []container.Summary {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	list, err := cli.ContainerList(ctx, client.ContainerListOptions{
		All:     true,
		Filters: make(client.Filters).Add("label", RunLabel+"="+run),
	})
	if err != nil {
		t.Fatalf("list containers of run %s: %v", run, err)
	}
	return list.Items
}

// startRedis starts a Redis server for a test and removes it when the
// test ends.
func startForTest(t *testing.T, kind Kind, o Options) *Instance {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if o.Logf == nil {
		o.Logf = t.Logf
	}
	inst, err := Start(ctx, kind, o)
	if err != nil {
		t.Fatalf("Start %s: %v", kind, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := inst.Terminate(ctx); err != nil {
			t.Errorf("Terminate: %v", err)
		}
	})
	return inst
}

// TestReaperRemoveAll starts a container, removes it with RemoveAll from
// another goroutine and checks that it is gone, and that the reaper then
// refuses new containers.
func TestReaperRemoveAll(t *testing.T) {
	cli := engine(t)
	img := image(t, cli, Redis)
	r := NewReaper()
	inst := startForTest(t, Redis, Options{Image: img, Reaper: r})
	run := inst.ctl.run
	if n := len(runContainers(t, cli, run)); n != 1 {
		t.Fatalf("%d containers of run %s, want 1", n, run)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- r.RemoveAll(ctx) }()
	if err := <-errc; err != nil {
		t.Fatalf("RemoveAll: %v", err)
	}
	if left := runContainers(t, cli, run); len(left) != 0 {
		t.Fatalf("containers of run %s left after RemoveAll: %+v", run, left)
	}
	if err := r.RemoveAll(ctx); err != nil {
		t.Errorf("second RemoveAll: %v", err)
	}
	created := false
	_, err := Start(ctx, Redis, Options{Image: img, Reaper: r, created: func(string) { created = true }})
	if !errors.Is(err, ErrReaped) || created {
		t.Errorf("Start after RemoveAll = %v (created %v), want ErrReaped and no container", err, created)
	}
}

// TestReaperDuringStart calls RemoveAll while Start is creating its
// container: Start must fail with ErrReaped and leave no container.
func TestReaperDuringStart(t *testing.T) {
	cli := engine(t)
	img := image(t, cli, Redis)
	r := NewReaper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var rec idRecorder
	errc := make(chan error, 1)
	o := Options{Image: img, Reaper: r, Logf: t.Logf, created: func(id string) {
		rec.set(id)
		go func() { errc <- r.RemoveAll(ctx) }()
		for !r.reapingNow() {
			runtime.Gosched()
		}
	}}
	inst, err := Start(ctx, Redis, o)
	if err == nil {
		_ = inst.Terminate(context.Background())
		t.Fatal("Start succeeded although RemoveAll was called while it created its container")
	}
	if !errors.Is(err, ErrReaped) {
		t.Errorf("Start = %v, want ErrReaped", err)
	}
	if err := <-errc; err != nil {
		t.Errorf("RemoveAll: %v", err)
	}
	assertGone(t, cli, rec.get())
}

// TestControls pauses, stops, kills and starts a Redis server started
// with FixedPort, and checks that it keeps its host port.
func TestControls(t *testing.T) {
	cli := engine(t)
	img := image(t, cli, Redis)
	inst := startForTest(t, Redis, Options{Image: img, FixedPort: true})
	if !inst.FixedPort {
		t.Error("Instance.FixedPort = false, want true")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	u, err := url.Parse(inst.DSN)
	if err != nil {
		t.Fatal(err)
	}
	res, err := cli.ContainerInspect(ctx, inst.ctl.id, client.ContainerInspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b := res.Container.HostConfig.PortBindings[network.MustParsePort(redisPort)]
	if len(b) != 1 || b[0].HostPort != u.Port() || b[0].HostPort == "" {
		t.Fatalf("port bindings %+v, want one on the DSN's port %s", b, u.Port())
	}
	ping := func(within time.Duration) error {
		pctx, pcancel := context.WithTimeout(ctx, within)
		defer pcancel()
		return probe(pctx, Redis, u.Host)
	}

	if err := inst.Pause(ctx); err != nil {
		t.Fatal(err)
	}
	if err := ping(300 * time.Millisecond); err == nil {
		t.Error("PING answered while the container was paused")
	}
	if err := inst.WaitReady(ctx); err == nil || !strings.Contains(err.Error(), "paused") {
		t.Errorf("WaitReady while paused = %v, want an error saying it is paused", err)
	}
	if err := inst.Unpause(ctx); err != nil {
		t.Fatal(err)
	}
	if err := ping(2 * time.Second); err != nil {
		t.Errorf("PING after Unpause: %v", err)
	}

	for _, down := range []struct {
		name string
		f    func(context.Context) error
	}{{"stop", inst.Stop}, {"kill", inst.Kill}} {
		start := time.Now()
		if err := down.f(ctx); err != nil {
			t.Fatalf("%s: %v", down.name, err)
		}
		stopped := time.Since(start)
		if err := ping(time.Second); err == nil {
			t.Errorf("PING answered after %s", down.name)
		}
		start = time.Now()
		if err := inst.Start(ctx); err != nil {
			t.Fatalf("Start after %s: %v", down.name, err)
		}
		t.Logf("%s took %v; Start until ready %v", down.name, stopped.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
		if err := ping(2 * time.Second); err != nil {
			t.Errorf("PING on the same port after %s and Start: %v", down.name, err)
		}
	}
}

// TestFixedPortTaken gives Start, as its first fixed port, one that is
// taken: Start must choose another and succeed.
func TestFixedPortTaken(t *testing.T) {
	cli := engine(t)
	img := image(t, cli, Redis)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, taken, _ := net.SplitHostPort(ln.Addr().String())
	var chosen []string
	choose := func(addr netip.Addr) (string, error) {
		if len(chosen) == 0 {
			chosen = append(chosen, taken)
			return taken, nil
		}
		p, err := freePort(addr)
		chosen = append(chosen, p)
		return p, err
	}
	inst := startForTest(t, Redis, Options{Image: img, FixedPort: true, choosePort: choose})
	u, err := url.Parse(inst.DSN)
	if err != nil {
		t.Fatal(err)
	}
	if len(chosen) != 2 || u.Port() != chosen[1] {
		t.Errorf("ports chosen %v, DSN port %s; want the taken one, then the DSN's", chosen, u.Port())
	}
	if n := len(runContainers(t, cli, inst.ctl.run)); n != 1 {
		t.Errorf("%d containers of the run, want 1 (the first attempt's removed)", n)
	}
}

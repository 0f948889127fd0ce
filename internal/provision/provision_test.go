package provision

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/jackc/pgx/v5"
	"github.com/moby/moby/client"
	goredis "github.com/redis/go-redis/v9"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/occbench/occbench/internal/redact"
	"github.com/occbench/occbench/internal/testenv"
)

func TestParseKind(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    Kind
		wantErr string
	}{
		{in: "postgres", want: Postgres},
		{in: "redis", want: Redis},
		{in: "mongo", want: Mongo},
		{in: "", wantErr: `unknown kind "" (allowed: mongo, postgres, redis)`},
		{in: "Postgres", wantErr: `unknown kind "Postgres"`},
		{in: "mongodb", wantErr: `unknown kind "mongodb"`},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%q", tt.in), func(t *testing.T) {
			t.Parallel()
			got, err := ParseKind(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseKind(%q) = %q, %v; want error containing %q", tt.in, got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseKind(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestDefaultImage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		kind Kind
		want string
	}{
		{Postgres, "postgres:17"},
		{Redis, "redis:7"},
		{Mongo, "mongo:8"},
		{"sqlite", ""},
	}
	for _, tt := range tests {
		if got := DefaultImage(tt.kind); got != tt.want {
			t.Errorf("DefaultImage(%q) = %q, want %q", tt.kind, got, tt.want)
		}
	}
}

func TestImageFor(t *testing.T) {
	tests := []struct {
		name      string
		kind      Kind
		flag, env string
		want      string
	}{
		{name: "default", kind: Postgres, want: "postgres:17"},
		{name: "env", kind: Redis, env: "occbench-test/redis:7.0", want: "occbench-test/redis:7.0"},
		{name: "flag over env", kind: Mongo, flag: "mongo:7", env: "occbench-test/ferretdb:1.24.2", want: "mongo:7"},
		{name: "flag over default", kind: Postgres, flag: "postgres:16", want: "postgres:16"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, k := range Kinds() {
				t.Setenv(ImageEnv(k), "")
			}
			t.Setenv(ImageEnv(tt.kind), tt.env)
			if got := ImageFor(tt.kind, tt.flag); got != tt.want {
				t.Errorf("ImageFor(%q, %q) with %s=%q = %q, want %q", tt.kind, tt.flag, ImageEnv(tt.kind), tt.env, got, tt.want)
			}
		})
	}
}

func TestImageEnv(t *testing.T) {
	t.Parallel()
	want := map[Kind]string{
		Postgres: "OCCBENCH_IMAGE_POSTGRES",
		Redis:    "OCCBENCH_IMAGE_REDIS",
		Mongo:    "OCCBENCH_IMAGE_MONGO",
	}
	for k, w := range want {
		if got := ImageEnv(k); got != w {
			t.Errorf("ImageEnv(%q) = %q, want %q", k, got, w)
		}
	}
}

func TestMongoDSN(t *testing.T) {
	t.Parallel()
	tests := []struct {
		image string
		want  string
	}{
		{"mongo:8", "mongodb://127.0.0.1:32768/?replicaSet=rs0&directConnection=true"},
		{"mongo:7.0", "mongodb://127.0.0.1:32768/?replicaSet=rs0&directConnection=true"},
		{"occbench-test/ferretdb:1.24.2", "mongodb://127.0.0.1:32768/"},
		{"ghcr.io/FerretDB/FerretDB:1", "mongodb://127.0.0.1:32768/"},
	}
	for _, tt := range tests {
		if got := mongoDSN("127.0.0.1:32768", isFerretDB(tt.image)); got != tt.want {
			t.Errorf("DSN for image %s = %q, want %q", tt.image, got, tt.want)
		}
	}
}

func TestLoopback(t *testing.T) {
	t.Parallel()
	tests := []struct {
		host string
		want string // "" = not loopback
	}{
		{"127.0.0.1", "127.0.0.1"},
		{"localhost", "127.0.0.1"},
		{"::1", "::1"},
		{"[::1]", "::1"},
		{"127.0.0.2", "127.0.0.2"},
		{"10.0.0.5", ""},
		{"docker.example", ""},
		{"", ""},
	}
	for _, tt := range tests {
		addr, ok := loopback(tt.host)
		got := ""
		if ok {
			got = addr.String()
		}
		if got != tt.want {
			t.Errorf("loopback(%q) = %q, want %q", tt.host, got, tt.want)
		}
	}
}

func TestLogfRedacts(t *testing.T) {
	t.Parallel()
	var lines []string
	l := newLogger(func(format string, args ...any) { lines = append(lines, fmt.Sprintf(format, args...)) })
	l.Printf("connecting to %s\n", "postgres://occbench:hunter2@127.0.0.1:5432/occbench")
	if len(lines) != 1 || strings.Contains(lines[0], "hunter2") || !strings.Contains(lines[0], redact.Mask) {
		t.Fatalf("logged %q, want one redacted line", lines)
	}
	if strings.HasSuffix(lines[0], "\n") {
		t.Errorf("logged %q with a trailing newline", lines[0])
	}
	newLogger(nil).Printf("dropped %s", "x") // must not panic
}

func TestStartBadInput(t *testing.T) {
	t.Parallel()
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name    string
		ctx     context.Context
		kind    Kind
		o       Options
		wantErr error
		wantMsg string
	}{
		{name: "unknown kind", ctx: context.Background(), kind: "cassandra", wantMsg: `unknown kind "cassandra"`},
		{name: "cancelled", ctx: cancelled, kind: Redis, wantErr: context.Canceled},
		{name: "persistence of postgres", ctx: context.Background(), kind: Postgres, o: Options{Persistence: "aof"},
			wantMsg: `provision postgres: Options.Persistence "aof": only redis takes`},
		{name: "unknown persistence", ctx: context.Background(), kind: Redis, o: Options{Persistence: "rdb"},
			wantMsg: `Options.Persistence "rdb": allowed values are "" (image default), "none" and "aof"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			inst, err := Start(tt.ctx, tt.kind, tt.o)
			if inst != nil || err == nil {
				t.Fatalf("Start = %v, %v; want an error", inst, err)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("Start error %v, want %v", err, tt.wantErr)
			}
			if tt.wantMsg != "" && !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("Start error %q, want it to contain %q", err, tt.wantMsg)
			}
		})
	}
}

// oneLine joins the lines of s, so that a skip or failure stays one line.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// skipOrFail skips the test, or fails it under OCCBENCH_REQUIRE_DOCKER=1.
func skipOrFail(t *testing.T, format string, args ...any) {
	t.Helper()
	msg := oneLine(fmt.Sprintf(format, args...))
	if testenv.RequireDocker() {
		t.Fatalf("%s (%s=1)", msg, testenv.RequireDockerVar)
	}
	t.Skipf("%s; set %s=1 to fail instead", msg, testenv.RequireDockerVar)
}

// engine returns a Docker client, or skips (fails under
// OCCBENCH_REQUIRE_DOCKER=1) when there is no container engine.
func engine(t *testing.T) client.APIClient {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := DockerAvailable(ctx); err != nil {
		skipOrFail(t, "container engine unavailable: %v", err)
	}
	p, err := newProvider(ctx, newLogger(nil))
	if err != nil {
		t.Fatalf("newProvider after DockerAvailable succeeded: %v", err)
	}
	t.Cleanup(func() { _ = p.Close() })
	return p.Client()
}

// image returns the image to test kind with, or skips (fails under
// OCCBENCH_REQUIRE_DOCKER=1) when it is not present locally: tests never
// pull.
func image(t *testing.T, cli client.APIClient, kind Kind) string {
	t.Helper()
	img := ImageFor(kind, "")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := cli.ImageInspect(ctx, img); err != nil {
		skipOrFail(t, "image %s for %s not present (set %s; docker/build-images.sh builds local ones): %v", img, kind, ImageEnv(kind), err)
	}
	return img
}

// assertGone fails the test unless container id no longer exists.
func assertGone(t *testing.T, cli client.APIClient, id string) {
	t.Helper()
	if id == "" {
		t.Fatal("no container ID was reported")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := cli.ContainerInspect(ctx, id, client.ContainerInspectOptions{})
	if !cerrdefs.IsNotFound(err) {
		t.Errorf("container %.12s still exists (inspect error: %v)", id, err)
	}
}

// assertLoopback fails the test unless every port of container id is
// published on a loopback address only.
func assertLoopback(ctx context.Context, t *testing.T, cli client.APIClient, id string) {
	t.Helper()
	res, err := cli.ContainerInspect(ctx, id, client.ContainerInspectOptions{})
	if err != nil {
		t.Fatalf("inspect container %.12s: %v", id, err)
	}
	n := 0
	for port, bindings := range res.Container.HostConfig.PortBindings {
		for _, b := range bindings {
			n++
			if !b.HostIP.IsLoopback() {
				t.Errorf("port %s published on %q, want a loopback address", port, b.HostIP)
			}
		}
	}
	if n == 0 {
		t.Errorf("container %.12s publishes no port", id)
	}
}

// idRecorder records the container ID Start reports.
type idRecorder struct {
	mu sync.Mutex
	id string
}

func (r *idRecorder) set(id string) { r.mu.Lock(); r.id = id; r.mu.Unlock() }
func (r *idRecorder) get() string   { r.mu.Lock(); defer r.mu.Unlock(); return r.id }

func pingPostgres(ctx context.Context, t *testing.T, dsn string) {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("pgx.Connect(%s): %v", redact.DSN(dsn), err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if err := conn.Ping(ctx); err != nil {
		t.Fatalf("ping: %v", err)
	}
	var user, db, fsync string
	if err := conn.QueryRow(ctx, "SELECT current_user, current_database(), current_setting('fsync')").Scan(&user, &db, &fsync); err != nil {
		t.Fatalf("query: %v", err)
	}
	if user != User || db != Database || fsync != "off" {
		t.Errorf("user %q, database %q, fsync %q; want %q, %q, off", user, db, fsync, User, Database)
	}
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("parse DSN: %v", err)
	}
	if pw, _ := u.User.Password(); len(pw) < 20 {
		t.Errorf("password has %d characters, want a random one of at least 20", len(pw))
	}
}

func pingRedis(ctx context.Context, t *testing.T, dsn string) {
	opt, err := goredis.ParseURL(dsn)
	if err != nil {
		t.Fatalf("redis.ParseURL(%s): %v", redact.DSN(dsn), err)
	}
	rdb := goredis.NewClient(opt)
	defer rdb.Close()
	if err := rdb.Ping(ctx).Err(); err != nil {
		t.Fatalf("ping: %v", err)
	}
	if err := rdb.Set(ctx, "occbench:provision", "v1", 0).Err(); err != nil {
		t.Fatalf("set: %v", err)
	}
	if got, err := rdb.Get(ctx, "occbench:provision").Result(); err != nil || got != "v1" {
		t.Fatalf("get = %q, %v; want v1", got, err)
	}
}

func pingMongo(ctx context.Context, t *testing.T, dsn string) {
	c, err := mongo.Connect(options.Client().ApplyURI(dsn).SetTimeout(30 * time.Second))
	if err != nil {
		t.Fatalf("mongo.Connect(%s): %v", redact.DSN(dsn), err)
	}
	defer c.Disconnect(context.WithoutCancel(ctx))
	if err := c.Ping(ctx, nil); err != nil {
		t.Fatalf("ping: %v", err)
	}
	coll := c.Database("occbench_provision").Collection("docs")
	if _, err := coll.InsertOne(ctx, bson.D{{Key: "_id", Value: "k"}, {Key: "v", Value: int64(1)}}); err != nil {
		t.Fatalf("insert: %v", err)
	}
	var got struct {
		V int64 `bson:"v"`
	}
	if err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: "k"}}).Decode(&got); err != nil || got.V != 1 {
		t.Fatalf("find = %+v, %v; want v 1", got, err)
	}
}

// TestStart starts a server of each kind, uses it, terminates it and
// checks that its container is gone.
func TestStart(t *testing.T) {
	cli := engine(t)
	tests := []struct {
		kind Kind
		use  func(context.Context, *testing.T, string)
	}{
		{Postgres, pingPostgres},
		{Redis, pingRedis},
		{Mongo, pingMongo},
	}
	for _, tt := range tests {
		t.Run(string(tt.kind), func(t *testing.T) {
			t.Parallel()
			img := image(t, cli, tt.kind)
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			var rec idRecorder
			start := time.Now()
			inst, err := Start(ctx, tt.kind, Options{Logf: t.Logf, created: rec.set})
			if err != nil {
				t.Fatalf("Start: %v", err)
			}
			t.Logf("%s ready in %v at %s", img, time.Since(start).Round(time.Millisecond), redact.DSN(inst.DSN))
			terminated := false
			defer func() {
				if !terminated {
					_ = inst.Terminate(context.Background())
				}
			}()
			if inst.Kind != tt.kind || inst.Image != img {
				t.Errorf("Instance kind %q image %q, want %q %q", inst.Kind, inst.Image, tt.kind, img)
			}
			assertLoopback(ctx, t, cli, rec.get())
			if err := inst.WaitReady(ctx); err != nil {
				t.Errorf("WaitReady on a server Start found ready: %v", err)
			}
			tt.use(ctx, t, inst.DSN)

			if err := inst.Terminate(ctx); err != nil {
				t.Fatalf("Terminate: %v", err)
			}
			terminated = true
			assertGone(t, cli, rec.get())
			if err := inst.Terminate(ctx); err != nil {
				t.Errorf("second Terminate: %v, want nil", err)
			}
		})
	}
}

// TestStartCancelled cancels ctx while Start runs, once right after the
// container is created and once while Start waits for the server, and
// checks that Start fails with ctx's error and removes the container.
func TestStartCancelled(t *testing.T) {
	cli := engine(t)
	img := image(t, cli, Postgres)
	tests := []struct {
		name string
		// atLog, when not empty, cancels when testcontainers logs a line
		// containing it; otherwise ctx is cancelled once the container
		// is created.
		atLog string
	}{
		{name: "after create"},
		{name: "while waiting", atLog: "Waiting for container"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			var rec idRecorder
			o := Options{Image: img, created: rec.set, Logf: func(format string, args ...any) {
				line := fmt.Sprintf(format, args...)
				t.Log(line)
				if tt.atLog != "" && strings.Contains(line, tt.atLog) {
					cancel()
				}
			}}
			if tt.atLog == "" {
				o.created = func(id string) { rec.set(id); cancel() }
			}
			inst, err := Start(ctx, Postgres, o)
			if err == nil {
				_ = inst.Terminate(context.Background())
				t.Fatal("Start succeeded after ctx was cancelled")
			}
			if !errors.Is(err, context.Canceled) {
				t.Errorf("Start error = %v, want context.Canceled", err)
			}
			assertGone(t, cli, rec.get())
		})
	}
}

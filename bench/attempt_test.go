package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/drivers/postgres"
	"github.com/occbench/occbench/internal/testenv"
	"github.com/occbench/occbench/strategy"
)

// schema keeps the benchmarks' tables apart from other users of the
// server.
const schema = "occbench_bench"

// writerCounts are the writer counts of pgbench-compare.sh.
var writerCounts = []int{1, 8, 32}

// benchDSN returns the server's DSN with search_path set to schema, which
// it creates, or skips.
func benchDSN(b *testing.B) string {
	b.Helper()
	dsn := testenv.DSN(b, testenv.PostgresDSN)
	u, err := url.Parse(dsn)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		b.Skipf("%s: these benchmarks need a postgres:// URL", testenv.PostgresDSN)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, u.String())
	if err != nil {
		b.Fatalf("connect: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+schema); err != nil {
		b.Fatalf("create schema: %v", err)
	}
	return u.String()
}

// runWriters runs b.N calls of attempt spread over writers goroutines and
// reports attempts/s.
func runWriters(b *testing.B, writers int, attempt func(w int) error) {
	b.Helper()
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make([]error, writers)
	b.ReportAllocs()
	b.ResetTimer()
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(b.N) {
				if err := attempt(w); err != nil && drivers.KindOf(err) == drivers.NotConflict {
					errs[w] = err
					return
				}
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	for _, err := range errs {
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "attempts/s")
}

// BenchmarkStrategyAttempt is what an occbench writer does per attempt,
// minus the recorder: strategy.Attempt on the postgres store, one
// goroutine and one strategy.Op per writer, on one hot document, with a
// cancellable context as the runner's. conns=writer gives each writer a
// postgres.Session, as the runner does by default; conns=pool shares the
// store's pgxpool.
func BenchmarkStrategyAttempt(b *testing.B) {
	dsn := benchDSN(b)
	for _, conns := range []string{postgres.ConnsWriter, postgres.ConnsPool} {
		for _, name := range []string{strategy.Optimistic, strategy.Pessimistic} {
			for _, writers := range writerCounts {
				b.Run(fmt.Sprintf("conns=%s/%s/writers=%d", conns, name, writers), func(b *testing.B) {
					benchStrategyAttempt(b, dsn, conns, name, writers)
				})
			}
		}
	}
}

func benchStrategyAttempt(b *testing.B, dsn, conns, name string, writers int) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	store, err := postgres.Open(ctx, drivers.Options{DSN: dsn, Writers: writers, Params: map[string]string{postgres.ParamConns: conns}})
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	if err := store.Setup(ctx, drivers.Spec{Keys: 1, FieldGroups: 1, PayloadBytes: 64}); err != nil {
		b.Fatal(err)
	}
	strats := make([]strategy.Strategy, writers)
	for w := range strats {
		var st drivers.Store = store
		if conns == postgres.ConnsWriter {
			if st, err = store.Session(ctx); err != nil {
				b.Fatal(err)
			}
			defer st.Close()
		}
		if strats[w], err = strategy.New(name, st, postgres.Name, strategy.Config{}); err != nil {
			b.Fatal(err)
		}
	}
	ops := make([]*strategy.Op, writers)
	for w := range ops {
		ops[w] = &strategy.Op{Writer: int64(w), Payload: make([]byte, 64), Rand: rand.New(rand.NewPCG(1, uint64(w)))}
	}
	runWriters(b, writers, func(w int) error {
		op := ops[w]
		op.Reset(0)
		op.ID++
		op.Now = time.Now().UnixNano()
		return strats[w].Attempt(ctx, op)
	})
}

// BenchmarkBarePgx runs the statements of an optimistic attempt (read,
// conditional UPDATE) on one pgx.Conn per writer, without a pool: the
// floor for any pgx-based client. ctx=cancel passes a cancellable context,
// as the runner does (pgx then registers a context.AfterFunc per
// statement); ctx=background passes context.Background.
func BenchmarkBarePgx(b *testing.B) {
	dsn := benchDSN(b)
	for _, cancellable := range []bool{true, false} {
		for _, writers := range writerCounts {
			name := fmt.Sprintf("optimistic/ctx=background/writers=%d", writers)
			if cancellable {
				name = fmt.Sprintf("optimistic/ctx=cancel/writers=%d", writers)
			}
			b.Run(name, func(b *testing.B) {
				benchBarePgx(b, dsn, writers, cancellable)
			})
		}
	}
}

func benchBarePgx(b *testing.B, dsn string, writers int, cancellable bool) {
	ctx := context.Background()
	if cancellable {
		var cancel context.CancelFunc
		ctx, cancel = context.WithCancel(ctx)
		defer cancel()
	}
	setup, err := postgres.Open(ctx, drivers.Options{DSN: dsn, Writers: 1})
	if err != nil {
		b.Fatal(err)
	}
	err = setup.Setup(ctx, drivers.Spec{Keys: 1, FieldGroups: 1, PayloadBytes: 64})
	setup.Close()
	if err != nil {
		b.Fatal(err)
	}
	conns := make([]*pgx.Conn, writers)
	for w := range conns {
		if conns[w], err = pgx.Connect(ctx, dsn); err != nil {
			b.Fatal(err)
		}
		defer conns[w].Close(ctx)
	}
	const (
		read = "SELECT version, counter, fence, writer, op, updated_at, gv0, p0 FROM occbench_docs WHERE id = $1"
		cas  = "UPDATE occbench_docs SET version = version + 1, counter = counter + 1, gv0 = gv0 + 1, p0 = $3, writer = $4, op = $5, updated_at = $6 WHERE id = $1 AND version = $2"
	)
	payload := make([]byte, 64)
	runWriters(b, writers, func(w int) error {
		var v, c, f, wr, op, at, gv int64
		var p []byte
		if err := conns[w].QueryRow(ctx, read, int64(0)).Scan(&v, &c, &f, &wr, &op, &at, &gv, &p); err != nil {
			return err
		}
		tag, err := conns[w].Exec(ctx, cas, int64(0), v, payload, int64(w), op, time.Now().UnixNano())
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return drivers.ErrVersionMismatch
		}
		return nil
	})
}

package postgres

import (
	"net/url"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/drivers/drivertest"
	"github.com/occbench/occbench/internal/testenv"
)

// idemSchema keeps the idempotency suite's tables apart from the other
// tests of this package, which may run at the same time on the server.
const idemSchema = "occbench_test_idem"

func TestIdempotency(t *testing.T) {
	dsn := testenv.DSN(t, testenv.PostgresDSN)
	u, err := url.Parse(dsn)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		t.Skip("the idempotency suite needs a URL DSN")
	}
	q := u.Query()
	q.Set("search_path", idemSchema)
	u.RawQuery = q.Encode()
	dsn = u.String()
	ctx := testCtx(t)
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	if _, err := conn.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+idemSchema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	conn.Close(ctx)
	drivertest.RunIdempotency(t, func(t testing.TB, o drivers.Options) drivers.Store {
		o.DSN = dsn
		return open(t, o)
	})
}

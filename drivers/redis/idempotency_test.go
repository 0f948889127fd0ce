package redis

import (
	"net/url"
	"testing"

	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/drivers/drivertest"
	"github.com/occbench/occbench/internal/testenv"
)

// idemDB is the database of the idempotency suite, apart from this
// package's other tests (testDB), which may run at the same time.
const idemDB = "12"

func TestIdempotency(t *testing.T) {
	dsn := testenv.DSN(t, testenv.RedisDSN)
	u, err := url.Parse(dsn)
	if err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") {
		t.Skip("the idempotency suite needs a URL DSN")
	}
	u.Path = "/" + idemDB
	dsn = u.String()
	drivertest.RunIdempotency(t, func(t testing.TB, o drivers.Options) drivers.Store {
		o.DSN = dsn
		return open(t, o)
	})
}

package postgres

import (
	"net/url"
	"testing"

	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/drivers/drivertest"
	"github.com/occbench/occbench/drivers/redis"
	"github.com/occbench/occbench/internal/testenv"
	"github.com/occbench/occbench/strategy"
)

// TestConformanceRedisLeases runs the suite on PostgreSQL documents
// guarded by Redis leases (--lease-store redis): the fences Redis grants
// must be honoured by PostgreSQL's fenced reads and writes.
func TestConformanceRedisLeases(t *testing.T) {
	dsn := testenv.DSN(t, testenv.RedisDSN)
	// A database of its own, so the redis package's tests (DB 9), run in
	// parallel with this one, never see these keys.
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("%s: %v", testenv.RedisDSN, err)
	}
	u.Path = "/10"
	leaseDSN := u.String()
	drivertest.Run(t, func(t testing.TB, o drivers.Options) drivers.Store {
		return open(t, o)
	}, drivertest.Writers(8, 100), drivertest.ServerClock(),
		drivertest.Leaser(func(t testing.TB, o drivers.Options) strategy.Leaser {
			o.DSN = leaseDSN
			ls, err := redis.Open(testCtx(t), o)
			if err != nil {
				t.Fatalf("redis lease store: %v", err)
			}
			t.Cleanup(func() { ls.Close() })
			if err := ls.Setup(testCtx(t), drivers.Spec{Keys: 4, FieldGroups: 1}); err != nil {
				t.Fatal(err)
			}
			return ls
		}))
}

package mongo_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/drivers/mongo"
	"github.com/occbench/occbench/internal/testenv"
)

// testDSN returns the DSN the server tests use, from
// OCCBENCH_MONGO_DSN (e.g. mongodb://127.0.0.1:27017/); see
// internal/testenv.
func testDSN(t testing.TB) string {
	t.Helper()
	return testenv.DSN(t, testenv.MongoDSN)
}

// withDatabase returns dsn with its database path set to db, so that
// tests do not share collections.
func withDatabase(dsn, db string) string {
	scheme, rest, ok := strings.Cut(dsn, "://")
	if !ok {
		return dsn
	}
	rest, query, hasQuery := strings.Cut(rest, "?")
	hosts, _, _ := strings.Cut(rest, "/")
	out := scheme + "://" + hosts + "/" + db
	if hasQuery {
		out += "?" + query
	}
	return out
}

// testCtx is a per-test context with a deadline.
func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// open opens a store on its own database, named after the test, and
// closes it when the test ends.
func open(t testing.TB, o drivers.Options) *mongo.Store {
	t.Helper()
	o.DSN = withDatabase(testDSN(t), dbName(t.Name()))
	st, err := mongo.Open(testCtx(t), o)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return st
}

// dbName turns a test name into a database name (MongoDB forbids
// /\. "$ and spaces, and allows 63 bytes).
func dbName(test string) string {
	b := []byte("ot_" + test)
	for i, c := range b {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_') {
			b[i] = '_'
		}
	}
	if len(b) > 63 {
		b = b[:63]
	}
	return string(b)
}

func TestWithDatabase(t *testing.T) {
	t.Parallel()
	tests := []struct{ dsn, want string }{
		{"mongodb://h:1", "mongodb://h:1/db"},
		{"mongodb://h:1/", "mongodb://h:1/db"},
		{"mongodb://u:p@h:1,h2:2/old?replicaSet=rs", "mongodb://u:p@h:1,h2:2/db?replicaSet=rs"},
		{"mongodb://h:1/?w=1", "mongodb://h:1/db?w=1"},
	}
	for _, tt := range tests {
		if got := withDatabase(tt.dsn, "db"); got != tt.want {
			t.Errorf("withDatabase(%q) = %q, want %q", tt.dsn, got, tt.want)
		}
	}
}

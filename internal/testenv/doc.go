// Package testenv tells tests which external servers they may use.
//
// Tests that need a database read its DSN from an environment variable
// and skip, naming the variable, when it is unset. CI starts the servers
// and sets OCCBENCH_REQUIRE_DOCKER=1, which turns those skips into
// failures, so that a CI run cannot pass by silently skipping every
// server test.
//
// The variables used across occbench:
//
//	OCCBENCH_POSTGRES_DSN   postgres://occbench:occbench@127.0.0.1:5432/occbench?sslmode=disable
//	OCCBENCH_REDIS_DSN      redis://127.0.0.1:6379/0
//	OCCBENCH_MONGO_DSN      mongodb://127.0.0.1:27017/
//	OCCBENCH_REQUIRE_DOCKER 1 to fail instead of skip
package testenv

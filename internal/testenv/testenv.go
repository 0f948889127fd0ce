package testenv

import (
	"os"
	"testing"
)

// The environment variables that point tests at servers.
const (
	PostgresDSN = "OCCBENCH_POSTGRES_DSN"
	RedisDSN    = "OCCBENCH_REDIS_DSN"
	MongoDSN    = "OCCBENCH_MONGO_DSN"

	// RequireDockerVar, set to 1, makes missing servers fail tests
	// instead of skipping them.
	RequireDockerVar = "OCCBENCH_REQUIRE_DOCKER"
)

// DSN returns the value of the environment variable name, or skips the
// test with one line naming the variable; when OCCBENCH_REQUIRE_DOCKER=1
// it fails the test instead of skipping it.
//
// The value is returned as is and never logged: it may hold a password.
func DSN(t testing.TB, name string) string {
	t.Helper()
	if v := os.Getenv(name); v != "" {
		return v
	}
	if RequireDocker() {
		t.Fatalf("missing environment variable %s (%s=1: servers are required)", name, RequireDockerVar)
	}
	t.Skipf("missing environment variable %s: set it to run this test against a server", name)
	return ""
}

// RequireDocker reports whether OCCBENCH_REQUIRE_DOCKER=1, that is,
// whether tests must fail rather than skip when a server or a container
// engine is missing.
func RequireDocker() bool {
	return os.Getenv(RequireDockerVar) == "1"
}

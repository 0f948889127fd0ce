package provision_test

import (
	"fmt"

	"github.com/occbench/occbench/internal/provision"
)

func ExampleParseKind() {
	_, err := provision.ParseKind("cassandra")
	fmt.Println(err)
	// Output: provision: unknown kind "cassandra" (allowed: mongo, postgres, redis)
}

func ExampleDefaultImage() {
	for _, k := range provision.Kinds() {
		fmt.Println(k, provision.DefaultImage(k), provision.ImageEnv(k))
	}
	// Output:
	// mongo mongo:8 OCCBENCH_IMAGE_MONGO
	// postgres postgres:17 OCCBENCH_IMAGE_POSTGRES
	// redis redis:7 OCCBENCH_IMAGE_REDIS
}

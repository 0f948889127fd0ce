package coord_test

import (
	"fmt"
	"time"

	"github.com/occbench/occbench/coord"
)

// Runner 0 waits at a barrier of three runners; runners 0 and 2 have
// arrived.
func ExampleMissing() {
	marks := map[string]string{"start/9f2c/4/0": "1", "start/9f2c/4/2": "1"}
	fmt.Println(coord.Missing(marks, "start/9f2c/4/", []int{0, 1, 2}))
	// Output: [1]
}

func ExampleCheckSkew() {
	fmt.Println(coord.CheckSkew(1, 3*time.Millisecond, 400*time.Microsecond, coord.DefaultMaxSkew))
	fmt.Println(coord.CheckSkew(2, -120*time.Millisecond, 400*time.Microsecond, coord.DefaultMaxSkew))
	// Output:
	// <nil>
	// --max-skew: runner 2's clock differs from the store's by -120ms (round trip 400µs), more than 50ms: synchronise its clock (NTP) or raise --max-skew
}

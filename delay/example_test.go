package delay_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/occbench/occbench/delay"
)

func ExampleParse() {
	for _, s := range []string{"20ms", "normal:20ms,3ms", "exp:20ms", "normal:5ms,0s", "-1ms"} {
		d, err := delay.Parse(s)
		if err != nil {
			fmt.Println("error:", err)
			continue
		}
		fmt.Printf("%-16s mean %v\n", d, d.Mean())
	}
	// Output:
	// 20ms             mean 20ms
	// normal:20ms,3ms  mean 20ms
	// exp:20ms         mean 20ms
	// 5ms              mean 5ms
	// error: "-1ms": must be ≥ 0, got -1ms (want 20ms (constant), normal:MEAN,SD like normal:20ms,3ms, or exp:MEAN like exp:20ms)
}

func ExampleDist_Sample() {
	d, _ := delay.Parse("exp:10ms")
	r := rand.New(rand.NewPCG(1, 2)) // the caller owns the seed
	for range 3 {
		fmt.Println(d.Sample(r).Round(1000))
	}
	// Output:
	// 5.931ms
	// 680µs
	// 365µs
}

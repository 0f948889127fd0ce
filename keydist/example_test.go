package keydist_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/occbench/occbench/keydist"
)

func ExampleNew() {
	c, err := keydist.New("zipfian", 1000, keydist.Params{ZipfTheta: keydist.DefaultZipfTheta})
	if err != nil {
		fmt.Println(err)
		return
	}
	r := rand.New(rand.NewPCG(1, 2)) // one per writer, seeded from the run seed
	counts := make([]int, 1000)
	for range 100_000 {
		counts[c.Next(r)]++
	}
	fmt.Println("key 0 is the hottest:", counts[0] > counts[1] && counts[1] > counts[2])
	fmt.Printf("key 0 share ≈ 1/ζ(1000, 0.99) ≈ 0.13: %.2f\n", float64(counts[0])/100_000)

	_, err = keydist.New("gaussian", 1000, keydist.Params{})
	fmt.Println(err)
	_, err = keydist.New("hotspot", 1000, keydist.Params{HotOps: 1.2})
	fmt.Println(err)
	// Output:
	// key 0 is the hottest: true
	// key 0 share ≈ 1/ζ(1000, 0.99) ≈ 0.13: 0.13
	// --distribution: unknown distribution "gaussian" (allowed: single, uniform, zipfian, hotspot)
	// --hot-ops: must be in (0, 1), got 1.2
}

func ExampleNew_hotspot() {
	// 80% of the ops hit the first 20% of the 50 keys (keys 0–9).
	c, err := keydist.New("hotspot", 50, keydist.Params{HotFraction: 0.2, HotOps: 0.8})
	if err != nil {
		fmt.Println(err)
		return
	}
	r := rand.New(rand.NewPCG(1, 2))
	hot := 0
	for range 100_000 {
		if c.Next(r) < 10 {
			hot++
		}
	}
	fmt.Printf("share on keys 0–9: %.2f\n", float64(hot)/100_000)
	// Output:
	// share on keys 0–9: 0.80
}

func ExampleNames() {
	for _, name := range keydist.Names() {
		fmt.Printf("%-8s %s\n", name, keydist.Describe(name))
	}
	// Output:
	// single   every op hits key 0 (maximum contention)
	// uniform  every key equally likely
	// zipfian  P(key i) ∝ 1/(i+1)^θ, key 0 hottest (YCSB zipfian, --zipf-theta)
	// hotspot  --hot-ops of the ops hit the first --hot-fraction of the keys, uniformly within each part (YCSB hotspot)
}

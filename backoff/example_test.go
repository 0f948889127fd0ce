package backoff_test

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/occbench/occbench/backoff"
)

func ExampleExponential() {
	p := backoff.Exponential{Base: 5 * time.Millisecond, Cap: 100 * time.Millisecond}
	for n := range 7 {
		fmt.Println(n, p.Delay(n, 0, nil))
	}
	fmt.Println(100, p.Delay(100, 0, nil)) // saturates, does not overflow
	// Output:
	// 0 5ms
	// 1 10ms
	// 2 20ms
	// 3 40ms
	// 4 80ms
	// 5 100ms
	// 6 100ms
	// 100 100ms
}

func ExampleNew() {
	p, err := backoff.New("equal-jitter", backoff.DefaultBase, backoff.DefaultCap)
	if err != nil {
		fmt.Println(err)
		return
	}
	r := rand.New(rand.NewPCG(1, 2)) // one per writer, seeded from the run seed
	var prev time.Duration
	for n := range 4 {
		d := p.Delay(n, prev, r)
		v := min(backoff.DefaultCap, backoff.DefaultBase<<n)
		fmt.Printf("retry %d: %v ≤ d < %v: %t\n", n, v/2, v, d >= v/2 && d < v)
		prev = d
	}

	_, err = backoff.New("fibonacci", backoff.DefaultBase, backoff.DefaultCap)
	fmt.Println(err)
	// Output:
	// retry 0: 2.5ms ≤ d < 5ms: true
	// retry 1: 5ms ≤ d < 10ms: true
	// retry 2: 10ms ≤ d < 20ms: true
	// retry 3: 20ms ≤ d < 40ms: true
	// --backoff: unknown policy "fibonacci" (allowed: none, constant, expo, full-jitter, equal-jitter, decorrelated-jitter)
}

func ExampleNames() {
	for _, name := range backoff.Names() {
		fmt.Printf("%-20s %s\n", name, backoff.Describe(name))
	}
	// Output:
	// none                 retry at once, no sleep
	// constant             sleep base before every retry
	// expo                 sleep min(cap, base·2ⁿ) before retry n
	// full-jitter          sleep U(0, v), v = min(cap, base·2ⁿ)
	// equal-jitter         sleep v/2 + U(0, v/2), v = min(cap, base·2ⁿ)
	// decorrelated-jitter  sleep min(cap, U(base, 3·previous sleep)), previous starts at base
}

func ExampleDecorrelatedJitter() {
	p := backoff.DecorrelatedJitter{Base: 10 * time.Millisecond, Cap: 50 * time.Millisecond}
	r := rand.New(rand.NewPCG(1, 2))
	var prev time.Duration // 0: the first retry uses Base as the previous sleep
	for range 20 {
		prev = p.Delay(0, prev, r)
		if prev < p.Base || prev > p.Cap {
			fmt.Println("out of range:", prev)
		}
	}
	fmt.Println("all 20 sleeps within [10ms, 50ms]")
	// Output:
	// all 20 sleeps within [10ms, 50ms]
}

func ExampleBudget() {
	// A cell's writers share one bucket: 12 tokens, a retry costs 5, a
	// committed op refunds 1.
	b, err := backoff.NewBudget(12, backoff.DefaultRetryCost, backoff.DefaultRefund)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(b.Withdraw(), b.Tokens())
	fmt.Println(b.Withdraw(), b.Tokens())
	fmt.Println(b.Withdraw(), b.Tokens()) // empty: the op gives up with reason "budget"
	b.Refund()
	b.Refund()
	b.Refund()
	fmt.Println(b.Withdraw(), b.Tokens())

	_, err = backoff.NewBudget(10, 0, 1)
	fmt.Println(err)
	// Output:
	// true 7
	// true 2
	// false 2
	// true 0
	// budget_retry_cost: must be > 0, got 0
}

package backoff

import (
	"math"
	"strings"
	"sync"
	"testing"
)

func TestNewBudget(t *testing.T) {
	t.Parallel()
	nan, inf := math.NaN(), math.Inf(1)
	for _, tt := range []struct {
		name                   string
		capacity, cost, refund float64
		wantErr                string // substring; "" means no error
	}{
		{"aws defaults", 500, DefaultRetryCost, DefaultRefund, ""},
		{"zero refund", 10, 1, 0, ""},
		{"fractional", 1.5, 0.25, 0.125, ""},
		{"smallest cost", 1, 0.001, 0, ""},
		{"zero capacity", 0, 5, 1, "budget: must be > 0"},
		{"negative capacity", -1, 5, 1, "budget: must be > 0"},
		{"nan capacity", nan, 5, 1, "budget: must be a finite number"},
		{"inf capacity", inf, 5, 1, "budget: must be a finite number"},
		{"huge capacity", 1e18, 5, 1, "budget: must be a finite number"},
		{"zero cost", 10, 0, 1, "budget_retry_cost: must be > 0"},
		{"negative cost", 10, -5, 1, "budget_retry_cost: must be > 0"},
		{"cost rounds to zero", 10, 0.0001, 1, "budget_retry_cost: must be ≥ 0.001"},
		{"nan cost", 10, nan, 1, "budget_retry_cost: must be a finite number"},
		{"negative refund", 10, 5, -1, "budget_refund: must be ≥ 0"},
		{"inf refund", 10, 5, inf, "budget_refund: must be a finite number"},
		{"nan refund", 10, 5, nan, "budget_refund: must be a finite number"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b, err := NewBudget(tt.capacity, tt.cost, tt.refund)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("NewBudget(%v, %v, %v) error = %v, want it to contain %q", tt.capacity, tt.cost, tt.refund, err, tt.wantErr)
				}
				if b != nil {
					t.Error("NewBudget returned a budget with an error")
				}
				return
			}
			if err != nil {
				t.Fatalf("NewBudget(%v, %v, %v): %v", tt.capacity, tt.cost, tt.refund, err)
			}
			if got := b.Tokens(); got != tt.capacity {
				t.Errorf("new budget has %v tokens, want full (%v)", got, tt.capacity)
			}
		})
	}
}

func TestBudgetWithdrawUntilEmpty(t *testing.T) {
	t.Parallel()
	b, err := NewBudget(23, DefaultRetryCost, DefaultRefund)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 4 { // 23 → 18 → 13 → 8 → 3
		if !b.Withdraw() {
			t.Fatalf("withdraw %d failed with %v tokens", i, b.Tokens())
		}
	}
	if got := b.Tokens(); got != 3 {
		t.Fatalf("after 4 withdrawals: %v tokens, want 3", got)
	}
	for i := range 3 {
		if b.Withdraw() {
			t.Fatalf("withdraw %d succeeded with too few tokens", i)
		}
		if got := b.Tokens(); got != 3 {
			t.Fatalf("a failed withdraw spent tokens: %v left, want 3", got)
		}
	}
	b.Refund()
	b.Refund() // 5: exactly one retry's cost
	if !b.Withdraw() {
		t.Fatal("withdraw failed with exactly retryCost tokens")
	}
	if got := b.Tokens(); got != 0 {
		t.Fatalf("tokens = %v, want 0", got)
	}
	if b.Withdraw() {
		t.Fatal("withdraw from an empty bucket succeeded")
	}
}

func TestBudgetRefundCapsAtCapacity(t *testing.T) {
	t.Parallel()
	b, err := NewBudget(10, 4, 1.5)
	if err != nil {
		t.Fatal(err)
	}
	b.Refund()
	if got := b.Tokens(); got != 10 {
		t.Fatalf("refund into a full bucket: %v tokens, want 10", got)
	}
	b.Withdraw() // 6
	b.Refund()   // 7.5
	if got := b.Tokens(); got != 7.5 {
		t.Fatalf("tokens = %v, want 7.5", got)
	}
	b.Refund() // 9
	b.Refund() // 10.5 → 10
	if got := b.Tokens(); got != 10 {
		t.Fatalf("tokens = %v, want capped at 10", got)
	}
	b.Refund()
	if got := b.Tokens(); got != 10 {
		t.Fatalf("tokens = %v, want capped at 10", got)
	}
}

func TestBudgetZeroRefund(t *testing.T) {
	t.Parallel()
	b, err := NewBudget(2, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	b.Withdraw()
	b.Refund()
	if got := b.Tokens(); got != 1 {
		t.Fatalf("tokens = %v, want 1 (refund 0 adds nothing)", got)
	}
}

func TestNilBudget(t *testing.T) {
	t.Parallel()
	var b *Budget
	for range 100 {
		if !b.Withdraw() {
			t.Fatal("nil budget refused a retry")
		}
		b.Refund()
	}
	if got := b.Tokens(); !math.IsInf(got, 1) {
		t.Fatalf("nil budget Tokens() = %v, want +Inf", got)
	}
}

// TestBudgetConcurrent withdraws and refunds from 8 goroutines (run with
// -race): the balance never goes below zero or above capacity, and the
// number of successful withdrawals matches the tokens spent exactly.
func TestBudgetConcurrent(t *testing.T) {
	t.Parallel()
	const (
		goroutines = 8
		perG       = 5000
		capacity   = 1000
		cost       = 5
		refund     = 1
	)
	b, err := NewBudget(capacity, cost, refund)
	if err != nil {
		t.Fatal(err)
	}
	var (
		wg        sync.WaitGroup
		mu        sync.Mutex
		withdrawn int
		bad       float64
		sawBad    bool
	)
	start := make(chan struct{})
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			ok := 0
			localBad, localSawBad := 0.0, false
			for i := range perG {
				if b.Withdraw() {
					ok++
				}
				if g%2 == 0 && i%4 == 0 {
					b.Refund()
				}
				if tk := b.Tokens(); tk < 0 || tk > capacity {
					localBad, localSawBad = tk, true
				}
			}
			mu.Lock()
			withdrawn += ok
			if localSawBad {
				bad, sawBad = localBad, true
			}
			mu.Unlock()
		}()
	}
	close(start)
	wg.Wait()
	if sawBad {
		t.Fatalf("observed %v tokens, outside [0, %d]", bad, capacity)
	}
	if left := b.Tokens(); left < 0 || left > capacity {
		t.Fatalf("final tokens = %v, outside [0, %d]", left, capacity)
	}
	if withdrawn == 0 || withdrawn == goroutines*perG {
		t.Fatalf("withdrawn = %d: the test never drained the bucket", withdrawn)
	}
	// No refunds here: withdrawals from a fresh bucket must total exactly
	// capacity / cost.
	b2, _ := NewBudget(capacity, cost, refund)
	var total int
	var wg2 sync.WaitGroup
	counts := make([]int, goroutines)
	for g := range goroutines {
		wg2.Add(1)
		go func() {
			defer wg2.Done()
			for range perG {
				if b2.Withdraw() {
					counts[g]++
				}
			}
		}()
	}
	wg2.Wait()
	for _, c := range counts {
		total += c
	}
	if total != capacity/cost || b2.Tokens() != 0 {
		t.Fatalf("concurrent withdrawals = %d leaving %v tokens, want %d leaving 0", total, b2.Tokens(), capacity/cost)
	}
}

func TestBudgetDoesNotAllocate(t *testing.T) {
	b, err := NewBudget(1e9, DefaultRetryCost, DefaultRefund)
	if err != nil {
		t.Fatal(err)
	}
	if a := testing.AllocsPerRun(1000, func() { b.Withdraw(); b.Refund(); _ = b.Tokens() }); a != 0 {
		t.Fatalf("Withdraw/Refund/Tokens allocate %v times", a)
	}
}

func BenchmarkBudget(b *testing.B) {
	b.Run("Withdraw", func(b *testing.B) {
		b.ReportAllocs()
		bud, _ := NewBudget(1e12, DefaultRetryCost, DefaultRefund)
		for b.Loop() {
			if !bud.Withdraw() {
				b.Fatal("budget ran out")
			}
		}
	})
	b.Run("Refund", func(b *testing.B) {
		b.ReportAllocs()
		bud, _ := NewBudget(1e12, DefaultRetryCost, DefaultRefund)
		bud.tokens.Store(0)
		for b.Loop() {
			bud.Refund()
		}
	})
	b.Run("WithdrawRefundParallel", func(b *testing.B) {
		b.ReportAllocs()
		// Refund equals cost so the bucket never drains: every call is a
		// successful, contended CAS rather than a cheap failed load.
		bud, _ := NewBudget(1e6, 1, 1)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if !bud.Withdraw() {
					b.Error("budget ran out")
					return
				}
				bud.Refund()
			}
		})
	})
}

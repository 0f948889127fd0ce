package clock

import (
	"context"
	"testing"
	"time"
)

func TestFake(t *testing.T) {
	start := time.Unix(100, 0)
	f := NewFake(start)
	if err := f.Sleep(context.Background(), 3*time.Second); err != nil {
		t.Fatal(err)
	}
	f.Advance(-time.Second) // ignored: time never goes back
	if got := f.Now().Sub(start); got != 3*time.Second {
		t.Fatalf("advanced %v, want 3s", got)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := f.Sleep(ctx, time.Hour); err == nil || f.Now().Sub(start) != 3*time.Second {
		t.Fatalf("sleep on a cancelled context: err %v, clock moved to %v", err, f.Now())
	}
}

func TestRealSleepHonoursContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := (Real{}).Sleep(ctx, time.Hour); err != context.Canceled {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	if err := (Real{}).Sleep(context.Background(), 0); err != nil {
		t.Fatalf("zero sleep: %v", err)
	}
}

func TestFakeAfterFunc(t *testing.T) {
	start := time.Unix(100, 0)
	for _, tt := range []struct {
		name  string
		steps []time.Duration // Advance calls
		arm   time.Duration
		stop  bool // Stop right after arming
		reset time.Duration
		want  []time.Duration // clock offsets at which f ran
	}{
		// It fires with the clock at its time, not at the end of the step.
		{name: "fires when passed", arm: 3 * time.Second, steps: []time.Duration{time.Second, time.Second, 2 * time.Second}, want: []time.Duration{3 * time.Second}},
		{name: "fires at its exact time", arm: 2 * time.Second, steps: []time.Duration{2 * time.Second}, want: []time.Duration{2 * time.Second}},
		{name: "fires once", arm: time.Second, steps: []time.Duration{2 * time.Second, 2 * time.Second}, want: []time.Duration{time.Second}},
		{name: "stopped", arm: time.Second, stop: true, steps: []time.Duration{5 * time.Second}},
		{name: "not yet", arm: 10 * time.Second, steps: []time.Duration{9 * time.Second}},
		{name: "reset pushes it later", arm: time.Second, reset: 5 * time.Second, steps: []time.Duration{2 * time.Second, 3 * time.Second}, want: []time.Duration{5 * time.Second}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := NewFake(start)
			var got []time.Duration
			tm := f.AfterFunc(tt.arm, func() { got = append(got, f.Now().Sub(start)) })
			if tt.stop && !tm.Stop() {
				t.Error("Stop of an armed timer returned false")
			}
			if tt.reset > 0 && !tm.Reset(tt.reset) {
				t.Error("Reset of an armed timer returned false")
			}
			for _, d := range tt.steps {
				f.Advance(d)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("fired at %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("fired at %v, want %v", got, tt.want)
				}
			}
		})
	}
}

// TestFakeAfterFuncOrderAndRearm: timers due in one Advance fire in the
// order of their times, each at its time, also one armed by another's
// function; the clock ends at the target; a fired timer can be re-armed;
// Sleep fires them too.
func TestFakeAfterFuncOrderAndRearm(t *testing.T) {
	start := time.Unix(0, 0)
	f := NewFake(start)
	var order []time.Duration
	at := func() { order = append(order, f.Now().Sub(start)) }
	a := f.AfterFunc(2*time.Second, at)
	f.AfterFunc(time.Second, func() {
		at()
		f.AfterFunc(500*time.Millisecond, at) // due at 1.5 s, within this Advance
	})
	if err := f.Sleep(context.Background(), 3*time.Second); err != nil {
		t.Fatal(err)
	}
	want := []time.Duration{time.Second, 1500 * time.Millisecond, 2 * time.Second}
	if len(order) != 3 || order[0] != want[0] || order[1] != want[1] || order[2] != want[2] {
		t.Fatalf("fired at %v, want %v", order, want)
	}
	if got := f.Now().Sub(start); got != 3*time.Second {
		t.Fatalf("clock at %v after the sleep, want 3s", got)
	}
	if a.Stop() {
		t.Error("Stop after firing returned true")
	}
	if a.Reset(time.Second) {
		t.Error("Reset after firing returned true")
	}
	f.Advance(time.Second)
	if len(order) != 4 {
		t.Fatalf("re-armed timer did not fire: %v", order)
	}
}

func TestRealAfterFunc(t *testing.T) {
	done := make(chan struct{})
	tm := AfterFunc(Real{}, time.Millisecond, func() { close(done) })
	<-done
	if tm.Stop() {
		t.Error("Stop after firing returned true")
	}
	stopped := AfterFunc(Real{}, time.Hour, func() { t.Error("a stopped timer fired") })
	if !stopped.Stop() {
		t.Error("Stop of an armed timer returned false")
	}
}

// frozen is a Clock without AfterFunc whose time never moves: a timer
// on it fires only because AfterFunc falls back to wall time.
type frozen struct{ now time.Time }

func (c frozen) Now() time.Time                                   { return c.now }
func (c frozen) Sleep(ctx context.Context, _ time.Duration) error { return ctx.Err() }

func TestAfterFuncFallsBackToWallTime(t *testing.T) {
	done := make(chan struct{})
	AfterFunc(frozen{time.Unix(0, 0)}, time.Millisecond, func() { close(done) })
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("fallback timer never fired")
	}
}

package usl

import (
	"encoding/binary"
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// synth returns the model's throughput at each n, reps times, with
// multiplicative Gaussian noise of relative standard deviation noise from
// a seeded source.
func synth(m Model, ns []float64, reps int, noise float64, seed uint64) []Point {
	r := rand.New(rand.NewPCG(seed, 7))
	var out []Point
	for _, n := range ns {
		for range reps {
			x := m.X(n) * (1 + noise*r.NormFloat64())
			out = append(out, Point{N: n, X: math.Max(0, x)})
		}
	}
	return out
}

func TestFitRecovers(t *testing.T) {
	t.Parallel()
	sweep := []float64{1, 2, 4, 8, 16, 32, 64}
	tests := []struct {
		name  string
		m     Model
		ns    []float64
		reps  int
		noise float64
		// tolerances: λ relative, σ and κ absolute, κ relative when
		// kappaRel is set.
		lambdaTol, sigmaTol, kappaTol float64
		kappaRel                      bool
		minR2                         float64
	}{
		{name: "exact, contention and coherency", m: Model{Lambda: 1000, Sigma: 0.05, Kappa: 0.001}, ns: sweep, reps: 1,
			lambdaTol: 1e-6, sigmaTol: 1e-6, kappaTol: 1e-6, kappaRel: true, minR2: 0.999999},
		{name: "exact, linear", m: Model{Lambda: 250, Sigma: 0, Kappa: 0}, ns: sweep, reps: 1,
			lambdaTol: 1e-9, sigmaTol: 1e-9, kappaTol: 1e-12, minR2: 0.999999},
		{name: "exact, Amdahl", m: Model{Lambda: 5e5, Sigma: 0.2, Kappa: 0}, ns: sweep, reps: 1,
			lambdaTol: 1e-6, sigmaTol: 1e-6, kappaTol: 1e-9, minR2: 0.999999},
		{name: "exact, serialised (lock on one hot key)", m: Model{Lambda: 40, Sigma: 1, Kappa: 0}, ns: []float64{1, 2, 4, 8, 16}, reps: 1,
			lambdaTol: 1e-9, sigmaTol: 1e-9, kappaTol: 1e-9, minR2: 1},
		{name: "exact, retrograde", m: Model{Lambda: 2000, Sigma: 0.3, Kappa: 0.02}, ns: sweep, reps: 1,
			lambdaTol: 1e-6, sigmaTol: 1e-6, kappaTol: 1e-6, kappaRel: true, minR2: 0.999999},
		{name: "exact, three points", m: Model{Lambda: 10, Sigma: 0.1, Kappa: 0.01}, ns: []float64{1, 5, 20}, reps: 1,
			lambdaTol: 1e-6, sigmaTol: 1e-6, kappaTol: 1e-6, kappaRel: true, minR2: 0.999999},
		{name: "exact, large N", m: Model{Lambda: 100, Sigma: 0.01, Kappa: 1e-6}, ns: []float64{1, 16, 64, 256, 1024, 4096}, reps: 1,
			lambdaTol: 1e-6, sigmaTol: 1e-6, kappaTol: 1e-6, kappaRel: true, minR2: 0.999999},
		{name: "2% noise, 3 trials", m: Model{Lambda: 1000, Sigma: 0.05, Kappa: 0.001}, ns: sweep, reps: 3, noise: 0.02,
			lambdaTol: 0.05, sigmaTol: 0.02, kappaTol: 0.25, kappaRel: true, minR2: 0.97},
		{name: "5% noise, retrograde", m: Model{Lambda: 2000, Sigma: 0.3, Kappa: 0.02}, ns: sweep, reps: 5, noise: 0.05,
			lambdaTol: 0.1, sigmaTol: 0.1, kappaTol: 0.3, kappaRel: true, minR2: 0.9},
		{name: "5% noise, serialised", m: Model{Lambda: 40, Sigma: 1, Kappa: 0}, ns: []float64{1, 2, 4, 8, 16}, reps: 3, noise: 0.05,
			lambdaTol: 0.05, sigmaTol: 0.05, kappaTol: 0.005, minR2: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pts := synth(tt.m, tt.ns, tt.reps, tt.noise, 42)
			got, err := Fit(pts)
			if err != nil {
				t.Fatal(err)
			}
			if d := math.Abs(got.Lambda-tt.m.Lambda) / tt.m.Lambda; d > tt.lambdaTol {
				t.Errorf("λ = %v, want %v (±%v relative)", got.Lambda, tt.m.Lambda, tt.lambdaTol)
			}
			if d := math.Abs(got.Sigma - tt.m.Sigma); d > tt.sigmaTol {
				t.Errorf("σ = %v, want %v (±%v)", got.Sigma, tt.m.Sigma, tt.sigmaTol)
			}
			kd := math.Abs(got.Kappa - tt.m.Kappa)
			if tt.kappaRel {
				kd /= tt.m.Kappa
			}
			if kd > tt.kappaTol {
				t.Errorf("κ = %v, want %v (±%v%s)", got.Kappa, tt.m.Kappa, tt.kappaTol, map[bool]string{true: " relative"}[tt.kappaRel])
			}
			if got.R2 < tt.minR2 || got.R2 > 1 {
				t.Errorf("r2 = %v, want in [%v, 1]", got.R2, tt.minR2)
			}
		})
	}
}

// TestFitDeterministic: the same points give the same model, bit for bit.
func TestFitDeterministic(t *testing.T) {
	t.Parallel()
	pts := synth(Model{Lambda: 1000, Sigma: 0.05, Kappa: 0.001}, []float64{1, 2, 4, 8, 16, 32}, 3, 0.05, 9)
	a, err := Fit(pts)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		b, err := Fit(pts)
		if err != nil || a != b {
			t.Fatalf("Fit again: %+v, %v; first %+v", b, err, a)
		}
	}
}

// TestFitScaleFree: scaling X scales λ only.
func TestFitScaleFree(t *testing.T) {
	t.Parallel()
	pts := synth(Model{Lambda: 3, Sigma: 0.1, Kappa: 0.004}, []float64{1, 2, 4, 8, 16, 32}, 2, 0.03, 5)
	a, err := Fit(pts)
	if err != nil {
		t.Fatal(err)
	}
	scaled := make([]Point, len(pts))
	for i, p := range pts {
		scaled[i] = Point{N: p.N, X: p.X * 1e6}
	}
	b, err := Fit(scaled)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(b.Lambda/1e6-a.Lambda) > 1e-9*a.Lambda || math.Abs(b.Sigma-a.Sigma) > 1e-9 ||
		math.Abs(b.Kappa-a.Kappa) > 1e-9*a.Kappa || math.Abs(b.R2-a.R2) > 1e-9 {
		t.Errorf("X×1e6: %+v; X: %+v", b, a)
	}
}

func TestFitDegenerate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		pts     []Point
		wantErr string
		is      error
		check   func(t *testing.T, m Model)
	}{
		{name: "no points", pts: nil, wantErr: "no points", is: ErrTooFewN},
		{name: "one point", pts: []Point{{1, 100}}, wantErr: "1 distinct N, need at least 3", is: ErrTooFewN},
		{name: "two distinct N, repeated", pts: []Point{{1, 100}, {1, 101}, {4, 300}, {4, 310}}, wantErr: "2 distinct N", is: ErrTooFewN},
		{name: "N below 1", pts: []Point{{0, 1}, {2, 2}, {4, 3}}, wantErr: "point 0: N must be in [1, 1e+06], got 0"},
		{name: "N NaN", pts: []Point{{1, 1}, {math.NaN(), 2}, {4, 3}}, wantErr: "point 1: N must be"},
		{name: "N too large", pts: []Point{{1, 1}, {2, 2}, {2e6, 3}}, wantErr: "point 2: N must be"},
		{name: "X negative", pts: []Point{{1, 1}, {2, -2}, {4, 3}}, wantErr: "point 1 (N 2): X must be in [0, 1e+15], got -2"},
		{name: "X infinite", pts: []Point{{1, 1}, {2, 2}, {4, math.Inf(1)}}, wantErr: "point 2 (N 4): X must be in"},
		{name: "X NaN", pts: []Point{{1, math.NaN()}, {2, 2}, {4, 3}}, wantErr: "point 0 (N 1): X must be in"},
		{name: "all X zero", pts: []Point{{1, 0}, {2, 0}, {4, 0}}, wantErr: "every X is 0", is: ErrNoX},
		{
			name: "all X equal: fully serialised, exact",
			pts:  []Point{{1, 500}, {2, 500}, {4, 500}, {8, 500}},
			check: func(t *testing.T, m Model) {
				if math.Abs(m.Lambda-500) > 1e-6 || m.Sigma < 0.999999 || m.Kappa > 1e-9 || m.R2 != 1 {
					t.Errorf("got %+v, want λ 500, σ 1, κ 0, r2 1", m)
				}
				if _, ok := m.Peak(); ok {
					t.Errorf("peak of a flat fit: %+v", m)
				}
			},
		},
		{
			name: "decreasing X: peak below 2 writers",
			pts:  []Point{{1, 1000}, {2, 800}, {4, 500}, {8, 280}, {16, 150}},
			check: func(t *testing.T, m Model) {
				p, ok := m.Peak()
				if !ok || p >= 2 || m.Kappa <= 0 {
					t.Errorf("got %+v, peak %v %v; want κ > 0 and a peak below 2", m, p, ok)
				}
				if m.R2 < 0.95 {
					t.Errorf("r2 = %v, want ≥ 0.95", m.R2)
				}
			},
		},
		{
			name: "superlinear X: σ = κ = 0",
			pts:  []Point{{1, 10}, {2, 30}, {4, 90}, {8, 250}},
			check: func(t *testing.T, m Model) {
				if m.Sigma != 0 || m.Kappa != 0 || m.Lambda <= 0 || m.R2 <= 0 || m.R2 > 1 {
					t.Errorf("got %+v, want σ = κ = 0, λ > 0, r2 in (0, 1]", m)
				}
			},
		},
		{
			name: "some X zero",
			pts:  []Point{{1, 0}, {2, 50}, {4, 60}, {8, 0}},
			check: func(t *testing.T, m Model) {
				if m.R2 < 0 || m.R2 > 1 || m.Lambda < 0 {
					t.Errorf("got %+v", m)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m, err := Fit(tt.pts)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Fit: %+v, %v; want an error containing %q", m, err, tt.wantErr)
				}
				if tt.is != nil && !errors.Is(err, tt.is) {
					t.Errorf("error %v is not %v", err, tt.is)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, m)
		})
	}
}

func TestPeakAndMAPE(t *testing.T) {
	t.Parallel()
	tests := []struct {
		m      Model
		peak   float64
		ok     bool
		pts    []Point
		mape   float64
		mapeOK bool
		peakX  float64 // PeakX when set
	}{
		{m: Model{Lambda: 100, Sigma: 0.04, Kappa: 0.0006}, peak: 40, ok: true,
			pts: []Point{{1, 100}, {2, 200}}, mape: 100 * (1 - 200/(1+0.04+0.0012)/200) / 2, mapeOK: true},
		{m: Model{Lambda: 100, Sigma: 0.5, Kappa: 0}, ok: false, pts: []Point{{1, 0}}, mapeOK: false},
		{m: Model{Lambda: 100, Sigma: 1, Kappa: 0.1}, peak: 0, ok: true, pts: nil, mapeOK: false, peakX: 100},
		{m: Model{Lambda: 100, Sigma: 0.5, Kappa: 2}, peak: 0.5, ok: true, pts: nil, mapeOK: false, peakX: 100},
	}
	for _, tt := range tests {
		p, ok := tt.m.Peak()
		if ok != tt.ok || math.Abs(p-tt.peak) > 1e-9 {
			t.Errorf("%+v: Peak() = %v, %v; want %v, %v", tt.m, p, ok, tt.peak, tt.ok)
		}
		if x, xok := tt.m.PeakX(); xok != ok || (tt.peakX != 0 && math.Abs(x-tt.peakX) > 1e-9) || (ok && tt.peakX == 0 && x != tt.m.X(p)) {
			t.Errorf("%+v: PeakX() = %v, %v; want %v (X at the peak, X(1) below 1)", tt.m, x, xok, tt.peakX)
		}
		if ok && p >= 2 {
			if tt.m.X(p) < tt.m.X(p-1) || tt.m.X(p) < tt.m.X(p+1) {
				t.Errorf("%+v: X(%v) = %v is not the peak", tt.m, p, tt.m.X(p))
			}
		}
		e, ok := tt.m.MAPE(tt.pts)
		if ok != tt.mapeOK || math.Abs(e-tt.mape) > 1e-9 {
			t.Errorf("%+v: MAPE = %v, %v; want %v, %v", tt.m, e, ok, tt.mape, tt.mapeOK)
		}
	}
}

// FuzzFit: Fit never panics, and a model it returns is finite and in
// bounds.
func FuzzFit(f *testing.F) {
	enc := func(pts ...float64) []byte {
		b := make([]byte, 0, 8*len(pts))
		for _, v := range pts {
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
		}
		return b
	}
	f.Add(enc(1, 100, 2, 190, 4, 350, 8, 500))
	f.Add(enc(1, 5, 2, 5, 4, 5))
	f.Add(enc(1, 1e15, 1e6, 1e-300, 3, 0))
	f.Add(enc(1, 0, 2, 0, 3, 1e-320))
	f.Fuzz(func(t *testing.T, b []byte) {
		var pts []Point
		for len(b) >= 16 && len(pts) < 64 {
			n := math.Float64frombits(binary.LittleEndian.Uint64(b))
			x := math.Float64frombits(binary.LittleEndian.Uint64(b[8:]))
			pts = append(pts, Point{N: n, X: x})
			b = b[16:]
		}
		m, err := Fit(pts)
		if err != nil {
			return
		}
		for _, v := range []float64{m.Lambda, m.Sigma, m.Kappa, m.R2} {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("Fit(%v) = %+v: not finite", pts, m)
			}
		}
		if m.Lambda < 0 || m.Sigma < 0 || m.Sigma > 1 || m.Kappa < 0 || m.Kappa > MaxKappa || m.R2 < 0 || m.R2 > 1 {
			t.Fatalf("Fit(%v) = %+v: out of bounds", pts, m)
		}
		if p, ok := m.Peak(); ok && (math.IsNaN(p) || math.IsInf(p, 0)) {
			t.Fatalf("Fit(%v) = %+v: peak %v", pts, m, p)
		}
		if x, ok := m.PeakX(); ok && (math.IsNaN(x) || math.IsInf(x, 0) || x < 0) {
			t.Fatalf("Fit(%v) = %+v: peak X %v", pts, m, x)
		}
		if e, ok := m.MAPE(pts); ok && (math.IsNaN(e) || math.IsInf(e, 0)) {
			t.Fatalf("Fit(%v) = %+v: MAPE %v", pts, m, e)
		}
	})
}

func BenchmarkFit(b *testing.B) {
	pts := synth(Model{Lambda: 1000, Sigma: 0.05, Kappa: 0.001}, []float64{1, 2, 4, 8, 16, 32, 64}, 3, 0.02, 1)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Fit(pts); err != nil {
			b.Fatal(err)
		}
	}
}

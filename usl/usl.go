package usl

import (
	"errors"
	"fmt"
	"math"
)

// Bounds of Fit's inputs and of κ.
const (
	MaxN     = 1e6  // the largest concurrency Fit accepts
	MaxX     = 1e15 // the largest throughput Fit accepts
	MaxKappa = 1e6  // the largest κ Fit returns
)

// Point is one measurement: throughput X at concurrency N.
type Point struct {
	N float64 // writers, ≥ 1
	X float64 // throughput, ≥ 0
}

// Model is a fitted Universal Scalability Law.
type Model struct {
	Lambda float64 // throughput of one writer without contention, X's unit
	Sigma  float64 // contention, in [0, 1]
	Kappa  float64 // coherency, ≥ 0
	R2     float64 // coefficient of determination on X, in [0, 1]
}

// X is the throughput the model predicts at concurrency n.
func (m Model) X(n float64) float64 {
	return m.Lambda * (n / (1 + m.Sigma*(n-1) + m.Kappa*n*(n-1)))
}

// Peak returns the concurrency sqrt((1−σ)/κ) at which the predicted
// throughput is largest; ok is false when κ = 0 (no peak: the throughput
// never falls). A peak below 1 means that the throughput falls from the
// first writer on (0 when σ = 1).
func (m Model) Peak() (n float64, ok bool) {
	if !(m.Kappa > 0) {
		return 0, false
	}
	return math.Sqrt(math.Max(0, 1-m.Sigma) / m.Kappa), true
}

// PeakX is the largest throughput the model predicts for N ≥ 1: X at the
// peak, or X(1) when the peak is below 1 writer (X is 0/0 at N = 0 when
// σ = 1); ok is false when there is no peak (κ = 0).
func (m Model) PeakX() (x float64, ok bool) {
	n, ok := m.Peak()
	if !ok {
		return 0, false
	}
	return m.X(math.Max(n, 1)), true
}

// MAPE is the mean absolute percentage error of the model on points,
// 100 · mean(|X(N) − X| / X), over the points whose X is at least a
// millionth of the largest (a relative error on a throughput of nearly
// nothing says nothing); ok is false when there are none.
func (m Model) MAPE(points []Point) (pct float64, ok bool) {
	xmax := 0.0
	for _, p := range points {
		if !math.IsInf(p.X, 0) {
			xmax = math.Max(xmax, p.X)
		}
	}
	var sum float64
	n := 0
	for _, p := range points {
		if !(p.X > 0 && p.X >= 1e-6*xmax) || math.IsInf(p.X, 0) {
			continue
		}
		sum += math.Abs(m.X(p.N)-p.X) / p.X
		n++
	}
	if n == 0 {
		return 0, false
	}
	return 100 * sum / float64(n), true
}

// Errors Fit returns, to be told apart with errors.Is.
var (
	ErrTooFewN = errors.New("usl: too few distinct N")
	ErrNoX     = errors.New("usl: no throughput")
)

// Fit fits the Universal Scalability Law to points (see the package doc).
func Fit(points []Point) (Model, error) {
	if len(points) == 0 {
		return Model{}, fmt.Errorf("%w: no points, need at least 3 distinct N", ErrTooFewN)
	}
	xmax := 0.0
	distinct := map[float64]bool{}
	for i, p := range points {
		if !(p.N >= 1 && p.N <= MaxN) {
			return Model{}, fmt.Errorf("usl: point %d: N must be in [1, %g], got %v", i, MaxN, p.N)
		}
		if !(p.X >= 0 && p.X <= MaxX) {
			return Model{}, fmt.Errorf("usl: point %d (N %v): X must be in [0, %g], got %v", i, p.N, MaxX, p.X)
		}
		distinct[p.N] = true
		xmax = math.Max(xmax, p.X)
	}
	if len(distinct) < 3 {
		return Model{}, fmt.Errorf("%w: %d distinct N, need at least 3 to fit λ, σ and κ", ErrTooFewN, len(distinct))
	}
	if xmax == 0 {
		return Model{}, fmt.Errorf("%w: every X is 0", ErrNoX)
	}
	f := fitter{ns: make([]float64, len(points)), xs: make([]float64, len(points))}
	nmax := 0.0
	for i, p := range points {
		f.ns[i], f.xs[i] = p.N, p.X/xmax
		nmax = math.Max(nmax, p.N)
	}
	sigma, kappa := f.grid(nmax)
	lambda, _ := f.profile(sigma, kappa)
	lambda, sigma, kappa = f.refine(lambda, sigma, kappa)
	lambda, ssr := f.profile(sigma, kappa)
	m := Model{Lambda: lambda * xmax, Sigma: sigma, Kappa: kappa, R2: f.r2(ssr)}
	return m, nil
}

// fitter holds the points, X scaled to at most 1.
type fitter struct{ ns, xs []float64 }

// g is X(n)/λ.
func g(n, sigma, kappa float64) float64 { return n / (1 + sigma*(n-1) + kappa*n*(n-1)) }

// profile returns the least-squares λ for (σ, κ) and the sum of squared
// residuals there.
func (f *fitter) profile(sigma, kappa float64) (lambda, ssr float64) {
	var sxg, sgg, sxx float64
	for i, n := range f.ns {
		gi := g(n, sigma, kappa)
		sxg += f.xs[i] * gi
		sgg += gi * gi
		sxx += f.xs[i] * f.xs[i]
	}
	if sgg == 0 {
		return 0, sxx
	}
	lambda = sxg / sgg
	return lambda, math.Max(0, sxx-sxg*lambda)
}

// ssr is the sum of squared residuals at (λ, σ, κ).
func (f *fitter) ssr(lambda, sigma, kappa float64) float64 {
	var s float64
	for i, n := range f.ns {
		r := lambda*g(n, sigma, kappa) - f.xs[i]
		s += r * r
	}
	return s
}

// grid returns the (σ, κ) of the grid with the least squared residuals,
// the first of equals.
func (f *fitter) grid(nmax float64) (sigma, kappa float64) {
	lo := math.Floor(10 * math.Log10(1e-4/(nmax*nmax)))
	best := math.Inf(1)
	for i := 0; i <= 50; i++ {
		s := float64(i) / 50
		for e := lo - 1; e <= 10; e++ {
			k := 0.0
			if e >= lo {
				k = math.Pow(10, e/10)
			}
			if _, r := f.profile(s, k); r < best {
				best, sigma, kappa = r, s, k
			}
		}
	}
	return sigma, kappa
}

// refine runs Levenberg–Marquardt on (λ, σ, κ) from a start, within
// λ ≥ 0, 0 ≤ σ ≤ 1, κ ≥ 0.
func (f *fitter) refine(lambda, sigma, kappa float64) (float64, float64, float64) {
	th := [3]float64{lambda, sigma, kappa}
	cost := f.ssr(th[0], th[1], th[2])
	mu := 1e-3
	for iter := 0; iter < 500 && mu < 1e12; iter++ {
		// Normal equations A = JᵀJ, b = −Jᵀr.
		var a [3][3]float64
		var b [3]float64
		for i, n := range f.ns {
			d := 1 + th[1]*(n-1) + th[2]*n*(n-1)
			gi := n / d
			r := th[0]*gi - f.xs[i]
			j := [3]float64{gi, -th[0] * gi * (n - 1) / d, -th[0] * gi * n * (n - 1) / d}
			for p := range 3 {
				b[p] -= j[p] * r
				for q := range 3 {
					a[p][q] += j[p] * j[q]
				}
			}
		}
		// Hold a parameter at a bound the descent direction (b) leaves.
		var free [3]bool
		for p := range 3 {
			atLo := th[p] <= 0 && b[p] <= 0
			atHi := (p == 1 && th[p] >= 1 || p == 2 && th[p] >= MaxKappa) && b[p] >= 0
			free[p] = !atLo && !atHi && a[p][p] > 0
		}
		step, ok := solve(a, b, free, mu)
		if !ok {
			mu *= 10
			continue
		}
		next := [3]float64{
			math.Max(0, th[0]+step[0]),
			math.Min(1, math.Max(0, th[1]+step[1])),
			math.Min(MaxKappa, math.Max(0, th[2]+step[2])),
		}
		c := f.ssr(next[0], next[1], next[2])
		if !(c < cost) {
			mu *= 4
			continue
		}
		small := true
		for p := range 3 {
			if math.Abs(next[p]-th[p]) > 1e-12*(math.Abs(th[p])+1e-12) {
				small = false
			}
		}
		gain := cost - c
		th, cost = next, c
		mu = math.Max(mu/3, 1e-12)
		if small || gain <= 1e-15*cost {
			break
		}
	}
	return th[0], th[1], th[2]
}

// solve solves (A + μ·diag(A)) δ = b over the free parameters (δ = 0 for
// the others) by Gaussian elimination with partial pivoting; ok is false
// when the system is singular or has no free parameter.
func solve(a [3][3]float64, b [3]float64, free [3]bool, mu float64) (delta [3]float64, ok bool) {
	var idx []int
	for p := range 3 {
		if free[p] {
			idx = append(idx, p)
		}
	}
	n := len(idx)
	if n == 0 {
		return delta, false
	}
	var m [3][4]float64
	for r, p := range idx {
		for c, q := range idx {
			m[r][c] = a[p][q]
		}
		m[r][r] += mu * a[p][p]
		m[r][n] = b[p]
	}
	for col := range n {
		piv := col
		for r := col + 1; r < n; r++ {
			if math.Abs(m[r][col]) > math.Abs(m[piv][col]) {
				piv = r
			}
		}
		if !(math.Abs(m[piv][col]) > 1e-300) {
			return delta, false
		}
		m[col], m[piv] = m[piv], m[col]
		for r := col + 1; r < n; r++ {
			k := m[r][col] / m[col][col]
			for c := col; c <= n; c++ {
				m[r][c] -= k * m[col][c]
			}
		}
	}
	var x [3]float64
	for r := n - 1; r >= 0; r-- {
		s := m[r][n]
		for c := r + 1; c < n; c++ {
			s -= m[r][c] * x[c]
		}
		x[r] = s / m[r][r]
	}
	for r, p := range idx {
		if math.IsNaN(x[r]) || math.IsInf(x[r], 0) {
			return [3]float64{}, false
		}
		delta[p] = x[r]
	}
	return delta, true
}

// r2 is 1 − ssr/SStot on the scaled X (R² does not depend on the
// scale); with SStot = 0, 1 for an exact fit and 0 otherwise.
func (f *fitter) r2(ssr float64) float64 {
	var mean float64
	for _, x := range f.xs {
		mean += x
	}
	mean /= float64(len(f.xs))
	var tot float64
	for _, x := range f.xs {
		tot += (x - mean) * (x - mean)
	}
	if tot <= 1e-24*float64(len(f.xs)) {
		if ssr <= 1e-20 {
			return 1
		}
		return 0
	}
	return math.Min(1, math.Max(0, 1-ssr/tot))
}

// Package usl fits Neil Gunther's Universal Scalability Law to
// throughput measured at several concurrency levels:
//
//	X(N) = λN / (1 + σ(N−1) + κN(N−1))
//
// N is the concurrency (occbench's writers), X the throughput at N (ops/s,
// or any unit: λ takes X's unit), λ the throughput of one writer without
// contention (X's unit per writer), σ the contention (the serial
// fraction: 0 = none, 1 = fully serialised, throughput flat in N) and κ
// the coherency (crosstalk: the cost of keeping N writers consistent,
// which makes throughput fall past a peak). κ > 0 puts the peak of X at
//
//	N* = sqrt((1−σ)/κ)
//
// and X(N*) is the largest throughput the model predicts. With κ = 0
// there is no peak (X grows towards λ/σ, or stays at λ when σ = 1).
//
// # Fit
//
// Fit is a bounded nonlinear least-squares fit of (λ, σ, κ) to the
// points, minimising Σ (X(Nᵢ) − Xᵢ)², with σ in [0, 1] and κ ≥ 0. It is
// deterministic (no random starts) and in two steps:
//
//   - a grid over σ (0 to 1 in steps of 0.02) and κ (0, and 10 steps a
//     decade from 10⁻⁴/max(N)² to 10), where λ, which enters X linearly,
//     takes its least-squares value for each (σ, κ) in closed form;
//   - Levenberg–Marquardt on (λ, σ, κ) from the best grid point, with
//     Marquardt's scaling and the bounds kept by projection (a parameter
//     at a bound that the gradient pushes out of range is held for the
//     step), then λ set to its least-squares value for the final (σ, κ).
//
// X is scaled by its largest value while fitting, so that the result does
// not depend on X's unit. The grid contains σ = 1, κ = 0 (X constant at
// the least-squares λ, the mean of X), so the fit is never worse than the
// mean: R² ≥ 0.
//
// κ is at most MaxKappa: past κ = 10 two writers already make less than
// a tenth of what one makes.
//
// R² = 1 − SSres/SStot on X, SStot = Σ (Xᵢ − mean X)². When every X is
// the same (SStot = 0) R² is 1 if the fit is exact and 0 otherwise.
//
// Fit needs at least three distinct N (three parameters), N ≥ 1 and at
// most MaxN, X in [0, MaxX], and some X > 0; it returns an error that
// names the reason otherwise. Repeated N (trials) are fitted as they are:
// the least-squares fit to the points is the fit to the means at each N,
// weighted by their counts.
package usl

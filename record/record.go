package record

import (
	"fmt"
	"math"
	"math/bits"
	"sync"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/results"
)

// GiveUp is why an op stopped retrying without committing.
type GiveUp uint8

// An op cut off by the end of its cell (the duration ran out, or Ctrl-C,
// while it was retrying or in an attempt) did not give up: Recorder.CutOff
// counts it apart.
const (
	MaxAttempts GiveUp = iota // --max-attempts reached
	MaxElapsed                // --max-elapsed reached
	Budget                    // the retry budget was empty
	FailPolicy                // --on-conflict=fail
	Errored                   // the op's attempt returned an error
	numGiveUps
)

// NumGiveUps is the number of GiveUp values.
const NumGiveUps = int(numGiveUps)

var giveUpNames = [...]string{
	MaxAttempts: "max-attempts",
	MaxElapsed:  "max-elapsed",
	Budget:      "budget",
	FailPolicy:  "fail-policy",
	Errored:     "error",
}

func (g GiveUp) String() string { return giveUpNames[g] }

// Recorder is one writer's measurements. It is not safe for concurrent
// use; each writer has its own and Merge combines them.
type Recorder struct {
	Committed   *hdrhistogram.Histogram // op latency, µs
	Attempt     *hdrhistogram.Histogram // attempt latency, µs
	GaveUp      *hdrhistogram.Histogram // op latency of ops that gave up, µs
	AttemptsPer *hdrhistogram.Histogram // attempts per committed op
	Lag         *hdrhistogram.Histogram // open loop schedule lag, µs
	// Recovery is the conflict recovery time of committed ops that met
	// a conflict (Recovered), µs. ManyAttempts is the op latency of ops,
	// committed or given up, that took more than results.StarvedAttempts
	// attempts, µs: nil until the first such op (a rare event, and 184
	// KiB a writer), which allocates it.
	Recovery     *hdrhistogram.Histogram
	ManyAttempts *hdrhistogram.Histogram
	// Escalated and Plain are a hybrid cell's op latency of committed
	// ops whose committing attempt ran under the lock of an escalated
	// key, or as a conditional write, µs: nil unless TrackHybrid.
	Escalated, Plain *hdrhistogram.Histogram

	Ops             int64
	Attempts        int64
	Conflicts       int64
	ConflictsByKind [drivers.NumConflictKinds]int64
	GiveUps         [NumGiveUps]int64
	CutOffs         int64 // measured ops the cell's end cut off
	Errors          [drivers.NumErrorClasses]int64
	OutOfRange      int64

	BackoffNanos int64 // Σ backoff sleep of committed ops
	AttemptNanos int64 // Σ attempt time of committed ops

	// UnmeasuredOps committed outside the measured window: during the
	// warmup, or after the cell's end (those are cut off too). The audit
	// still counts them. Indeterminate counts errored attempts, measured
	// or not, that may have committed (drivers.MayHaveCommitted): an op
	// can have several, and the store can hold at most the committed ops
	// plus these. NotFound counts attempts, measured or not, that found
	// a seeded document missing.
	UnmeasuredOps int64
	Indeterminate int64
	NotFound      int64
	StaleRejected int64

	// Windows are the fault windows (TrackFaults); nil without faults.
	Windows []Window

	// writerOps is each merged writer's committed ops, in merge order;
	// nil for a recorder that merged none (one writer: Ops).
	writerOps []int64

	series *Series
	sec    int // second index of cur; -1 = none
	cur    bucket

	fine    *FineSeries // nil without faults
	step    int         // step index of stepCur; -1 = none
	stepCur Step
}

// New returns a recorder that feeds series (which may be nil).
func New(series *Series) *Recorder {
	h := func() *hdrhistogram.Histogram {
		return hdrhistogram.New(results.HistLowest, results.HistHighest, results.HistSigFigs)
	}
	return &Recorder{
		Committed: h(), Attempt: h(), GaveUp: h(), AttemptsPer: h(), Lag: h(), Recovery: h(),
		series: series, sec: -1, step: -1,
	}
}

func (r *Recorder) value(h *hdrhistogram.Histogram, v int64) {
	if v < results.HistLowest {
		v = results.HistLowest
	}
	if h.RecordValue(v) != nil {
		r.OutOfRange++
	}
}

func micros(d time.Duration) int64 { return int64(d / time.Microsecond) }

// AttemptDone records one attempt that took d, ending at t (elapsed since
// the start of measurement), with its conflict kind (NotConflict if none).
func (r *Recorder) AttemptDone(t, d time.Duration, kind drivers.ConflictKind) {
	r.Attempts++
	r.value(r.Attempt, micros(d))
	b := r.bucketAt(t)
	b.attempts++
	if r.fine != nil {
		r.stepAt(t).Attempts++
	}
	if kind != drivers.NotConflict {
		r.Conflicts++
		r.ConflictsByKind[kind]++
		b.conflicts++
	}
}

// Commit records a committed op: latency from its intended start, the
// number of attempts it took, and its time in backoff sleeps and attempts.
func (r *Recorder) Commit(t, latency time.Duration, attempts int, backoff, inAttempts time.Duration) {
	r.Ops++
	us := micros(latency)
	r.value(r.Committed, us)
	r.value(r.AttemptsPer, int64(attempts))
	if attempts > results.StarvedAttempts {
		r.manyAttempts(us)
	}
	r.BackoffNanos += int64(backoff)
	r.AttemptNanos += int64(inAttempts)
	b := r.bucketAt(t)
	b.ops++
	b.lat.record(us)
	if r.fine != nil {
		r.stepAt(t).Ops++
	}
}

// manyAttempts records the latency of an op that took more than
// results.StarvedAttempts attempts.
func (r *Recorder) manyAttempts(us int64) {
	if r.ManyAttempts == nil {
		r.ManyAttempts = results.NewHistogram()
	}
	r.value(r.ManyAttempts, us)
}

// TrackHybrid makes r keep the op latency of a hybrid cell's
// escalated and plain committed ops apart (HybridCommit).
func (r *Recorder) TrackHybrid() {
	r.Escalated, r.Plain = results.NewHistogram(), results.NewHistogram()
}

// HybridCommit records the latency of a committed op of a hybrid cell,
// escalated when its committing attempt held the lock; nothing unless
// TrackHybrid was called. Call it after Commit.
func (r *Recorder) HybridCommit(latency time.Duration, escalated bool) {
	switch {
	case r.Plain == nil:
	case escalated:
		r.value(r.Escalated, micros(latency))
	default:
		r.value(r.Plain, micros(latency))
	}
}

// Recovered records the conflict recovery time of a committed op that
// met at least one conflict: from the end of its first conflicting
// attempt to its commit. Call it after Commit, for such ops only.
func (r *Recorder) Recovered(d time.Duration) { r.value(r.Recovery, micros(d)) }

// GiveUp records an op that ended without committing after attempts
// attempts.
func (r *Recorder) GiveUp(latency time.Duration, attempts int, why GiveUp) {
	r.GiveUps[why]++
	us := micros(latency)
	r.value(r.GaveUp, us)
	if attempts > results.StarvedAttempts {
		r.manyAttempts(us)
	}
}

// CutOff records a measured op that the end of the cell cut off: it had
// not committed, or committed only after the end. Its latency, cut short
// or past the end, is recorded nowhere.
func (r *Recorder) CutOff() { r.CutOffs++ }

// Error records an attempt error of class c. AttemptErrored records
// everything an errored attempt feeds.
func (r *Recorder) Error(c drivers.ErrorClass) { r.Errors[c]++ }

// ScheduleLag records how late an open-loop op started.
func (r *Recorder) ScheduleLag(d time.Duration) { r.value(r.Lag, micros(d)) }

func (r *Recorder) bucketAt(t time.Duration) *bucket {
	s := int(t / time.Second)
	if s != r.sec {
		r.Flush()
		r.sec = s
	}
	return &r.cur
}

// Flush hands the current second, and step of the fine series, to the
// shared series.
func (r *Recorder) Flush() {
	if r.sec >= 0 && r.series != nil && !r.cur.empty() {
		r.series.add(r.sec, &r.cur)
	}
	r.cur.reset()
	r.sec = -1
	r.flushStep()
}

// Merge adds o into r. Histograms merge exactly: same settings everywhere.
func (r *Recorder) Merge(o *Recorder) error {
	for _, p := range [][2]*hdrhistogram.Histogram{
		{r.Committed, o.Committed}, {r.Attempt, o.Attempt}, {r.GaveUp, o.GaveUp},
		{r.AttemptsPer, o.AttemptsPer}, {r.Lag, o.Lag},
		{r.Recovery, o.Recovery},
	} {
		if dropped := p[0].Merge(p[1]); dropped != 0 {
			return fmt.Errorf("record: merge dropped %d samples", dropped)
		}
	}
	if o.Plain != nil {
		if r.Plain == nil {
			r.TrackHybrid()
		}
		for _, p := range [][2]*hdrhistogram.Histogram{{r.Escalated, o.Escalated}, {r.Plain, o.Plain}} {
			if dropped := p[0].Merge(p[1]); dropped != 0 {
				return fmt.Errorf("record: merge dropped %d samples", dropped)
			}
		}
	}
	if o.ManyAttempts != nil {
		if r.ManyAttempts == nil {
			r.ManyAttempts = results.NewHistogram()
		}
		if dropped := r.ManyAttempts.Merge(o.ManyAttempts); dropped != 0 {
			return fmt.Errorf("record: merge dropped %d samples", dropped)
		}
	}
	if r.writerOps == nil {
		r.writerOps = []int64{r.Ops}
	}
	r.writerOps = append(r.writerOps, o.WriterOps()...)
	r.Ops += o.Ops
	r.Attempts += o.Attempts
	r.Conflicts += o.Conflicts
	for i := range r.ConflictsByKind {
		r.ConflictsByKind[i] += o.ConflictsByKind[i]
	}
	for i := range r.GiveUps {
		r.GiveUps[i] += o.GiveUps[i]
	}
	r.CutOffs += o.CutOffs
	for i := range r.Errors {
		r.Errors[i] += o.Errors[i]
	}
	r.OutOfRange += o.OutOfRange
	r.BackoffNanos += o.BackoffNanos
	r.AttemptNanos += o.AttemptNanos
	r.UnmeasuredOps += o.UnmeasuredOps
	r.Indeterminate += o.Indeterminate
	r.NotFound += o.NotFound
	r.StaleRejected += o.StaleRejected
	r.mergeWindows(o)
	return nil
}

// WriterOps returns each writer's committed ops, in the order they were
// merged: r's own first. A recorder that merged none is one writer.
func (r *Recorder) WriterOps() []int64 {
	if r.writerOps == nil {
		return []int64{r.Ops}
	}
	return append([]int64(nil), r.writerOps...)
}

// Summarize fills the measured fields of c from r over measured seconds,
// with the definitions of results.Cell: success_rate = ops ÷ (ops + Σ
// give-ups), cut-offs excluded; amplification = attempts ÷ ops; the
// conflict recovery time, fairness over the merged writers' commits and
// starved ops (results.SetKPIs).
func (r *Recorder) Summarize(c *results.Cell, measured time.Duration) error {
	secs := measured.Seconds()
	c.DurationS = round(secs, 3)
	c.Ops, c.Attempts, c.Conflicts = r.Ops, r.Attempts, r.Conflicts
	c.ConflictsByKind = map[string]int64{}
	for k, n := range r.ConflictsByKind {
		if n != 0 {
			c.ConflictsByKind[drivers.ConflictKind(k).String()] = n
		}
	}
	c.GiveUps = map[string]int64{}
	var gaveUp int64
	for k, n := range r.GiveUps {
		if n != 0 {
			c.GiveUps[GiveUp(k).String()] = n
			gaveUp += n
		}
	}
	c.CutOff = r.CutOffs
	c.Errors = map[string]int64{}
	for k, n := range r.Errors {
		if n != 0 {
			c.Errors[drivers.ErrorClass(k).String()] = n
		}
	}
	if secs > 0 {
		c.ThroughputOpsS = round(float64(r.Ops)/secs, 1)
		c.AttemptsS = round(float64(r.Attempts)/secs, 1)
	}
	if r.Attempts > 0 {
		c.ConflictRatio = round(float64(r.Conflicts)/float64(r.Attempts), 6)
	}
	if total := r.Ops + gaveUp; total > 0 {
		c.SuccessRate = round(float64(r.Ops)/float64(total), 6)
	}
	if r.Ops > 0 {
		c.Amplification = round(float64(r.Attempts)/float64(r.Ops), 4)
		c.Components = results.Components{
			BackoffMean: round(float64(r.BackoffNanos)/float64(r.Ops)/1e6, 4),
			AttemptMean: round(float64(r.AttemptNanos)/float64(r.Ops)/1e6, 4),
		}
	}
	if r.AttemptsPer.TotalCount() > 0 {
		c.RetriesPerOp = results.Retries{
			Mean: round(r.AttemptsPer.Mean()-1, 4),
			P99:  float64(r.AttemptsPer.ValueAtQuantile(99) - 1),
			Max:  float64(r.AttemptsPer.Max() - 1),
		}
	}
	c.LatencyMS = latencyOf(r.Committed)
	c.AttemptMS = latencyOf(r.Attempt)
	if r.Lag.TotalCount() > 0 {
		l := latencyOf(r.Lag)
		c.ScheduleLagMS = &l
	}
	results.SetKPIs(c, r.Committed, r.GaveUp, r.Recovery, r.ManyAttempts, r.WriterOps())
	if r.Plain != nil {
		results.SetHybridLatency(c, r.Escalated, r.Plain)
	}
	c.StaleWritesRejected = r.StaleRejected
	c.OutOfRange = r.OutOfRange
	c.Histograms = map[string]string{}
	for name, h := range map[string]*hdrhistogram.Histogram{
		results.HistCommitted: r.Committed, results.HistAttempt: r.Attempt,
		results.HistGaveUp: r.GaveUp, results.HistAttempts: r.AttemptsPer,
		results.HistScheduleLag: r.Lag, results.HistRecovery: r.Recovery,
		results.HistManyAttempts: r.ManyAttempts,
		results.HistEscalated:    r.Escalated, results.HistPlain: r.Plain,
	} {
		if h == nil || h.TotalCount() == 0 {
			continue
		}
		enc, err := h.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
		if err != nil {
			return fmt.Errorf("record: encode %s histogram: %w", name, err)
		}
		c.Histograms[name] = string(enc)
	}
	return nil
}

func latencyOf(h *hdrhistogram.Histogram) results.Latency {
	if h.TotalCount() == 0 {
		return results.Latency{}
	}
	ms := func(us int64) float64 { return round(float64(us)/1000, 4) }
	return results.Latency{
		P50:  ms(h.ValueAtQuantile(50)),
		P90:  ms(h.ValueAtQuantile(90)),
		P99:  ms(h.ValueAtQuantile(99)),
		P999: ms(h.ValueAtQuantile(99.9)),
		Max:  ms(h.Max()),
		Mean: round(h.Mean()/1000, 4),
	}
}

func round(v float64, digits int) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	p := math.Pow(10, float64(digits))
	return math.Round(v*p) / p
}

// Series is a cell's per-second time series, shared by its writers. A
// writer adds to it once per second, under a mutex.
type Series struct {
	mu   sync.Mutex
	secs []bucket
	lat  Latency // every second's latencies added up (Series.Latency)
}

// maxSeconds bounds the series (a cell runs at most 24 h).
const maxSeconds = 7 * 24 * 3600

func (s *Series) add(sec int, b *bucket) {
	if sec < 0 || sec > maxSeconds {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(s.secs) <= sec {
		s.secs = append(s.secs, bucket{})
	}
	s.secs[sec].merge(b)
	s.lat.add(&b.lat)
}

// Points returns the series, one point per second.
func (s *Series) Points() []results.Point {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]results.Point, len(s.secs))
	for i := range s.secs {
		b := &s.secs[i]
		out[i] = results.Point{
			T: float64(i + 1), Ops: b.ops, Attempts: b.attempts, Conflicts: b.conflicts,
			P99MS: round(float64(b.lat.quantile(0.99))/1000, 3),
		}
	}
	return out
}

type bucket struct {
	ops, attempts, conflicts int64
	lat                      logHist
}

func (b *bucket) empty() bool { return b.ops == 0 && b.attempts == 0 && b.conflicts == 0 }

func (b *bucket) reset() {
	b.ops, b.attempts, b.conflicts = 0, 0, 0
	if b.lat.n != 0 {
		b.lat = logHist{}
	}
}

func (b *bucket) merge(o *bucket) {
	b.ops += o.ops
	b.attempts += o.attempts
	b.conflicts += o.conflicts
	b.lat.merge(&o.lat)
}

// logHist is a small log-linear histogram (16 sub-buckets per power of
// two, ≈6% resolution) for per-second percentiles, where a full HDR
// histogram per writer per second would cost too much memory.
type logHist struct {
	n      int64
	counts [logBuckets]uint32
}

const (
	subBits    = 4
	subCount   = 1 << subBits
	logBuckets = 64 * subCount
)

func logIndex(v int64) int {
	if v < subCount {
		if v < 0 {
			return 0
		}
		return int(v)
	}
	exp := 63 - leadingZeros(uint64(v)) - subBits // ≥ 0
	sub := int(v>>uint(exp)) & (subCount - 1)
	return (exp+1)*subCount + sub
}

func leadingZeros(x uint64) int { return bits.LeadingZeros64(x) }

// logValue is the upper bound of bucket i.
func logValue(i int) int64 {
	if i < subCount {
		return int64(i)
	}
	exp := i/subCount - 1
	sub := i % subCount
	return (int64(subCount+sub+1) << uint(exp)) - 1
}

func (h *logHist) record(v int64) {
	h.counts[logIndex(v)]++
	h.n++
}

func (h *logHist) merge(o *logHist) {
	if o.n == 0 {
		return
	}
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
}

func (h *logHist) quantile(q float64) int64 {
	if h.n == 0 {
		return 0
	}
	want := int64(math.Ceil(q * float64(h.n)))
	var seen int64
	for i, c := range h.counts {
		seen += int64(c)
		if seen >= want {
			return logValue(i)
		}
	}
	return logValue(logBuckets - 1)
}

// Merged returns a new recorder holding rs merged, in order (their
// writers' committed ops in that order: WriterOps), without changing
// any of them: a class's writers merged apart from the cell's. It feeds
// no series. rs must not be empty.
func Merged(rs []*Recorder) (*Recorder, error) {
	if len(rs) == 0 {
		return nil, fmt.Errorf("record: merged: no recorder")
	}
	out := New(nil)
	out.writerOps = make([]int64, 0, len(rs))
	for _, r := range rs {
		if err := out.Merge(r); err != nil {
			return nil, err
		}
	}
	return out, nil
}

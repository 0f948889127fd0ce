package metrics

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/record"
	"github.com/occbench/occbench/results"
	"github.com/occbench/occbench/runner"
)

// Buckets returns the upper bounds, in seconds, of the committed latency
// histogram's buckets: 50 µs … 60 s (and +Inf).
func Buckets() []float64 {
	return []float64{
		50e-6, 100e-6, 250e-6, 500e-6,
		1e-3, 2.5e-3, 5e-3, 10e-3, 25e-3, 50e-3, 100e-3, 250e-3, 500e-3,
		1, 2.5, 5, 10, 30, 60,
	}
}

// grace is how long after a second ends it counts as complete (writers
// flush a second when they first record in the next one).
const grace = time.Second

var cellLabels = []string{"driver", "strategy", "backoff", "writers"}

// Metrics exposes a run's cells to Prometheus. It implements
// runner.Observer; serve Handler while the run goes on.
type Metrics struct {
	driver string
	reg    *prometheus.Registry
	now    func() time.Time // the runner's clock; tests replace it

	bounds   []float64 // seconds
	boundsUS []int64   // the same in µs, to place HDR values

	ops, attempts, conflicts, giveUps, errs, latency *prometheus.Desc
	lost, auditFailures                              *prometheus.Desc
	info, progress, p99, cells, finished             *prometheus.Desc

	mu       sync.Mutex
	byKey    map[key]*totals
	keys     []key          // in first-seen order
	cur      *running       // the cell running; nil between cells
	last     *running       // the cell running or the last one
	total    int            // cells in the run
	nDone    int64          // cells finished
	lastDone bool           // last has finished
	lat      record.Latency // scratch: the running cell's latencies, read per scrape
}

var _ runner.Observer = (*Metrics)(nil)
var _ prometheus.Collector = (*collector)(nil)

// key is a label set; the driver is the Metrics'.
type key struct {
	strategy, backoff, writers string
}

// totals are what the finished cells of one label set add up to.
type totals struct {
	ops, attempts, conflicts int64
	giveUps, errors          map[string]int64
	lost                     int64
	auditFailures            map[string]int64
	latency                  hist
	histErr                  error // a committed histogram failed to decode
}

// Reasons of occbench_audit_failures_total.
const (
	AuditLostUpdates = "lost-updates" // updates lost that the strategy promises to keep
	AuditStoreReset  = "store-reset"  // the store lost documents the cell seeded
	AuditUnavailable = "unavailable"  // the store could not be read back
)

// AuditReasons are the values of occbench_audit_failures_total's reason.
func AuditReasons() []string { return []string{AuditLostUpdates, AuditStoreReset, AuditUnavailable} }

type running struct {
	spec         runner.Spec
	key          key
	index, total int
	live         *runner.Live
}

// New returns the metrics of a run against driver.
func New(driver string) *Metrics { return newMetrics(driver, nil) }

// NewRunner returns the metrics of runner index of a multi-runner run
// (occbench run --runners N, N > 1): every occbench_* series carries a
// constant label runner="index", so that the runners' series stay apart
// when one Prometheus scrapes them all.
func NewRunner(driver string, index int) *Metrics {
	return newMetrics(driver, prometheus.Labels{"runner": strconv.Itoa(index)})
}

func newMetrics(driver string, cl prometheus.Labels) *Metrics {
	m := &Metrics{
		driver: driver,
		reg:    prometheus.NewRegistry(),
		now:    time.Now,
		bounds: Buckets(),
		byKey:  map[key]*totals{},
	}
	for _, b := range m.bounds {
		m.boundsUS = append(m.boundsUS, int64(math.Round(b*1e6)))
	}
	with := func(extra ...string) []string { return append(append([]string(nil), cellLabels...), extra...) }
	m.ops = prometheus.NewDesc("occbench_ops_total", "Committed operations (measured: warmup excluded).", cellLabels, cl)
	m.attempts = prometheus.NewDesc("occbench_attempts_total", "Attempts at committing an operation.", cellLabels, cl)
	m.conflicts = prometheus.NewDesc("occbench_conflicts_total", "Attempts that failed because of another writer.", cellLabels, cl)
	m.giveUps = prometheus.NewDesc("occbench_give_ups_total", "Operations that gave up, by reason (finished cells).", with("reason"), cl)
	m.errs = prometheus.NewDesc("occbench_errors_total", "Attempt errors, by class (finished cells).", with("class"), cl)
	m.latency = prometheus.NewDesc("occbench_committed_latency_seconds", "Op latency of committed operations, from intended start to commit (live; classic and native buckets).", cellLabels, cl)
	m.lost = prometheus.NewDesc("occbench_lost_updates_total", "Committed updates missing from the store at the audit (finished cells; expected for lww and unfenced lease).", cellLabels, cl)
	m.auditFailures = prometheus.NewDesc("occbench_audit_failures_total", "Finished cells whose audit failed, by reason: lost-updates (a loss the strategy promises not to have), store-reset, unavailable.", with("reason"), cl)
	m.info = prometheus.NewDesc("occbench_cell_info", "The cell running, or the last one that ran.", with("trial"), cl)
	m.progress = prometheus.NewDesc("occbench_cell_progress_ratio", "Elapsed measured time of the current cell over its planned length; 1 once finished.", nil, cl)
	m.p99 = prometheus.NewDesc("occbench_cell_latency_p99_seconds", "p99 committed op latency in the last complete second of the running cell.", nil, cl)
	m.cells = prometheus.NewDesc("occbench_run_cells", "Cells planned in the run.", nil, cl)
	m.finished = prometheus.NewDesc("occbench_cells_finished_total", "Cells finished.", nil, cl)

	m.reg.MustRegister(
		(*collector)(m),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return m
}

// Registry is the registry the metrics are in, to add more collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the metrics in the Prometheus exposition formats.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg, ErrorHandling: promhttp.ContinueOnError})
}

// CellStarted makes spec the current cell.
func (m *Metrics) CellStarted(spec runner.Spec, index, total int, live *runner.Live) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.cur != nil { // the runner gave up on it: keep what it counted
		m.foldLive(m.cur)
	}
	r := &running{spec: spec, key: m.keyOf(spec), index: index, total: total, live: live}
	m.totalsOf(r.key) // its series exist from the start, at zero
	m.cur, m.last, m.total, m.lastDone = r, r, total, false
}

// CellFinished replaces the cell's live counts by its exact results.
func (m *Metrics) CellFinished(spec runner.Spec, c *results.Cell) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.cur != nil && m.cur.spec != spec {
		m.foldLive(m.cur)
	}
	var live *runner.Live
	if m.cur == nil || m.cur.spec != spec {
		m.last = &running{spec: spec, key: m.keyOf(spec)}
	} else {
		live = m.cur.live
	}
	m.cur = nil
	m.lastDone = true
	m.nDone++
	t := m.totalsOf(m.keyOf(spec))
	t.ops += c.Ops
	t.attempts += c.Attempts
	t.conflicts += c.Conflicts
	for k, n := range c.GiveUps {
		t.giveUps[k] += n
	}
	for k, n := range c.Errors {
		t.errors[k] += n
	}
	if c.Skipped == "" {
		t.lost += max(c.Audit.LostUpdates, 0)
		if reason := auditFailure(&c.Audit); reason != "" {
			t.auditFailures[reason]++
		}
	}
	enc := c.Histograms[results.HistCommitted]
	var h hist
	var err error
	if live != nil && live.Series != nil {
		live.Series.Latency(&m.lat)
		h, err = m.finishedHist(&m.lat, enc)
	} else {
		h = m.newHist()
		if enc != "" {
			err = m.addHDR(&h, enc)
		}
	}
	if err != nil {
		if t.histErr == nil {
			t.histErr = fmt.Errorf("cell %s: %w", spec, err)
		}
		return
	}
	t.latency.add(&h)
}

// auditFailure is why an audit failed, or "".
func auditFailure(a *results.Audit) string {
	switch {
	case a.OK, a.Pending != "":
		return "" // pending: one runner's part, audited by the merge
	case a.Unavailable != "":
		return AuditUnavailable
	case a.StoreReset:
		return AuditStoreReset
	}
	return AuditLostUpdates
}

func (m *Metrics) keyOf(s runner.Spec) key {
	return key{strategy: s.Strategy, backoff: s.Backoff, writers: strconv.Itoa(s.Writers)}
}

func (m *Metrics) totalsOf(k key) *totals {
	t, ok := m.byKey[k]
	if !ok {
		t = &totals{giveUps: map[string]int64{}, errors: map[string]int64{}, auditFailures: map[string]int64{}, latency: m.newHist()}
		for _, r := range AuditReasons() {
			t.auditFailures[r] = 0
		}
		for g := range record.NumGiveUps {
			t.giveUps[record.GiveUp(g).String()] = 0
		}
		for c := range drivers.NumErrorClasses {
			t.errors[drivers.ErrorClass(c).String()] = 0
		}
		m.byKey[k] = t
		m.keys = append(m.keys, k)
	}
	return t
}

// foldLive adds what a cell that never finished counted to its totals.
func (m *Metrics) foldLive(r *running) {
	ops, attempts, conflicts := liveSums(r.live)
	t := m.totalsOf(r.key)
	t.ops += ops
	t.attempts += attempts
	t.conflicts += conflicts
	if r.live != nil && r.live.Series != nil {
		r.live.Series.Latency(&m.lat)
		m.addSeries(&t.latency, &m.lat)
	}
}

func liveSums(l *runner.Live) (ops, attempts, conflicts int64) {
	if l == nil || l.Series == nil {
		return 0, 0, 0
	}
	for _, p := range l.Series.Points() {
		ops += p.Ops
		attempts += p.Attempts
		conflicts += p.Conflicts
	}
	return ops, attempts, conflicts
}

// collector is Metrics seen by the registry.
type collector Metrics

func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.ops, c.attempts, c.conflicts, c.giveUps, c.errs, c.latency, c.lost, c.auditFailures, c.info, c.progress, c.p99, c.cells, c.finished} {
		ch <- d
	}
}

func (c *collector) Collect(ch chan<- prometheus.Metric) {
	m := (*Metrics)(c)
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()

	// Live sums of the running cell, read once.
	var liveKey key
	var liveOps, liveAttempts, liveConflicts int64
	var points []results.Point
	var liveLat hist
	if r := m.cur; r != nil && r.live != nil && r.live.Series != nil {
		liveKey = r.key
		points = r.live.Series.Points()
		for _, p := range points {
			liveOps += p.Ops
			liveAttempts += p.Attempts
			liveConflicts += p.Conflicts
		}
		r.live.Series.Latency(&m.lat)
		liveLat = m.newHist()
		m.addSeries(&liveLat, &m.lat)
	}
	emit := func(d *prometheus.Desc, vt prometheus.ValueType, v float64, labels ...string) {
		mt, err := prometheus.NewConstMetric(d, vt, v, labels...)
		if err != nil {
			mt = prometheus.NewInvalidMetric(d, err)
		}
		ch <- mt
	}
	counters := func(k key, t *totals) {
		lv := []string{m.driver, k.strategy, k.backoff, k.writers}
		ops, attempts, conflicts := t.ops, t.attempts, t.conflicts
		if m.cur != nil && k == liveKey {
			ops, attempts, conflicts = ops+liveOps, attempts+liveAttempts, conflicts+liveConflicts
		}
		emit(m.ops, prometheus.CounterValue, float64(ops), lv...)
		emit(m.attempts, prometheus.CounterValue, float64(attempts), lv...)
		emit(m.conflicts, prometheus.CounterValue, float64(conflicts), lv...)
		for reason, n := range t.giveUps {
			emit(m.giveUps, prometheus.CounterValue, float64(n), append(lv, reason)...)
		}
		for class, n := range t.errors {
			emit(m.errs, prometheus.CounterValue, float64(n), append(lv, class)...)
		}
		emit(m.lost, prometheus.CounterValue, float64(t.lost), lv...)
		for reason, n := range t.auditFailures {
			emit(m.auditFailures, prometheus.CounterValue, float64(n), append(lv, reason)...)
		}
		if t.histErr != nil {
			ch <- prometheus.NewInvalidMetric(m.latency, t.histErr)
			return
		}
		h := &t.latency
		if m.cur != nil && k == liveKey {
			sum := t.latency.clone()
			sum.add(&liveLat)
			h = &sum
		}
		ch <- m.metric(m.latency, h, lv...)
	}
	for _, k := range m.keys {
		counters(k, m.byKey[k])
	}

	if r := m.last; r != nil {
		emit(m.info, prometheus.GaugeValue, 1, m.driver, r.key.strategy, r.key.backoff, r.key.writers, strconv.Itoa(r.spec.Trial))
		switch {
		case m.lastDone:
			emit(m.progress, prometheus.GaugeValue, 1)
		case r.live != nil && r.live.Length > 0:
			ratio := float64(now.Sub(r.live.Start)) / float64(r.live.Length)
			emit(m.progress, prometheus.GaugeValue, min(max(ratio, 0), 1))
		}
	}
	if r := m.cur; r != nil && r.live != nil {
		if sec, ok := lastComplete(now.Sub(r.live.Start), r.live.Length); ok {
			var p99 float64
			if sec < len(points) {
				p99 = points[sec].P99MS / 1e3
			}
			emit(m.p99, prometheus.GaugeValue, p99)
		}
	}
	if m.total > 0 {
		emit(m.cells, prometheus.GaugeValue, float64(m.total))
	}
	emit(m.finished, prometheus.CounterValue, float64(m.nDone))
}

// lastComplete is the index of the last complete second at elapsed: a
// second is complete grace after it ends; in a timed cell only whole
// seconds of the planned length count.
func lastComplete(elapsed, length time.Duration) (int, bool) {
	if elapsed < grace+time.Second {
		return 0, false
	}
	hi := int((elapsed - grace) / time.Second)
	if length > 0 {
		hi = min(hi, int(length/time.Second))
	}
	return hi - 1, hi > 0
}

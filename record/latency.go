package record

// LatencyBuckets is the number of buckets of a Series' latency
// histogram: log-linear, 16 per power of two (≈6% wide) over µs.
const LatencyBuckets = logBuckets

// Latency is a copy of the committed op latencies a Series holds, every
// second added up: what a Prometheus scrape shows of a running cell.
type Latency struct {
	N      uint64                 // values
	Counts [LatencyBuckets]uint64 // values per bucket (LatencyBounds)
}

// LatencyBounds returns the bounds of bucket i of Latency.Counts, in µs,
// both inclusive: a value v is in the bucket when lo ≤ v ≤ hi.
func LatencyBounds(i int) (lo, hi int64) {
	if i <= 0 {
		return 0, 0
	}
	return logValue(i-1) + 1, logValue(i)
}

// LatencyBucket is the bucket of Latency.Counts that holds v µs.
func LatencyBucket(v int64) int { return logIndex(v) }

func (l *Latency) add(h *logHist) {
	if h.n == 0 {
		return
	}
	l.N += uint64(h.n)
	for i, c := range h.counts {
		l.Counts[i] += uint64(c)
	}
}

// Latency copies the latencies of every committed op the writers have
// flushed to the series so far into dst: the same ops as Points' Ops, a
// writer's current second not yet among them. It takes the series'
// mutex once, for a copy of a fixed size however long the cell runs.
func (s *Series) Latency(dst *Latency) {
	s.mu.Lock()
	defer s.mu.Unlock()
	*dst = s.lat
}

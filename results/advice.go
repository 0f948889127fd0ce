package results

import "github.com/occbench/occbench/internal/textout"

// Advice is the answer of occbench advise, kept in the results file
// beside the cells it was computed from: per key skew, the contention
// bands and which strategy is best in each on goodput and on p99, and
// the crossovers between them. docs/ADVISE.md says how it is computed.
type Advice struct {
	// Backoff is the one backoff every strategy ran with.
	Backoff string `json:"backoff"`
	// Trials is the number of trials of every point (strategy × writers ×
	// skew); Margin and Alpha are the tie rules (within noise).
	Trials int     `json:"trials"`
	Margin float64 `json:"margin"`
	Alpha  float64 `json:"alpha"`
	// Omitted names each candidate strategy the store cannot run, with
	// the reason: "hybrid: …".
	Omitted []string     `json:"omitted,omitempty"`
	Skews   []AdviceSkew `json:"skews"`
}

// AdviceSkew is the advice for one key skew.
type AdviceSkew struct {
	// Skew is the key distribution as the cells' distribution field
	// names it: "single", "zipfian(0.99)", "uniform".
	Skew       string            `json:"skew"`
	Bands      []AdviceBand      `json:"bands"`
	Crossovers []AdviceCrossover `json:"crossovers,omitempty"`
}

// AdviceBand is a run of neighbouring writer counts with one winner on
// one objective.
type AdviceBand struct {
	// Objective is "goodput" (committed ops/s, higher is better) or
	// "p99" (committed-op p99 latency, lower is better).
	Objective string `json:"objective"`
	// Winner is the best strategy; empty when the band is a tie.
	Winner string `json:"winner,omitempty"`
	// Tie lists the strategies within noise of each other (best first)
	// when no single one wins.
	Tie []string `json:"tie,omitempty"`
	// FromWriters and ToWriters are the band's first and last measured
	// writer counts.
	FromWriters int `json:"from_writers"`
	ToWriters   int `json:"to_writers"`
	// Below and Above bound the band in optimistic's conflict ratio:
	// the crossovers with its neighbours (nil at an open end, or when
	// optimistic's conflict ratio is not known).
	Above *float64 `json:"above_conflict_ratio,omitempty"`
	Below *float64 `json:"below_conflict_ratio,omitempty"`
	// RunnerUp is the closest other strategy over the band; GoodputX and
	// P99X are the winner's (or the tie's best's) median goodput and p99
	// over the runner-up's at the band's points (1.9 = 1.9×).
	RunnerUp string  `json:"runner_up,omitempty"`
	GoodputX float64 `json:"goodput_x,omitempty"`
	P99X     float64 `json:"p99_x,omitempty"`
	// Line is the recommendation as printed.
	Line string `json:"line"`
}

// AdviceCrossover is where the winner on an objective changes between
// two neighbouring measured writer counts.
type AdviceCrossover struct {
	Objective string `json:"objective"`
	// From and To are the winners on each side ("tie: a, b" for a tie).
	From string `json:"from"`
	To   string `json:"to"`
	// FromWriters and ToWriters are the two measured points around it.
	FromWriters int `json:"from_writers"`
	ToWriters   int `json:"to_writers"`
	// ConflictRatio is optimistic's conflict ratio at the crossover
	// (absent when not known); Interpolated is true when it is where the
	// two winners' difference changes sign, linearly between the two
	// points, false when it is the midpoint (a tie on one side).
	ConflictRatio *float64 `json:"conflict_ratio,omitempty"`
	Interpolated  bool     `json:"interpolated"`
	// Writers is the crossover on the writers axis, interpolated the
	// same way on log2(writers).
	Writers float64 `json:"writers"`
}

// writeAdvice prints the advice block's lines, per skew: the bands on
// each objective as occbench advise printed them.
func writeAdvice(ew *textout.Writer, f *File, markdown bool) {
	a := f.Advice
	if a == nil {
		return
	}
	if markdown {
		ew.Printf("\n#### Advice (occbench advise, backoff %s, %d trials per point)\n\n", textout.MarkdownLine(a.Backoff), a.Trials)
	} else {
		ew.Printf("\nadvice (occbench advise, backoff %s, %d trials per point):\n", a.Backoff, a.Trials)
	}
	for _, o := range a.Omitted {
		if markdown {
			ew.Printf("- not run (the store cannot): %s\n", textout.MarkdownLine(o))
		} else {
			ew.Printf("  not run (the store cannot): %s\n", o)
		}
	}
	for _, s := range a.Skews {
		for _, b := range s.Bands {
			if markdown {
				ew.Printf("- best on %s, %s\n", b.Objective, textout.MarkdownLine(b.Line))
			} else {
				ew.Printf("  best on %s, %s\n", b.Objective, b.Line)
			}
		}
	}
}

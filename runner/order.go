package runner

// RunOrder is the order in which the cells of a plan run, as indexes
// into cells: trial by trial, every cell's first trial, then every
// cell's second, and so on. Run back to back, a cell's trials would all
// meet the same few seconds of the machine, and a slow spell would shift
// them together: a change between two runs would then look significant
// when it is drift. Interleaved, each cell's trials sample the whole run.
func RunOrder(cells []Spec) []int {
	maxTrial := 0
	for _, c := range cells {
		maxTrial = max(maxTrial, c.Trial)
	}
	out := make([]int, 0, len(cells))
	for t := 0; t <= maxTrial; t++ {
		for i, c := range cells {
			if c.Trial == t {
				out = append(out, i)
			}
		}
	}
	return out
}

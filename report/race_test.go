//go:build race

package report

// raceEnabled is set when the race detector is on.
const raceEnabled = true

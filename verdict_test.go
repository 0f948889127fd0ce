package occbench

import (
	"errors"
	"testing"

	"github.com/occbench/occbench/internal/harness"
	"github.com/occbench/occbench/results"
)

// Judge gives every file the exit code occbench run gives it, and the
// error of the finding that decided it.
func TestJudgeAgreesWithTheCLI(t *testing.T) {
	ok := results.Cell{Strategy: "optimistic", Backoff: "expo", Writers: 4, Ops: 100, Attempts: 120, Audit: results.Audit{OK: true, Verdict: "ok"}}
	lost := ok
	lost.Audit = results.Audit{LostUpdates: 7, Verdict: "LOST UPDATES: 7 of 100"}
	lww := ok
	lww.Strategy = "lww"
	lww.Audit = results.Audit{OK: true, LostUpdates: 30, LossExpected: true}
	reset := ok
	reset.Audit = results.Audit{StoreReset: true, LostUpdates: 100, Verdict: "STORE RESET: documents missing"}
	unavailable := ok
	unavailable.Audit = results.Audit{Unavailable: "no Auditor", Verdict: "AUDIT UNAVAILABLE: no Auditor"}
	errored := ok
	errored.Ops, errored.Attempts, errored.Errors = 10, 100, map[string]int64{"timeout": 60, "connection": 60}
	judgedErrors := errored
	judgedErrors.Thresholds = []results.ThresholdResult{{Expr: "error_ratio < 0.9", Metric: "error_ratio", Value: 0.6, Pass: true}}
	thr := ok
	thr.Thresholds = []results.ThresholdResult{{Expr: "p99_ms < 5", Metric: "p99_ms", Value: 7, Pass: false}}
	skipped := lost
	skipped.Skipped = "no row locks"
	for _, tt := range []struct {
		name        string
		cells       []results.Cell
		interrupted bool
		code        int
		err         []error // the errors Err matches
		lost        int64
	}{
		{"ok", []results.Cell{ok}, false, ExitOK, nil, 0},
		{"no cells", nil, false, ExitOK, nil, 0},
		{"lost updates", []results.Cell{ok, lost}, false, ExitFailed, []error{ErrLostUpdates}, 7},
		{"expected loss", []results.Cell{ok, lww}, false, ExitOK, nil, 0},
		{"skipped cells are not judged", []results.Cell{ok, skipped}, false, ExitOK, nil, 0},
		{"store reset", []results.Cell{reset}, false, ExitFailed, []error{ErrStoreReset}, 0},
		{"unavailable", []results.Cell{ok, unavailable}, false, ExitFailed, []error{ErrAuditUnavailable}, 0},
		{"both audit problems", []results.Cell{reset, unavailable, lost}, false, ExitFailed, []error{ErrStoreReset, ErrAuditUnavailable}, 7},
		{"errors beat lost updates", []results.Cell{lost, errored}, false, ExitFailed, []error{ErrErrors}, 7},
		{"errors beat an interrupt", []results.Cell{errored}, true, ExitFailed, []error{ErrErrors}, 0},
		{"a threshold on error_ratio decides", []results.Cell{judgedErrors}, false, ExitOK, nil, 0},
		{"interrupt beats lost updates", []results.Cell{lost}, true, ExitInterrupted, []error{ErrInterrupted}, 7},
		{"lost updates beat thresholds", []results.Cell{thr, lost}, false, ExitFailed, []error{ErrLostUpdates}, 7},
		{"threshold", []results.Cell{thr}, false, ExitThreshold, []error{ErrThresholds}, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := &results.File{Cells: tt.cells, Interrupted: tt.interrupted}
			v := Judge(f)
			if cli := harness.Judge(f, nil); v.Code != cli.Code {
				t.Errorf("code %d, occbench run gives %d", v.Code, cli.Code)
			}
			if v.Code != tt.code || v.LostUpdates != tt.lost {
				t.Errorf("code %d, lost %d: want %d, %d", v.Code, v.LostUpdates, tt.code, tt.lost)
			}
			err := v.Err()
			if (err == nil) != (tt.code == ExitOK) || v.OK() != (tt.code == ExitOK) {
				t.Fatalf("err %v, OK %v for code %d", err, v.OK(), tt.code)
			}
			all := []error{ErrLostUpdates, ErrAuditUnavailable, ErrStoreReset, ErrErrors, ErrInterrupted, ErrThresholds}
			for _, e := range all {
				want := false
				for _, w := range tt.err {
					want = want || w == e
				}
				if errors.Is(err, e) != want {
					t.Errorf("errors.Is(%v, %v) = %v, want %v", err, e, !want, want)
				}
			}
			if err != nil && (len(v.Lines) == 0 || v.String() != err.Error()) {
				t.Errorf("lines %q, String %q, Err %q: want the findings in both", v.Lines, v.String(), err)
			}
		})
	}
}

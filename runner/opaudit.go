package runner

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/results"
)

// AuditOps is the scenario's audit value that asks for the op-level audit.
const AuditOps = "ops"

// CheckOpLog refuses --audit ops on a store that cannot keep an op log
// (no drivers.OpLogger, or one its Limiter refuses), naming the flag and
// the driver: a usage error (drivers.ErrInvalidOption).
func CheckOpLog(st drivers.Store, driverName string) error {
	_, ok := st.(drivers.OpLogger)
	why := "it keeps no op log"
	if lim, isLim := st.(drivers.Limiter); ok && isLim {
		if w := lim.Unsupported(drivers.CapOpLog); w != "" {
			ok, why = false, w
		}
	}
	if !ok {
		return usageError(fmt.Sprintf("--audit: ops is not available on driver %s (%s; allowed there: counts)", driverName, why))
	}
	return nil
}

// usageError is a refusal that reads as one line and is a usage error
// (errors.Is drivers.ErrInvalidOption) without saying so.
type usageError string

func (e usageError) Error() string        { return string(e) }
func (e usageError) Is(target error) bool { return target == drivers.ErrInvalidOption }

// opTrack is one writer's record of its ops for the op-level audit: op
// k's key and state, indexed by k (a writer's op ids are 0, 1, 2, …).
// It grows by appending: amortised, and only when the audit is on.
type opTrack struct {
	keys  []int32
	state []uint8 // opCommitted | attempts in doubt (saturating at opDoubtMax)
}

const (
	opCommitted = 0x80
	opDoubtMax  = 0x7f
)

// start records the writer's next op, on key: op k is the k-th start
// (the writer starts its ops in id order, each once).
func (t *opTrack) start(key int) {
	t.keys = append(t.keys, int32(key))
	t.state = append(t.state, 0)
}

// attempted records the outcome of an attempt of op k: a commit (err
// nil), or an errored attempt (failed) whose write may have committed
// (drivers.MayHaveCommitted), counted as in doubt even when the cell's
// stop cut it off. Conflicts leave nothing.
func (t *opTrack) attempted(k int64, err error, failed bool) {
	switch {
	case err == nil:
		t.state[k] |= opCommitted
	case failed && drivers.MayHaveCommitted(err) && t.state[k]&opDoubtMax < opDoubtMax:
		t.state[k]++
	}
}

// opChecker counts the copies of every op in the store's op log.
type opChecker struct {
	tracks []opTrack
	copies [][]uint16 // per writer, per op
	stray  []results.OpExample
	strays int64
}

func newOpChecker(tracks []opTrack) *opChecker {
	c := &opChecker{tracks: tracks, copies: make([][]uint16, len(tracks))}
	for w := range tracks {
		c.copies[w] = make([]uint16, len(tracks[w].keys))
	}
	return c
}

// add counts one entry of the op log. An entry no writer attempted, or
// in another document than its op's, is a stray: unexplained.
func (c *opChecker) add(key int, writer, op int64) error {
	if writer < 0 || writer >= int64(len(c.tracks)) || op < 0 || op >= int64(len(c.copies[writer])) || int(c.tracks[writer].keys[op]) != key {
		c.strays++
		if len(c.stray) < results.MaxOpExamples {
			c.stray = append(c.stray, results.OpExample{Writer: writer, Op: op, Key: key, What: results.OpUnexplained})
		}
		return nil
	}
	if n := &c.copies[writer][op]; *n < math.MaxUint16 {
		*n++
	}
	return nil
}

// result compares the copies with what the writers saw. Per op: a
// commit without a copy is lost; copies beyond one are duplicates; a
// copy of an op that never committed is an unacknowledged commit; and
// copies beyond the commit plus the attempts in doubt are unexplained.
func (c *opChecker) result() results.OpsAudit {
	o := results.OpsAudit{Unexplained: c.strays}
	var dup, lost, unack []results.OpExample
	note := func(list *[]results.OpExample, w int, k int, what string) {
		if len(*list) < results.MaxOpExamples {
			*list = append(*list, results.OpExample{Writer: int64(w), Op: int64(k), Key: int(c.tracks[w].keys[k]), What: what})
		}
	}
	unexplained := c.stray
	for w, t := range c.tracks {
		for k, st := range t.state {
			n := int64(c.copies[w][k])
			committed := int64(0)
			if st&opCommitted != 0 {
				committed = 1
				o.Checked++
			}
			doubt := int64(st & opDoubtMax)
			switch {
			case committed == 1 && n == 0:
				o.Lost++
				note(&lost, w, k, results.OpLost)
			case committed == 0 && n > 0:
				o.UnacknowledgedCommitted++
				note(&unack, w, k, results.OpUnacknowledged)
			}
			if n > 1 {
				o.Duplicated++
				note(&dup, w, k, results.OpDuplicated)
			}
			if extra := n - committed; extra > doubt {
				o.Unexplained += extra - doubt
				note(&unexplained, w, k, results.OpUnexplained)
			}
		}
	}
	for _, l := range [][]results.OpExample{unexplained, dup, lost, unack} {
		for _, e := range l {
			if len(o.Examples) < results.MaxOpExamples {
				o.Examples = append(o.Examples, e)
			}
		}
	}
	return o
}

// auditOps reads the store's op log within bound and compares it with
// the writers' tracks. An op log that cannot be read leaves an OpsAudit
// whose Error says why.
func auditOps(ctx context.Context, l drivers.OpLogger, tracks []opTrack, bound time.Duration) results.OpsAudit {
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), bound)
	defer cancel()
	c := newOpChecker(tracks)
	ch := make(chan error, 1)
	go func() { ch <- l.OpLog(actx, c.add) }()
	select {
	case err := <-ch:
		if err != nil {
			return results.OpsAudit{Error: fmt.Sprintf("op log: %v", err)}
		}
		return c.result()
	case <-actx.Done():
		return results.OpsAudit{Error: fmt.Sprintf("op log: no answer within %v: %v", bound, actx.Err())}
	}
}

// ApplyOpsAudit adds the op-level audit o to a, the counts audit of the
// same cell, and words its verdict: ops no commit explains are a HARNESS
// BUG; lost ops are LOST UPDATES unless the strategy expects them (then
// they are named as expected); otherwise the verdict says every committed
// op is in the store. Duplicates that attempts in doubt explain (a
// retry after a timeout whose write did land) are named but OK. An
// audit without a verdict (store reset, unavailable) keeps its own.
func ApplyOpsAudit(a *results.Audit, o results.OpsAudit, strategyName string, lossExpected bool) {
	a.Ops = &o
	if a.StoreReset || a.Unavailable != "" {
		return
	}
	if o.Error != "" {
		a.Verdict += "; OPS AUDIT UNAVAILABLE: " + o.Error
		return
	}
	examples := ""
	if len(o.Examples) > 0 {
		examples = " (" + o.ExampleList(results.MaxOpExamples) + ")"
	}
	var extra []string
	if o.Duplicated > 0 {
		extra = append(extra, fmt.Sprintf("%d applied more than once", o.Duplicated))
	}
	if o.UnacknowledgedCommitted > 0 {
		extra = append(extra, fmt.Sprintf("%d whose outcome was in doubt did commit", o.UnacknowledgedCommitted))
	}
	also := ""
	if len(extra) > 0 {
		also = "; " + strings.Join(extra, ", ")
	}
	switch {
	case o.Unexplained > 0:
		a.OK = false
		a.Verdict = fmt.Sprintf("HARNESS BUG: ops audit: the store holds %d op copies that no commit or attempt in doubt explains%s%s; %s", o.Unexplained, also, examples, a.Verdict)
	case o.Lost > 0 && !lossExpected:
		a.OK = false
		a.Verdict = fmt.Sprintf("LOST UPDATES: ops audit: %d of %d committed ops are missing from the store%s%s; %s promises none", o.Lost, o.Checked, also, examples, strategyName)
	case o.Lost > 0:
		a.Verdict += fmt.Sprintf("; ops audit: %d of %d committed ops lost, as expected%s%s", o.Lost, o.Checked, also, examples)
	default:
		a.Verdict += fmt.Sprintf("; ops audit: all %d committed ops in the store%s%s", o.Checked, also, examples)
	}
}

// MergeOpsAudits sums the op-level audits of cells merged into one: the
// counts add up, examples are kept in order up to MaxOpExamples, and an
// error of any part is the merged audit's. nil when no part has one.
func MergeOpsAudits(parts []*results.OpsAudit) *results.OpsAudit {
	var out *results.OpsAudit
	for _, p := range parts {
		if p == nil {
			continue
		}
		if out == nil {
			out = &results.OpsAudit{}
		}
		out.Checked += p.Checked
		out.Lost += p.Lost
		out.Duplicated += p.Duplicated
		out.UnacknowledgedCommitted += p.UnacknowledgedCommitted
		out.Unexplained += p.Unexplained
		for _, e := range p.Examples {
			if len(out.Examples) < results.MaxOpExamples {
				out.Examples = append(out.Examples, e)
			}
		}
		if p.Error != "" && out.Error == "" {
			out.Error = p.Error
		}
	}
	return out
}

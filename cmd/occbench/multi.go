package main

import (
	"flag"
	"os"
	"time"

	"github.com/occbench/occbench/coord"
	"github.com/occbench/occbench/internal/harness"
)

// multiFlags are run's multi-runner flags, as typed.
type multiFlags struct {
	runners        int
	index          int
	namespace      string
	startAt        string
	barrierTimeout time.Duration
	maxSkew        time.Duration
}

func addMultiFlags(fs *flag.FlagSet) *multiFlags {
	m := &multiFlags{}
	fs.IntVar(&m.runners, "runners", 1, "total runners sharing this run (each runs writers w with w mod N = its index); 1 = alone")
	fs.IntVar(&m.index, "runner-index", 0, "this runner's index, 0 … N-1 (default $"+harness.IndexEnv+", as a Kubernetes Indexed Job sets it)")
	fs.StringVar(&m.namespace, "namespace", "", "prefix of every table, collection and key occbench creates ([a-z][a-z0-9_]{0,30}); default: the plain names")
	fs.StringVar(&m.startAt, "start-at", "", "common start of the first cell: an RFC 3339 time or +DURATION (default: a barrier in the store)")
	fs.DurationVar(&m.barrierTimeout, "barrier-timeout", coord.DefaultBarrierTimeout, "how long a runner waits for the others (seed, barriers)")
	fs.DurationVar(&m.maxSkew, "max-skew", coord.DefaultMaxSkew, "refuse to start when this runner's clock differs from the store's by more")
	return m
}

// resolve checks the flags against the plan (bad input: exit 2).
func (m *multiFlags) resolve(fs *flag.FlagSet, p *harness.Plan) (harness.Multi, error) {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == "runner-index" })
	idx, err := harness.ResolveIndex(set, m.index, os.Getenv(harness.IndexEnv), m.runners)
	if err != nil {
		return harness.Multi{}, err
	}
	at, err := harness.ParseStartAt(m.startAt, time.Now())
	if err != nil {
		return harness.Multi{}, harness.BadInput(err)
	}
	out := harness.Multi{Runners: m.runners, Index: idx, Namespace: m.namespace, StartAt: at,
		BarrierTimeout: m.barrierTimeout, MaxSkew: m.maxSkew}
	if err := out.Check(p); err != nil {
		return harness.Multi{}, err
	}
	return out, nil
}

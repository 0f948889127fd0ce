package observekit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"
)

// newParser is the PromQL parser every expression goes through:
// Prometheus's defaults, no experimental functions.
func newParser() parser.Parser { return parser.NewParser(parser.Options{}) }

// ParseRules parses a Prometheus rule file with Prometheus's own parser:
// unknown fields are refused, every expr is parsed, every annotation
// template checked, metric and label names held to the legacy (not
// UTF-8) character set. What the parser logs as a warning (a second YAML
// document, ignored by Prometheus) is an error too, and so is a file
// without rules.
func ParseRules(data []byte) (*rulefmt.RuleGroups, error) {
	var warn warnings
	groups, errs := rulefmt.Parse(data, false, model.LegacyValidation, newParser(), slog.New(&warn))
	errs = append(errs, warn.errs()...)
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	n := 0
	for _, g := range groups.Groups {
		n += len(g.Rules)
	}
	if n == 0 {
		return nil, errors.New("rules: no rules")
	}
	return groups, nil
}

// warnings is a slog.Handler that keeps warnings and errors.
type warnings struct {
	mu   sync.Mutex
	msgs []string
}

func (w *warnings) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelWarn }

func (w *warnings) Handle(_ context.Context, r slog.Record) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.msgs = append(w.msgs, r.Message)
	return nil
}

func (w *warnings) WithAttrs([]slog.Attr) slog.Handler { return w }
func (w *warnings) WithGroup(string) slog.Handler      { return w }

func (w *warnings) errs() []error {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []error
	for _, m := range w.msgs {
		out = append(out, fmt.Errorf("rules: %s", m))
	}
	return out
}

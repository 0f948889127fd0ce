package harness

import (
	"context"
	"errors"
	"fmt"

	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/drivers/sqltemplate"
	"github.com/occbench/occbench/internal/redact"
	"github.com/occbench/occbench/scenarios"
)

// openStore opens driver d with o; the data store of a scenario with a
// write_path is the template store over the user's SQL instead of the
// driver's built-in document.
func openStore(ctx context.Context, d drivers.Driver, sc scenarios.Scenario, data bool, o drivers.Options) (drivers.Store, error) {
	if !data || sc.WritePath == nil {
		return d.Open(ctx, o)
	}
	t := sc.WritePath.For(d.Name)
	if t == nil {
		return nil, BadInputf("write_path: no %s entry for driver %s", d.Name, d.Name)
	}
	return sqltemplate.Open(ctx, d.Name, sqltemplate.Templates{
		Setup: t.Setup, Read: t.Read, CAS: t.CAS, Write: t.Write, LockRead: t.LockRead, Audit: t.Audit, Teardown: t.Teardown,
	}, o)
}

// templateError is err as one line naming the template the server
// refused (bad input), when it is one.
func templateError(err error) (error, bool) {
	var te *sqltemplate.TemplateError
	if !errors.As(err, &te) {
		return nil, false
	}
	return BadInput(errors.New(redact.DSN(te.Error()))), true
}

// writePathNote is what the plan's first line says of a write_path: whose
// SQL runs, and that there will be no audit without an audit template.
func writePathNote(sc scenarios.Scenario) string {
	t := sc.WritePath.For(sc.Driver)
	if t == nil {
		return ""
	}
	note := fmt.Sprintf(", your SQL (write_path.%s)", sc.Driver)
	if t.Audit == "" {
		note += fmt.Sprintf(" without an audit: every cell's audit will be unavailable (add write_path.%s.audit)", sc.Driver)
	}
	return note
}

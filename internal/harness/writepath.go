package harness

import (
	"context"
	"errors"
	"fmt"

	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/drivers/mongo"
	"github.com/occbench/occbench/drivers/redis"
	"github.com/occbench/occbench/drivers/sqltemplate"
	"github.com/occbench/occbench/internal/redact"
	"github.com/occbench/occbench/scenarios"
)

// openStore opens driver d with o; the data store of a scenario with a
// write_path is the template store over the user's SQL (postgres,
// sqlite), Lua scripts (redis) or filters and updates (mongo) instead
// of the driver's built-in document.
func openStore(ctx context.Context, d drivers.Driver, sc scenarios.Scenario, data bool, o drivers.Options) (drivers.Store, error) {
	if !data || sc.WritePath == nil {
		return d.Open(ctx, o)
	}
	w := sc.WritePath
	if d.Name == "redis" && w.Redis != nil {
		t := w.Redis
		st, err := redis.OpenTemplates(ctx, o, redis.Templates{
			KeyPattern: t.KeyPattern, Setup: t.Setup, Read: t.Read, CAS: t.CAS, Write: t.Write, Audit: t.Audit, Teardown: t.Teardown,
		})
		if err != nil {
			return nil, err // not a nil *TemplateStore in a non-nil Store
		}
		return st, nil
	}
	if d.Name == "mongo" && w.Mongo != nil {
		t := w.Mongo
		m := mongo.Templates{Collection: t.Collection, Setup: t.Setup, Read: t.Read, CASFilter: t.CAS.Filter, CASUpdate: t.CAS.Update, Audit: t.Audit, Fields: t.Fields}
		if t.Write != nil {
			m.WriteFilter, m.WriteUpdate = t.Write.Filter, t.Write.Update
		}
		st, err := mongo.OpenTemplates(ctx, o, m)
		if err != nil {
			return nil, err
		}
		return st, nil
	}
	t := w.For(d.Name)
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
	var re *redis.TemplateError
	var me *mongo.TemplateError
	switch {
	case errors.As(err, &te):
		return BadInput(errors.New(redact.DSN(te.Error()))), true
	case errors.As(err, &re):
		return BadInput(errors.New(redact.DSN(re.Error()))), true
	case errors.As(err, &me):
		return BadInput(errors.New(redact.DSN(me.Error()))), true
	}
	return nil, false
}

// writePathNote is what the plan's first line says of a write_path: whose
// SQL, scripts or documents run, and that there will be no audit without
// an audit template.
func writePathNote(sc scenarios.Scenario) string {
	if !sc.WritePath.Has(sc.Driver) {
		return ""
	}
	what := "SQL"
	switch sc.Driver {
	case "redis":
		what = "Lua scripts"
	case "mongo":
		what = "filters and updates"
	}
	note := fmt.Sprintf(", your %s (write_path.%s)", what, sc.Driver)
	if !sc.WritePath.HasAudit(sc.Driver) {
		note += fmt.Sprintf(" without an audit: every cell's audit will be unavailable (add write_path.%s.audit)", sc.Driver)
	}
	return note
}

package mongo

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
	mgo "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/occbench/occbench/drivers"
)

// Templates are a write_path's documents for MongoDB, as a scenario's
// write_path.mongo gives them (package scenarios checks them first).
// Every document is extended JSON; see the package doc, "Templates".
type Templates struct {
	Collection               string
	Setup                    string // the seed document of one key; "" = the collection already holds them
	Read                     string // the filter of one key's document
	CASFilter, CASUpdate     string
	WriteFilter, WriteUpdate string // "" = no unconditional write: lww, check-then-write and lease are skipped
	Audit                    string // an aggregation pipeline; "" = the audit is unavailable
	Fields                   map[string]string
}

// TemplateMaxScanKeys is the most keys for which Setup and Totals read
// every key back (Totals.Docs and Totals.Versions); above it Totals
// reports Docs = keys and Versions = 0.
const TemplateMaxScanKeys = 1000

// FenceField is the field a TemplateStore keeps a key's accepted fence
// in, in the user's document (fenced writes only).
const FenceField = "occbench_fence"

var (
	_ drivers.Store             = (*TemplateStore)(nil)
	_ drivers.Reader            = (*TemplateStore)(nil)
	_ drivers.CompareAndSwapper = (*TemplateStore)(nil)
	_ drivers.Putter            = (*TemplateStore)(nil)
	_ drivers.FencedReader      = (*TemplateStore)(nil)
	_ drivers.Leaser            = (*TemplateStore)(nil)
	_ drivers.Limiter           = (*TemplateStore)(nil)
	_ drivers.Versioner         = (*TemplateStore)(nil)
)

// TemplateError is a template the store refused or the server could
// not run: one line "write_path.mongo.NAME: message", which matches
// drivers.ErrInvalidOption (the CLI exits 2 with it).
type TemplateError struct {
	Template string // write_path.mongo.cas.filter
	Err      error
}

func (e *TemplateError) Error() string {
	return e.Template + ": " + strings.Join(strings.Fields(e.Err.Error()), " ")
}

// Unwrap returns the cause and drivers.ErrInvalidOption.
func (e *TemplateError) Unwrap() []error { return []error{e.Err, drivers.ErrInvalidOption} }

// The placeholders, and which template may use which.
var (
	placeholderRE = regexp.MustCompile(`^@[A-Za-z_]+$`)
	keyParams     = []string{"key", "keys"}
	readParams    = []string{"key"}
	casParams     = []string{"key", "version", "new_version", "writer", "op", "payload", "updated_at"}
	writeParams   = append(slices.Clip(casParams), "counter")
	auditParams   = []string{"keys"}
)

// tplValues are the values of one call's placeholders.
type tplValues struct {
	key, keys, version, newVersion, writer, op, updatedAt, counter int64
	payload                                                        []byte
}

func (v *tplValues) get(name string) any {
	switch name {
	case "key":
		return v.key
	case "keys":
		return v.keys
	case "version":
		return v.version
	case "new_version":
		return v.newVersion
	case "writer":
		return v.writer
	case "op":
		return v.op
	case "updated_at":
		return v.updatedAt
	case "counter":
		return v.counter
	case "payload":
		return bson.Binary{Data: v.payload}
	}
	return nil
}

// tplDoc is one parsed template: a document (bson.D) or a pipeline
// (bson.A).
type tplDoc struct {
	name string // write_path.mongo.cas.filter
	v    any
}

// parseTpl parses src as extended JSON (an array when pipeline) and
// checks its placeholders against allowed.
func parseTpl(name, src string, pipeline bool, allowed []string) (*tplDoc, error) {
	t := &tplDoc{name: "write_path.mongo." + name}
	if pipeline {
		var a struct {
			P bson.A `bson:"p"`
		}
		if err := bson.UnmarshalExtJSON([]byte(`{"p":`+src+`}`), false, &a); err != nil {
			return nil, &TemplateError{Template: t.name, Err: fmt.Errorf("want an aggregation pipeline (a JSON array of stages): %w", err)}
		}
		t.v = a.P
	} else {
		var d bson.D
		if err := bson.UnmarshalExtJSON([]byte(src), false, &d); err != nil {
			return nil, &TemplateError{Template: t.name, Err: fmt.Errorf("want extended JSON, a JSON object: %w", err)}
		}
		t.v = d
	}
	var bad error
	walk(t.v, func(s string) {
		if bad == nil && placeholderRE.MatchString(s) && !slices.Contains(allowed, s[1:]) {
			bad = fmt.Errorf("unknown parameter %s (allowed here: @%s)", s, strings.Join(allowed, ", @"))
		}
	})
	if bad != nil {
		return nil, &TemplateError{Template: t.name, Err: bad}
	}
	return t, nil
}

// walk calls f with every string value in v.
func walk(v any, f func(string)) {
	switch v := v.(type) {
	case bson.D:
		for _, e := range v {
			walk(e.Value, f)
		}
	case bson.A:
		for _, e := range v {
			walk(e, f)
		}
	case string:
		f(v)
	}
}

// subst returns a copy of v with every placeholder string replaced by
// its value.
func subst(v any, vals *tplValues) any {
	switch v := v.(type) {
	case bson.D:
		out := make(bson.D, len(v))
		for i, e := range v {
			out[i] = bson.E{Key: e.Key, Value: subst(e.Value, vals)}
		}
		return out
	case bson.A:
		out := make(bson.A, len(v))
		for i, e := range v {
			out[i] = subst(e, vals)
		}
		return out
	case string:
		if placeholderRE.MatchString(v) {
			if r := vals.get(v[1:]); r != nil {
				return r
			}
		}
	}
	return v
}

// TemplateStore runs the strategies over a write_path's filters,
// updates and audit pipeline. Setup must not run concurrently with any
// other method; every other method is safe for concurrent use.
type TemplateStore struct {
	base *Store // the connection; its lease collection and Leaser
	coll *mgo.Collection
	t    Templates

	setup, read, casFilter, casUpdate *tplDoc
	writeFilter, writeUpdate, audit   *tplDoc // may be nil
	fields                            map[string]string

	// Set by Setup.
	spec                    drivers.Spec
	baseAudit, baseVersions int64
	ranSetup                bool
}

// OpenTemplates parses t and connects to o.DSN as Open does, with the
// default write and read concerns. Options.Params must be empty.
// Nothing runs on the server until Setup.
func OpenTemplates(ctx context.Context, o drivers.Options, t Templates) (*TemplateStore, error) {
	if len(o.Params) > 0 {
		return nil, fmt.Errorf("write_path.mongo: params: a write_path store takes no driver params (the templates say how to write): %w", drivers.ErrInvalidOption)
	}
	s := &TemplateStore{t: t, fields: map[string]string{}}
	if err := s.parse(); err != nil {
		return nil, err
	}
	base, err := OpenConfig(ctx, o, Config{})
	if err != nil {
		return nil, fmt.Errorf("write_path.%w", err)
	}
	s.base = base
	s.coll = base.db.Collection(t.Collection)
	return s, nil
}

func (s *TemplateStore) parse() error {
	t := s.t
	if strings.TrimSpace(t.Collection) == "" {
		return &TemplateError{Template: "write_path.mongo.collection", Err: errors.New("required")}
	}
	if t.Collection == DocsCollection || t.Collection == LeasesCollection {
		return &TemplateError{Template: "write_path.mongo.collection", Err: fmt.Errorf("%q is occbench's own (its %s collection)", t.Collection, t.Collection)}
	}
	for _, f := range []string{"version", "counter", "writer", "op", "updated_at", "payload"} {
		s.fields[f] = f
	}
	for k, v := range t.Fields {
		if _, ok := s.fields[k]; !ok {
			return &TemplateError{Template: "write_path.mongo.fields", Err: fmt.Errorf("unknown field %q", k)}
		}
		s.fields[k] = v
	}
	var err error
	for _, r := range []struct {
		name, src string
		dst       **tplDoc
		params    []string
		pipeline  bool
		need      bool
	}{
		{"setup", t.Setup, &s.setup, keyParams, false, false},
		{"read", t.Read, &s.read, readParams, false, true},
		{"cas.filter", t.CASFilter, &s.casFilter, casParams, false, true},
		{"cas.update", t.CASUpdate, &s.casUpdate, casParams, false, true},
		{"write.filter", t.WriteFilter, &s.writeFilter, writeParams, false, t.WriteUpdate != ""},
		{"write.update", t.WriteUpdate, &s.writeUpdate, writeParams, false, t.WriteFilter != ""},
		{"audit", t.Audit, &s.audit, auditParams, true, false},
	} {
		if strings.TrimSpace(r.src) == "" {
			if r.need {
				return &TemplateError{Template: "write_path.mongo." + r.name, Err: errors.New("required (a write_path needs read and cas; write needs filter and update)")}
			}
			continue
		}
		if *r.dst, err = parseTpl(r.name, r.src, r.pipeline, r.params); err != nil {
			return err
		}
	}
	for _, u := range []*tplDoc{s.casUpdate, s.writeUpdate} {
		if u == nil {
			continue
		}
		for _, e := range u.v.(bson.D) {
			if !strings.HasPrefix(e.Key, "$") {
				return &TemplateError{Template: u.name, Err: fmt.Errorf("field %q: want an update of operators ($set, $inc, …), not a replacement document", e.Key)}
			}
		}
	}
	return nil
}

// templateErr is a *TemplateError for the server's refusal of t, or a
// plain error when the server could not be reached.
func templateErr(name string, err error) error {
	var se mgo.ServerError
	if errors.As(err, &se) {
		return &TemplateError{Template: name, Err: err}
	}
	return fmt.Errorf("%s: %w", name, err)
}

// Setup drops occbench's lease collection; with a setup template it
// drops the user's collection and inserts the seed document of each
// key (@key, @keys bound); then it checks what can be checked without
// writing: the read finds keys 0 and keys−1 with a version, and the
// audit returns integers, whose sum Totals subtracts from its own.
func (s *TemplateStore) Setup(ctx context.Context, spec drivers.Spec) error {
	if err := spec.Validate(); err != nil {
		return fmt.Errorf("write_path.mongo: setup: %w", err)
	}
	if spec.FieldGroups != 1 || spec.Slots != 0 {
		return fmt.Errorf("write_path.mongo: setup: field_groups must be 1 and scope document (got %d field groups, %d slots): %w", spec.FieldGroups, spec.Slots, drivers.ErrInvalidOption)
	}
	if err := ended(ctx, "write_path setup", -1); err != nil {
		return err
	}
	if err := s.base.leases.Drop(ctx); err != nil {
		return wrap("write_path setup: drop "+LeasesCollection, -1, err)
	}
	s.spec = spec
	s.base.spec = drivers.Spec{Keys: spec.Keys, FieldGroups: 1}
	if s.setup != nil {
		if err := s.coll.Drop(ctx); err != nil {
			return wrap("write_path setup: drop "+s.t.Collection, -1, err)
		}
		for lo := 0; lo < spec.Keys; lo += seedBatch {
			batch := make([]any, 0, seedBatch)
			for k := lo; k < min(lo+seedBatch, spec.Keys); k++ {
				batch = append(batch, subst(s.setup.v, &tplValues{key: int64(k), keys: int64(spec.Keys)}))
			}
			if _, err := s.coll.InsertMany(ctx, batch, options.InsertMany().SetOrdered(false)); err != nil {
				return templateErr(s.setup.name, err)
			}
		}
	}
	s.ranSetup = true
	var d drivers.Doc
	for _, key := range []int{0, spec.Keys - 1} {
		found, err := s.readDoc(ctx, key, &d)
		if err != nil {
			var te *TemplateError
			if errors.As(err, &te) {
				return err
			}
			return templateErr(s.read.name, err)
		}
		if !found {
			return &TemplateError{Template: s.read.name, Err: fmt.Errorf("finds no document for @key = %d in %s after setup: the collection must hold keys 0 … @keys−1 (%d keys)", key, s.t.Collection, spec.Keys)}
		}
	}
	s.baseAudit = 0
	if s.audit != nil {
		n, err := s.runAudit(ctx)
		if err != nil {
			return err
		}
		s.baseAudit = n
	}
	s.baseVersions = 0
	if spec.Keys <= TemplateMaxScanKeys {
		_, v, err := s.scanAll(ctx)
		if err != nil {
			return err
		}
		s.baseVersions = v
	}
	return nil
}

// number reads an integer-valued BSON number.
func number(rv bson.RawValue) (int64, bool) {
	switch rv.Type {
	case bson.TypeInt32:
		return int64(rv.Int32()), true
	case bson.TypeInt64:
		return rv.Int64(), true
	case bson.TypeDouble:
		f := rv.Double()
		return int64(f), f == float64(int64(f))
	}
	return 0, false
}

// decode fills d from a document: version (required), counter,
// writer, op, updated_at (numbers) and payload (binary or string),
// under the names Fields gives.
func (s *TemplateStore) decode(raw bson.Raw, key int, d *drivers.Doc) error {
	*d = drivers.Doc{Key: key, Payload: d.Payload[:0], Groups: d.Groups[:0], Slots: d.Slots[:0]}
	for _, f := range []struct {
		name string
		dst  *int64
	}{{"version", &d.Version}, {"counter", &d.Counter}, {"writer", &d.Writer}, {"op", &d.Op}, {"updated_at", &d.UpdatedAt}} {
		rv, err := raw.LookupErr(s.fields[f.name])
		if err != nil {
			if f.name == "version" {
				return &TemplateError{Template: s.read.name, Err: fmt.Errorf("key %d: the document has no %q field (the version; map it with fields: {version: …})", key, s.fields["version"])}
			}
			continue
		}
		n, ok := number(rv)
		if !ok {
			return &TemplateError{Template: s.read.name, Err: fmt.Errorf("key %d: %q is a %s, want an integer", key, s.fields[f.name], rv.Type)}
		}
		*f.dst = n
	}
	if rv, err := raw.LookupErr(s.fields["payload"]); err == nil {
		switch rv.Type {
		case bson.TypeBinary:
			_, b := rv.Binary()
			d.Payload = append(d.Payload, b...)
		case bson.TypeString:
			d.Payload = append(d.Payload, rv.StringValue()...)
		}
	}
	if rv, err := raw.LookupErr(FenceField); err == nil {
		d.Fence, _ = number(rv)
	}
	d.Groups = append(d.Groups, d.Version) // one field group: the document's version
	return nil
}

// readDoc finds key's document with the read filter: found false when
// there is none.
func (s *TemplateStore) readDoc(ctx context.Context, key int, d *drivers.Doc) (bool, error) {
	raw, err := s.coll.FindOne(ctx, subst(s.read.v, &tplValues{key: int64(key)})).Raw()
	if errors.Is(err, mgo.ErrNoDocuments) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return true, s.decode(raw, key, d)
}

// runAudit runs the audit pipeline (@keys bound) and sums its result:
// each result document must hold one number besides _id.
func (s *TemplateStore) runAudit(ctx context.Context) (int64, error) {
	cur, err := s.coll.Aggregate(ctx, subst(s.audit.v, &tplValues{keys: int64(s.spec.Keys)}))
	if err != nil {
		return 0, templateErr(s.audit.name, err)
	}
	defer cur.Close(context.WithoutCancel(ctx))
	var sum int64
	for cur.Next(ctx) {
		elems, err := cur.Current.Elements()
		if err != nil {
			return 0, templateErr(s.audit.name, err)
		}
		var got []bson.RawElement
		for _, e := range elems {
			if e.Key() != "_id" {
				got = append(got, e)
			}
		}
		if len(got) != 1 {
			return 0, &TemplateError{Template: s.audit.name, Err: fmt.Errorf("returned %s, want documents of one integer field besides _id (their sum is the committed ops the store holds)", cur.Current)}
		}
		n, ok := number(got[0].Value())
		if !ok {
			return 0, &TemplateError{Template: s.audit.name, Err: fmt.Errorf("field %q is a %s, want an integer", got[0].Key(), got[0].Value().Type)}
		}
		sum += n
	}
	if err := cur.Err(); err != nil {
		return 0, templateErr(s.audit.name, err)
	}
	return sum, nil
}

// scanAll reads every key: the documents found and Σ version.
func (s *TemplateStore) scanAll(ctx context.Context) (docs, versions int64, err error) {
	var d drivers.Doc
	for key := range s.spec.Keys {
		found, err := s.readDoc(ctx, key, &d)
		if err != nil {
			return 0, 0, err
		}
		if found {
			docs++
			versions += d.Version
		}
	}
	return docs, versions, nil
}

// Totals runs the audit: Counter is its sum less its value after Setup.
// Docs and Versions come from reading every key back when there are at
// most TemplateMaxScanKeys keys. Without an audit template it fails,
// and the runner marks the cell's audit unavailable.
func (s *TemplateStore) Totals(ctx context.Context) (drivers.Totals, error) {
	if !s.ranSetup {
		return drivers.Totals{}, errors.New("write_path.mongo: totals: Setup has not run")
	}
	if s.audit == nil {
		return drivers.Totals{}, errors.New("write_path.mongo has no audit template: nothing reads back what the store holds, so no lost update can be seen")
	}
	if err := ended(ctx, "write_path totals", -1); err != nil {
		return drivers.Totals{}, err
	}
	n, err := s.runAudit(ctx)
	if err != nil {
		return drivers.Totals{}, err
	}
	t := drivers.Totals{Docs: int64(s.spec.Keys), Counter: n - s.baseAudit}
	if s.spec.Keys <= TemplateMaxScanKeys {
		docs, v, err := s.scanAll(ctx)
		if err != nil {
			return drivers.Totals{}, wrapRead("write_path totals", -1, err)
		}
		t.Docs, t.Versions = docs, v-s.baseVersions
	}
	return t, nil
}

// Close disconnects. It drops nothing.
func (s *TemplateStore) Close() error { return s.base.Close() }

// ServerVersion reports the server as the mongo driver does.
func (s *TemplateStore) ServerVersion(ctx context.Context) (string, error) {
	return s.base.ServerVersion(ctx)
}

// Server is what the server said of itself at Open (FerretDB's
// conditional updates are not atomic: see the package doc).
func (s *TemplateStore) Server() Server { return s.base.Server() }

// Unsupported implements drivers.Limiter: lww, check-then-write and
// lease need the write template.
func (s *TemplateStore) Unsupported(c drivers.Capability) string {
	if c == drivers.CapPut && s.writeUpdate == nil {
		return "write_path.mongo has no write template: lww, check-then-write and lease need the unconditional write"
	}
	return ""
}

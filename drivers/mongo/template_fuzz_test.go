package mongo

import (
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// FuzzParseTpl parses arbitrary text as a write_path.mongo document and
// pipeline. Neither may panic; an error is a *TemplateError naming the
// template; what parses substitutes every allowed placeholder and
// leaves none of them behind.
func FuzzParseTpl(f *testing.F) {
	for _, s := range []string{
		`{"_id": "@key"}`,
		`{"_id": "@key", "version": "@version", "sold": {"$lt": 1000000000}}`,
		`{"$set": {"p": "@payload", "n": ["@op", {"w": "@writer"}]}, "$inc": {"c": {"$numberLong": "1"}}}`,
		`[{"$project": {"_id": 0, "sold": 1}}]`,
		`{"_id": "@id"}`, `{"_id": `, `[`, `"@key"`, `{"a": "@@key"}`, ``,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		for _, pipeline := range []bool{false, true} {
			d, err := parseTpl("cas.update", src, pipeline, writeParams)
			if err != nil {
				if !strings.HasPrefix(err.Error(), "write_path.mongo.cas.update: ") {
					t.Fatalf("error %q does not name the template", err)
				}
				continue
			}
			v := tplValues{key: 1, keys: 2, version: 3, newVersion: 4, writer: 5, op: 6, updatedAt: 7, counter: 8, payload: []byte("p")}
			out := subst(d.v, &v)
			walk(out, func(s string) {
				if placeholderRE.MatchString(s) {
					t.Fatalf("placeholder %s left after subst of %q", s, src)
				}
			})
			if _, ok := out.(bson.D); !ok && !pipeline {
				t.Fatalf("document %q substituted to %T", src, out)
			}
		}
	})
}

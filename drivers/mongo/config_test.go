package mongo

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/occbench/occbench/drivers"
)

func TestOpenRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		o      drivers.Options
		want   []string // substrings of the error
		hidden string   // must not appear in the error
	}{
		{"no dsn", drivers.Options{}, []string{"--dsn", "mongodb://"}, ""},
		{"negative writers", drivers.Options{DSN: "mongodb://h", Writers: -1}, []string{"writers", "-1"}, ""},
		{"bad scheme", drivers.Options{DSN: "postgres://u:s3cret@h/db"}, []string{"--dsn", "u:xxxxx@h"}, "s3cret"},
		{"bad option", drivers.Options{DSN: "mongodb://u:s3cret@h/db?maxPoolSize=many"}, []string{"--dsn"}, "s3cret"},
		{"unknown param", drivers.Options{DSN: "mongodb://h", Params: map[string]string{"w": "1", "lock_wait": "nowait"}}, []string{`unknown key "w"`, "write_concern"}, ""},
		{"lock wait", drivers.Options{DSN: "mongodb://h", Params: map[string]string{"lock_wait": "wait"}}, []string{"lock_wait", "WriteConflict"}, ""},
		{"write concern 0", drivers.Options{DSN: "mongodb://h", Params: map[string]string{"write_concern": "0"}}, []string{"write_concern", "≥ 1"}, ""},
		{"write concern word", drivers.Options{DSN: "mongodb://h", Params: map[string]string{"write_concern": "all"}}, []string{"write_concern", `"all"`, "majority"}, ""},
		{"read concern", drivers.Options{DSN: "mongodb://h", Params: map[string]string{"read_concern": "snapshot"}}, []string{"read_concern", `"snapshot"`, "linearizable"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			st, err := Open(context.Background(), tt.o)
			if err == nil {
				st.Close()
				t.Fatal("Open: no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if tt.hidden != "" && strings.Contains(err.Error(), tt.hidden) {
				t.Errorf("error %q shows the password", err)
			}
		})
	}
}

func TestParseConcerns(t *testing.T) {
	t.Parallel()
	wcs := []struct {
		in   string
		want any
	}{{"majority", "majority"}, {"1", 1}, {"3", 3}}
	for _, tt := range wcs {
		wc, err := parseWriteConcern(tt.in)
		if err != nil || wc.W != tt.want {
			t.Errorf("parseWriteConcern(%q) = %v, %v; want W=%v", tt.in, wc, err, tt.want)
		}
	}
	for _, in := range []string{"", "0", "-1", "majority ", "1.5"} {
		if _, err := parseWriteConcern(in); err == nil {
			t.Errorf("parseWriteConcern(%q): no error", in)
		}
	}
	for _, in := range []string{"local", "majority", "available", "linearizable"} {
		rc, err := parseReadConcern(in)
		if err != nil || rc.Level != in {
			t.Errorf("parseReadConcern(%q) = %v, %v", in, rc, err)
		}
	}
	for _, in := range []string{"", "snapshot", "Local"} {
		if _, err := parseReadConcern(in); err == nil {
			t.Errorf("parseReadConcern(%q): no error", in)
		}
	}
}

func TestServer(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		sv       Server
		tx       bool
		why      string
		topology string
		str      string
	}{
		{"replica set", Server{Version: "7.0.12", SetName: "rs0"}, true, "", "replica set rs0", "MongoDB 7.0.12, replica set rs0"},
		{"mongos", Server{Version: "7.0.12", Mongos: true}, true, "", "sharded (mongos)", "MongoDB 7.0.12, sharded (mongos)"},
		{"standalone", Server{Version: "6.0.1"}, false, "server is not a replica set", "standalone", "MongoDB 6.0.1, standalone"},
		{"ferretdb", Server{Version: "7.0.42", FerretDB: "v1.24.2"}, false, "FerretDB v1.24.2 does not implement transactions", "standalone",
			"FerretDB v1.24.2 (MongoDB 7.0.42 wire), standalone"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tx, why := tt.sv.Transactions()
			if tx != tt.tx || why != tt.why {
				t.Errorf("Transactions() = %v, %q; want %v, %q", tx, why, tt.tx, tt.why)
			}
			if got := tt.sv.Topology(); got != tt.topology {
				t.Errorf("Topology() = %q, want %q", got, tt.topology)
			}
			if got := tt.sv.String(); got != tt.str {
				t.Errorf("String() = %q, want %q", got, tt.str)
			}
			s := &Store{server: tt.sv, wc: "majority", rc: "local"}
			if !tx {
				s.noTx = NoTransactions + why
			}
			if got := s.Unsupported(drivers.CapLockedUpdate); got != s.noTx {
				t.Errorf("Unsupported(row locks) = %q, want %q", got, s.noTx)
			}
			for _, c := range []drivers.Capability{drivers.CapRead, drivers.CapCompareAndSwap, drivers.CapPut, drivers.CapReadFenced, drivers.CapLease} {
				if got := s.Unsupported(c); got != "" {
					t.Errorf("Unsupported(%s) = %q", c, got)
				}
			}
			v, err := s.ServerVersion(context.Background())
			if err != nil || v != tt.str+"; writeConcern=majority readConcern=local" {
				t.Errorf("ServerVersion() = %q, %v", v, err)
			}
			if got := s.Settings()["transactions"]; (got == "yes") != tx {
				t.Errorf("Settings()[transactions] = %q", got)
			}
		})
	}
}

func TestGroupOf(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		g             int
		payload, okay bool
	}{
		{"gv0", 0, false, true}, {"gv3", 3, false, true}, {"p0", 0, true, true}, {"p3", 3, true, true},
		{"gv4", 0, false, false}, {"p4", 0, false, false}, {"gv", 0, false, false}, {"p", 0, false, false},
		{"gv-1", 0, false, false}, {"px", 0, false, false}, {"pgv1", 0, false, false}, {"version", 0, false, false},
	}
	for _, tt := range tests {
		g, payload, ok := groupOf(tt.name, 4)
		if g != tt.g || payload != tt.payload || ok != tt.okay {
			t.Errorf("groupOf(%q, 4) = %d, %v, %v; want %d, %v, %v", tt.name, g, payload, ok, tt.g, tt.payload, tt.okay)
		}
	}
}

func TestDecode(t *testing.T) {
	t.Parallel()
	s := &Store{spec: drivers.Spec{Keys: 10, FieldGroups: 2, PayloadBytes: 6}, gb: 3}
	raw := func(d bson.D) bson.Raw {
		b, err := bson.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	good := bson.D{
		{Key: "_id", Value: int64(4)}, {Key: "version", Value: int64(5)}, {Key: "counter", Value: int32(6)},
		{Key: "fence", Value: int64(7)}, {Key: "writer", Value: int64(8)}, {Key: "op", Value: int64(9)},
		{Key: "updated_at", Value: int64(10)}, {Key: "gv0", Value: int64(2)}, {Key: "gv1", Value: int64(3)},
		{Key: "p0", Value: []byte{1, 2, 3}}, {Key: "p1", Value: []byte{4, 5, 6}},
		{Key: "lock", Value: bson.D{{Key: "writer", Value: 1}}}, {Key: "extra", Value: "ignored"},
	}
	// A reused Doc with longer slices and stale values.
	d := drivers.Doc{Groups: []int64{9, 9, 9}, Payload: bytes.Repeat([]byte{9}, 8)}
	if err := s.decode(raw(good), 4, &d); err != nil {
		t.Fatal(err)
	}
	want := drivers.Doc{Key: 4, Version: 5, Counter: 6, Fence: 7, Writer: 8, Op: 9, UpdatedAt: 10, Groups: []int64{2, 3}, Payload: []byte{1, 2, 3, 4, 5, 6}}
	if d.Key != want.Key || d.Version != want.Version || d.Counter != want.Counter || d.Fence != want.Fence ||
		d.Writer != want.Writer || d.Op != want.Op || d.UpdatedAt != want.UpdatedAt ||
		len(d.Groups) != 2 || d.Groups[0] != 2 || d.Groups[1] != 3 || !bytes.Equal(d.Payload, want.Payload) {
		t.Errorf("decode = %+v, want %+v", d, want)
	}
	bad := []struct {
		name string
		doc  bson.D
	}{
		{"string version", bson.D{{Key: "version", Value: "5"}}},
		{"short payload", bson.D{{Key: "p1", Value: []byte{1}}}},
		{"null payload", bson.D{{Key: "p0", Value: nil}}},
		{"string group", bson.D{{Key: "gv1", Value: "x"}}},
	}
	for _, tt := range bad {
		if err := s.decode(raw(tt.doc), 1, &d); err == nil || !strings.Contains(err.Error(), "mongo: decode key 1") {
			t.Errorf("%s: decode error = %v, want one naming the key", tt.name, err)
		}
	}
}

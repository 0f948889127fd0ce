package redis

import (
	"strconv"
	"testing"
)

func TestParseOpMember(t *testing.T) {
	for _, tt := range []struct {
		in       string
		w, op    int64
		wantFail bool
	}{
		{in: "0:3:17", w: 3, op: 17},
		{in: "12:0:0", w: 0, op: 0},
		{in: "1:-1:5", w: -1, op: 5},
		{in: "", wantFail: true},
		{in: "1:2", wantFail: true},
		{in: "1:2:3:4", wantFail: true},
		{in: "x:2:3", wantFail: true},
		{in: "1:2:3.5", wantFail: true},
		{in: "1:99999999999999999999:3", wantFail: true},
	} {
		t.Run(tt.in, func(t *testing.T) {
			w, op, err := parseOpMember(tt.in)
			if (err != nil) != tt.wantFail || (err == nil && (w != tt.w || op != tt.op)) {
				t.Errorf("parseOpMember(%q) = %d, %d, %v; want %d, %d, fail %v", tt.in, w, op, err, tt.w, tt.op, tt.wantFail)
			}
		})
	}
}

// FuzzParseOpMember: any string parses or fails without a panic, and
// every member the scripts write (pos:writer:op) reads back its writer
// and op.
func FuzzParseOpMember(f *testing.F) {
	f.Add("0:3:17", int64(0), int64(3), int64(17))
	f.Add("1:2", int64(5), int64(-1), int64(1<<62))
	f.Add("::", int64(-9), int64(0), int64(0))
	f.Fuzz(func(t *testing.T, m string, pos, w, op int64) {
		_, _, _ = parseOpMember(m)
		member := strconv.FormatInt(pos, 10) + ":" + strconv.FormatInt(w, 10) + ":" + strconv.FormatInt(op, 10)
		gw, gop, err := parseOpMember(member)
		if err != nil || gw != w || gop != op {
			t.Fatalf("parseOpMember(%q) = %d, %d, %v; want %d, %d", member, gw, gop, err, w, op)
		}
	})
}

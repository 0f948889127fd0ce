package sqlite

import (
	"slices"
	"strings"
	"testing"

	"github.com/occbench/occbench/drivers"
)

func TestParseSlots(t *testing.T) {
	for _, tt := range []struct {
		raw   string
		slots int
		want  []int64
		err   string
	}{
		{"", 0, []int64{}, ""},
		{"0000000000000000" + "000000000000002a", 2, []int64{0, 42}, ""},
		{"7FFFFFFFFFFFFFFF", 1, []int64{1<<63 - 1}, ""},
		{"000000000000002a", 2, nil, "want 32 hex digits, got 16"},
		{"00000000000000g0", 1, nil, "writer 0"},
	} {
		var d drivers.Doc
		err := parseSlots([]byte(tt.raw), tt.slots, &d)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%q: %v, want %q", tt.raw, err, tt.err)
			}
			continue
		}
		if err != nil || !slices.Equal(d.Slots, tt.want) {
			t.Errorf("%q: %v, %v; want %v", tt.raw, d.Slots, err, tt.want)
		}
	}
}

// FuzzParseSlots: any text decodes to slots or is refused; what decodes
// is what printf('%016x') wrote.
func FuzzParseSlots(f *testing.F) {
	f.Add([]byte("000000000000002a"), 1)
	f.Add([]byte("ffffffffffffffff0000000000000001"), 2)
	f.Add([]byte("xyz"), 3)
	f.Fuzz(func(t *testing.T, raw []byte, slots int) {
		if slots < 0 || slots > drivers.MaxSlots {
			return
		}
		var d drivers.Doc
		if err := parseSlots(raw, slots, &d); err != nil {
			return
		}
		if len(d.Slots) != slots {
			t.Fatalf("%d slots from %q, want %d", len(d.Slots), raw, slots)
		}
		for w, v := range d.Slots {
			if got := strings.ToLower(string(raw[w*slotWidth : (w+1)*slotWidth])); got != fmtHex(uint64(v)) {
				t.Fatalf("slot %d: %q decoded to %d", w, got, v)
			}
		}
	})
}

func fmtHex(v uint64) string {
	const digits = "0123456789abcdef"
	b := make([]byte, slotWidth)
	for i := slotWidth - 1; i >= 0; i-- {
		b[i] = digits[v&15]
		v >>= 4
	}
	return string(b)
}

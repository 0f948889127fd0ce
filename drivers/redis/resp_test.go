package redis

import (
	"bufio"
	"bytes"
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"
)

func reader(s string) *respReader {
	return &respReader{br: bufio.NewReaderSize(strings.NewReader(s), 16)}
}

func TestParseInt(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"0", 0, true},
		{"7", 7, true},
		{"-1", -1, true},
		{"1796234147558413482", 1796234147558413482, true},
		{"9223372036854775807", math.MaxInt64, true},
		{"-9223372036854775808", math.MinInt64, true},
		{"9223372036854775808", 0, false},
		{"-9223372036854775809", 0, false},
		{"99999999999999999999", 0, false},
		{"", 0, false},
		{"-", 0, false},
		{"+1", 0, false},
		{"1.5", 0, false},
		{" 1", 0, false},
	}
	for _, tt := range tests {
		got, ok := parseInt([]byte(tt.in))
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseInt(%q) = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestAppendCommand(t *testing.T) {
	t.Parallel()
	b := appendArray(nil, 6)
	b = appendBulk(b, "EVALSHA")
	b = appendBulkBytes(b, []byte{0, '\r', '\n'})
	b = appendBulkInt(b, -42)
	b = appendBulkID(b, leasePrefix, 17)
	b = appendBulkToken(b, 3, 9)
	b = appendBulk(b, "")
	want := "*6\r\n$7\r\nEVALSHA\r\n$3\r\n\x00\r\n\r\n$3\r\n-42\r\n" +
		"$" + strconv.Itoa(len(leaseKey(17))) + "\r\n" + leaseKey(17) + "\r\n" +
		"$3\r\n3:9\r\n$0\r\n\r\n"
	if string(b) != want {
		t.Errorf("command = %q, want %q", b, want)
	}
	if token(3, 9) != "3:9" {
		t.Errorf("token(3, 9) = %q: appendBulkToken disagrees with it", token(3, 9))
	}
}

func TestReaderReplies(t *testing.T) {
	t.Parallel()
	var re replyError
	var pe *protocolError
	t.Run("integer", func(t *testing.T) {
		for _, tt := range []struct {
			in      string
			want    int64
			isReply bool // an error reply
			isProto bool
		}{
			{":1\r\n", 1, false, false},
			{":-1\r\n", -1, false, false},
			{"-NOSCRIPT x\r\n", 0, true, false},
			{"+OK\r\n", 0, false, true},
			{":x\r\n", 0, false, true},
			{":1\n", 0, false, true},
			{"?1\r\n", 0, false, true},
		} {
			v, err := reader(tt.in).integer()
			if v != tt.want || errors.As(err, &re) != tt.isReply || errors.As(err, &pe) != tt.isProto ||
				(err == nil) != (!tt.isReply && !tt.isProto) {
				t.Errorf("integer(%q) = %d, %v", tt.in, v, err)
			}
		}
	})
	t.Run("bulkInt", func(t *testing.T) {
		r := reader("$2\r\n42\r\n$-1\r\n$3\r\nabc\r\n$1\r\n7\r\n$25\r\n")
		if v, isNil, err := r.bulkInt(); v != 42 || isNil || err != nil {
			t.Errorf("bulkInt = %d, %v, %v; want 42", v, isNil, err)
		}
		if _, isNil, err := r.bulkInt(); !isNil || err != nil {
			t.Errorf("bulkInt of nil = %v, %v", isNil, err)
		}
		if _, _, err := r.bulkInt(); !errors.Is(err, errNotInteger) {
			t.Errorf("bulkInt of abc: %v, want errNotInteger", err)
		}
		// The stream is still in step after a value that is no integer.
		if v, _, err := r.bulkInt(); v != 7 || err != nil {
			t.Errorf("bulkInt after abc = %d, %v; want 7", v, err)
		}
		if _, _, err := r.bulkInt(); !errors.As(err, &pe) {
			t.Errorf("bulkInt of 25 bytes: %v, want a protocol error", err)
		}
	})
	t.Run("bulkEqual", func(t *testing.T) {
		r := reader("$2\r\n41\r\n$2\r\n42\r\n$3\r\n420\r\n$-1\r\n-WRONGTYPE x\r\n:1\r\n")
		for i, want := range []bool{false, true, false} {
			if eq, isNil, err := r.bulkEqual([]byte("42")); eq != want || isNil || err != nil {
				t.Errorf("bulkEqual %d = %v, %v, %v; want %v", i, eq, isNil, err, want)
			}
		}
		if _, isNil, err := r.bulkEqual([]byte("42")); !isNil || err != nil {
			t.Errorf("bulkEqual of nil = %v, %v", isNil, err)
		}
		if _, _, err := r.bulkEqual([]byte("42")); !errors.As(err, &re) {
			t.Errorf("bulkEqual of an error reply: %v, want a replyError", err)
		}
		if v, err := r.integer(); v != 1 || err != nil {
			t.Errorf("after the error reply: %d, %v; want the next reply", v, err)
		}
	})
	t.Run("bulkAppend", func(t *testing.T) {
		payload := strings.Repeat("\x00\r\nab", 20) // longer than the reader's buffer
		r := reader("$" + strconv.Itoa(len(payload)) + "\r\n" + payload + "\r\n$1\r\nxxx")
		n, err := r.bulkHeader()
		if err != nil {
			t.Fatal(err)
		}
		got, err := r.bulkAppend([]byte("pre"), n)
		if err != nil || string(got) != "pre"+payload {
			t.Errorf("bulkAppend = %q, %v", got, err)
		}
		n, _ = r.bulkHeader()
		if _, err := r.bulkAppend(nil, n); !errors.As(err, &pe) {
			t.Errorf("bulk without CRLF: %v, want a protocol error", err)
		}
	})
	t.Run("skip", func(t *testing.T) {
		r := reader("*3\r\n:1\r\n*2\r\n$1\r\na\r\n-ERR in array\r\n$-1\r\n+after\r\n")
		typ, rest, err := r.header()
		if err != nil {
			t.Fatal(err)
		}
		if err := r.skip(typ, rest, 0); err != nil {
			t.Fatalf("skip: %v", err)
		}
		if err := r.status(); err != nil {
			t.Errorf("the reply after a skipped one: %v", err)
		}
		deep := strings.Repeat("*1\r\n", maxDepth+1) + ":1\r\n"
		r = reader(deep)
		typ, rest, _ = r.header()
		if err := r.skip(typ, rest, 0); !errors.As(err, &pe) {
			t.Errorf("skip of arrays nested %d deep: %v, want a protocol error", maxDepth+1, err)
		}
	})
	t.Run("limits", func(t *testing.T) {
		for _, in := range []string{"*2000000\r\n", "$-2\r\n", "$999999999999\r\n", "*-5\r\n"} {
			r := reader(in)
			typ, rest, err := r.header()
			if err == nil {
				err = r.skip(typ, rest, 0)
			}
			if !errors.As(err, &pe) {
				t.Errorf("skip(%q): %v, want a protocol error", in, err)
			}
		}
		r := reader(strings.Repeat("x", 40) + "\r\n")
		if _, _, err := r.header(); !errors.As(err, &pe) {
			t.Errorf("a line longer than the buffer: %v, want a protocol error", err)
		}
	})
}

// FuzzRESP feeds arbitrary bytes to the reply reader: it never panics,
// never reads a bulk longer than announced, and a command the session
// would send reads back, through the same reader, as the arguments it
// was built from.
func FuzzRESP(f *testing.F) {
	f.Add([]byte("*2\r\n$1\r\na\r\n:5\r\n"), "key", int64(3))
	f.Add([]byte("-NOSCRIPT\r\n"), "", int64(-1))
	f.Add([]byte("$5\r\nab\r\n"), "\r\n", int64(math.MinInt64))
	f.Add([]byte("*1\r\n*1\r\n*1\r\n"), "x", int64(0))
	f.Fuzz(func(t *testing.T, in []byte, s string, v int64) {
		r := &respReader{br: bufio.NewReaderSize(bytes.NewReader(in), 16)}
		for range 4 {
			typ, rest, err := r.header()
			if err != nil {
				break
			}
			if typ == '$' {
				n, err := length(rest, maxBulk, "bulk")
				if err != nil || n < 0 {
					continue
				}
				got, err := r.bulkAppend(nil, n)
				if len(got) > n {
					t.Fatalf("bulkAppend read %d bytes of a bulk of %d", len(got), n)
				}
				if err != nil {
					break
				}
				continue
			}
			if err := r.skip(typ, rest, 0); err != nil {
				break
			}
		}
		cmd := appendBulkInt(appendBulkBytes(appendBulk(appendArray(nil, 3), s), in), v)
		r = &respReader{br: bufio.NewReaderSize(bytes.NewReader(cmd), 16)}
		n, err := r.arrayLen()
		if err != nil || n != 3 {
			t.Fatalf("command header: %d, %v", n, err)
		}
		for i, want := range []string{s, string(in), strconv.FormatInt(v, 10)} {
			n, err := r.bulkHeader()
			if err != nil {
				t.Fatalf("argument %d: %v", i, err)
			}
			got, err := r.bulkAppend(nil, n)
			if err != nil || string(got) != want {
				t.Fatalf("argument %d = %q, %v; want %q", i, got, err, want)
			}
		}
	})
}

package redis

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
)

// RESP2, the part of it a Session speaks: a command is an array of bulk
// strings, appended to a reused buffer; a reply is read from a
// bufio.Reader without copying, except bulk strings appended to a
// caller's buffer. Nothing here allocates on success.

// appendArray appends an array header of n elements.
func appendArray(b []byte, n int) []byte {
	b = append(b, '*')
	b = strconv.AppendInt(b, int64(n), 10)
	return append(b, '\r', '\n')
}

// appendBulk appends s as a bulk string.
func appendBulk(b []byte, s string) []byte {
	b = append(b, '$')
	b = strconv.AppendInt(b, int64(len(s)), 10)
	b = append(b, '\r', '\n')
	b = append(b, s...)
	return append(b, '\r', '\n')
}

// appendBulkBytes appends p as a bulk string.
func appendBulkBytes(b, p []byte) []byte {
	b = append(b, '$')
	b = strconv.AppendInt(b, int64(len(p)), 10)
	b = append(b, '\r', '\n')
	b = append(b, p...)
	return append(b, '\r', '\n')
}

// appendBulkInt appends v in decimal as a bulk string.
func appendBulkInt(b []byte, v int64) []byte {
	var tmp [20]byte
	return appendBulkBytes(b, strconv.AppendInt(tmp[:0], v, 10))
}

// appendBulkID appends prefix + id + "}" as a bulk string: a document's
// lease or fence key, without building the string.
func appendBulkID(b []byte, prefix string, id int) []byte {
	var tmp [20]byte
	digits := strconv.AppendInt(tmp[:0], int64(id), 10)
	b = append(b, '$')
	b = strconv.AppendInt(b, int64(len(prefix)+len(digits)+1), 10)
	b = append(b, '\r', '\n')
	b = append(b, prefix...)
	b = append(b, digits...)
	return append(b, '}', '\r', '\n')
}

// appendBulkToken appends the lease value "holder:fence" as a bulk
// string (see token).
func appendBulkToken(b []byte, holder, fence int64) []byte {
	var tmp [41]byte
	t := strconv.AppendInt(tmp[:0], holder, 10)
	t = append(t, ':')
	t = strconv.AppendInt(t, fence, 10)
	return appendBulkBytes(b, t)
}

// replyError is an error reply from the server (-ERR …, -NOSCRIPT …).
// It satisfies go-redis's Error interface, so that classify calls it a
// server error as it does go-redis's own.
type replyError string

func (e replyError) Error() string { return string(e) }
func (replyError) RedisError()     {}

// protocolError is a reply the session cannot parse or did not expect:
// the connection is out of step and must be dropped.
type protocolError struct{ msg string }

func (e *protocolError) Error() string { return "redis protocol: " + e.msg }

func protoErrorf(format string, args ...any) error {
	return &protocolError{msg: fmt.Sprintf(format, args...)}
}

// Limits on what a reply may announce, so that a corrupt stream cannot
// make the reader allocate or wait without bound.
const (
	maxBulk     = 512 << 20 // Redis's own proto-max-bulk-len default
	maxArray    = 1 << 20
	maxDepth    = 8  // nesting of arrays that skip follows
	maxIntBytes = 20 // len("-9223372036854775808")
)

// respReader reads replies from a connection.
type respReader struct {
	br *bufio.Reader
}

// line reads one line and returns it without its CRLF, at least one byte
// long (the type). The slice is valid until the next read.
func (r *respReader) line() ([]byte, error) {
	l, err := r.br.ReadSlice('\n')
	switch {
	case errors.Is(err, bufio.ErrBufferFull):
		return nil, protoErrorf("reply line longer than %d bytes", r.br.Size())
	case err != nil:
		return nil, err
	case len(l) < 3 || l[len(l)-2] != '\r':
		return nil, protoErrorf("reply line %q does not end in CRLF or is empty", l)
	}
	return l[:len(l)-2], nil
}

// header reads a reply's first line: its type ('+', '-', ':', '$', '*')
// and the rest of the line.
func (r *respReader) header() (typ byte, rest []byte, err error) {
	l, err := r.line()
	if err != nil {
		return 0, nil, err
	}
	switch l[0] {
	case '+', '-', ':', '$', '*':
		return l[0], l[1:], nil
	}
	return 0, nil, protoErrorf("unknown reply type %q", l[0])
}

// parseInt parses a decimal int64 (an optional '-', then digits).
func parseInt(b []byte) (int64, bool) {
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	if len(b) == 0 || len(b) > 19 {
		return 0, false
	}
	var n uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + uint64(c-'0') // 19 digits fit in a uint64
	}
	switch {
	case neg && n <= 1<<63:
		return -int64(n-1) - 1, true
	case !neg && n < 1<<63:
		return int64(n), true
	}
	return 0, false
}

// length parses an array or bulk length: -1 (nil) … limit.
func length(rest []byte, limit int, what string) (int, error) {
	n, ok := parseInt(rest)
	if !ok || n < -1 || n > int64(limit) {
		return 0, protoErrorf("%s length %q: must be -1 … %d", what, rest, limit)
	}
	return int(n), nil
}

// integer reads a reply that must be an integer. An error reply is
// returned as a replyError.
func (r *respReader) integer() (int64, error) {
	typ, rest, err := r.header()
	if err != nil {
		return 0, err
	}
	return r.integerOf(typ, rest)
}

// integerOf is integer for a header read already.
func (r *respReader) integerOf(typ byte, rest []byte) (int64, error) {
	switch typ {
	case ':':
		if v, ok := parseInt(rest); ok {
			return v, nil
		}
		return 0, protoErrorf("integer reply %q", rest)
	case '-':
		return 0, replyError(rest)
	}
	return 0, r.unexpected(typ, rest, "an integer")
}

// status reads a reply that must be a simple string (+OK, +QUEUED).
func (r *respReader) status() error {
	typ, rest, err := r.header()
	switch {
	case err != nil:
		return err
	case typ == '+':
		return nil
	case typ == '-':
		return replyError(rest)
	}
	return r.unexpected(typ, rest, "a status")
}

// unexpected is the error for a reply of the wrong type: the caller
// must drop the connection, whose stream is out of step.
func (r *respReader) unexpected(typ byte, rest []byte, want string) error {
	return protoErrorf("got a %q reply %.40q, want %s", typ, rest, want)
}

// bulkHeader reads the header of a bulk string: its length, -1 for nil.
func (r *respReader) bulkHeader() (int, error) {
	typ, rest, err := r.header()
	if err != nil {
		return 0, err
	}
	if typ != '$' {
		if typ == '-' {
			return 0, replyError(rest)
		}
		return 0, r.unexpected(typ, rest, "a bulk string")
	}
	return length(rest, maxBulk, "bulk")
}

// bulkInt reads a bulk string holding a decimal integer; isNil when the
// bulk is nil.
func (r *respReader) bulkInt() (v int64, isNil bool, err error) {
	n, err := r.bulkHeader()
	if err != nil || n < 0 {
		return 0, n < 0 && err == nil, err
	}
	if n > maxIntBytes {
		return 0, false, protoErrorf("integer field of %d bytes", n)
	}
	b, err := r.br.Peek(n + 2)
	if err != nil {
		return 0, false, err
	}
	if b[n] != '\r' || b[n+1] != '\n' {
		return 0, false, protoErrorf("bulk of %d bytes does not end in CRLF", n)
	}
	v, ok := parseInt(b[:n])
	if _, err := r.br.Discard(n + 2); err != nil {
		return 0, false, err
	}
	if !ok {
		return 0, false, errNotInteger
	}
	return v, false, nil
}

// errNotInteger is a field that does not hold an integer: a decode
// error, the stream is still in step.
var errNotInteger = errors.New("value is not an integer")

// bulkEqual reads a bulk string and reports whether it equals want;
// isNil when the bulk is nil.
func (r *respReader) bulkEqual(want []byte) (equal, isNil bool, err error) {
	n, err := r.bulkHeader()
	if err != nil || n < 0 {
		return false, n < 0 && err == nil, err
	}
	if n != len(want) {
		return false, false, r.discardBulk(n)
	}
	b, err := r.br.Peek(n + 2)
	if err != nil {
		if errors.Is(err, bufio.ErrBufferFull) {
			return false, false, r.discardBulk(n)
		}
		return false, false, err
	}
	equal = string(b[:n]) == string(want)
	return equal, false, r.discardBulk(n)
}

// bulkAppend reads a bulk string of n bytes (its header read already)
// and appends it to dst.
func (r *respReader) bulkAppend(dst []byte, n int) ([]byte, error) {
	at := len(dst)
	dst = slices.Grow(dst, n)[:at+n]
	if _, err := io.ReadFull(r.br, dst[at:]); err != nil {
		return dst[:at], err
	}
	return dst, r.crlf()
}

// discardBulk skips a bulk string's n bytes and CRLF.
func (r *respReader) discardBulk(n int) error {
	if _, err := r.br.Discard(n); err != nil {
		return err
	}
	return r.crlf()
}

func (r *respReader) crlf() error {
	c1, err := r.br.ReadByte()
	if err != nil {
		return err
	}
	c2, err := r.br.ReadByte()
	if err != nil {
		return err
	}
	if c1 != '\r' || c2 != '\n' {
		return protoErrorf("bulk string not followed by CRLF")
	}
	return nil
}

// skip reads and discards one reply of any type whose header was read
// already, following nested arrays down to maxDepth. Error replies
// inside it are not errors: the stream stays in step.
func (r *respReader) skip(typ byte, rest []byte, depth int) error {
	switch typ {
	case '+', '-':
		return nil
	case ':':
		if _, ok := parseInt(rest); !ok {
			return protoErrorf("integer reply %q", rest)
		}
		return nil
	case '$':
		n, err := length(rest, maxBulk, "bulk")
		if err != nil || n < 0 {
			return err
		}
		return r.discardBulk(n)
	case '*':
		n, err := length(rest, maxArray, "array")
		if err != nil {
			return err
		}
		if n > 0 && depth >= maxDepth {
			return protoErrorf("arrays nested deeper than %d", maxDepth)
		}
		for range n {
			typ, rest, err := r.header()
			if err != nil {
				return err
			}
			if err := r.skip(typ, rest, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	return protoErrorf("unknown reply type %q", typ)
}

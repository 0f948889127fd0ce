package results

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/occbench/occbench/internal/redact"
)

// DefaultDir is the directory DefaultPath puts results files in: not
// "results", which is also the name of a Go package folder of this
// repository.
const DefaultDir = "occbench-results"

// DefaultPath returns the default results file name for a run of scenario
// started at now: occbench-results/<UTC start, basic ISO 8601>-<scenario>.json,
// for example occbench-results/20261125T130501Z-quickstart.json. Characters of scenario
// other than letters, digits, '.', '_' and '-' become '-'; an empty
// scenario is named "run".
func DefaultPath(now time.Time, scenario string) string {
	name := strings.Map(func(r rune) rune {
		switch {
		case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z', '0' <= r && r <= '9', r == '.', r == '_', r == '-':
			return r
		}
		return '-'
	}, scenario)
	name = strings.Trim(name, ".")
	if name == "" {
		name = "run"
	}
	return filepath.Join(DefaultDir, now.UTC().Format("20060102T150405Z")+"-"+name+".json")
}

// Encode writes f to w as indented JSON (two spaces), followed by a
// newline. An empty f.Schema is written as Schema; the environment's DSN is
// redacted again, whatever the caller put there. f is not modified.
func Encode(w io.Writer, f *File) error {
	if f == nil {
		return errors.New("results: encode: nil file")
	}
	out := *f
	switch out.Schema {
	case "":
		out.Schema = Schema
	case Schema:
	default:
		return fmt.Errorf("results: encode: schema: want %q, got %q", Schema, f.Schema)
	}
	out.Environment.DSN = redact.DSN(out.Environment.DSN)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(&out); err != nil {
		return fmt.Errorf("results: encode: %w", err)
	}
	return nil
}

// WriteFile writes f to path as Encode does, atomically: the JSON goes to
// a temporary file in path's directory (created if missing), which is
// synced and then renamed over path. On any error the temporary file is
// removed and path is left as it was, so a reader never sees a half-written
// file.
func WriteFile(path string, f *File) (err error) {
	var buf bytes.Buffer
	if err := Encode(&buf, f); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	if base == "" {
		return fmt.Errorf("%q: results file name is empty", path)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	tmp, err := os.CreateTemp(dir, "."+base+"-*.tmp")
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()           // may already be closed; the write error matters
			_ = os.Remove(tmp.Name()) // best effort; the original error is reported
		}
	}()
	if err := tmp.Chmod(0o644); err != nil && runtime.GOOS != "windows" {
		return fmt.Errorf("%s: %w", path, err)
	}
	if _, err := tmp.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return syncDir(dir)
}

// syncDir makes the rename durable. Windows cannot sync a directory.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("%s: sync: %w", dir, err)
	}
	serr := d.Sync()
	cerr := d.Close()
	if serr != nil {
		return fmt.Errorf("%s: sync: %w", dir, serr)
	}
	if cerr != nil {
		return fmt.Errorf("%s: %w", dir, cerr)
	}
	return nil
}

// MaxFileSize is the largest results file ReadFile and Read accept, in
// bytes (1 GiB). Decoding holds the bytes read and the File built from
// them, so reading one costs about twice its size. occbench writes some
// 5–10 KiB per cell: a sweep of 30,000 cells is a few hundred MiB.
const MaxFileSize = 1 << 30

// ReadFile reads and decodes the results file at path. It fails, naming
// path, when the file cannot be read, is larger than MaxFileSize, is not
// JSON (with the line and column of the error), is not an occbench/v1
// file, or has a field of the wrong type. Unknown fields are ignored, so
// files from newer occbench/v1 writers still read. Errors are one line.
func ReadFile(path string) (*File, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err // *PathError already names path
	}
	defer fh.Close() // read-only: a close error changes nothing read
	if st, err := fh.Stat(); err == nil && st.Mode().IsRegular() && st.Size() > MaxFileSize {
		return nil, tooLarge(path, st.Size(), MaxFileSize)
	}
	return Read(fh, path)
}

// Read reads and decodes a results file from r, as ReadFile does, naming
// it name in errors. It reads at most MaxFileSize bytes and fails on a
// longer input.
func Read(r io.Reader, name string) (*File, error) {
	return read(r, name, MaxFileSize)
}

// read is Read with a size limit.
func read(r io.Reader, name string, limit int64) (*File, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, lineError{fmt.Errorf("%s: %w", name, err)}
	}
	if int64(len(data)) > limit {
		return nil, tooLarge(name, -1, limit)
	}
	f, err := decodeFile(name, data)
	if err != nil {
		return nil, lineError{err}
	}
	return f, nil
}

// lineError keeps an error to one line of bounded length: the errors of
// decoding may quote the file, which can hold anything.
type lineError struct{ err error }

func (e lineError) Error() string { return oneLine(e.err.Error()) }
func (e lineError) Unwrap() error { return e.err }

// maxErrorLen bounds the message of a read error, in bytes.
const maxErrorLen = 400

// oneLine escapes control and line-separating characters of s and clips
// it to maxErrorLen bytes.
func oneLine(s string) string {
	var b strings.Builder
	for _, r := range s {
		if b.Len() >= maxErrorLen {
			b.WriteString("…")
			break
		}
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// tooLarge is the error for a file above limit bytes; size < 0 when
// unknown.
func tooLarge(name string, size, limit int64) error {
	have := ""
	if size >= 0 {
		have = " (" + strconv.FormatInt(size, 10) + " bytes)"
	}
	return lineError{fmt.Errorf("%s%s: larger than the %d bytes a results file may be (results.MaxFileSize, 1 GiB): not read", name, have, limit)}
}

// decodeFile decodes a results file read whole.
func decodeFile(name string, data []byte) (*File, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fmt.Errorf("%s: not a results file: empty", name)
	}
	var probe struct {
		Schema json.RawMessage `json:"schema"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, jsonError(name, data, err)
	}
	var schema string
	if len(probe.Schema) > 0 {
		if err := json.Unmarshal(probe.Schema, &schema); err != nil {
			schema = string(probe.Schema)
		}
	}
	if schema != Schema {
		return nil, fmt.Errorf("%s: schema: want %q, got %q", name, Schema, clip(schema))
	}
	var f File
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, jsonError(name, data, err)
	}
	return &f, nil
}

// clip shortens s to at most 80 bytes for an error message.
func clip(s string) string {
	const n = 80
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}

// jsonError adds the path and the line:column of a decoding error.
func jsonError(path string, data []byte, err error) error {
	// Both errors record the bytes read when decoding failed; the byte at
	// fault is the last of them, except at the end of the input.
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		at := syn.Offset - 1
		if strings.HasPrefix(syn.Error(), "unexpected end") {
			at = syn.Offset
		}
		line, col := lineCol(data, at)
		return fmt.Errorf("%s:%d:%d: not a results file: invalid JSON (offset %d): %w", path, line, col, syn.Offset, err)
	}
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		line, col := lineCol(data, typ.Offset-1)
		if typ.Field == "" {
			return fmt.Errorf("%s:%d:%d: not a results file: %w", path, line, col, err)
		}
		return fmt.Errorf("%s:%d:%d: field %s: %w", path, line, col, typ.Field, err)
	}
	return fmt.Errorf("%s: %w", path, err)
}

// lineCol returns the 1-based line and column of the byte at offset off
// (clamped to data).
func lineCol(data []byte, off int64) (line, col int) {
	if off < 0 {
		off = 0
	}
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	before := data[:off]
	line = 1 + bytes.Count(before, []byte{'\n'})
	col = int(off) - bytes.LastIndexByte(before, '\n')
	return line, col
}

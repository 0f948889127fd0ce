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
	"strings"
	"time"

	"github.com/occbench/occbench/internal/redact"
)

// DefaultDir is the directory DefaultPath puts results files in.
const DefaultDir = "results"

// DefaultPath returns the default results file name for a run of scenario
// started at now: results/<UTC start, basic ISO 8601>-<scenario>.json, for
// example results/20261125T130501Z-quickstart.json. Characters of scenario
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

// ReadFile reads and decodes the results file at path. It fails, naming
// path, when the file cannot be read, is not JSON (with the line and column
// of the error), is not an occbench/v1 file, or has a field of the wrong
// type. Unknown fields are ignored, so files from newer occbench/v1
// writers still read.
func ReadFile(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err // *PathError already names path
	}
	var probe struct {
		Schema json.RawMessage `json:"schema"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, jsonError(path, data, err)
	}
	var schema string
	if len(probe.Schema) > 0 {
		if err := json.Unmarshal(probe.Schema, &schema); err != nil {
			schema = string(probe.Schema)
		}
	}
	if schema != Schema {
		return nil, fmt.Errorf("%s: schema: want %q, got %q", path, Schema, schema)
	}
	var f File
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, jsonError(path, data, err)
	}
	return &f, nil
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

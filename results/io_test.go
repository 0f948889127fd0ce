package results

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestWriteReadRoundTrip(t *testing.T) {
	t.Parallel()
	f := testFile(t)
	path := filepath.Join(t.TempDir(), "nested", "dir", "run.json")
	if err := WriteFile(path, f); err != nil {
		t.Fatal(err)
	}
	got, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, f) {
		t.Errorf("ReadFile(WriteFile(f)) != f\ngot  %+v\nwant %+v", got, f)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(data, []byte("{\n  \"schema\": \"occbench/v1\",\n")) || !bytes.HasSuffix(data, []byte("}\n")) {
		t.Errorf("file is not 2-space indented JSON:\n%.200s", data)
	}
	if fi, err := os.Stat(path); err != nil {
		t.Fatal(err)
	} else if perm := fi.Mode().Perm(); perm != 0o644 {
		t.Errorf("file mode = %v, want 0644", perm)
	}
	assertOnlyFiles(t, filepath.Dir(path), "run.json")
}

func TestWriteFileReplaces(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "run.json")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	f := testFile(t)
	if err := WriteFile(path, f); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadFile(path); err != nil {
		t.Fatal(err)
	}
	assertOnlyFiles(t, filepath.Dir(path), "run.json")
}

// TestWriteFileRenameFails makes the rename fail (the target is a
// non-empty directory) and checks that no temporary file is left and the
// target is untouched.
func TestWriteFileRenameFails(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "run.json")
	if err := os.MkdirAll(filepath.Join(path, "keep"), 0o755); err != nil {
		t.Fatal(err)
	}
	err := WriteFile(path, testFile(t))
	if err == nil {
		t.Fatal("WriteFile over a non-empty directory succeeded")
	}
	if !strings.Contains(err.Error(), path) {
		t.Errorf("error %q does not name %s", err, path)
	}
	assertOnlyFiles(t, dir, "run.json")
	if _, err := os.Stat(filepath.Join(path, "keep")); err != nil {
		t.Errorf("target directory changed: %v", err)
	}
}

func TestWriteFileEncodeFails(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	f := testFile(t)
	f.Schema = "occbench/v0"
	if err := WriteFile(filepath.Join(dir, "run.json"), f); err == nil {
		t.Fatal("WriteFile with a foreign schema succeeded")
	}
	assertOnlyFiles(t, dir)
}

// assertOnlyFiles fails unless dir holds exactly names.
func assertOnlyFiles(t *testing.T, dir string, names ...string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range ents {
		got = append(got, e.Name())
	}
	if !reflect.DeepEqual(got, names) && !(len(got) == 0 && len(names) == 0) {
		t.Errorf("%s holds %q, want %q", dir, got, names)
	}
}

func TestEncode(t *testing.T) {
	t.Parallel()
	f := testFile(t)
	f.Schema = ""
	f.Environment.DSN = "postgres://bench:hunter2@db/bench"
	var buf bytes.Buffer
	if err := Encode(&buf, f); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if strings.Contains(out, "hunter2") {
		t.Error("Encode wrote the DSN's password")
	}
	if !strings.Contains(out, `"dsn": "postgres://bench:xxxxx@db/bench"`) {
		t.Error("Encode did not keep the redacted DSN")
	}
	if !strings.Contains(out, `"schema": "occbench/v1"`) {
		t.Error("Encode did not fill in the schema")
	}
	if f.Schema != "" || f.Environment.DSN != "postgres://bench:hunter2@db/bench" {
		t.Error("Encode modified its argument")
	}
	if err := Encode(&buf, nil); err == nil {
		t.Error("Encode(nil) succeeded")
	}
}

func TestReadFileErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name string
		path string
		want string // the whole error message
	}{
		{
			name: "missing",
			path: filepath.Join(dir, "missing.json"),
			want: "open " + filepath.Join(dir, "missing.json") + ": no such file or directory",
		},
		{
			name: "not json",
			path: write("bad.json", "{\n  \"schema\": \"occbench/v1\",\n  \"cells\": [,]\n}\n"),
			want: filepath.Join(dir, "bad.json") + ":3:13: not a results file: invalid JSON (offset 42): invalid character ',' looking for beginning of value",
		},
		{
			name: "truncated",
			path: write("trunc.json", "{\"schema\": \"occ"),
			want: filepath.Join(dir, "trunc.json") + ":1:16: not a results file: invalid JSON (offset 15): unexpected end of JSON input",
		},
		{
			name: "other schema",
			path: write("v0.json", `{"schema": "occbench/v0", "cells": []}`),
			want: filepath.Join(dir, "v0.json") + `: schema: want "occbench/v1", got "occbench/v0"`,
		},
		{
			name: "no schema",
			path: write("none.json", `{"cells": []}`),
			want: filepath.Join(dir, "none.json") + `: schema: want "occbench/v1", got ""`,
		},
		{
			name: "schema not a string",
			path: write("num.json", `{"schema": 1}`),
			want: filepath.Join(dir, "num.json") + `: schema: want "occbench/v1", got "1"`,
		},
		{
			name: "array",
			path: write("array.json", `[1, 2]`),
			want: filepath.Join(dir, "array.json") + ":1:1: not a results file: json: cannot unmarshal array into Go value of type struct { Schema json.RawMessage \"json:\\\"schema\\\"\" }",
		},
		{
			name: "empty",
			path: write("empty.json", ""),
			want: filepath.Join(dir, "empty.json") + ": not a results file: empty",
		},
		{
			name: "blank",
			path: write("blank.json", " \n\t\n"),
			want: filepath.Join(dir, "blank.json") + ": not a results file: empty",
		},
		{
			name: "binary garbage",
			path: write("garbage.json", "\x00\x1f\x8b\x08\n\xff"),
			want: filepath.Join(dir, "garbage.json") + ":1:1: not a results file: invalid JSON (offset 1): invalid character '\\x00' looking for beginning of value",
		},
		{
			name: "gzipped",
			path: write("gz.json", "\x1f\x8b\x08\x00"),
			want: filepath.Join(dir, "gz.json") + ":1:1: not a results file: invalid JSON (offset 1): invalid character '\\x1f' looking for beginning of value",
		},
		{
			name: "trailing data",
			path: write("two.json", `{"schema": "occbench/v1"} {}`),
			want: filepath.Join(dir, "two.json") + ":1:27: not a results file: invalid JSON (offset 27): invalid character '{' after top-level value",
		},
		{
			name: "long schema",
			path: write("long.json", `{"schema": "`+strings.Repeat("x", 1000)+`"}`),
			want: filepath.Join(dir, "long.json") + `: schema: want "occbench/v1", got "` + strings.Repeat("x", 80) + `…"`,
		},
		{
			name: "bad time",
			path: write("time.json", "{\"schema\": \"occbench/v1\", \"started_at\": \"a\\nb\"}"),
			want: filepath.Join(dir, "time.json") + `: parsing time "a\\nb" as "2006-01-02T15:04:05Z07:00": cannot parse "a\\nb" as "2006"`,
		},
		{
			name: "too large",
			path: sparse(t, filepath.Join(dir, "huge.json"), MaxFileSize+1),
			want: filepath.Join(dir, "huge.json") + " (1073741825 bytes): larger than the 1073741824 bytes a results file may be (results.MaxFileSize, 1 GiB): not read",
		},
		{
			name: "wrong field type",
			path: write("type.json", "{\"schema\": \"occbench/v1\",\n\"cells\": [{\"writers\": \"eight\"}]}"),
			want: filepath.Join(dir, "type.json") + ":2:29: field cells.writers: json: cannot unmarshal string into Go struct field Cell.cells.writers of type int",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, err := ReadFile(tt.path)
			if err == nil {
				t.Fatalf("ReadFile succeeded: %+v", f)
			}
			if err.Error() != tt.want {
				t.Errorf("error\n got %s\nwant %s", err, tt.want)
			}
		})
	}
}

// sparse creates a file of size bytes that takes no space.
func sparse(t *testing.T, path string, size int64) string {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(size); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestReadLimit(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := Encode(&buf, testFile(t)); err != nil {
		t.Fatal(err)
	}
	n := int64(buf.Len())
	if _, err := read(bytes.NewReader(buf.Bytes()), "exact", n); err != nil {
		t.Errorf("a file of exactly the limit: %v", err)
	}
	_, err := read(bytes.NewReader(buf.Bytes()), "stdin", n-1)
	if want := fmt.Sprintf("stdin: larger than the %d bytes a results file may be (results.MaxFileSize, 1 GiB): not read", n-1); err == nil || err.Error() != want {
		t.Errorf("one byte over the limit: error %v, want %s", err, want)
	}
}

// TestReadTruncated cuts a results file at every length: each must fail
// with one line naming the file, or (cut inside the trailing newline)
// read.
func TestReadTruncated(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := Encode(&buf, testFile(t)); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	for n := range len(data) {
		_, err := Read(bytes.NewReader(data[:n]), "cut.json")
		if n >= len(data)-1 {
			if err != nil {
				t.Errorf("cut at %d of %d: %v", n, len(data), err)
			}
			continue
		}
		if err == nil {
			t.Fatalf("cut at %d of %d: read", n, len(data))
		}
		if msg := err.Error(); !strings.HasPrefix(msg, "cut.json") || strings.ContainsAny(msg, "\n\r") {
			t.Fatalf("cut at %d: error %q: want one line naming the file", n, msg)
		}
	}
}

func TestDefaultPath(t *testing.T) {
	t.Parallel()
	paris := time.FixedZone("CET", 3600)
	tests := []struct {
		name     string
		now      time.Time
		scenario string
		want     string
	}{
		{"utc", time.Date(2026, 11, 25, 13, 5, 1, 999, time.UTC), "quickstart", "occbench-results/20261125T130501Z-quickstart.json"},
		{"converted to utc", time.Date(2026, 11, 25, 14, 5, 1, 0, paris), "quickstart", "occbench-results/20261125T130501Z-quickstart.json"},
		{"unsafe characters", time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), "../my scenario/é", "occbench-results/20260102T030405Z--my-scenario--.json"},
		{"empty", time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), "", "occbench-results/20260102T030405Z-run.json"},
		{"dots only", time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), "..", "occbench-results/20260102T030405Z-run.json"},
	}
	for _, tt := range tests {
		if got := DefaultPath(tt.now, tt.scenario); got != filepath.FromSlash(tt.want) {
			t.Errorf("%s: DefaultPath = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestLineCol(t *testing.T) {
	t.Parallel()
	data := []byte("ab\ncd\n")
	tests := []struct {
		off       int64
		line, col int
	}{
		{-1, 1, 1}, {0, 1, 1}, {1, 1, 2}, {3, 2, 1}, {5, 2, 3}, {6, 3, 1}, {99, 3, 1},
	}
	for _, tt := range tests {
		if line, col := lineCol(data, tt.off); line != tt.line || col != tt.col {
			t.Errorf("lineCol(%d) = %d:%d, want %d:%d", tt.off, line, col, tt.line, tt.col)
		}
	}
}

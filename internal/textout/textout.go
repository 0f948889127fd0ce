package textout

import (
	"fmt"
	"io"
	"strings"
)

// Writer keeps the first write error, so that rendering code can print
// freely and check once, with Err.
type Writer struct {
	w   io.Writer
	err error
}

// New returns a Writer over w.
func New(w io.Writer) *Writer { return &Writer{w: w} }

// Write writes p unless an earlier write failed.
func (e *Writer) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

// Printf formats to the writer; an error is kept for Err.
func (e *Writer) Printf(format string, args ...any) {
	_, _ = fmt.Fprintf(e, format, args...) // error kept in e.err
}

// Err is the first write error, or nil.
func (e *Writer) Err() error { return e.err }

var line = strings.NewReplacer("|", `\|`, "\n", " ", "\r", " ")

// MarkdownLine keeps s, which may hold Markdown of its own (emphasis,
// code), on one line and inside a table cell: newlines become spaces and
// pipes are escaped.
func MarkdownLine(s string) string { return line.Replace(s) }

var cell = strings.NewReplacer("|", `\|`, "\n", " ", "\r", " ", "<", "&lt;", "*", `\*`, "`", `\`+"`")

// MarkdownCell keeps s on one line and inside its Markdown table cell,
// shown as written: pipes, asterisks, backquotes and '<' are escaped.
func MarkdownCell(s string) string { return cell.Replace(s) }

package main

import (
	"bufio"
	"bytes"
	"os"
	"strings"

	"github.com/occbench/occbench/results"
	"github.com/occbench/occbench/scenarios"
)

// maxQuestion bounds the question read from a scenario file.
const maxQuestion = 300

// leadingComment returns the first line of the comment that opens a
// scenario file (a line "# How many writers …?" before any YAML), without
// its '#'; "" when the file does not open with a comment. Blank lines
// before it are skipped; the result is at most maxQuestion bytes, cut at
// a rune boundary.
func leadingComment(b []byte) string {
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 64*1024)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || line == "---":
			continue
		case !strings.HasPrefix(line, "#"):
			return ""
		}
		q := strings.Join(strings.Fields(strings.TrimLeft(line, "#")), " ")
		if len(q) > maxQuestion {
			q = strings.ToValidUTF8(q[:maxQuestion], "") + "…"
		}
		return q
	}
	return ""
}

// builtinQuestion is the question of the built-in scenario name, "" for
// none.
func builtinQuestion(name string) string {
	for _, b := range scenarios.Builtins() {
		if b.Name == name {
			return b.Question
		}
	}
	return ""
}

// runQuestion is the question of the scenario a run loaded: a built-in's,
// or the leading comment of the YAML file.
func runQuestion(prov scenarios.Provenance) string {
	if prov.Builtin {
		return builtinQuestion(prov.Name)
	}
	b, err := os.ReadFile(prov.Name)
	if err != nil {
		return "" // it was read a moment ago; the report does without
	}
	return leadingComment(b)
}

// fileQuestion is the question of the scenario of a results file: the
// built-in scenario's of the same name (a results file does not keep
// the comment of a YAML file).
func fileQuestion(f *results.File) string {
	if name, ok := f.Scenario["name"].(string); ok {
		return builtinQuestion(name)
	}
	return ""
}

// renderOptions are the report options of file f at path.
func renderOptions(f *results.File, path, question string) results.Options {
	if question == "" {
		question = fileQuestion(f)
	}
	return results.Options{Question: question, Path: path}
}

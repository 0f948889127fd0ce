package placeholder

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Dialect says how a statement quotes, comments and numbers its
// parameters.
type Dialect uint8

const (
	// Postgres: '…' (E'…' with backslash escapes), "…", $tag$…$tag$,
	// nested /* */ comments; parameters are rewritten to $1, $2, ….
	Postgres Dialect = iota + 1
	// SQLite: '…', "…", `…`, […], /* */ comments; parameters are
	// rewritten to ?1, ?2, ….
	SQLite
)

// String names the dialect as write_path does.
func (d Dialect) String() string {
	switch d {
	case Postgres:
		return "postgres"
	case SQLite:
		return "sqlite"
	}
	return "unknown"
}

// Statement is a template with its named parameters rewritten to
// positional ones.
type Statement struct {
	SQL string // the server's text: @name replaced by $n or ?n
	// Names are the parameters bound, by position: Names[i] is bound to
	// $i+1 (?i+1). A name used twice has one position.
	Names []string
}

// Uses reports whether the statement binds name.
func (s Statement) Uses(name string) bool { return slices.Contains(s.Names, name) }

// ErrEmpty is the error of a template with nothing but spaces and
// comments.
var ErrEmpty = errors.New("empty statement")

// Parse rewrites the named parameters of one statement (@key, @version,
// …) to the dialect's positional ones. Every name must be in allowed; a
// positional parameter of the dialect's own ($1, ?), a second statement
// after a semicolon and an empty statement are refused. Text inside
// quotes and comments is left alone; an unterminated quote or comment
// runs to the end (the server reports it). The error names the
// parameter and the allowed names, never the whole statement.
func Parse(d Dialect, sql string, allowed []string) (Statement, error) {
	if d != Postgres && d != SQLite {
		return Statement{}, fmt.Errorf("unknown dialect %d", d)
	}
	var out strings.Builder
	out.Grow(len(sql) + 8)
	var names []string
	code := false // a character outside quotes, comments and spaces seen
	ended := -1   // offset of a ';' after code, once seen
	for i := 0; i < len(sql); {
		c := sql[i]
		if ended >= 0 && !isSpace(c) && !startsComment(sql, i) {
			return Statement{}, fmt.Errorf("a second statement after the ';' at offset %d: one statement per template (setup and teardown take a list)", ended)
		}
		switch {
		case c == '\'':
			e := endQuote(sql, i, '\'', d == Postgres && escapeString(sql, i))
			out.WriteString(sql[i:e])
			i, code = e, true
		case c == '"' || (d == SQLite && c == '`'):
			e := endQuote(sql, i, c, false)
			out.WriteString(sql[i:e])
			i, code = e, true
		case d == SQLite && c == '[':
			e := strings.IndexByte(sql[i:], ']')
			if e < 0 {
				e = len(sql) - i - 1
			}
			out.WriteString(sql[i : i+e+1])
			i, code = i+e+1, true
		case c == '-' && i+1 < len(sql) && sql[i+1] == '-':
			e := strings.IndexByte(sql[i:], '\n')
			if e < 0 {
				e = len(sql) - i
			}
			out.WriteString(sql[i : i+e])
			i += e
		case c == '/' && i+1 < len(sql) && sql[i+1] == '*':
			e := endComment(sql, i, d == Postgres)
			out.WriteString(sql[i:e])
			i = e
		case c == '$' && d == Postgres:
			if i+1 < len(sql) && isDigit(sql[i+1]) {
				return Statement{}, fmt.Errorf("positional parameter %s at offset %d: use the named parameters (%s)", token(sql, i), i, list(allowed))
			}
			if tag, ok := dollarTag(sql, i); ok {
				e := strings.Index(sql[i+len(tag):], tag)
				end := len(sql)
				if e >= 0 {
					end = i + len(tag) + e + len(tag)
				}
				out.WriteString(sql[i:end])
				i, code = end, true
				continue
			}
			out.WriteByte(c)
			i, code = i+1, true
		case d == SQLite && (c == '?' || ((c == ':' || c == '$') && i+1 < len(sql) && isIdentStart(sql[i+1]))):
			return Statement{}, fmt.Errorf("parameter %s at offset %d: use the named parameters (%s)", token(sql, i), i, list(allowed))
		case c == '@' && i+1 < len(sql) && isIdentStart(sql[i+1]):
			j := i + 1
			for j < len(sql) && isIdent(sql[j]) {
				j++
			}
			name := sql[i+1 : j]
			if !slices.Contains(allowed, name) {
				return Statement{}, fmt.Errorf("unknown parameter @%s at offset %d (allowed here: %s)", name, i, list(allowed))
			}
			n := slices.Index(names, name)
			if n < 0 {
				names = append(names, name)
				n = len(names) - 1
			}
			if d == Postgres {
				fmt.Fprintf(&out, "$%d", n+1)
			} else {
				fmt.Fprintf(&out, "?%d", n+1)
			}
			i, code = j, true
		case c == ';':
			if code {
				ended = i
			}
			out.WriteByte(c)
			i++
		default:
			if !isSpace(c) {
				code = true
			}
			out.WriteByte(c)
			i++
		}
	}
	if !code {
		return Statement{}, ErrEmpty
	}
	return Statement{SQL: out.String(), Names: names}, nil
}

// list is "@a, @b" or "none".
func list(allowed []string) string {
	if len(allowed) == 0 {
		return "none"
	}
	return "@" + strings.Join(allowed, ", @")
}

// token is the parameter-like text at i, for an error.
func token(sql string, i int) string {
	j := i + 1
	for j < len(sql) && isIdent(sql[j]) {
		j++
	}
	return sql[i:j]
}

// endQuote returns the offset just past the quote opened at i by q (a
// doubled q is an escaped one; with backslash, \q too), or len(sql).
func endQuote(sql string, i int, q byte, backslash bool) int {
	for j := i + 1; j < len(sql); j++ {
		switch sql[j] {
		case '\\':
			if backslash {
				j++
			}
		case q:
			if j+1 < len(sql) && sql[j+1] == q {
				j++
				continue
			}
			return j + 1
		}
	}
	return len(sql)
}

// escapeString reports whether the quote at i opens an E'…' string.
func escapeString(sql string, i int) bool {
	if i == 0 || (sql[i-1] != 'E' && sql[i-1] != 'e') {
		return false
	}
	return i == 1 || !isIdent(sql[i-2])
}

// endComment returns the offset past the /* comment at i (PostgreSQL
// nests them), or len(sql).
func endComment(sql string, i int, nested bool) int {
	depth := 0
	for j := i; j+1 < len(sql); j++ {
		switch {
		case sql[j] == '/' && sql[j+1] == '*':
			if depth == 0 || nested {
				depth++
			}
			j++
		case sql[j] == '*' && sql[j+1] == '/':
			depth--
			j++
			if depth == 0 {
				return j + 1
			}
		}
	}
	return len(sql)
}

// dollarTag returns the $tag$ that opens a dollar-quoted string at i.
func dollarTag(sql string, i int) (string, bool) {
	j := i + 1
	if j < len(sql) && sql[j] == '$' {
		return "$$", true
	}
	if j >= len(sql) || !isIdentStart(sql[j]) {
		return "", false
	}
	for j < len(sql) && isIdent(sql[j]) {
		j++
	}
	if j < len(sql) && sql[j] == '$' {
		return sql[i : j+1], true
	}
	return "", false
}

func startsComment(sql string, i int) bool {
	return i+1 < len(sql) && ((sql[i] == '-' && sql[i+1] == '-') || (sql[i] == '/' && sql[i+1] == '*'))
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}
func isDigit(c byte) bool      { return c >= '0' && c <= '9' }
func isIdentStart(c byte) bool { return c == '_' || (c|0x20 >= 'a' && c|0x20 <= 'z') }
func isIdent(c byte) bool      { return isIdentStart(c) || isDigit(c) }

// The templates of a write_path block, in the order they are documented.
const (
	Setup    = "setup"     // statements run once per cell
	Read     = "read"      // one row for @key, with at least a version column
	CAS      = "cas"       // the conditional write: one row affected commits, none is a conflict
	Write    = "write"     // the unconditional write (lww, check-then-write, lease)
	LockRead = "lock_read" // the locking read of pessimistic
	Audit    = "audit"     // one integer: the committed ops the store holds
	Teardown = "teardown"  // statements run when the store closes
)

// Templates lists the template names.
func Templates() []string {
	return []string{Setup, Read, CAS, Write, LockRead, Audit, Teardown}
}

// Allowed returns the parameters template may use, and false for a name
// that is no template.
func Allowed(template string) ([]string, bool) {
	switch template {
	case Setup, Audit, Teardown:
		return []string{"keys"}, true
	case Read, LockRead:
		return []string{"key"}, true
	case CAS:
		return []string{"key", "version", "new_version", "writer", "op", "payload", "updated_at"}, true
	case Write:
		return []string{"key", "version", "new_version", "counter", "writer", "op", "payload", "updated_at"}, true
	}
	return nil, false
}

package placeholder

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

var all = []string{"key", "version", "new_version", "writer", "op", "payload"}

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		name    string
		d       Dialect
		in      string
		want    string
		names   []string
		wantErr string
	}{
		{"pg", Postgres, "UPDATE t SET v = @new_version WHERE id = @key AND v = @version",
			"UPDATE t SET v = $1 WHERE id = $2 AND v = $3", []string{"new_version", "key", "version"}, ""},
		{"sqlite", SQLite, "UPDATE t SET v = @new_version WHERE id = @key AND v = @version",
			"UPDATE t SET v = ?1 WHERE id = ?2 AND v = ?3", []string{"new_version", "key", "version"}, ""},
		{"repeated name one position", Postgres, "SELECT @key, @key + 1", "SELECT $1, $1 + 1", []string{"key"}, ""},
		{"cast", Postgres, "SELECT @key::bigint", "SELECT $1::bigint", []string{"key"}, ""},
		{"string left alone", Postgres, "SELECT '@key', @key", "SELECT '@key', $1", []string{"key"}, ""},
		{"doubled quote", SQLite, "SELECT 'it''s @key', @op", "SELECT 'it''s @key', ?1", []string{"op"}, ""},
		{"E string backslash", Postgres, `SELECT E'\'@key', @op`, `SELECT E'\'@key', $1`, []string{"op"}, ""},
		{"plain string backslash", Postgres, `SELECT '\', @op`, `SELECT '\', $1`, []string{"op"}, ""},
		{"identifier", Postgres, `SELECT "@key" FROM t WHERE id = @key`, `SELECT "@key" FROM t WHERE id = $1`, []string{"key"}, ""},
		{"backquote sqlite", SQLite, "SELECT `@key`, [@op] FROM t WHERE id = @key", "SELECT `@key`, [@op] FROM t WHERE id = ?1", []string{"key"}, ""},
		{"line comment", Postgres, "SELECT 1 -- @nope\n, @key", "SELECT 1 -- @nope\n, $1", []string{"key"}, ""},
		{"block comment nested pg", Postgres, "SELECT /* a /* @nope */ @nope */ @key", "SELECT /* a /* @nope */ @nope */ $1", []string{"key"}, ""},
		{"dollar quote", Postgres, "DO $$BEGIN PERFORM @x; END$$", "DO $$BEGIN PERFORM @x; END$$", nil, ""},
		{"tagged dollar quote", Postgres, "SELECT $f$ @x $$ $f$, @key", "SELECT $f$ @x $$ $f$, $1", []string{"key"}, ""},
		{"jsonb operator", Postgres, "SELECT d @> '{}' FROM t WHERE id = @key", "SELECT d @> '{}' FROM t WHERE id = $1", []string{"key"}, ""},
		{"trailing semicolon", SQLite, "DELETE FROM t WHERE id = @key; -- done\n", "DELETE FROM t WHERE id = ?1; -- done\n", []string{"key"}, ""},
		{"unknown", Postgres, "SELECT @stock", "", nil, "unknown parameter @stock at offset 7 (allowed here: @key, @version, @new_version, @writer, @op, @payload)"},
		{"none allowed", SQLite, "SELECT @key", "", nil, "(allowed here: none)"},
		{"positional pg", Postgres, "SELECT $1", "", nil, "positional parameter $1 at offset 7: use the named parameters"},
		{"positional sqlite", SQLite, "SELECT ?", "", nil, "parameter ? at offset 7: use the named parameters"},
		{"colon sqlite", SQLite, "SELECT :key", "", nil, "parameter :key at offset 7"},
		{"two statements", Postgres, "SELECT 1; SELECT 2", "", nil, "a second statement after the ';' at offset 8"},
		{"empty", SQLite, "  -- nothing\n /* */ ", "", nil, "empty statement"},
		{"unterminated string", SQLite, "SELECT '@key", "SELECT '@key", nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			allowed := all
			if tc.name == "none allowed" {
				allowed = nil
			}
			st, err := Parse(tc.d, tc.in, allowed)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Parse(%q) = %v, want an error containing %q", tc.in, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if st.SQL != tc.want || !slices.Equal(st.Names, tc.names) {
				t.Errorf("Parse(%q) = %q %v, want %q %v", tc.in, st.SQL, st.Names, tc.want, tc.names)
			}
		})
	}
	if _, err := Parse(SQLite, "", nil); !errors.Is(err, ErrEmpty) {
		t.Errorf("empty: %v, want ErrEmpty", err)
	}
}

// FuzzParse: Parse never panics; a rewritten statement uses exactly the
// positions 1 … len(Names), binds only allowed names, and restoring the
// names gives the input back.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"UPDATE t SET v = @new_version WHERE id = @key AND v = @version",
		"SELECT 'a''b' /* c /* d */ */ -- e\n @key",
		"DO $x$ @key $x$; ", "SELECT E'\\'' || @op", "SELECT `a`, [b] FROM t WHERE id = @key", "@", "$", "?", "'", "/*", "--",
	} {
		f.Add(s, true)
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, in string, pg bool) {
		d := SQLite
		if pg {
			d = Postgres
		}
		st, err := Parse(d, in, all)
		if err != nil {
			return
		}
		for _, n := range st.Names {
			if !slices.Contains(all, n) {
				t.Fatalf("name %q bound but not allowed", n)
			}
		}
		if len(st.Names) > len(all) {
			t.Fatalf("names %v repeat", st.Names)
		}
		// Undo the rewrite: each position back to its name, longest
		// first so that $1 does not eat the 1 of $10.
		back := st.SQL
		mark := "?"
		if pg {
			mark = "$"
		}
		for i := len(st.Names); i >= 1; i-- {
			back = strings.ReplaceAll(back, mark+itoa(i), "@"+st.Names[i-1])
		}
		if len(st.Names) > 0 && back != in {
			// Positions can only be compared when the input held no
			// text that looks like a position already (inside quotes).
			if !strings.Contains(in, mark) {
				t.Fatalf("round trip: %q → %q → %q", in, st.SQL, back)
			}
		}
		if len(st.Names) == 0 && st.SQL != in {
			t.Fatalf("no parameters, but the text changed: %q → %q", in, st.SQL)
		}
	})
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

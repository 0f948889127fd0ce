package redact

import (
	"strings"
	"testing"
)

func TestDSN(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"empty", "", ""},
		{"not a dsn", "hello world", "hello world"},
		{"file path", "/tmp/occbench.db", "/tmp/occbench.db"},
		{"sqlite file uri", "file:bench.db?_pragma=busy_timeout(5000)&mode=rwc", "file:bench.db?_pragma=busy_timeout(5000)&mode=rwc"},
		{"url without user", "postgres://localhost:5432/bench?sslmode=disable", "postgres://localhost:5432/bench?sslmode=disable"},
		{"url user only", "postgres://bench@localhost/bench", "postgres://bench@localhost/bench"},
		{"url empty password", "postgres://bench:@localhost/bench", "postgres://bench:@localhost/bench"},
		{"postgres", "postgres://u:pw@h/db", "postgres://u:xxxxx@h/db"},
		{"postgresql with port and query", "postgresql://bench:s3cret@db.local:5432/bench?sslmode=disable", "postgresql://bench:xxxxx@db.local:5432/bench?sslmode=disable"},
		{"mongodb multi host", "mongodb://u:pw@h1:27017,h2:27017/?replicaSet=rs0&authSource=admin", "mongodb://u:xxxxx@h1:27017,h2:27017/?replicaSet=rs0&authSource=admin"},
		{"mongodb srv", "mongodb+srv://admin:hunter2@cluster0.example.net/bench", "mongodb+srv://admin:xxxxx@cluster0.example.net/bench"},
		{"redis no user", "redis://:pw@h:6379/0", "redis://:xxxxx@h:6379/0"},
		{"rediss", "rediss://default:pw@h:6380/1?dial_timeout=3s", "rediss://default:xxxxx@h:6380/1?dial_timeout=3s"},
		{"password with at sign", "postgres://u:p@ss@h/db", "postgres://u:xxxxx@h/db"},
		{"password with slash and colon", "postgres://u:a/b:c@h/db", "postgres://u:xxxxx@h/db"},
		{"at sign in query kept", "postgres://u:pw@h/db?application_name=a@b", "postgres://u:xxxxx@h/db?application_name=a@b"},
		{"password with spaces at start of string", "postgres://u:pass word@h/db", "postgres://u:xxxxx@h/db"},
		{"leading spaces", "  redis://:pw@h", "  redis://:xxxxx@h"},
		{"url in error message", `open postgres "postgres://u:pw@h/db": connection refused`, `open postgres "postgres://u:xxxxx@h/db": connection refused`},
		{"two urls in message", "from redis://:a1@h1 to redis://:b2@h2 failed", "from redis://:xxxxx@h1 to redis://:xxxxx@h2 failed"},
		{"url query password", "postgres://h/db?user=u&password=pw&sslmode=disable", "postgres://h/db?user=u&password=xxxxx&sslmode=disable"},
		{"query pwd uppercase", "mongodb://h/?PWD=pw#frag", "mongodb://h/?PWD=xxxxx#frag"},
		{"query pass and secret", "x://h/?pass=a&secret=b", "x://h/?pass=xxxxx&secret=xxxxx"},
		{"query sslpassword", "postgres://u:pw@h/db?sslpassword=keypw", "postgres://u:xxxxx@h/db?sslpassword=xxxxx"},
		{"file uri query password", "file:x.db?password=pw", "file:x.db?password=xxxxx"},
		{"query key suffix not secret", "postgres://h/db?passwordless=true&mypassword=1", "postgres://h/db?passwordless=true&mypassword=1"},
		{"key value", "host=h password=secret user=u", "host=h password=xxxxx user=u"},
		{"key value first", "password=secret host=h", "password=xxxxx host=h"},
		{"key value spaces around equals", "host=h password = secret user=u", "host=h password = xxxxx user=u"},
		{"key value quoted", "host=h password='quoted value with spaces' user=u", "host=h password='xxxxx' user=u"},
		{"key value quoted escapes", `password='it\'s a \\ secret' dbname=x`, `password='xxxxx' dbname=x`},
		{"key value unterminated quote", "host=h password='oops no end", "host=h password='xxxxx"},
		{"key value escaped space unquoted", `password=a\ b user=u`, `password=xxxxx user=u`},
		{"key value empty quoted", "password='' host=h", "password='' host=h"},
		{"key value empty at end", "host=h password=", "host=h password="},
		{"key value case", "Host=h Password=S3cret", "Host=h Password=xxxxx"},
		{"semicolon form", "Server=h;Password=secret;Database=db", "Server=h;Password=xxxxx;Database=db"},
		{"not a key", "user=u passwords=3", "user=u passwords=3"},
		{"scheme only", "://", "://"},
		{"dangling at", "x://@", "x://@"},
		{"already redacted", "postgres://u:xxxxx@h/db", "postgres://u:xxxxx@h/db"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := DSN(tt.in); got != tt.want {
				t.Errorf("DSN(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
			if again := DSN(tt.want); again != tt.want {
				t.Errorf("DSN not idempotent on %q: %q", tt.want, again)
			}
		})
	}
}

// TestDSNAmbiguousOverRedacts pins the documented trade-off: when an '@'
// appears only in the query of a URL without user info, DSN hides the
// text between the first ':' and that '@' rather than risk a leak.
func TestDSNAmbiguousOverRedacts(t *testing.T) {
	t.Parallel()
	in := "redis://h:6379/0?client_name=a@b"
	got := DSN(in)
	if got == in {
		t.Fatalf("DSN(%q) = unchanged, want the ambiguous part hidden", in)
	}
	if !strings.HasPrefix(got, "redis://h:") || !strings.HasSuffix(got, "@b") {
		t.Errorf("DSN(%q) = %q, want scheme, host and tail kept", in, got)
	}
}

// escapeLibpq quotes v as a libpq key/value value.
func escapeLibpq(v string) string {
	r := strings.NewReplacer(`\`, `\\`, `'`, `\'`)
	return "'" + r.Replace(v) + "'"
}

func FuzzDSN(f *testing.F) {
	seeds := []string{
		"", "pw", "hunter2", "p@ss", "a/b:c", "x y", `it's`, `\`, "://", "@", "?", "&", "=",
		"postgres://u:pw@h/db", "host=h password=secret", "password='a b'", "redis://:pw@h:6379/0",
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_ = DSN(s) // must not panic

		// A password with enough entropy to be recognisable must be gone
		// from every form it can take.
		if len(s) < 6 || strings.Contains(Mask, s) {
			return
		}
		type form struct {
			name  string
			dsn   string
			valid bool // s is representable in this form
		}
		forms := []form{
			{"url", "postgres://bench:" + s + "@db.local:5432/bench?sslmode=disable",
				!strings.ContainsAny(s, "?#") && !strings.ContainsAny(s, "\x00")},
			{"url redis", "redis://:" + s + "@h:6379/0",
				!strings.ContainsAny(s, "?#")},
			{"url embedded", `dial "mongodb://u:` + s + `@h1,h2/?rs=x": refused`,
				!strings.ContainsAny(s, "?#\"'`<> \t\r\n\v\f")},
			{"key value unquoted", "host=h password=" + s + " user=u",
				!strings.ContainsAny(s, "' \t\r\n\v\f\\")},
			{"key value quoted", "host=h password=" + escapeLibpq(s) + " user=u", true},
			{"query", "postgres://h/db?sslmode=disable&password=" + s + "&application_name=x",
				!strings.ContainsAny(s, "&#; \t\r\n\v\f")},
		}
		for _, fm := range forms {
			if !fm.valid {
				continue
			}
			got := DSN(fm.dsn)
			secret := s
			if fm.name == "key value quoted" {
				secret = escapeLibpq(s)
				secret = secret[1 : len(secret)-1]
			}
			// The secret may legitimately appear in the template around
			// it; only count occurrences beyond those.
			template := strings.Replace(fm.dsn, secret, "", 1)
			if strings.Count(got, secret) > strings.Count(template, secret) {
				t.Errorf("%s: DSN(%q) = %q still holds the password", fm.name, fm.dsn, got)
			}
		}
	})
}

func BenchmarkDSN(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = DSN("mongodb://u:pw@h1:27017,h2:27017/?replicaSet=rs0&password=x")
	}
}

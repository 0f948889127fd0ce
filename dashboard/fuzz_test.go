package dashboard

import (
	"net"
	"strconv"
	"testing"
)

// FuzzResolveAddr: any input is refused or resolves to a host:port with
// a host and a port of 0 to 65535 that resolves to itself.
func FuzzResolveAddr(f *testing.F) {
	for _, s := range []string{":8080", "127.0.0.1:0", "[::1]:80", "8080", "", ":", "a b:1", "host:port", ":99999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ResolveAddr(s)
		if err != nil {
			return
		}
		host, port, err := net.SplitHostPort(got)
		if err != nil || host == "" {
			t.Fatalf("ResolveAddr(%q) = %q: host %q, %v", s, got, host, err)
		}
		if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
			t.Fatalf("ResolveAddr(%q) = %q: port %q", s, got, port)
		}
		if again, err := ResolveAddr(got); err != nil || again != got {
			t.Fatalf("ResolveAddr(%q) = %q, but ResolveAddr(%q) = %q, %v", s, got, got, again, err)
		}
	})
}

// FuzzParseLastEventID: never negative, and a frame id round-trips.
func FuzzParseLastEventID(f *testing.F) {
	for _, s := range []string{"", "0", "7", " 12 ", "-1", "x", "99999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := ParseLastEventID(s)
		if n < 0 {
			t.Fatalf("ParseLastEventID(%q) = %d", s, n)
		}
		if n > 0 && ParseLastEventID(strconv.Itoa(n)) != n {
			t.Fatalf("ParseLastEventID does not round-trip %d", n)
		}
	})
}

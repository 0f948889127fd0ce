package redact

import "strings"

// Mask replaces every secret DSN hides.
const Mask = "xxxxx"

// DSN returns s with every password it can find replaced by Mask. It never
// panics, whatever s holds.
func DSN(s string) string {
	s = redactURLs(s)
	return redactParams(s)
}

// secretKeys are the parameter names whose values are hidden, lower case.
var secretKeys = [...]string{"password", "pass", "pwd", "secret", "sslpassword"}

func isSecretKey(k string) bool {
	for _, sk := range secretKeys {
		if strings.EqualFold(k, sk) {
			return true
		}
	}
	return false
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

func isSchemeChar(c byte, first bool) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		return true
	case first:
		return false
	case '0' <= c && c <= '9', c == '+', c == '-', c == '.':
		return true
	}
	return false
}

// isURLEnd reports whether c ends a URL embedded in a longer string.
func isURLEnd(c byte) bool {
	return isSpace(c) || c == '"' || c == '\'' || c == '`' || c == '<' || c == '>'
}

// redactURLs hides the password of every scheme://user:password@host in s.
//
// The user-info part ends at the last '@' before the first '?' or '#' that
// follows the first '@', so that an unescaped '@', '/' or ':' inside a
// password does not leak its tail. A URL that starts s runs to the end of
// s (a password may hold spaces); one embedded in a longer string ends at
// white space or a quote.
func redactURLs(s string) string {
	var b strings.Builder
	last := 0 // s[:last] has been copied to b
	for i := 0; i+3 <= len(s); {
		j := strings.Index(s[i:], "://")
		if j < 0 {
			break
		}
		sep := i + j
		start := sep
		for start > 0 && isSchemeChar(s[start-1], false) {
			start--
		}
		for start < sep && !isSchemeChar(s[start], true) {
			start++
		}
		if start == sep { // no scheme
			i = sep + 3
			continue
		}
		rest := sep + 3
		end := len(s)
		if strings.TrimLeft(s[:start], " \t\r\n") != "" {
			for k := rest; k < len(s); k++ {
				if isURLEnd(s[k]) {
					end = k
					break
				}
			}
		}
		lo, hi, ok := urlPassword(s[rest:end])
		if ok {
			b.WriteString(s[last : rest+lo])
			b.WriteString(Mask)
			last = rest + hi
		}
		i = end
		if i <= sep { // cannot happen; keeps the loop finite regardless
			i = sep + 3
		}
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// urlPassword returns the password's bounds in u, the part of a URL after
// "scheme://", and whether there is a non-empty password.
func urlPassword(u string) (lo, hi int, ok bool) {
	firstAt := strings.IndexByte(u, '@')
	if firstAt < 0 {
		return 0, 0, false
	}
	q := len(u)
	if k := strings.IndexAny(u[firstAt:], "?#"); k >= 0 {
		q = firstAt + k
	}
	at := strings.LastIndexByte(u[:q], '@')
	colon := strings.IndexByte(u[:at], ':')
	if colon < 0 || colon+1 == at {
		return 0, 0, false // user only, or an empty password
	}
	return colon + 1, at, true
}

// redactParams hides the values of secret parameters: key=value pairs that
// start s or follow white space, '?', '&' or ';'. Values after white space
// or at the start (key/value DSNs) may be quoted with ' and use backslash
// escapes; unquoted, they end at white space that no backslash escapes.
// Values after '?', '&' or ';' (query strings) end at '&', '#', ';' or
// white space.
func redactParams(s string) string {
	var b strings.Builder
	last := 0
	for i := 0; i < len(s); i++ {
		if i > 0 && !isParamStart(s[i-1]) {
			continue
		}
		if !isKeyChar(s[i]) {
			continue
		}
		k := i
		for k < len(s) && isKeyChar(s[k]) {
			k++
		}
		key := s[i:k]
		query := i > 0 && (s[i-1] == '?' || s[i-1] == '&' || s[i-1] == ';')
		// key/value DSNs allow spaces around '='.
		eq := k
		if !query {
			for eq < len(s) && isSpace(s[eq]) {
				eq++
			}
		}
		if eq >= len(s) || s[eq] != '=' || !isSecretKey(key) {
			i = k - 1
			continue
		}
		v := eq + 1
		if !query {
			for v < len(s) && isSpace(s[v]) {
				v++
			}
		}
		lo, hi := paramValue(s, v, query)
		if lo == hi {
			i = hi
			if i > 0 {
				i--
			}
			continue
		}
		b.WriteString(s[last:lo])
		b.WriteString(Mask)
		last = hi
		i = hi - 1
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

func isParamStart(c byte) bool {
	return isSpace(c) || c == '?' || c == '&' || c == ';'
}

func isKeyChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-' || c == '.'
}

// paramValue returns the bounds of the value that starts at v (inside the
// quotes for a quoted value; an unterminated quote runs to the end).
func paramValue(s string, v int, query bool) (lo, hi int) {
	if v >= len(s) {
		return v, v
	}
	if !query && s[v] == '\'' {
		for k := v + 1; k < len(s); k++ {
			switch s[k] {
			case '\\':
				k++ // skip the escaped byte
			case '\'':
				return v + 1, k
			}
		}
		return v + 1, len(s)
	}
	k := v
	for k < len(s) && !isSpace(s[k]) {
		if query && (s[k] == '&' || s[k] == '#' || s[k] == ';') {
			break
		}
		if !query && s[k] == '\\' && k+1 < len(s) {
			k++ // libpq: a backslash escapes the next byte, even a space
		}
		k++
	}
	return v, k
}

// Package placeholder parses the named parameters of a write_path
// template (@key, @version, …) and rewrites them to the positional
// parameters of the dialect ($1 for PostgreSQL, ?1 for SQLite), so that
// every value is bound, never interpolated, and a name the template may
// not use is refused before anything reaches a server.
//
// The lexer knows each dialect's quotes and comments well enough to
// leave what is inside them alone: '…' (and PostgreSQL's E'…' and
// $tag$…$tag$), "…", SQLite's `…` and […], -- and /* */ comments
// (nested in PostgreSQL). It is not a SQL parser: anything else is the
// server's to judge, when the template is prepared.
//
// It imports nothing but the standard library, so that package
// scenarios can refuse a bad template when it loads a scenario.
package placeholder

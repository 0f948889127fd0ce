// Package redact hides secrets in connection strings before they reach a
// log line, an error message or a results file.
//
// DSN understands the forms occbench's drivers accept:
//
//   - URLs with a user-info part: postgres://u:pw@h/db,
//     mongodb://u:pw@h1,h2/?replicaSet=rs, redis://:pw@h:6379/0,
//     rediss://u:pw@h. The password becomes "xxxxx"; the user is kept.
//   - key/value strings (libpq style): host=h password=secret user=u,
//     including quoted values such as password='with spaces'.
//   - query or key/value parameters named password, pass, pwd, secret or
//     sslpassword, in any case: ?sslmode=disable&password=pw.
//
// URLs may also appear inside a longer string, such as an error message.
// When a string is ambiguous, DSN hides too much rather than too little.
// A string that holds none of these forms is returned unchanged.
package redact

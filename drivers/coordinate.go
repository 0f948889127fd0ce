package drivers

import (
	"context"
	"fmt"
	"regexp"
	"time"
)

// The capabilities below let several occbench processes (runners) share
// one store under test: --runners N. Runner 0 sets every cell up; the
// others attach to what it seeded and meet it at barriers, through
// markers kept in the store itself (no other infrastructure).

// Attacher is implemented by stores that can work on a cell another
// process set up: Attach prepares the store for spec (the statements,
// the keys) exactly as Setup does, but creates, drops and seeds nothing.
type Attacher interface {
	Attach(ctx context.Context, spec Spec) error
}

// Coordinator keeps named markers in the store under test, inside the
// store's namespace, and reads the store's clock. Markers outlive the
// process; ClearMarks removes every marker of the namespace and nothing
// else.
type Coordinator interface {
	// Mark sets marker name to value (replacing any previous value).
	Mark(ctx context.Context, name, value string) error
	// Marks returns the markers whose name starts with prefix, by name.
	Marks(ctx context.Context, prefix string) (map[string]string, error)
	// ClearMarks removes every marker of the namespace.
	ClearMarks(ctx context.Context) error
	// Now reads the server's clock.
	Now(ctx context.Context) (time.Time, error)
}

// namespaceRE is what --namespace allows: it prefixes table, collection
// and key names, so it must be a plain identifier in every store.
var namespaceRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,30}$`)

// NamespaceRule is namespaceRE in words, for error messages.
const NamespaceRule = "[a-z][a-z0-9_]{0,30}"

// ValidateNamespace reports whether ns may be Options.Namespace: "" (the
// default names) or NamespaceRule.
func ValidateNamespace(ns string) error {
	if ns == "" || namespaceRE.MatchString(ns) {
		return nil
	}
	return fmt.Errorf("--namespace: %q is not a valid namespace (allowed: %s): %w", ns, NamespaceRule, ErrInvalidOption)
}

// Prefixed is name in namespace ns: "ns_name", or name when ns is "".
// Drivers name every table, collection and key they create with it.
func Prefixed(ns, name string) string {
	if ns == "" {
		return name
	}
	return ns + "_" + name
}

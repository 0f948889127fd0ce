package scenarios

import (
	"fmt"
	"strings"
)

// OnConflict is what a writer does when an attempt loses to another
// writer: the typed value of the on_conflict field, whose YAML, JSON and
// results spelling stays the string String returns.
type OnConflict uint8

const (
	Retry OnConflict = iota // back off and retry
	Fail                    // give the op up at its first conflict
	Merge                   // re-apply its own field group at once when untouched, else retry
)

var onConflictNames = [...]string{Retry: "retry", Fail: "fail", Merge: "merge"}

// String is the on_conflict spelling.
func (o OnConflict) String() string {
	if int(o) < len(onConflictNames) {
		return onConflictNames[o]
	}
	return fmt.Sprintf("OnConflict(%d)", o)
}

// ParseOnConflict reads an on_conflict spelling; "" is retry, the default.
func ParseOnConflict(s string) (OnConflict, error) {
	if s == "" {
		return Retry, nil
	}
	for i, n := range onConflictNames {
		if n == s {
			return OnConflict(i), nil
		}
	}
	return 0, fmt.Errorf("on_conflict: unknown value %q (allowed: %s)", s, strings.Join(OnConflictValues, ", "))
}

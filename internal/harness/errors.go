package harness

import (
	"errors"
	"fmt"
)

// Exit codes of every occbench command.
const (
	ExitOK          = 0   // done; for run: every check passed
	ExitFailed      = 1   // a failure, unexpected lost updates, a cell dominated by errors, a regression
	ExitBadInput    = 2   // a flag, a scenario field or a file is wrong: one line names it
	ExitThreshold   = 3   // a threshold failed
	ExitInterrupted = 130 // Ctrl-C: what was measured is kept, marked interrupted
)

// badInput marks an error as the user's input: exit 2 with one line.
type badInput struct{ err error }

func (e badInput) Error() string { return e.err.Error() }
func (e badInput) Unwrap() error { return e.err }

// BadInput marks err as bad input (exit 2). nil stays nil.
func BadInput(err error) error {
	if err == nil {
		return nil
	}
	return badInput{err}
}

// BadInputf is BadInput(fmt.Errorf(format, args...)).
func BadInputf(format string, args ...any) error {
	return badInput{fmt.Errorf(format, args...)}
}

// IsBadInput reports whether err (or an error it wraps) is bad input.
func IsBadInput(err error) bool {
	var b badInput
	return errors.As(err, &b)
}

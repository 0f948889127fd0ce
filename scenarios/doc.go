// Package scenarios defines the scenario file format, the built-in
// scenarios embedded in the binary (the *.yaml files beside this one),
// and their validation.
//
// A scenario is YAML decoded with unknown fields rejected. Every field
// can also be set by a command-line flag of the same name (underscores
// become dashes; strategies and backoffs are --strategy and --backoff);
// flags win. Validate reports the first bad field as one line naming the
// field, its flag and the allowed values.
package scenarios

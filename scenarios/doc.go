// Package scenarios defines the scenario file format, the built-in
// scenarios embedded in the binary (the *.yaml files beside this one),
// and their validation.
//
// A scenario is YAML decoded with unknown fields rejected. Every field
// can also be set by a command-line flag of the same name (underscores
// become dashes; strategies and backoffs are --strategy and --backoff);
// flags win. Validate reports the first bad field as one line naming the
// field, its flag and the allowed values.
//
// A scenario may declare classes of writers (classes.go: name, writers,
// strategy, backoff, field_group, think, rate per class), YAML only:
// they run together in one cell per trial, and replace the writers,
// strategies and backoffs sweeps (a scenario or flag that sets one of
// those beside classes is refused, as are a scenario-wide think or
// rate); errors name classes[i].field.
package scenarios

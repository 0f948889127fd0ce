// Package drivers defines the document model every store speaks, the
// errors that classify an attempt's failure, and the registry that maps a
// --driver name to a constructor.
//
// A driver exports a concrete type that implements Store plus any of the
// capability interfaces of capabilities.go (conditional
// write, locked update, fenced write, leases). The strategy package finds
// those capabilities by type assertion; a driver that lacks one simply
// cannot run that strategy, and the runner says so before a cell starts.
//
// The registry is the only package-level mutable state in occbench: it is
// written from init functions only and read-only afterwards.
package drivers

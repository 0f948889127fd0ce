// Package textout holds what every text renderer of occbench shares: a
// Writer that keeps the first write error (print freely, check once) and
// MarkdownCell, the one escaping of a value put into a Markdown table
// cell. results, compare, capacity and tune render through it.
package textout

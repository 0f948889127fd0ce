// Command occbench load- and contention-tests compare-and-swap write paths.
// See doc.go for the manual.
package main

import (
	"context"
	"os"
)

func main() { os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr)) }

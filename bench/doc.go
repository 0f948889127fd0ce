// Package bench holds occbench's comparisons with reference clients: no
// library code, only benchmarks and the scripts around them.
//
// pgbench-compare.sh runs pgbench and occbench on the same PostgreSQL
// workloads and prints their rates side by side; PARITY.md records the
// runs, where occbench's time goes and what would close the gap.
// redis-compare.sh does the same for Redis against redis-benchmark
// running occbench's own HMGET and CAS script. faults-mttr.sh measures
// detection and recovery per fault kind and driver; soak.sh runs a long
// cell with a fault every minute and samples occbench's memory.
//
// The benchmarks in this package drive the postgres store the way one
// occbench writer does (a strategy attempt in a loop, one goroutine per
// writer) next to the same statements on bare pgx connections, so that
// the cost occbench adds per attempt can be profiled in isolation:
//
//	OCCBENCH_POSTGRES_DSN=postgres://… go test -run '^$' -bench . \
//	    -benchtime 20000x -cpuprofile cpu.out ./bench/
//
// Without OCCBENCH_POSTGRES_DSN they skip. They use the schema
// occbench_bench, which they create, and touch nothing outside it.
package bench

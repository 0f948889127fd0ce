// Package faults describes the faults occbench injects into a cell (a
// paused, restarted or killed server, a network partition, added
// latency, stalled lease holders), parses their KIND@OFFSET[:DURATION]
// spelling, declares the Injector that carries them out, and measures
// what they did: time to detect, time to recover (MTTR) and the drop in
// throughput. It imports nothing of occbench above it; injectors that
// need containers or a proxy live in internal/chaos.
package faults

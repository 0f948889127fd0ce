package memory

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"unsafe"
)

// perKeyBytes is what every document costs besides its group versions
// and payload: its lock and fields (one cache line) and its lease-table
// entry.
const perKeyBytes = int64(unsafe.Sizeof(doc{}) + unsafe.Sizeof(lease{}))

// EstimateBytes is the memory a cell of keys documents with payloadBytes
// of payload in fieldGroups groups takes in the memory store: per key,
// 128 bytes of document and lease entry, 8 bytes per field group version
// and the payload. It saturates at math.MaxInt64 instead of overflowing;
// a negative argument counts as 0.
func EstimateBytes(keys, payloadBytes, fieldGroups int) int64 {
	k, p, g := int64(max(keys, 0)), int64(max(payloadBytes, 0)), int64(max(fieldGroups, 0))
	if g > (math.MaxInt64-perKeyBytes)/8 {
		return math.MaxInt64
	}
	per := perKeyBytes + 8*g
	if p > math.MaxInt64-per {
		return math.MaxInt64
	}
	per += p
	if k > math.MaxInt64/per {
		return math.MaxInt64
	}
	return k * per
}

// FallbackMemoryLimit is the memory Setup assumes it may use where it
// cannot read how much is available (no /proc/meminfo: not Linux).
const FallbackMemoryLimit = int64(4 << 30)

// Where Setup learns how much memory a cell may take.
const (
	memInfoPath      = "/proc/meminfo"
	cgroupMaxPath    = "/sys/fs/cgroup/memory.max"     // cgroup v2 limit, "max" = none
	cgroupCurrentPat = "/sys/fs/cgroup/memory.current" // cgroup v2 usage
)

// availableMemory returns the bytes a new cell may allocate and where
// that number came from: MemAvailable from /proc/meminfo, lowered to what
// the cgroup (v2) limit leaves when there is one; FallbackMemoryLimit when
// /proc/meminfo cannot be read.
func availableMemory() (int64, string) {
	f, err := os.Open(memInfoPath)
	if err != nil {
		return FallbackMemoryLimit, "fixed bound: " + memInfoPath + " unreadable"
	}
	defer f.Close()
	avail, err := parseMemAvailable(f)
	if err != nil {
		return FallbackMemoryLimit, "fixed bound: " + err.Error()
	}
	src := "MemAvailable in " + memInfoPath
	if left, ok := cgroupLeft(); ok && left < avail {
		avail, src = left, "cgroup memory.max − memory.current"
	}
	return avail, src
}

// parseMemAvailable reads the MemAvailable line of /proc/meminfo, in
// bytes.
func parseMemAvailable(r io.Reader) (int64, error) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok || name != "MemAvailable" {
			continue
		}
		f := strings.Fields(rest)
		if len(f) != 2 || f[1] != "kB" {
			return 0, fmt.Errorf("%s: MemAvailable: unexpected %q", memInfoPath, rest)
		}
		kb, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil || kb < 0 || kb > math.MaxInt64/1024 {
			return 0, fmt.Errorf("%s: MemAvailable: unexpected %q", memInfoPath, rest)
		}
		return kb * 1024, nil
	}
	if err := sc.Err(); err != nil {
		return 0, fmt.Errorf("%s: %w", memInfoPath, err)
	}
	return 0, fmt.Errorf("%s: no MemAvailable line", memInfoPath)
}

// cgroupLeft returns what the cgroup v2 memory limit leaves, when there
// is a limit and both files read.
func cgroupLeft() (int64, bool) {
	maxB, err := os.ReadFile(cgroupMaxPath)
	if err != nil {
		return 0, false
	}
	curB, err := os.ReadFile(cgroupCurrentPat)
	if err != nil {
		return 0, false
	}
	return parseCgroupLeft(maxB, curB)
}

// parseCgroupLeft is memory.max − memory.current, when memory.max is a
// number.
func parseCgroupLeft(maxB, curB []byte) (int64, bool) {
	limit, err := strconv.ParseInt(string(bytes.TrimSpace(maxB)), 10, 64)
	if err != nil {
		return 0, false // "max": no limit
	}
	cur, err := strconv.ParseInt(string(bytes.TrimSpace(curB)), 10, 64)
	if err != nil {
		return 0, false
	}
	return max(limit-cur, 0), true
}

// formatBytes prints n in binary units with one decimal: "372.5 GiB".
func formatBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return strconv.FormatInt(n, 10) + " B"
	}
	v, suffix := float64(n), ""
	for _, s := range []string{"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"} {
		if v < unit {
			break
		}
		v /= unit
		suffix = s
	}
	return strconv.FormatFloat(v, 'f', 1, 64) + " " + suffix
}

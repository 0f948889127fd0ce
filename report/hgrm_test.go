package report

import (
	"bufio"
	"bytes"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/occbench/occbench/internal/golden"

	"github.com/occbench/occbench/results"
)

// TestHGRMGolden prints a hand-built file: a cell with ten latencies of
// 0.1 … 1 ms and attempts 1, 1, 1, 2, 5, and a skipped cell.
func TestHGRMGolden(t *testing.T) {
	t.Parallel()
	var lat []int64
	for v := int64(100); v <= 1000; v += 100 {
		lat = append(lat, v)
	}
	f := &results.File{Schema: results.Schema, Cells: []results.Cell{
		{Driver: "memory", Strategy: "optimistic", Backoff: "full-jitter", Writers: 16,
			Histograms: map[string]string{
				results.HistCommitted: encode(t, lat...),
				results.HistAttempts:  encode(t, 1, 1, 1, 2, 5),
				results.HistGaveUp:    encode(t),
			}},
		{Driver: "memory", Strategy: "lease", Backoff: "none", Writers: 16, Skipped: "no leases"},
	}}
	var buf bytes.Buffer
	if err := HGRM(&buf, f); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, golden.Path(t), buf.Bytes())
}

// hgrmBlock is one parsed histogram of HGRM's output.
type hgrmBlock struct {
	header string
	rows   []hgrmRow
	mean   float64
	max    float64
	total  int64
}

type hgrmRow struct {
	value, percentile float64
	count             int64
	inverse           float64 // 0 on the last row, which has none
	line              string
}

// parseHGRM reads HGRM's output back, failing on any line that is not a
// header, a column title, a row or a footer line.
func parseHGRM(t *testing.T, out []byte) []hgrmBlock {
	t.Helper()
	var blocks []hgrmBlock
	var b *hgrmBlock
	sc := bufio.NewScanner(bytes.NewReader(out))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "# cell: "):
			blocks = append(blocks, hgrmBlock{header: line})
			b = &blocks[len(blocks)-1]
		case line == "" || line == "# (no values recorded)":
		case line == "       Value     Percentile TotalCount 1/(1-Percentile)":
		case strings.HasPrefix(line, "#[Mean    = "):
			if _, err := fmt.Sscanf(line, "#[Mean    = %f, StdDeviation   = ", &b.mean); err != nil {
				t.Fatalf("line %d %q: %v", n, line, err)
			}
		case strings.HasPrefix(line, "#[Max     = "):
			if _, err := fmt.Sscanf(line, "#[Max     = %f, Total count    = %d]", &b.max, &b.total); err != nil {
				t.Fatalf("line %d %q: %v", n, line, err)
			}
		case strings.HasPrefix(line, "#[Buckets = "):
		default:
			f := strings.Fields(line)
			if b == nil || len(f) < 3 || len(f) > 4 {
				t.Fatalf("line %d: unexpected %q", n, line)
			}
			var r hgrmRow
			var err error
			r.line = line
			if r.value, err = strconv.ParseFloat(f[0], 64); err != nil {
				t.Fatalf("line %d %q: value: %v", n, line, err)
			}
			if r.percentile, err = strconv.ParseFloat(f[1], 64); err != nil {
				t.Fatalf("line %d %q: percentile: %v", n, line, err)
			}
			if r.count, err = strconv.ParseInt(f[2], 10, 64); err != nil {
				t.Fatalf("line %d %q: count: %v", n, line, err)
			}
			if len(f) == 4 {
				if r.inverse, err = strconv.ParseFloat(f[3], 64); err != nil {
					t.Fatalf("line %d %q: 1/(1-percentile): %v", n, line, err)
				}
			}
			b.rows = append(b.rows, r)
		}
	}
	return blocks
}

func TestHGRMParsesBack(t *testing.T) {
	t.Parallel()
	f := testFile(t)
	var buf bytes.Buffer
	if err := HGRM(&buf, f); err != nil {
		t.Fatal(err)
	}
	blocks := parseHGRM(t, buf.Bytes())
	// 5 cells ran, 2 histograms each.
	if len(blocks) != 10 {
		t.Fatalf("%d histograms, want 10", len(blocks))
	}
	wantHeaders := []string{
		"# cell: optimistic/none/w1 outcome: attempts (values: attempts per committed op)",
		"# cell: optimistic/none/w1 outcome: committed (values in ms)",
	}
	for i, h := range wantHeaders {
		if blocks[i].header != h {
			t.Errorf("header %d: %q, want %q", i, blocks[i].header, h)
		}
	}
	for _, b := range blocks {
		if len(b.rows) < 2 {
			t.Errorf("%s: %d rows", b.header, len(b.rows))
			continue
		}
		for i, r := range b.rows {
			last := i == len(b.rows)-1
			if i > 0 {
				p := b.rows[i-1]
				if r.percentile <= p.percentile || r.value < p.value || r.count < p.count {
					t.Errorf("%s: row %d %q after %q: not increasing", b.header, i, r.line, p.line)
				}
			}
			if !last && math.Abs(r.inverse-1/(1-r.percentile)) > 0.006 {
				t.Errorf("%s: row %q: 1/(1-p) %v, want %v", b.header, r.line, r.inverse, 1/(1-r.percentile))
			}
			if last != (r.inverse == 0) {
				t.Errorf("%s: row %q: only the last row has no 1/(1-p)", b.header, r.line)
			}
		}
		last := b.rows[len(b.rows)-1]
		if last.percentile != 1 || last.count != b.total || last.value != b.max {
			t.Errorf("%s: last row %q, want percentile 1, count %d, value %v (the footer's total and max)", b.header, last.line, b.total, b.max)
		}
		if b.rows[0].percentile != 0 {
			t.Errorf("%s: first row %q, want percentile 0", b.header, b.rows[0].line)
		}
	}
	// Latencies are in ms: the committed p50 row matches LatencyOf.
	c := &f.Cells[0]
	for _, r := range blocks[1].rows {
		if r.percentile == 0.5 && math.Abs(r.value-c.LatencyMS.P50) > 0.0005 {
			t.Errorf("p50 row %q, want %v ms", r.line, c.LatencyMS.P50)
		}
	}
}

// TestPercentileDistributionMatchesLibrary checks the rows against
// hdrhistogram-go's own PercentilesPrint: the same values and counts, and
// the same percentiles to its 6 decimals.
func TestPercentileDistributionMatchesLibrary(t *testing.T) {
	t.Parallel()
	var vals []int64
	for i := int64(1); i <= 5000; i++ {
		vals = append(vals, i*i%100_003+1)
	}
	h, err := results.DecodeHistogram(encode(t, vals...))
	if err != nil {
		t.Fatal(err)
	}
	var ours, lib bytes.Buffer
	if err := PercentileDistribution(&ours, h, 1000); err != nil {
		t.Fatal(err)
	}
	if _, err := h.PercentilesPrint(&lib, TicksPerHalfDistance, 1000); err != nil {
		t.Fatal(err)
	}
	ourLines := strings.Split(strings.TrimSpace(ours.String()), "\n")
	libLines := strings.Split(strings.TrimSpace(lib.String()), "\n")
	if len(ourLines) != len(libLines) {
		t.Fatalf("%d lines, PercentilesPrint %d", len(ourLines), len(libLines))
	}
	for i := 2; i < len(ourLines); i++ {
		o, l := strings.Fields(ourLines[i]), strings.Fields(libLines[i])
		if strings.HasPrefix(ourLines[i], "#") {
			if ourLines[i] != libLines[i] {
				t.Errorf("footer %q, PercentilesPrint %q", ourLines[i], libLines[i])
			}
			continue
		}
		op, _ := strconv.ParseFloat(o[1], 64)
		if o[0] != l[0] || o[2] != l[2] || fmt.Sprintf("%f", op) != l[1] {
			t.Errorf("row %q, PercentilesPrint %q", ourLines[i], libLines[i])
		}
	}
}

func TestHGRMErrors(t *testing.T) {
	t.Parallel()
	if err := HGRM(&bytes.Buffer{}, nil); err == nil {
		t.Error("HGRM(nil): no error")
	}
	f := testFile(t)
	f.Cells[2].Histograms[results.HistCommitted] = "bm90IGEgaGlzdG9ncmFt"
	err := HGRM(&bytes.Buffer{}, f)
	if err == nil || !strings.Contains(err.Error(), "cell optimistic/none/w8: histograms: committed") {
		t.Errorf("corrupt histogram: error %v", err)
	}
	f.Cells[2].Histograms[results.HistCommitted] = bomb48(t)
	err = HGRM(&bytes.Buffer{}, f)
	if want := "report: hgrm: cell optimistic/none/w8: histograms: committed: histogram: decode: refused: 5 significant figures"; err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("49 MB histogram: error %v, want %s…", err, want)
	}
	h := results.NewHistogram()
	for _, scale := range []float64{0, -1, math.NaN(), math.Inf(1)} {
		if err := PercentileDistribution(&bytes.Buffer{}, h, scale); err == nil {
			t.Errorf("scale %v: no error", scale)
		}
	}
	if err := PercentileDistribution(&bytes.Buffer{}, nil, 1); err == nil {
		t.Error("nil histogram: no error")
	}
}

func ExamplePercentileDistribution() {
	h := results.NewHistogram()
	for _, us := range []int64{1200, 1500, 2100, 2500, 3000, 4200, 9800} {
		_ = h.RecordValue(us)
	}
	_ = PercentileDistribution(os.Stdout, h, 1000) // µs → ms
	// Output:
	//        Value     Percentile TotalCount 1/(1-Percentile)
	//
	//        1.200 0.000000000000          1           1.00
	//        1.200 0.100000000000          1           1.11
	//        1.500 0.200000000000          2           1.25
	//        2.101 0.300000000000          3           1.43
	//        2.101 0.400000000000          3           1.67
	//        2.501 0.500000000000          4           2.00
	//        2.501 0.550000000000          4           2.22
	//        3.001 0.600000000000          5           2.50
	//        3.001 0.650000000000          5           2.86
	//        3.001 0.700000000000          5           3.33
	//        4.203 0.750000000000          6           4.00
	//        4.203 0.775000000000          6           4.44
	//        4.203 0.800000000000          6           5.00
	//        4.203 0.825000000000          6           5.71
	//        4.203 0.850000000000          6           6.67
	//        9.807 0.875000000000          7           8.00
	//        9.807 1.000000000000          7
	// #[Mean    =        3.473, StdDeviation   =        2.744]
	// #[Max     =        9.807, Total count    =            7]
	// #[Buckets =           22, SubBuckets     =         2048]
}

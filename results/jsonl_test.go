package results

import (
	"bufio"
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/occbench/occbench/internal/golden"
)

func TestRenderJSONL(t *testing.T) {
	t.Parallel()
	f := testFile(t)
	f.Cells[0].Timeseries = append(f.Cells[0].Timeseries, Point{T: 2, Ops: 1240, Attempts: 1460, Conflicts: 221, P99MS: 7.6})
	var buf bytes.Buffer
	if err := RenderWith(&buf, f, "jsonl", Options{Question: "Which wins?", Path: "out.json"}); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, golden.Path(t), buf.Bytes())

	var types []string
	sc := bufio.NewScanner(&buf)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var obj map[string]any
		if err := json.Unmarshal(sc.Bytes(), &obj); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		typ, _ := obj["type"].(string)
		types = append(types, typ)
		switch typ {
		case JSONLSecond:
			if obj["cell"] != "optimistic/full-jitter/w8" || obj["t_s"] == nil || obj["ops"] == nil {
				t.Errorf("second %v", obj)
			}
		case JSONLCell:
			if _, ok := obj["histograms"]; ok {
				t.Error("cell object carries the histograms")
			}
			if _, ok := obj["timeseries"]; ok {
				t.Error("cell object carries the time series")
			}
			if obj["cell"] == nil || obj["audit"] == nil || obj["throughput_ops_s"] == nil {
				t.Errorf("cell object lacks fields: %v", obj)
			}
		case JSONLRun:
			if obj["audit_ok"] != false || obj["results_file"] != "out.json" || obj["question"] != "Which wins?" {
				t.Errorf("run %v", obj)
			}
			v, _ := obj["verdict"].([]any)
			if len(v) != 1 {
				t.Errorf("run verdict %v, want one group", obj["verdict"])
			}
		default:
			t.Errorf("line without a known type: %s", sc.Text())
		}
	}
	want := "second second cell cell cell cell run"
	if got := strings.Join(types, " "); got != want {
		t.Errorf("types %q, want %q", got, want)
	}
}

// TestLineWriterOneWritePerLine: a reader of a pipe sees whole lines.
func TestLineWriterOneWritePerLine(t *testing.T) {
	t.Parallel()
	var cw countWriter
	lw := NewLineWriter(&cw)
	for i := range 3 {
		if err := lw.Write(NewSecondLine(CellID{Strategy: "s", Backoff: "b", Writers: i}, Point{T: 1})); err != nil {
			t.Fatal(err)
		}
	}
	if cw.n != 3 {
		t.Errorf("%d writes for 3 lines", cw.n)
	}
}

func TestCellIDName(t *testing.T) {
	t.Parallel()
	for id, want := range map[CellID]string{
		{Strategy: "optimistic", Backoff: "expo", Writers: 16}:                    "optimistic/expo/w16",
		{Strategy: "lease", Backoff: "none", Writers: 4, Rate: 2000, Trial: 3}:    "lease/none/w4/r2000/t3",
		{Driver: "redis", Strategy: "lww", Backoff: "none", Writers: 1, Trial: 1}: "lww/none/w1/t1",
	} {
		if got := id.Name(); got != want {
			t.Errorf("%+v: %q, want %q", id, got, want)
		}
	}
}

// TestMarkdownLimit: a run too large for GitHub's step summary keeps its
// head, audit and verdict and says how many rows it left out.
func TestMarkdownLimit(t *testing.T) {
	t.Parallel()
	base := testFile(t)
	f := &File{Schema: Schema, Scenario: base.Scenario, Environment: base.Environment}
	for i := range 12000 {
		c := base.Cells[i%3]
		c.Writers = 1 + i/3
		c.Histograms = nil
		f.Cells = append(f.Cells, c)
	}
	var buf bytes.Buffer
	if err := Render(&buf, f, "markdown"); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if buf.Len() > MarkdownLimit {
		t.Errorf("markdown report is %d bytes, over the %d limit", buf.Len(), MarkdownLimit)
	}
	for _, want := range []string{"### occbench: quickstart", "not shown: GitHub's step summary holds 1 MiB", "#### Audit", "#### Verdict", "… 3900 more"} {
		if !strings.Contains(out, want) {
			t.Errorf("truncated markdown lacks %q", want)
		}
	}
	// A small file is not truncated.
	var small bytes.Buffer
	if err := Render(&small, base, "markdown"); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(small.String(), "not shown") {
		t.Error("small report says rows were not shown")
	}
}

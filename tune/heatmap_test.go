package tune

import (
	"context"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

// TestHeatmapScale: every heatmap has a colour scale in the objective's
// unit over the range its colours span, drawn beside it (the PNG is
// wider than the heatmap alone), and the file is readable by all.
func TestHeatmapScale(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		objective Objective
		label     string
	}{
		{Goodput, "goodput (committed ops/s)"},
		{P99, "p99 latency (ms)"},
		{Attempts, "attempts per committed op"},
	} {
		rep, err := Run(context.Background(), testGrid(), Options{Objective: tt.objective}, (&fake{}).run)
		if err != nil {
			t.Fatal(err)
		}
		sc, err := rep.Scale("optimistic")
		if err != nil {
			t.Fatal(err)
		}
		lo, hi, _ := rep.scale(&rep.Rankings[0])
		if sc.Y.Label.Text != tt.label || sc.Y.Min != lo || sc.Y.Max != hi {
			t.Errorf("%s: scale %q over [%v, %v], want %q over [%v, %v]", tt.objective, sc.Y.Label.Text, sc.Y.Min, sc.Y.Max, tt.label, lo, hi)
		}
		if _, err := rep.Scale("no-such"); err == nil {
			t.Errorf("%s: Scale of an unknown strategy: no error", tt.objective)
		}
		dir := t.TempDir()
		paths, err := rep.WriteHeatmaps(dir)
		if err != nil || len(paths) == 0 {
			t.Fatalf("%s: WriteHeatmaps: %v, %v", tt.objective, paths, err)
		}
		b, err := os.Open(filepath.Join(dir, HeatmapName("optimistic", "full-jitter")))
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(b)
		b.Close()
		if err != nil {
			t.Fatal(err)
		}
		// The scale's bar: the palette's ends at its bottom and top.
		cs := rep.colours()
		bounds := img.Bounds()
		found := map[int]bool{}
		for x := bounds.Max.X - 200; x < bounds.Max.X; x++ {
			for y := bounds.Min.Y; y < bounds.Max.Y; y++ {
				r, g, bl, _ := img.At(x, y).RGBA()
				for _, i := range []int{0, len(cs) - 1} {
					cr, cg, cb, _ := cs[i].RGBA()
					if r>>8 == cr>>8 && g>>8 == cg>>8 && bl>>8 == cb>>8 {
						found[i] = true
					}
				}
			}
		}
		if !found[0] || !found[len(cs)-1] {
			t.Errorf("%s: the right of the PNG lacks the palette's ends (found %v): no colour scale", tt.objective, found)
		}
		if info, err := os.Stat(paths[0]); err != nil || info.Mode().Perm() != 0o644 {
			t.Errorf("%s: mode %v (%v), want 0644", paths[0], info.Mode().Perm(), err)
		}
	}
}

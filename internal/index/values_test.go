package index

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/hexbeat/hexbeat/internal/hexbeat"
)

// Two cells holding the same crimes, added in a different order, must get the same
// weighted value, bit for bit: rankings break ties between equal values by a documented
// rule, and Mann–Kendall counts equal slices as ties. Float sums of decimal weights depend
// on their order ((0.1+0.2)+0.3 != (0.3+0.2)+0.1), so the sums are rounded to 10
// significant digits.
func TestWeightedSumsDoNotDependOnOrder(t *testing.T) {
	weights := map[string]float64{"A": 0.1, "B": 0.2, "C": 0.3}
	w := Weight{Category: func(name string) float64 { return weights[name] }}
	p, q := [2]float64{-0.75, 52.0}, [2]float64{-0.70, 52.05}
	ix := New()
	ix.Add([]hexbeat.Incident{
		inc(t, "2025-01", "A", p[0], p[1]), inc(t, "2025-02", "B", p[0], p[1]), inc(t, "2025-03", "C", p[0], p[1]),
		inc(t, "2025-01", "C", q[0], q[1]), inc(t, "2025-02", "B", q[0], q[1]), inc(t, "2025-03", "A", q[0], q[1]),
	})
	snap := ix.Snapshot()
	cells, counts, values := snap.CellValues(hexbeat.CellQuery{Res: 9}, nil, w)
	if len(cells) != 2 || counts[0] != 3 || counts[1] != 3 {
		t.Fatalf("cells %v counts %v", cells, counts)
	}
	if values[0] != values[1] || values[0] != 0.6 {
		t.Errorf("CellValues: %.17g and %.17g, want 0.6 for both", values[0], values[1])
	}
	_, _, pvals := snap.PointValues(hexbeat.CellQuery{Res: 9}, nil, w)
	if len(pvals) != 2 || pvals[0] != pvals[1] {
		t.Errorf("PointValues: %v", pvals)
	}
	// one slice holding all three months: the same sums in CellSeries
	edges := []int64{month("2025-01", false).Unix(), month("2025-03", true).Add(time.Second).Unix()}
	_, series, ok := snap.CellSeries(hexbeat.CellQuery{Res: 9}, nil, w, edges, 0)
	if !ok || len(series) != 1 || series[0][0] != series[0][1] || series[0][0] != 0.6 {
		t.Errorf("CellSeries: %v", series)
	}
}

// The same 2,000 harm weights summed in 200 random orders: the raw sums differ, the tidied
// ones do not.
func TestTidyMakesOrderIrrelevant(t *testing.T) {
	cchi := []float64{194.21, 7.5, 11.18, 1, 2, 5, 244.68, 3.66, 365, 273.75, 10}
	r := rand.New(rand.NewPCG(1, 2))
	terms := make([]float64, 2000)
	for i := range terms {
		terms[i] = cchi[r.IntN(len(cchi))]
	}
	raw, tidied := map[float64]bool{}, map[float64]bool{}
	for range 200 {
		r.Shuffle(len(terms), func(i, j int) { terms[i], terms[j] = terms[j], terms[i] })
		s := 0.0
		for _, x := range terms {
			s += x
		}
		raw[s], tidied[tidy(s)] = true, true
	}
	if len(raw) < 2 {
		t.Fatalf("every order gave the same raw sum: the test shows nothing")
	}
	if len(tidied) != 1 {
		t.Errorf("tidied sums differ: %v", tidied)
	}
	for _, c := range []struct{ in, want float64 }{{10871.50999999999, 10871.51}, {0.6000000000000001, 0.6},
		{-3.0000000000000004, -3}, {1e-300, 1e-300}, {0, 0}, {123456789012345, 123456789000000}} {
		if got := tidy(c.in); got != c.want {
			t.Errorf("tidy(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}

package stats

import (
	"context"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/hexbeat/hexbeat/internal/grid"
	"github.com/hexbeat/hexbeat/internal/testkit"
)

// Global Moran's I of the Gi* fixture's study area and counts at radii 1..10 equals R
// spdep's moran.test on neighbours built by h3-js (scripts/moran-peer.sh wrote the peer
// values into testdata).
func TestMoranByRadiusEqualsSpdep(t *testing.T) {
	cells, x := fixtureCounts(t)
	got, err := MoranByRadius(context.Background(), cells, x, 10, grid.DiskRings)
	if err != nil {
		t.Fatal(err)
	}
	rows := testkit.CSV(t, "testdata/moran-mk-2025h1-res9.csv")
	if len(rows) != 11 || len(got) != 10 {
		t.Fatalf("%d peer rows, %d computed radii", len(rows)-1, len(got))
	}
	for _, r := range rows[1:] {
		k, _ := strconv.Atoi(r[0])
		m := got[k-1]
		for i, v := range []float64{m.I, m.Expected, m.Variance, m.Z} {
			want, _ := strconv.ParseFloat(r[i+1], 64)
			if math.Abs(v-want) > 1e-9*math.Max(1, math.Abs(want)) {
				t.Errorf("k=%d %s: %.15g, spdep %.15g", k, rows[0][i+1], v, want)
			}
		}
	}
	// this data's z rises through k = 10: no peak
	if k, ok := FirstPeak(got, 0.05); ok {
		t.Errorf("a peak at k=%d in a rising curve", k)
	}
}

// fixtureCounts reads the Gi* fixture's study area (ascending) and counts.
func fixtureCounts(t *testing.T) ([]uint64, []float64) {
	t.Helper()
	rows := testkit.CSV(t, testkit.Shared(t, "fixtures/gistar/mk-2025h1-res9-all.csv"))
	var cells []uint64
	var x []float64
	for _, r := range rows[1:] {
		c, err := grid.Parse(r[0])
		if err != nil {
			t.Fatal(err)
		}
		n, _ := strconv.ParseFloat(r[1], 64)
		cells, x = append(cells, c), append(x, n)
	}
	return cells, x
}

// FirstPeak takes the first significant local maximum of z, and reports none for a curve
// that rises to the end, falls from a non-significant start, or is undefined.
func TestFirstPeak(t *testing.T) {
	curve := func(zs ...float64) []Moran {
		ms := make([]Moran, len(zs))
		for i, z := range zs {
			ms[i] = Moran{K: i + 1, Z: z, P: TwoSidedP(z)}
		}
		return ms
	}
	for _, c := range []struct {
		zs   []float64
		k    int
		peak bool
	}{
		{[]float64{5, 7, 6, 8, 9}, 2, true},
		{[]float64{9, 7, 6}, 1, true},
		{[]float64{1, 1.5, 1.2, 4, 3}, 4, true}, // the first peak is not significant
		{[]float64{3, 4, 5, 6}, 0, false},
		{[]float64{-3, -5, -4}, 0, false},
		{[]float64{math.NaN(), math.NaN()}, 0, false},
		{[]float64{5}, 0, false},
	} {
		k, ok := FirstPeak(curve(c.zs...), 0.05)
		if k != c.k || ok != c.peak {
			t.Errorf("%v: k=%d %v, want %d %v", c.zs, k, ok, c.k, c.peak)
		}
	}
}

// A constant field has no Moran's I; a field of alternating stripes (every cell's
// neighbours differ from it) has I below its expectation; the fixture's values shuffled
// over the cells lose their clustering (|z| small where the real z is 46).
func TestMoranProperties(t *testing.T) {
	cells, x := fixtureCounts(t)
	flat := make([]float64, len(x))
	for i := range flat {
		flat[i] = 3
	}
	ms, err := MoranByRadius(context.Background(), cells, flat, 2, grid.DiskRings)
	if err != nil || !math.IsNaN(ms[0].I) || !math.IsNaN(ms[1].Z) {
		t.Errorf("constant field: %+v %v", ms, err)
	}
	shuffled := append([]float64(nil), x...)
	r := rand.New(rand.NewPCG(3, 4))
	r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	ms, _ = MoranByRadius(context.Background(), cells, shuffled, 1, grid.DiskRings)
	if math.Abs(ms[0].Z) > 4 {
		t.Errorf("shuffled counts: z %.2f", ms[0].Z)
	}
	// stripes: cells coloured by the parity of a coordinate of their centre
	stripes := make([]float64, len(cells))
	for i, c := range cells {
		if int(math.Floor(grid.Center(c).Lon()/0.0045))%2 == 0 {
			stripes[i] = 1
		}
	}
	ms, _ = MoranByRadius(context.Background(), cells, stripes, 1, grid.DiskRings)
	if !(ms[0].I < ms[0].Expected && ms[0].Z < -2) {
		t.Errorf("stripes: I %.3f, expected %.4f, z %.2f", ms[0].I, ms[0].Expected, ms[0].Z)
	}
}

// GlobalMoran over a Gi* adjacency (self included there, left out here) equals
// MoranByRadius at the same radius (to 1e-12: the sums run in another order).
func TestGlobalMoranEqualsByRadius(t *testing.T) {
	cells, x := fixtureCounts(t)
	byRadius, err := MoranByRadius(context.Background(), cells, x, 3, grid.DiskRings)
	if err != nil {
		t.Fatal(err)
	}
	for k := 1; k <= 3; k++ {
		a, err := NewAdjacency(cells, k, nil)
		if err != nil {
			t.Fatal(err)
		}
		g, r := GlobalMoran(a, x), byRadius[k-1]
		for i, v := range []float64{g.I - r.I, g.Variance - r.Variance, g.Z - r.Z} {
			if math.Abs(v) > 1e-12*math.Max(1, math.Abs(r.Z)) || g.K != k {
				t.Errorf("k=%d, value %d: %+v against %+v", k, i, g, r)
			}
		}
	}
}

// Local Moran's I (k = 1, row-standardised) of the fixture's study area and counts equals R
// spdep's localmoran on neighbours built by h3-js, cell by cell (scripts/moran-peer.sh).
func TestLocalMoranEqualsSpdep(t *testing.T) {
	cells, x := fixtureCounts(t)
	a, err := NewAdjacency(cells, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := LocalMoran(a, x)
	rows := testkit.CSV(t, "testdata/local-moran-mk-2025h1-res9-k1.csv")
	if len(rows)-1 != len(cells) {
		t.Fatalf("%d peer rows for %d cells", len(rows)-1, len(cells))
	}
	var worst float64
	for _, r := range rows[1:] {
		c, _ := grid.Parse(strings.TrimSpace(r[0]))
		i, ok := a.Position(c)
		if !ok {
			t.Fatalf("peer cell %s not in the study area", r[0])
		}
		for col, v := range []float64{got.I[i], got.Expected[i], got.Variance[i], got.Z[i], got.P[i]} {
			want, err := strconv.ParseFloat(strings.TrimSpace(r[col+1]), 64)
			if err != nil {
				t.Fatal(err)
			}
			d := math.Abs(v-want) / math.Max(1, math.Abs(want))
			worst = math.Max(worst, d)
			if !(d <= 1e-9) {
				t.Fatalf("cell %s %s: %.15g, spdep %.15g", r[0], rows[0][col+1], v, want)
			}
		}
	}
	t.Logf("largest difference from spdep over %d cells: %.2g", len(cells), worst)
	// the lag is the neighbours' mean count
	for i := range cells {
		var s, d float64
		for _, j := range a.Neighbours(i) {
			if int(j) != i {
				s, d = s+x[j], d+1
			}
		}
		if got.Lag[i] != s/d {
			t.Fatalf("lag of cell %d: %g, neighbours' mean %g", i, got.Lag[i], s/d)
		}
	}
}

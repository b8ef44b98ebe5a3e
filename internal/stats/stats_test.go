package stats

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/hexbeat/hexbeat/internal/grid"
	"github.com/paulmach/orb"
)

// area returns a study area: the res-9 cells within radius steps of a Milton Keynes cell.
func area(t testing.TB, radius, k int) *Adjacency {
	t.Helper()
	centre, err := grid.FromLonLat(-0.7594, 52.0406, 9)
	if err != nil {
		t.Fatal(err)
	}
	cells, err := grid.Disk(centre, radius)
	if err != nil {
		t.Fatal(err)
	}
	a, err := NewAdjacency(cells, k, nil)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestGiStarConstantFieldIsZero(t *testing.T) {
	a := area(t, 6, 1)
	for _, v := range []float64{0, 1, 7.5, 1e9} {
		x := make([]float64, a.Len())
		for i := range x {
			x[i] = v
		}
		for i, z := range GiStar(a, x, nil) {
			if z != 0 {
				t.Fatalf("constant %g: cell %d z = %g, want 0", v, i, z)
			}
		}
	}
}

// TestGiStarMoveIsLocal: moving one incident from a cell holding v+1 to one holding v
// leaves the set of values (so the mean and spread) unchanged; then only cells within k of
// the two cells may change z.
func TestGiStarMoveIsLocal(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, k := range []int{1, 2, 3} {
		a := area(t, 12, k)
		x := make([]float64, a.Len())
		for i := range x {
			x[i] = float64(rng.IntN(5))
		}
		from, to := -1, -1
		for i := range x {
			for j := range x {
				if from < 0 && x[i] == x[j]+1 && i != j && rng.IntN(10) == 0 {
					from, to = i, j
				}
			}
		}
		before := GiStar(a, x, nil)
		x[from]--
		x[to]++
		after := GiStar(a, x, nil)
		near := map[int32]bool{}
		for _, n := range a.Neighbours(from) {
			near[n] = true
		}
		for _, n := range a.Neighbours(to) {
			near[n] = true
		}
		changed := 0
		for i := range before {
			if before[i] != after[i] {
				changed++
				if !near[int32(i)] {
					t.Errorf("k=%d: cell %d changed (%g -> %g) but is not within %d of the move", k, i, before[i], after[i], k)
				}
			}
		}
		if changed == 0 {
			t.Errorf("k=%d: moving an incident changed nothing", k)
		}
	}
}

// TestGiStarByHand checks the formula on a line of three cells' worth of values computed
// by hand: a study area of 7 cells (one disk), x = 7 at the centre and 0 elsewhere.
func TestGiStarByHand(t *testing.T) {
	a := area(t, 1, 1)
	x := make([]float64, 7)
	centre := -1
	for i := range a.Cells {
		if len(a.Neighbours(i)) == 7 {
			centre = i
		}
	}
	x[centre] = 7
	z := GiStar(a, x, nil)
	// n = 7, mean = 1, s = sqrt(49/7 - 1) = sqrt(6). Centre: W = 7 = n, so the
	// denominator is 0 and z is 0. A ring cell: W = 4 (itself, the centre, two ring
	// neighbours), local sum 7: z = (7 - 4) / (sqrt(6) * sqrt((7*4 - 16)/6)) = 3 / sqrt(12).
	for i := range z {
		want := 3 / math.Sqrt(12)
		if i == centre {
			want = 0
		}
		if math.Abs(z[i]-want) > 1e-12 {
			t.Errorf("cell %d (W=%d): z = %.15f, want %.15f", i, len(a.Neighbours(i)), z[i], want)
		}
	}
}

func TestBenjaminiHochbergEqualsR(t *testing.T) {
	p := []float64{0.216, 0.001, 0.042, 0.008, 0.039, 0.212, 0.041, 0.06, 0.074, 0.205}
	// R: p.adjust(p, "BH")
	want := []float64{0.216, 0.01, 0.084, 0.04, 0.084, 0.216, 0.084, 0.1, 0.074 * 10 / 7, 0.216}
	got := BenjaminiHochberg(p)
	for i := range p {
		if math.Abs(got[i]-want[i]) > 1e-12 {
			t.Errorf("p %g: adjusted %g, R gives %g", p[i], got[i], want[i])
		}
	}
	if g := BenjaminiHochberg([]float64{0.9, 0.95}); g[0] != 0.95 || g[1] != 0.95 {
		t.Errorf("BH(0.9, 0.95) = %v, want [0.95 0.95]", g)
	}
}

func TestBinAndP(t *testing.T) {
	cases := []struct {
		z, p float64
		bin  int
	}{{3, 0.005, 3}, {-3, 0.005, -3}, {2, 0.03, 2}, {1.7, 0.09, 1}, {-1.7, 0.09, -1}, {1, 0.3, 0}, {0, 0.001, 0}}
	for _, c := range cases {
		if b := Bin(c.z, c.p); b != c.bin {
			t.Errorf("Bin(%g, %g) = %d, want %d", c.z, c.p, b, c.bin)
		}
	}
	if p := TwoSidedP(1.959963984540054); math.Abs(p-0.05) > 1e-12 {
		t.Errorf("TwoSidedP(1.96) = %g, want 0.05", p)
	}
}

func TestMannKendallKnownSeries(t *testing.T) {
	up := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	tr := MannKendall(up)
	// S = 45, Var(S) = 10*9*25/18 = 125, Z = 44/sqrt(125).
	if tr.S != 45 || tr.Tau != 1 || math.Abs(tr.Z-44/math.Sqrt(125)) > 1e-12 || math.Abs(tr.P-TwoSidedP(44/math.Sqrt(125))) > 1e-15 {
		t.Errorf("increasing: %+v", tr)
	}
	down := MannKendall([]float64{10, 9, 8, 7, 6, 5, 4, 3, 2, 1})
	if down.S != -45 || down.Tau != -1 || down.Z != -tr.Z {
		t.Errorf("decreasing: %+v", down)
	}
	// Ties (R Kendall::MannKendall(c(1,2,2,3)): tau 0.913, 2-sided p 0.1485).
	tie := MannKendall([]float64{1, 2, 2, 3})
	if tie.S != 5 || math.Abs(tie.Tau-5/math.Sqrt(30)) > 1e-12 || math.Abs(tie.P-0.14858) > 1e-4 {
		t.Errorf("ties: %+v", tie)
	}
	if flat := MannKendall([]float64{4, 4, 4, 4}); flat.Z != 0 || flat.P != 1 || flat.S != 0 {
		t.Errorf("constant: %+v", flat)
	}
	if short := MannKendall([]float64{1, 2}); short.P != 1 {
		t.Errorf("two values: %+v", short)
	}
}

// TestMannKendallMinS holds the smallest significant S to every ordering of n distinct
// values, each tested by MannKendall itself.
func TestMannKendallMinS(t *testing.T) {
	var permute func(x []float64, k int, visit func([]float64))
	permute = func(x []float64, k int, visit func([]float64)) {
		if k == len(x) {
			visit(x)
			return
		}
		for i := k; i < len(x); i++ {
			x[k], x[i] = x[i], x[k]
			permute(x, k+1, visit)
			x[k], x[i] = x[i], x[k]
		}
	}
	for _, alpha := range []float64{0.05, 0.01} {
		for n := 3; n <= 8; n++ {
			x := make([]float64, n)
			for i := range x {
				x[i] = float64(i)
			}
			want := 0
			permute(x, 0, func(s []float64) {
				if tr := MannKendall(s); tr.P < alpha && tr.S > 0 && (want == 0 || tr.S < want) {
					want = tr.S
				}
			})
			if got := MannKendallMinS(n, alpha); got != want {
				t.Errorf("MannKendallMinS(%d, %g) = %d, want %d", n, alpha, got, want)
			}
		}
	}
	if MannKendallMinS(4, 0.05) != 0 || MannKendallMinS(6, 0.05) == 0 {
		t.Errorf("4 slices can never show a trend at 0.05 and 6 can: %d, %d", MannKendallMinS(4, 0.05), MannKendallMinS(6, 0.05))
	}
}

// TestClassify holds each emerging category to a constructed series (10 slices, hot = z 3
// and significant, cold = z -3 and significant, quiet = z 0 and not).
func TestClassify(t *testing.T) {
	const H, C, Q = 'H', 'C', '.'
	build := func(s string, ramp float64) ([]float64, []bool) {
		z := make([]float64, len(s))
		sig := make([]bool, len(s))
		for i, c := range s {
			switch c {
			case H:
				z[i], sig[i] = 3+ramp*float64(i), true
			case C:
				z[i], sig[i] = -3-ramp*float64(i), true
			}
		}
		return z, sig
	}
	cases := []struct {
		series string
		ramp   float64
		want   string
	}{
		{"..........", 0, "no pattern detected"},
		{".........H", 0, "new hot spot"},
		{".........C", 0, "new cold spot"},
		{"......HHHH", 0, "consecutive hot spot"},
		{"......CCCC", 0, "consecutive cold spot"},
		{"HHHHHHHHHH", 0.5, "intensifying hot spot"},
		{"HHHHHHHHHH", -0.2, "diminishing hot spot"},
		{"HHHHHHHHHH", 0, "persistent hot spot"},
		{"CCCCCCCCCC", 0, "persistent cold spot"},
		{"CCCCCCCCCC", 0.5, "intensifying cold spot"},
		{"H.HH..H.HH", 0, "sporadic hot spot"},
		{"HC..H...CH", 0, "oscillating hot spot"},
		{"CH..C...HC", 0, "oscillating cold spot"},
		{"HHHHHHHHH.", 0, "historical hot spot"},
		{"CCCCCCCCC.", 0, "historical cold spot"},
		{"HHHH......", 0, "no pattern detected"},
	}
	for _, c := range cases {
		z, sig := build(c.series, c.ramp)
		if got := Classify(z, sig, 0.05).Category(); got != c.want {
			t.Errorf("%s (ramp %g): %q, want %q", c.series, c.ramp, got, c.want)
		}
	}
}

// TestKDEIntegratesToCount: the density summed over cells times their area is the total
// weight, within the discretisation error, when the study area covers every kernel.
func TestKDEIntegratesToCount(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var pts []orb.Point
	var w []float64
	var total float64
	for i := 0; i < 200; i++ {
		pts = append(pts, orb.Point{-0.76 + 0.02*rng.NormFloat64(), 52.04 + 0.012*rng.NormFloat64()})
		w = append(w, float64(1+rng.IntN(3)))
		total += w[i]
	}
	for _, h := range []float64{600, 1500} {
		a := area(t, 40, 1) // about 12 km across at res 9
		dens, err := KDE(a, pts, w, h)
		if err != nil {
			t.Fatal(err)
		}
		var mass float64
		for i, c := range a.Cells {
			mass += dens[i] * grid.AreaKm2(c)
		}
		if rel := math.Abs(mass-total) / total; rel > 0.02 {
			t.Errorf("h %g m: integral %.2f, total weight %.0f (%.1f%% off)", h, mass, total, 100*rel)
		}
	}
}

// TestKDEMatchesEveryPair: the bucketed KDE equals the kernel summed over every point and
// every cell, with DistanceM, at three resolutions and bandwidths from below a cell's width
// to many cells; no cell within h of a point is missed, none beyond it is counted.
func TestKDEMatchesEveryPair(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	var pts []orb.Point
	var w []float64
	for i := 0; i < 400; i++ {
		pts = append(pts, orb.Point{-0.76 + 0.03*rng.NormFloat64(), 52.04 + 0.02*rng.NormFloat64()})
		w = append(w, float64(1+rng.IntN(3)))
	}
	for _, res := range []int{7, 9, 11} {
		var cells []uint64
		for _, p := range pts {
			c, err := grid.FromLonLat(p[0], p[1], res)
			if err != nil {
				t.Fatal(err)
			}
			cells = append(cells, c)
		}
		a, err := NewAdjacency(cells, 2, grid.Disk)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range []float64{100, 700, 3000} {
			got, err := KDE(a, pts, w, h)
			if err != nil {
				t.Fatal(err)
			}
			nonzero := 0
			for j, c := range a.Cells {
				centre, want := grid.Center(c), 0.0
				for i, p := range pts {
					if d := DistanceM(p, centre); d < h {
						u := 1 - d*d/(h*h)
						want += w[i] * 3 / (math.Pi * h * h) * 1e6 * u * u
					}
				}
				if want > 0 {
					nonzero++
				}
				// the one rounding that differs (the cosines of a distance) matters only at the
				// kernel's edge, where u² is tiny: allow a billionth of one point's peak
				if math.Abs(got[j]-want) > 1e-9*want+1e-9*3/(math.Pi*h*h)*1e6 {
					t.Fatalf("res %d, h %g m, cell %d: %g, every pair gives %g", res, h, j, got[j], want)
				}
			}
			if nonzero == 0 {
				t.Fatalf("res %d, h %g m: no cell has density", res, h)
			}
		}
	}
}

func TestRuleOfThumbBandwidth(t *testing.T) {
	// Points 1 km apart on a line east-west and north-south: the bandwidth grows with spread
	// and shrinks with the number of incidents.
	var pts []orb.Point
	for i := 0; i < 50; i++ {
		pts = append(pts, orb.Point{-0.76 + float64(i%10)*0.0146, 52.04 + float64(i/10)*0.009})
	}
	one := make([]float64, len(pts))
	ten := make([]float64, len(pts))
	for i := range pts {
		one[i], ten[i] = 1, 10
	}
	h1, h10 := RuleOfThumbBandwidth(pts, one), RuleOfThumbBandwidth(pts, ten)
	if !(h1 > 500 && h1 < 5000) {
		t.Errorf("bandwidth %g m for points spread over 9 x 4 km", h1)
	}
	if r := h1 / h10; math.Abs(r-math.Pow(10, 0.2)) > 0.05 {
		t.Errorf("ten times the incidents: bandwidth ratio %g, want 10^0.2", r)
	}
	if RuleOfThumbBandwidth(pts[:1], one[:1]) != 0 {
		t.Error("one incident has no spread")
	}
}

func TestEvaluateByHand(t *testing.T) {
	// Ten equal cells; the ranking puts cell 3 first. Test period: 10 incidents, 4 in cell 3.
	score := []float64{0, 0, 0, 9, 1, 0, 0, 0, 0, 0}
	train := []float64{1, 0, 0, 5, 2, 0, 0, 0, 0, 2}
	test := []float64{2, 0, 0, 4, 1, 0, 0, 0, 0, 3}
	area := []float64{1, 1, 1, 1, 1, 1, 1, 1, 1, 1}
	f := Evaluate(RankOrder(score, nil), train, test, area, 0.1)
	// n/N = 0.4, a/A = 0.1: PAI 4; RRI = (4/5) / (10/10) = 0.8.
	if f.Cells != 1 || f.HitRate != 0.4 || math.Abs(f.PAI-4) > 1e-12 || math.Abs(f.RRI-0.8) > 1e-12 {
		t.Errorf("%+v", f)
	}
	g := Evaluate(RankOrder(score, nil), train, test, area, 0.2)
	if g.Cells != 2 || math.Abs(g.PAI-2.5) > 1e-12 { // (5/10)/(2/10)
		t.Errorf("%+v", g)
	}
}

func TestRankOrderTies(t *testing.T) {
	got := RankOrder([]float64{1, 3, 3, 2}, []float64{0, 1, 5, 0})
	if want := []int{2, 1, 3, 0}; !slices.Equal(got, want) {
		t.Errorf("RankOrder = %v, want %v", got, want)
	}
	if got := RankOrder([]float64{1, 3, 3}, nil); !slices.Equal(got, []int{1, 2, 0}) {
		t.Errorf("RankOrder without tie = %v", got)
	}
}

// TestBenjaminiHochbergByDefinition holds the sorted computation to the definition, on
// random p-values with many ties: the adjusted value of p_i is the least p_j n / #{k: p_k <=
// p_j} over the p_j >= p_i, capped at 1. A NaN stays NaN and is not counted, as in R
// (p.adjust(c(0.01, NA, 0.04), "BH") is 0.02, NA, 0.04).
func TestBenjaminiHochbergByDefinition(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	for round := range 200 {
		n := 1 + rng.IntN(60)
		p := make([]float64, n)
		for i := range p {
			p[i] = float64(rng.IntN(1+round%20)) / 20 // ties
			if round%3 == 0 {
				p[i] = rng.Float64()
			}
		}
		got := BenjaminiHochberg(p)
		for i := range p {
			want := 1.0
			for _, pj := range p {
				if pj < p[i] {
					continue
				}
				le := 0
				for _, pk := range p {
					if pk <= pj {
						le++
					}
				}
				want = math.Min(want, pj*float64(n)/float64(le))
			}
			if math.Abs(got[i]-want) > 1e-12 {
				t.Fatalf("p = %v: adjusted p[%d] = %v, by definition %v", p, i, got[i], want)
			}
		}
	}
	got := BenjaminiHochberg([]float64{0.01, math.NaN(), 0.04})
	if math.Abs(got[0]-0.02) > 1e-15 || !math.IsNaN(got[1]) || math.Abs(got[2]-0.04) > 1e-15 {
		t.Errorf("BH(0.01, NaN, 0.04) = %v, R gives [0.02 NA 0.04]", got)
	}
}

// TestRankOrderIsTheStableOrder: the ranking is the order a stable sort by score, then tie,
// both descending, gives, on random scores with many ties (with and without tie).
func TestRankOrderIsTheStableOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 13))
	for round := range 200 {
		n := rng.IntN(300)
		score, tie := make([]float64, n), make([]float64, n)
		for i := range score {
			score[i], tie[i] = float64(rng.IntN(5)), float64(rng.IntN(3))
		}
		if round%2 == 0 {
			tie = nil
		}
		want := make([]int, n)
		for i := range want {
			want[i] = i
		}
		slices.SortStableFunc(want, func(a, b int) int {
			if c := cmp.Compare(score[b], score[a]); c != 0 || tie == nil {
				return c
			}
			return cmp.Compare(tie[b], tie[a])
		})
		if got := RankOrder(score, tie); !slices.Equal(got, want) {
			t.Fatalf("RankOrder(%v, %v) = %v, want %v", score, tie, got, want)
		}
	}
}

package encode

import (
	"math"
	"math/rand/v2"
	"strconv"
	"sync"
	"testing"

	"github.com/hexbeat/hexbeat/internal/grid"
	"github.com/paulmach/orb"
)

// TestAppendCoordIsShortestRounded: coordinates are written exactly as strconv's shortest
// form of the value rounded to 7 decimals, on a million random longitudes and latitudes, on
// values near 0 and near each 1e-7 step, and on the edges.
func TestAppendCoordIsShortestRounded(t *testing.T) {
	want := func(v float64) string {
		return strconv.FormatFloat(math.Round(v*1e7)/1e7, 'f', -1, 64)
	}
	check := func(v float64) {
		t.Helper()
		if got := string(AppendCoord(nil, v)); got != want(v) {
			t.Fatalf("AppendCoord(%v) = %s, want %s", v, got, want(v))
		}
	}
	for _, v := range []float64{0, math.Copysign(0, -1), -1e-9, 1e-9, 5e-8, -5e-8, 4.9999999e-8, 1e-7, -1e-7,
		1, -1, 10, 180, -180, 90, -90, 179.99999995, -179.99999995, 52.0406, -0.7594, 0.1, 0.12345675,
		1e7, 1e8 - 1e-7, 1e8, 123456789.123, math.Inf(1), math.Inf(-1), math.NaN(), math.MaxFloat64} {
		check(v)
	}
	rng := rand.New(rand.NewPCG(7, 11))
	for range 1_000_000 {
		check(rng.Float64()*360 - 180)
	}
	for range 100_000 {
		k := rng.Int64N(2e9) - 1e9
		check(float64(k) / 1e7)                         // on a step
		check((float64(k) + 0.5) / 1e7)                 // half way between two
		check(float64(k)/1e7 + rng.NormFloat64()*1e-12) // just beside one
		check(rng.NormFloat64() * 1e-6)                 // near 0
	}
}

// TestCellGeometryRemembered: a remembered cell geometry is the text written afresh, for
// hexagons and pentagons at several resolutions, asked for from several goroutines at once
// (run with -race) while the memo fills and starts again; a caller's buffer after the
// geometry is left alone.
func TestCellGeometryRemembered(t *testing.T) {
	e := New(50)
	// three pentagons (at the centres of res 0's) and Milton Keynes, with the cells around
	centres := []orb.Point{{-0.76, 52.04}}
	for _, p := range []string{"8009fffffffffff", "801dfffffffffff", "8031fffffffffff"} {
		c0, err := grid.Parse(p)
		if err != nil {
			t.Fatal(err)
		}
		centres = append(centres, grid.Center(c0))
	}
	var cells []uint64
	for _, res := range []int{0, 5, 9, 15} {
		for _, ctr := range centres {
			c, err := grid.FromLonLat(ctr[0], ctr[1], res)
			if err != nil {
				t.Fatal(err)
			}
			disk, err := grid.Disk(c, 2)
			if err != nil {
				t.Fatal(err)
			}
			cells = append(cells, disk...)
		}
	}
	want := map[uint64]string{}
	for _, c := range cells {
		want[c] = string(writeCellGeometry(nil, c))
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for round := range 3 {
				for i := range cells {
					c := cells[(i*(g+1)+round)%len(cells)]
					b := e.appendCellGeometry([]byte("x"), c)
					if string(b) != "x"+want[c] {
						t.Errorf("cell %x: %s, want %s", c, b, want[c])
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	if n := e.cells.Len(); n == 0 || n > 50 {
		t.Errorf("%d cells remembered, at most 50 and some wanted", n)
	}
}

// TestCSVNumbers: numbers in an export's CSV parse back to the same float, plain decimals
// where they are readable and in exponent form where they are not (a p-value of 1e-155
// was written as 155 zeros and a digit).
func TestCSVNumbers(t *testing.T) {
	for _, c := range []struct {
		in   float64
		want string
	}{{0, "0"}, {3, "3"}, {-0.7589313, "-0.7589313"}, {123456789, "123456789"}, {0.0001, "0.0001"},
		{2.2304532100377426e-155, "2.2304532100377426e-155"}, {-3e-7, "-3e-07"}, {1e21, "1e+21"}} {
		got := CSVValue(c.in)
		if back, err := strconv.ParseFloat(got, 64); got != c.want || err != nil || back != c.in {
			t.Errorf("CSVValue(%g) = %q (back %g, %v), want %q", c.in, got, back, err, c.want)
		}
	}
}

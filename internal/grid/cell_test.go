package grid

import (
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/paulmach/orb"
	"github.com/uber/h3-go/v4"
)

// TestParentMatchesH3 holds the bit-arithmetic parent to h3-go's own on random points for
// every (child, parent) resolution pair.
func TestParentMatchesH3(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 300; i++ {
		lat := rng.Float64()*170 - 85
		lon := rng.Float64()*360 - 180
		for child := 0; child <= MaxRes; child++ {
			c, err := FromLonLat(lon, lat, child)
			if err != nil {
				t.Fatal(err)
			}
			for p := 0; p <= child; p++ {
				want, err := h3.Cell(int64(c)).Parent(p)
				if err != nil {
					t.Fatal(err)
				}
				if got := Parent(c, p); got != uint64(want) {
					t.Fatalf("Parent(%s, %d) = %s, h3 says %s", String(c), p, String(got), want)
				}
			}
		}
	}
}

func TestFromLonLatRejects(t *testing.T) {
	for _, tc := range []struct {
		name     string
		lon, lat float64
		res      int
	}{
		{"lat too big", 0, 91, 9},
		{"lon too small", -181, 0, 9},
		{"res too big", 0, 0, 16},
		{"res negative", 0, 0, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := FromLonLat(tc.lon, tc.lat, tc.res); err == nil {
				t.Errorf("FromLonLat(%v, %v, %d) gave no error", tc.lon, tc.lat, tc.res)
			}
		})
	}
}

func TestBoundaryIsClosedCounterClockwise(t *testing.T) {
	c, err := FromLonLat(-0.7594, 52.0406, 9) // central Milton Keynes
	if err != nil {
		t.Fatal(err)
	}
	r, err := AppendBoundary(nil, c)
	if err != nil {
		t.Fatal(err)
	}
	if len(r) != 7 || r[0] != r[6] {
		t.Fatalf("want a closed ring of 6 vertices, got %v", r)
	}
	if r.Orientation() != orb.CCW {
		t.Errorf("outer ring is not counter-clockwise")
	}
	centre := Center(c)
	if got, _ := FromLonLat(centre[0], centre[1], 9); got != c {
		t.Errorf("centre of %s lies in %s", String(c), String(got))
	}
}

func TestParseRoundTrip(t *testing.T) {
	c, _ := FromLonLat(-0.7594, 52.0406, 9)
	got, err := Parse(String(c))
	if err != nil || got != c {
		t.Fatalf("Parse(String(%x)) = %x, %v", c, got, err)
	}
	for _, bad := range []string{"", "zz", "0", "ffffffffffffffff", "8a2a1072b59ffff0"} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) gave no error", bad)
		}
	}
}

func TestPolygonCellsCentreContainment(t *testing.T) {
	// a 0.1 x 0.1 degree square around Milton Keynes: every returned cell's centre lies in it
	sq := orb.Polygon{{{-0.8, 52.0}, {-0.7, 52.0}, {-0.7, 52.1}, {-0.8, 52.1}, {-0.8, 52.0}}}
	cells, err := PolygonCells(sq, 8)
	if err != nil {
		t.Fatal(err)
	}
	if len(cells) < 50 {
		t.Fatalf("only %d res-8 cells in a 7 km square", len(cells))
	}
	b := sq.Bound()
	for _, c := range cells {
		if !b.Contains(Center(c)) {
			t.Errorf("cell %s centre %v outside the square", String(c), Center(c))
		}
	}
}

// TestPolygonCellsOfNoArea: a polygon with no area (a box of one point, a line, one
// repeated point) holds no cell centre; H3 fails on one, and a bbox of 0,0,0,0 once made
// the hot spots answer 500.
func TestPolygonCellsOfNoArea(t *testing.T) {
	for _, g := range []orb.Geometry{
		orb.Bound{},
		orb.Bound{Min: orb.Point{-0.8, 52.0}, Max: orb.Point{-0.7, 52.0}},
		orb.Polygon{{{-0.8, 52.0}, {-0.7, 52.1}, {-0.6, 52.2}, {-0.8, 52.0}}},
		orb.MultiPolygon{{{{1, 1}, {1, 1}, {1, 1}}}},
	} {
		cells, err := GeometryCells(g, 9)
		if err != nil || len(cells) != 0 {
			t.Errorf("%v: %d cells, %v", g, len(cells), err)
		}
	}
	// a sliver with some area still has its cells
	cells, err := GeometryCells(orb.Polygon{{{-0.8, 52.0}, {-0.7, 52.0}, {-0.7, 52.0005}, {-0.8, 52.0}}}, 11)
	if err != nil || len(cells) == 0 {
		t.Errorf("a sliver: %d cells, %v", len(cells), err)
	}
}

func BenchmarkParent(b *testing.B) {
	c, _ := FromLonLat(-0.7594, 52.0406, 15)
	var sink uint64
	for i := 0; i < b.N; i++ {
		sink += Parent(c, i&15)
	}
	_ = sink
}

func BenchmarkParentCgo(b *testing.B) {
	c, _ := FromLonLat(-0.7594, 52.0406, 15)
	var sink h3.Cell
	for i := 0; i < b.N; i++ {
		p, _ := h3.Cell(int64(c)).Parent(i & 15)
		sink += p
	}
	_ = sink
}

func BenchmarkFromLonLat(b *testing.B) {
	for i := 0; i < b.N; i++ {
		_, _ = FromLonLat(-0.7594+float64(i&1023)*1e-5, 52.0406, 15)
	}
}

// TestAreaKm2Remembered: the remembered areas are h3's, also when asked for at once from
// several goroutines (run with -race).
func TestAreaKm2Remembered(t *testing.T) {
	centre, err := FromLonLat(-0.76, 52.04, 9)
	if err != nil {
		t.Fatal(err)
	}
	cells, err := h3.GridDisk(h3.Cell(int64(centre)), 10)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for _, c := range cells {
				want, _ := h3.CellAreaKm2(c)
				if got := AreaKm2(uint64(c)); got != want {
					t.Errorf("%s: %v, h3 says %v", c, got, want)
				}
			}
		})
	}
	wg.Wait()
}

// TestBoundaryRemembered: remembered outlines are h3's, closed and counter-clockwise, for
// hexagons and pentagons at several resolutions, when asked for from several goroutines at
// once (run with -race) while the memo fills and starts again, and a caller that changes
// its copy does not change what the next caller gets.
func TestBoundaryRemembered(t *testing.T) {
	defer func(m *CellMemo[orb.Point]) { rings = m }(rings)
	rings = NewCellMemo[orb.Point](50)
	var cells []h3.Cell
	for _, res := range []int{0, 5, 9, 15} {
		ps, err := h3.Pentagons(res)
		if err != nil {
			t.Fatal(err)
		}
		cells = append(cells, ps[:3]...)
		c, err := FromLonLat(-0.76, 52.04, res)
		if err != nil {
			t.Fatal(err)
		}
		disk, err := h3.GridDisk(h3.Cell(int64(c)), 4)
		if err != nil {
			t.Fatal(err)
		}
		cells = append(cells, disk...)
	}
	want := func(c h3.Cell) orb.Ring {
		b, err := h3.CellToBoundary(c)
		if err != nil {
			t.Fatal(err)
		}
		var r orb.Ring
		for _, ll := range b {
			r = append(r, orb.Point{ll.Lng, ll.Lat})
		}
		r = append(r, r[0])
		if r.Orientation() != orb.CCW {
			r.Reverse()
		}
		return r
	}
	expect := make(map[h3.Cell]orb.Ring, len(cells))
	for _, c := range cells {
		expect[c] = want(c)
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			prefix := orb.Ring{{1, 2}}
			for round := range 3 {
				for i := range cells {
					c := cells[(i*(g+1)+round)%len(cells)]
					got, err := AppendBoundary(prefix, uint64(c))
					if err != nil {
						t.Error(err)
						return
					}
					if got[0] != (orb.Point{1, 2}) || !slices.Equal(got[1:], expect[c]) {
						t.Errorf("%s: %v, h3 says %v", c, got[1:], expect[c])
						return
					}
					got[1] = orb.Point{9, 9} // the caller's copy, not the memo's
				}
			}
		})
	}
	wg.Wait()
	if n := rings.Len(); n == 0 || n > 50 {
		t.Errorf("memo holds %d outlines, at most 50 and some wanted", n)
	}
}

// DiskRings splits Disk by distance: the rings together are the disk, ring r of a hexagon
// away from pentagons holds 6r cells, and every cell of ring r is r steps from the centre
// (H3's own grid distance), at a hexagon and at a pentagon.
func TestDiskRings(t *testing.T) {
	hex, _ := FromLonLat(-0.7594, 52.0406, 9)
	ps, err := h3.Pentagons(9)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []uint64{hex, uint64(ps[0])} {
		rings, err := DiskRings(c, 4)
		if err != nil {
			t.Fatal(err)
		}
		disk, _ := Disk(c, 4)
		var all []uint64
		for r, ring := range rings {
			if c == hex && len(ring) != max(1, 6*r) {
				t.Errorf("ring %d of a hexagon has %d cells", r, len(ring))
			}
			for _, n := range ring {
				d, err := h3.Cell(int64(c)).GridDistance(h3.Cell(int64(n)))
				if err != nil || d != r {
					t.Errorf("%s in ring %d is %d steps away (%v)", String(n), r, d, err)
				}
			}
			all = append(all, ring...)
		}
		slices.Sort(all)
		slices.Sort(disk)
		if !slices.Equal(all, disk) {
			t.Errorf("%s: the rings hold %d cells, the disk %d", String(c), len(all), len(disk))
		}
	}
}

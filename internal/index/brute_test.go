package index

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/hexbeat/hexbeat/internal/grid"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// bruteIncidents are incidents at 400 points in four clusters a few degrees apart, each
// cluster 0.6° across (so it spans many regions), in six categories, at exact times and at
// month starts over two years.
func bruteIncidents(t *testing.T) []hexbeat.Incident {
	t.Helper()
	r := rand.New(rand.NewPCG(7, 11))
	centres := []orb.Point{{-0.75, 52.0}, {-2.5, 53.4}, {1.2, 51.3}, {-0.75, 54.9}}
	var pts []orb.Point
	for i := range 400 {
		c := centres[i%len(centres)]
		pts = append(pts, orb.Point{c[0] + (r.Float64()-0.5)*0.6, c[1] + (r.Float64()-0.5)*0.6})
	}
	cats := []string{"Robbery", "Burglary", "Shoplifting", "Drugs", "Vehicle crime", "Anti-social behaviour"}
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	var out []hexbeat.Incident
	for range 20000 {
		p := pts[r.IntN(len(pts))]
		at := time.Unix(t0+r.Int64N(2*365*86400), 0).UTC()
		if r.IntN(2) == 0 {
			at = time.Date(at.Year(), at.Month(), 1, 0, 0, 0, 0, time.UTC)
		}
		c, err := grid.FromLonLat(p[0], p[1], grid.MaxRes)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, hexbeat.Incident{OccurredAt: at, Category: cats[r.IntN(len(cats))], Lon: p[0], Lat: p[1], Cell: c})
	}
	return out
}

// TestSnapshotAgreesWithBruteForce holds every kind of answer the index gives to the same
// answer computed incident by incident from the list, with areas, polygons, boxes,
// categories, periods, weights and time slices, after the incidents arrived in three
// batches in a shuffled order.
func TestSnapshotAgreesWithBruteForce(t *testing.T) {
	for _, from := range []int{0, math.MaxInt} { // counters sparse, then dense
		agreesWithBruteForce(t, from)
	}
}

func agreesWithBruteForce(t *testing.T, sparseFrom int) {
	incs := bruteIncidents(t)
	shuffled := slices.Clone(incs)
	rand.New(rand.NewPCG(3, 5)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	ix := New()
	ix.sparseFrom = sparseFrom
	for _, b := range [][2]int{{0, 5000}, {5000, 5001}, {5001, len(shuffled)}} {
		ix.Add(shuffled[b[0]:b[1]])
	}
	s := ix.Snapshot()
	if len(s.parts) < 20 {
		t.Fatalf("%d regions: the test should span many", len(s.parts))
	}

	area := &Area{Key: "a", Geometry: orb.Polygon{{{-0.9, 51.8}, {-0.5, 51.85}, {-0.55, 52.2}, {-0.95, 52.1}, {-0.9, 51.8}}}}
	poly := orb.MultiPolygon{
		{{{-0.8, 51.9}, {-0.6, 51.9}, {-0.6, 52.15}, {-0.8, 52.15}, {-0.8, 51.9}}},
		{{{1.0, 51.1}, {1.4, 51.1}, {1.4, 51.5}, {1.0, 51.1}}},
	}
	box := orb.Bound{Min: orb.Point{-2.7, 52.05}, Max: orb.Point{1.3, 53.5}}
	from, to := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC), time.Date(2025, 8, 15, 12, 0, 0, 0, time.UTC)
	type view struct {
		name string
		q    hexbeat.CellQuery
		area *Area
	}
	var views []view
	for _, res := range []int{4, 7, 9} {
		for _, v := range []view{
			{"everything", hexbeat.CellQuery{}, nil},
			{"area", hexbeat.CellQuery{}, area},
			{"polygon", hexbeat.CellQuery{Polygon: poly}, nil},
			{"box", hexbeat.CellQuery{BBox: &box}, nil},
			{"area and box", hexbeat.CellQuery{BBox: &box}, area},
			{"area, period, two categories", hexbeat.CellQuery{From: from, To: to, Categories: []string{"Robbery", "Drugs"}}, area},
			{"polygon from a time", hexbeat.CellQuery{Polygon: poly, From: from}, nil},
			{"box until a time", hexbeat.CellQuery{BBox: &box, To: to}, nil},
		} {
			v.q.Res = res
			v.name = fmt.Sprintf("%s, res %d", v.name, res)
			views = append(views, v)
		}
	}
	matches := func(v view, in hexbeat.Incident) bool {
		q, pt := v.q, orb.Point{in.Lon, in.Lat}
		return (q.From.IsZero() || !in.OccurredAt.Before(q.From)) && (q.To.IsZero() || in.OccurredAt.Before(q.To)) &&
			(len(q.Categories) == 0 || slices.Contains(q.Categories, in.Category)) &&
			(v.area == nil || planar.PolygonContains(v.area.Geometry.(orb.Polygon), pt)) &&
			(q.Polygon == nil || planar.MultiPolygonContains(q.Polygon.(orb.MultiPolygon), pt)) &&
			(q.BBox == nil || q.BBox.Contains(pt))
	}
	cellOf := func(in hexbeat.Incident, res int) uint64 {
		c, err := grid.FromLonLat(in.Lon, in.Lat, res)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	harm := map[string]float64{"Robbery": 3, "Burglary": 2, "Shoplifting": 0.5, "Drugs": 1, "Vehicle crime": 1.5, "Anti-social behaviour": 0.25}
	ref := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	w := Weight{Category: func(c string) float64 { return harm[c] }, HalfLife: 90 * 24 * time.Hour, Ref: ref}
	weigh := func(in hexbeat.Incident) float64 {
		return harm[in.Category] * math.Exp(-math.Ln2*ref.Sub(in.OccurredAt).Seconds()/w.HalfLife.Seconds())
	}
	near := func(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }
	nonEmpty := 0
	for _, v := range views {
		wantN, wantV, wantCats := map[uint64]int{}, map[uint64]float64{}, map[string]int{}
		wantPts := map[orb.Point]int{}
		for _, in := range incs {
			if matches(v, in) {
				c := cellOf(in, v.q.Res)
				wantN[c]++
				wantV[c] += weigh(in)
				wantCats[in.Category]++
				wantPts[orb.Point{in.Lon, in.Lat}]++
			}
		}
		if len(wantN) > 0 {
			nonEmpty++
		}
		cells, total := s.Cells(v.q, v.area)
		got := map[uint64]int{}
		for _, c := range cells {
			got[c.Cell] = c.Count
		}
		if !maps.Equal(got, wantN) || total != sumMap(wantN) {
			t.Errorf("%s: Cells gives %d cells, %d incidents; by brute force %d cells, %d", v.name, len(got), total, len(wantN), sumMap(wantN))
		}
		if !slices.IsSortedFunc(cells, func(a, b hexbeat.CellCount) int { return cmp.Compare(a.Cell, b.Cell) }) {
			t.Errorf("%s: Cells not in cell order", v.name)
		}
		cs, ns, vs := s.CellValues(v.q, v.area, w)
		if len(cs) != len(wantN) || !slices.IsSorted(cs) {
			t.Errorf("%s: CellValues gives %d cells (in order: %v), by brute force %d", v.name, len(cs), slices.IsSorted(cs), len(wantN))
		}
		for i, c := range cs {
			if ns[i] != wantN[c] || !near(vs[i], wantV[c]) {
				t.Errorf("%s: cell %x: CellValues %d, %g; by brute force %d, %g", v.name, c, ns[i], vs[i], wantN[c], wantV[c])
				break
			}
		}
		if cats := s.CategoryCounts(v.q, v.area); !maps.Equal(cats, wantCats) {
			t.Errorf("%s: CategoryCounts %v, by brute force %v", v.name, cats, wantCats)
		}
		pts, pn, _ := s.PointValues(v.q, v.area, Weight{})
		gotPts := map[orb.Point]int{}
		for i, p := range pts {
			gotPts[p] = pn[i]
		}
		if !maps.Equal(gotPts, wantPts) {
			t.Errorf("%s: PointValues at %d points, by brute force %d", v.name, len(gotPts), len(wantPts))
		}
	}
	if nonEmpty != len(views) {
		t.Errorf("only %d of %d views hold incidents", nonEmpty, len(views))
	}

	// time slices: months of 2024-03..2025-02, in an area, by cell and for one cell
	var edges []int64
	for m := 0; m <= 12; m++ {
		edges = append(edges, time.Date(2024, time.Month(3+m), 1, 0, 0, 0, 0, time.UTC).Unix())
	}
	sliceOfTime := func(at time.Time) int {
		for k := range len(edges) - 1 {
			if at.Unix() >= edges[k] && at.Unix() < edges[k+1] {
				return k
			}
		}
		return -1
	}
	q := hexbeat.CellQuery{Res: 8, Categories: []string{"Burglary", "Shoplifting", "Anti-social behaviour"}}
	want := map[uint64][]float64{}
	for _, in := range incs {
		if k := sliceOfTime(in.OccurredAt); k >= 0 && matches(view{q: q, area: area}, in) {
			c := cellOf(in, 8)
			if want[c] == nil {
				want[c] = make([]float64, len(edges)-1)
			}
			want[c][k] += weigh(in)
		}
	}
	if cells, series, ok := s.CellSeries(q, area, w, edges, len(want)*(len(edges)-1)-1); ok || len(cells) != len(want) || series != nil {
		t.Fatalf("CellSeries bounded below its size: %d cells, %d slices, ok %v", len(cells), len(series), ok)
	}
	cells, series, ok := s.CellSeries(q, area, w, edges, len(want)*(len(edges)-1))
	if !ok || len(cells) != len(want) || len(series) != len(edges)-1 || !slices.IsSorted(cells) {
		t.Fatalf("CellSeries: %d cells, %d slices; by brute force %d cells", len(cells), len(series), len(want))
	}
	for j, c := range cells {
		for k := range series {
			if !near(series[k][j], want[c][k]) {
				t.Fatalf("CellSeries: cell %x slice %d: %g, by brute force %g", c, k, series[k][j], want[c][k])
			}
		}
	}
	busiest, most := uint64(0), 0
	byCell := map[uint64]int{}
	for _, in := range incs {
		c := cellOf(in, 6)
		if byCell[c]++; byCell[c] > most {
			busiest, most = c, byCell[c]
		}
	}
	qd := hexbeat.CellQuery{Res: 6, From: from, To: to, Categories: []string{"Robbery"}}
	byCat, perSlice := s.CellDetail(qd, busiest, edges)
	wantCat, wantSlice := map[string]int{}, make([]int, len(edges)-1)
	for _, in := range incs {
		if cellOf(in, 6) != busiest {
			continue
		}
		if !in.OccurredAt.Before(from) && in.OccurredAt.Before(to) {
			wantCat[in.Category]++
		}
		if k := sliceOfTime(in.OccurredAt); k >= 0 && in.Category == "Robbery" {
			wantSlice[k]++
		}
	}
	if !maps.Equal(byCat, wantCat) || !slices.Equal(perSlice, wantSlice) {
		t.Errorf("CellDetail of %x: %v %v; by brute force %v %v", busiest, byCat, perSlice, wantCat, wantSlice)
	}

	around := orb.Bound{Min: orb.Point{incs[0].Lon, incs[0].Lat}, Max: orb.Point{incs[0].Lon, incs[0].Lat}}
	for _, in := range incs {
		around = around.Extend(orb.Point{in.Lon, in.Lat})
	}
	if b, ok := s.Bounds(); !ok || b != around {
		t.Errorf("Bounds %v (%v), the box around the incidents %v", b, ok, around)
	}
	first, last, ok := s.TimeRange()
	lo := slices.MinFunc(incs, func(a, b hexbeat.Incident) int { return a.OccurredAt.Compare(b.OccurredAt) })
	hi := slices.MaxFunc(incs, func(a, b hexbeat.Incident) int { return a.OccurredAt.Compare(b.OccurredAt) })
	if !ok || first != lo.OccurredAt.Unix() || last != hi.OccurredAt.Unix() || s.Len() != len(incs) || s.MonthPrecision() {
		t.Errorf("TimeRange %d..%d (%v), Len %d, month precision %v; want %d..%d, %d, false", first, last, ok, s.Len(), s.MonthPrecision(),
			lo.OccurredAt.Unix(), hi.OccurredAt.Unix(), len(incs))
	}
}

func sumMap(m map[uint64]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

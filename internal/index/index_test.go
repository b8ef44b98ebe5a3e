package index

import (
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/hexbeat/hexbeat/internal/testkit"
	"github.com/hexbeat/hexbeat/internal/testkit/realdata"

	"github.com/hexbeat/hexbeat/internal/grid"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/paulmach/orb"
)

func inc(t testing.TB, month string, cat string, lon, lat float64) hexbeat.Incident {
	t.Helper()
	at, _ := time.Parse("2006-01", month)
	c, err := grid.FromLonLat(lon, lat, 15)
	if err != nil {
		t.Fatal(err)
	}
	return hexbeat.Incident{OccurredAt: at, Category: cat, Lon: lon, Lat: lat, Cell: c, Precision: hexbeat.PrecisionMonth}
}

func month(s string, end bool) time.Time {
	t, _ := hexbeat.ParseTimeBound(s, end)
	return t
}

func sumCounts(cs []hexbeat.CellCount) int {
	n := 0
	for _, c := range cs {
		n += c.Count
	}
	return n
}

func TestCellsFilters(t *testing.T) {
	ix := New()
	cmk := [2]float64{-0.7594, 52.0406} // central Milton Keynes
	bletchley := [2]float64{-0.7355, 51.9952}
	ix.Add([]hexbeat.Incident{
		inc(t, "2025-01", "Robbery", cmk[0], cmk[1]),
		inc(t, "2025-01", "Robbery", cmk[0], cmk[1]),
		inc(t, "2025-02", "Drugs", cmk[0], cmk[1]),
		inc(t, "2025-03", "Robbery", bletchley[0], bletchley[1]),
	})
	ix.Add([]hexbeat.Incident{inc(t, "2024-12", "Burglary", bletchley[0], bletchley[1])})
	s := ix.Snapshot()
	north := orb.Polygon{{{-0.8, 52.02}, {-0.7, 52.02}, {-0.7, 52.06}, {-0.8, 52.06}, {-0.8, 52.02}}}
	bbox := orb.Bound{Min: orb.Point{-0.74, 51.99}, Max: orb.Point{-0.73, 52.0}}
	for _, tc := range []struct {
		name  string
		q     hexbeat.CellQuery
		area  *Area
		total int
		cells int
	}{
		{"everything res 9", hexbeat.CellQuery{Res: 9}, nil, 5, 2},
		{"everything res 0", hexbeat.CellQuery{Res: 0}, nil, 5, 1},
		{"everything res 15", hexbeat.CellQuery{Res: 15}, nil, 5, 2},
		{"january", hexbeat.CellQuery{Res: 9, From: month("2025-01", false), To: month("2025-01", true)}, nil, 2, 1},
		{"from february", hexbeat.CellQuery{Res: 9, From: month("2025-02", false)}, nil, 2, 2},
		{"until january", hexbeat.CellQuery{Res: 9, To: month("2025-01", true)}, nil, 3, 2},
		{"robbery", hexbeat.CellQuery{Res: 9, Categories: []string{"Robbery"}}, nil, 3, 2},
		{"robbery or drugs", hexbeat.CellQuery{Res: 9, Categories: []string{"Robbery", "Drugs"}}, nil, 4, 2},
		{"absent category", hexbeat.CellQuery{Res: 9, Categories: []string{"Shoplifting"}}, nil, 0, 0},
		{"area north", hexbeat.CellQuery{Res: 9}, &Area{Key: "north", Geometry: north}, 3, 1},
		{"area north again (cached)", hexbeat.CellQuery{Res: 9, Categories: []string{"Drugs"}}, &Area{Key: "north", Geometry: north}, 1, 1},
		{"ad hoc polygon", hexbeat.CellQuery{Res: 9, Polygon: north}, nil, 3, 1},
		{"bbox around bletchley", hexbeat.CellQuery{Res: 9, BBox: &bbox}, nil, 2, 1},
		{"bbox and area exclude each other", hexbeat.CellQuery{Res: 9, BBox: &bbox}, &Area{Key: "north", Geometry: north}, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cells, total := s.Cells(tc.q, tc.area)
			if total != tc.total || len(cells) != tc.cells || sumCounts(cells) != total {
				t.Errorf("total %d in %d cells (sum %d), want %d in %d", total, len(cells), sumCounts(cells), tc.total, tc.cells)
			}
		})
	}
}

// TestEveryResolution: at every resolution the counts sum to the total and equal binning
// each point directly with H3 at that resolution (not the parent of its res-15 cell: H3
// cells are not exactly nested).
func TestEveryResolution(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 9))
	ix := New()
	var incs []hexbeat.Incident
	for i := 0; i < 3000; i++ {
		incs = append(incs, inc(t, fmt.Sprintf("2025-%02d", 1+rng.IntN(12)), "Robbery", -0.9+rng.Float64()*0.3, 51.95+rng.Float64()*0.2))
	}
	ix.Add(incs[:1000])
	ix.Add(incs[1000:])
	s := ix.Snapshot()
	for res := 0; res <= 15; res++ {
		want := map[uint64]int{}
		for _, x := range incs {
			c, _ := grid.FromLonLat(x.Lon, x.Lat, res)
			want[c]++
		}
		cells, total := s.Cells(hexbeat.CellQuery{Res: res}, nil)
		if total != len(incs) || len(cells) != len(want) {
			t.Fatalf("res %d: total %d in %d cells, want %d in %d", res, total, len(cells), len(incs), len(want))
		}
		for _, c := range cells {
			if want[c.Cell] != c.Count {
				t.Fatalf("res %d cell %s: %d, direct binning %d", res, grid.String(c.Cell), c.Count, want[c.Cell])
			}
		}
	}
}

// TestAddOrderIrrelevant: adding in batches out of time order equals adding at once.
func TestAddOrderIrrelevant(t *testing.T) {
	a, b := New(), New()
	x := []hexbeat.Incident{inc(t, "2025-03", "Drugs", -0.75, 52.0), inc(t, "2025-01", "Robbery", -0.76, 52.01)}
	y := []hexbeat.Incident{inc(t, "2025-02", "Drugs", -0.75, 52.0), inc(t, "2024-01", "Robbery", -0.7, 52.1)}
	a.Add(append(append([]hexbeat.Incident{}, x...), y...))
	b.Add(y)
	b.Add(x)
	for _, q := range []hexbeat.CellQuery{{Res: 9, From: month("2025-02", false)}, {Res: 7, Categories: []string{"Robbery"}}} {
		ca, _ := a.Snapshot().Cells(q, nil)
		cb, _ := b.Snapshot().Cells(q, nil)
		if fmt.Sprint(ca) != fmt.Sprint(cb) {
			t.Errorf("%+v: %v vs %v", q, ca, cb)
		}
	}
	for _, p := range b.Snapshot().parts {
		for i := 1; i < len(p.runT); i++ {
			if p.runT[i] <= p.runT[i-1] {
				t.Fatalf("times not sorted in region %x: %v", p.region, p.runT)
			}
		}
	}
}

func readInto(t testing.TB, path string) ([]hexbeat.Incident, []hexbeat.Boundary) {
	t.Helper()
	c := realdata.Read(t, path)
	return c.Incidents, c.Boundaries
}

// TestMiltonKeynesRes9EqualsPeer: the Milton Keynes 2025-01..06 res-9 counts equal the
// count column of a peer's fixture (binned outside this project) for every cell.
func TestMiltonKeynesRes9EqualsPeer(t *testing.T) {
	fixture := testkit.Shared(t, "fixtures/gistar/mk-2025h1-res9-all.csv")
	ix := New()
	for m := 1; m <= 6; m++ {
		incs, _ := readInto(t, testkit.Shared(t, fmt.Sprintf("data/police/street/2025-%02d-thames-valley-street.csv", m)))
		ix.Add(incs)
	}
	_, bs := readInto(t, testkit.Shared(t, "data/boundaries/milton-keynes-boundary.geojson"))
	cells, total := ix.Snapshot().Cells(hexbeat.CellQuery{Res: 9, From: month("2025-01", false), To: month("2025-06", true)},
		&Area{Key: bs[0].ID, Geometry: bs[0].Geometry})
	got := map[string]int{}
	for _, c := range cells {
		got[grid.String(c.Cell)] = c.Count
	}
	f, _ := os.Open(fixture)
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want, wantTotal := map[string]int{}, 0
	for _, r := range rows[1:] {
		n, _ := strconv.Atoi(r[1])
		if n > 0 {
			want[r[0]] = n
			wantTotal += n
		}
	}
	if total != 14867 || wantTotal != 14867 {
		t.Errorf("total %d, fixture %d; the fixture README says 14,867", total, wantTotal)
	}
	bad := 0
	for c := range merge(got, want) {
		if got[c] != want[c] {
			if bad < 5 {
				t.Errorf("cell %s: %d, peer %d", c, got[c], want[c])
			}
			bad++
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d cells differ", bad, len(want))
	}
}

func merge(a, b map[string]int) map[string]bool {
	out := map[string]bool{}
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}

// TestAbortLeavesIndexUnchanged: an aborted build (a failed load) leaves no rows, points or
// categories behind, and a later build works.
func TestAbortLeavesIndexUnchanged(t *testing.T) {
	ix := New()
	ix.Add([]hexbeat.Incident{inc(t, "2025-01", "Robbery", -0.75, 52.0)})
	b := ix.Begin()
	b.Add([]hexbeat.Incident{inc(t, "2025-02", "Force category", -0.70, 52.1), inc(t, "2025-02", "Robbery", -2.5, 53.4)}) // the second in a new region
	b.Abort()
	s := ix.Snapshot()
	if s.Len() != 1 || s.Points() != 1 || len(s.Categories()) != 1 || len(s.parts) != 1 {
		t.Fatalf("after abort: %d incidents, %d points, %d regions, categories %v", s.Len(), s.Points(), len(s.parts), s.Categories())
	}
	ix.Add([]hexbeat.Incident{inc(t, "2025-02", "Force category", -0.70, 52.1), inc(t, "2025-03", "Robbery", -2.5, 53.4)})
	cells, total := ix.Snapshot().Cells(hexbeat.CellQuery{Res: 9, Categories: []string{"Force category"}}, nil)
	if total != 1 || len(cells) != 1 {
		t.Errorf("after a later add: %d in %d cells", total, len(cells))
	}
	far := orb.Bound{Min: orb.Point{-3, 53}, Max: orb.Point{-2, 54}}
	if _, total := ix.Snapshot().Cells(hexbeat.CellQuery{Res: 9, BBox: &far}, nil); total != 1 {
		t.Errorf("after a later add, %d incidents in the new region's box", total)
	}
}

// TestReplace: an index rebuilt apart (after an import was withdrawn) takes the place of
// the old one with a higher version; a snapshot held from before stays as it was; the
// replaced index answers as a fresh one loaded with the same incidents, and takes further
// adds (its points, categories and regions are the new index's).
func TestReplace(t *testing.T) {
	kept := []hexbeat.Incident{inc(t, "2025-01", "Robbery", -0.75, 52.0), inc(t, "2025-02", "Drugs", -0.76, 52.01)}
	gone := []hexbeat.Incident{inc(t, "2025-01", "Burglary", -0.70, 52.1), inc(t, "2025-01", "Robbery", -2.5, 53.4)}
	ix := New()
	ix.Add(kept)
	ix.Add(gone)
	ix.MarkBatches(1, 2)
	held := ix.Snapshot()

	nx := New()
	nx.Add(kept)
	nx.MarkBatches(1)
	ix.Replace(nx)
	s := ix.Snapshot()
	if s.Version() <= held.Version() || s.Len() != 2 || held.Len() != 4 || ix.HasBatch(2) || !ix.HasBatch(1) || fmt.Sprint(ix.Batches()) != "[1]" {
		t.Fatalf("after Replace: version %d (was %d), %d incidents (held snapshot %d), batches %v", s.Version(), held.Version(), s.Len(), held.Len(), ix.Batches())
	}
	if cats := s.Categories(); fmt.Sprint(cats) != "[Robbery Drugs]" {
		t.Errorf("categories after Replace: %v", cats)
	}
	// a later add: a point and a region the old index knew, a category it did not
	later := []hexbeat.Incident{inc(t, "2025-03", "Burglary", -0.70, 52.1), inc(t, "2025-03", "Shoplifting", -2.5, 53.4), inc(t, "2025-03", "Robbery", -0.75, 52.0)}
	ix.Add(later)
	fresh := New()
	fresh.Add(kept)
	fresh.Add(later)
	for _, q := range []hexbeat.CellQuery{{Res: 9}, {Res: 7, Categories: []string{"Robbery"}}, {Res: 11, From: month("2025-02", false)},
		{Res: 9, BBox: &orb.Bound{Min: orb.Point{-3, 53}, Max: orb.Point{-2, 54}}}} {
		got, gt := ix.Snapshot().Cells(q, nil)
		want, wt := fresh.Snapshot().Cells(q, nil)
		if fmt.Sprint(got) != fmt.Sprint(want) || gt != wt {
			t.Errorf("%+v: replaced index %v (%d), fresh %v (%d)", q, got, gt, want, wt)
		}
	}
	if n, _ := held.Cells(hexbeat.CellQuery{Res: 9}, nil); sumCounts(n) != 4 {
		t.Errorf("the snapshot held from before counts %d, want 4", sumCounts(n))
	}
}

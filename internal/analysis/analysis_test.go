package analysis

import (
	"context"
	"encoding/csv"
	"math"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/hexbeat/hexbeat/geodata"
	"github.com/hexbeat/hexbeat/internal/grid"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/hexbeat/hexbeat/internal/index"
	"github.com/hexbeat/hexbeat/internal/testkit"
	"github.com/hexbeat/hexbeat/internal/testkit/realdata"
)

var (
	realOnce sync.Once
	realIx   *index.Index
	realMK   hexbeat.Boundary
)

// thamesValley returns an index of the six 2025 Thames Valley street files and the Milton
// Keynes boundary, read once for all tests.
func thamesValley(t testing.TB) (*index.Snapshot, *index.Area) {
	t.Helper()
	files := realdata.StreetMonths(t, 1, 6)
	realOnce.Do(func() {
		ix := index.New()
		ix.Add(realdata.Read(t, files...).Incidents)
		realIx, realMK = ix, realdata.MiltonKeynes(t)
	})
	if realIx == nil {
		t.Fatal("loading the real data failed in an earlier test")
	}
	return realIx.Snapshot(), &index.Area{Key: realMK.ID, Geometry: realMK.Geometry}
}

func month(s string, end bool) time.Time {
	t, err := hexbeat.ParseTimeBound(s, end)
	if err != nil {
		panic(err)
	}
	return t
}

func engine() *Engine { return New(geodata.HarmWeights(geodata.Taxonomy())) }

// TestGiStarEqualsPeer holds Gi* on Milton Keynes 2025-01..06 at res 9 to a peer's values
// (R spdep::localG, ../shared/fixtures/gistar): z and the BH-adjusted p to 1e-6 on every
// one of the fixture's cells, the study area exactly the fixture's.
func TestGiStarEqualsPeer(t *testing.T) {
	fixture := testkit.Shared(t, "fixtures/gistar/mk-2025h1-res9-all.csv")
	snap, area := thamesValley(t)
	q := hexbeat.HotspotQuery{CellQuery: hexbeat.CellQuery{Res: 9, From: month("2025-01", false), To: month("2025-06", true), Area: "mk"},
		Method: hexbeat.MethodGiStar}.WithDefaults()
	layer, err := engine().Hotspots(context.Background(), snap, q, area)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]hexbeat.HotspotCell{}
	for _, c := range layer.Cells {
		got[grid.String(c.Cell)] = c
	}
	f, err := os.Open(fixture)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	rows = rows[1:]
	if len(rows) != 3277 || len(layer.Cells) != len(rows) {
		t.Fatalf("study area: %d cells, fixture %d (its README says 3,277)", len(layer.Cells), len(rows))
	}
	var maxZ, maxP float64
	for _, r := range rows {
		c, ok := got[r[0]]
		if !ok {
			t.Fatalf("fixture cell %s not in the layer", r[0])
		}
		count, _ := strconv.Atoi(r[1])
		z, _ := strconv.ParseFloat(r[2], 64)
		p, _ := strconv.ParseFloat(r[3], 64)
		fdr, _ := strconv.ParseFloat(r[4], 64)
		if c.Count != count {
			t.Errorf("cell %s: count %d, peer %d", r[0], c.Count, count)
		}
		maxZ = math.Max(maxZ, math.Abs(c.Z-z))
		maxP = math.Max(maxP, math.Max(math.Abs(c.P-p), math.Abs(c.PFDR-fdr)))
	}
	t.Logf("max |z - peer| %.2g, max |p - peer| %.2g over %d cells", maxZ, maxP, len(rows))
	if maxZ > 1e-6 || maxP > 1e-6 {
		t.Errorf("differs from the peer: max |z| diff %g, max |p| diff %g (want <= 1e-6)", maxZ, maxP)
	}
	if layer.Total != 14867 {
		t.Errorf("total %d incidents, the fixture's README says 14,867", layer.Total)
	}
}

// k=auto on Milton Keynes 2025-01..06 at res 9: Moran's I by radius equals R spdep's
// (the peer values of internal/stats/testdata), z rises through k = 10 without a peak, so
// the radius falls back to 3 (the smallest disk of at least 30 neighbours, 5 % of 3,277
// cells capped at 30); the layer is then the k = 3 layer, cell for cell. Thames Valley's
// June at res 8 with no area has a peak, and the scan takes it.
func TestAutoScale(t *testing.T) {
	snap, area := thamesValley(t)
	cq := hexbeat.CellQuery{Res: 9, From: month("2025-01", false), To: month("2025-06", true), Area: "mk"}
	auto, err := engine().Hotspots(context.Background(), snap, hexbeat.HotspotQuery{CellQuery: cq, Method: hexbeat.MethodGiStar, AutoK: true}.WithDefaults(), area)
	if err != nil {
		t.Fatal(err)
	}
	sc := auto.Scale
	if sc == nil || sc.K != 3 || auto.Query.K != 3 || len(sc.ByRadius) != 10 || !strings.Contains(sc.Rule, "no significant peak") {
		t.Fatalf("scale %+v, layer k %d", sc, auto.Query.K)
	}
	peer := testkit.CSV(t, "../stats/testdata/moran-mk-2025h1-res9.csv")
	for _, r := range peer[1:] {
		k, _ := strconv.Atoi(r[0])
		z, _ := strconv.ParseFloat(r[4], 64)
		if m := sc.ByRadius[k-1]; m.K != k || math.Abs(m.Z-z) > 1e-9*z {
			t.Errorf("k=%d: z %.12g, spdep %.12g", k, m.Z, z)
		}
	}
	if auto.Moran != sc.ByRadius[2] && math.Abs(auto.Moran.Z-sc.ByRadius[2].Z) > 1e-9*auto.Moran.Z {
		t.Errorf("the layer's Moran's I %+v is not the scan's at k=3 %+v", auto.Moran, sc.ByRadius[2])
	}
	fixed, err := engine().Hotspots(context.Background(), snap, hexbeat.HotspotQuery{CellQuery: cq, Method: hexbeat.MethodGiStar, K: 3}.WithDefaults(), area)
	if err != nil {
		t.Fatal(err)
	}
	if fixed.Scale != nil || len(fixed.Cells) != len(auto.Cells) {
		t.Fatalf("k=3: scale %v, %d cells against %d", fixed.Scale, len(fixed.Cells), len(auto.Cells))
	}
	for i, c := range fixed.Cells {
		if a := auto.Cells[i]; a != c {
			t.Fatalf("cell %d: auto %+v, k=3 %+v", i, a, c)
		}
	}

	june := hexbeat.CellQuery{Res: 8, From: month("2025-06", false), To: month("2025-06", true)}
	peak, err := engine().Hotspots(context.Background(), snap, hexbeat.HotspotQuery{CellQuery: june, Method: hexbeat.MethodGiStar, AutoK: true}.WithDefaults(), nil)
	if err != nil {
		t.Fatal(err)
	}
	ms, k := peak.Scale.ByRadius, peak.Scale.K
	if !strings.Contains(peak.Scale.Rule, "first significant peak") || k < 1 || k >= len(ms) || peak.Query.K != k ||
		!(ms[k-1].Z > ms[k].Z && (k == 1 || ms[k-1].Z > ms[k-2].Z) && ms[k-1].P < 0.05) {
		t.Errorf("June, res 8: %s; z by radius %v", peak.Scale.Rule, zs(ms))
	}
	for j := 0; j < k-1; j++ {
		if (j == 0 || ms[j].Z > ms[j-1].Z) && ms[j].Z > ms[j+1].Z && ms[j].P < 0.05 {
			t.Errorf("an earlier peak at k=%d was passed over: %v", j+1, zs(ms))
		}
	}
	t.Logf("June, res 8: %s", peak.Scale.Rule)
}

func zs(ms []hexbeat.Moran) []float64 {
	out := make([]float64, len(ms))
	for i, m := range ms {
		out[i] = m.Z
	}
	return out
}

// Clusters and outliers on a constructed field: the west half of a box holds 20 crimes a
// cell, the east half none; one empty cell in the west is a low among high (LH), one busy
// cell in the east a high among low (HL), the interiors of the halves HH and LL.
func TestOutlierTypes(t *testing.T) {
	box := orb.Bound{Min: orb.Point{-0.95, 51.95}, Max: orb.Point{-0.55, 52.15}}
	cells, err := grid.GeometryCells(box, 8)
	if err != nil {
		t.Fatal(err)
	}
	west := func(c uint64) bool { return grid.Center(c).Lon() < -0.75 }
	// the special cells: the westmost and eastmost of the row nearest the box's middle latitude
	var lh, hl uint64
	for _, c := range cells {
		p := grid.Center(c)
		if math.Abs(p.Lat()-52.05) > 0.01 {
			continue
		}
		if west(c) && math.Abs(p.Lon()+0.85) < 0.01 {
			lh = c
		}
		if !west(c) && math.Abs(p.Lon()+0.65) < 0.01 {
			hl = c
		}
	}
	if lh == 0 || hl == 0 {
		t.Fatal("no cell for the outliers")
	}
	at, _ := hexbeat.ParseTimeBound("2025-01", false)
	var incs []hexbeat.Incident
	for _, c := range cells {
		if (west(c) && c != lh) || c == hl {
			p := grid.Center(c)
			for range 20 {
				incs = append(incs, hexbeat.Incident{OccurredAt: at, Category: "Burglary", Lon: p.Lon(), Lat: p.Lat(), Cell: c, Precision: hexbeat.PrecisionMonth})
			}
		}
	}
	for i := range incs {
		incs[i].Cell, _ = grid.FromLonLat(incs[i].Lon, incs[i].Lat, 15)
	}
	ix := index.New()
	ix.Add(incs)
	q := hexbeat.HotspotQuery{CellQuery: hexbeat.CellQuery{Res: 8, BBox: &box}}.WithDefaults()
	layer, err := engine().Outliers(context.Background(), ix.Snapshot(), q, nil)
	if err != nil {
		t.Fatal(err)
	}
	typeOf := map[uint64]string{}
	for _, oc := range layer.Cells {
		typeOf[oc.Cell] = oc.Type
	}
	if typeOf[lh] != hexbeat.LowHigh || typeOf[hl] != hexbeat.HighLow || layer.Types[hexbeat.HighHigh] == 0 || layer.Types[hexbeat.LowLow] == 0 {
		t.Errorf("LH cell typed %q, HL cell %q; types %v", typeOf[lh], typeOf[hl], layer.Types)
	}
	t.Logf("%d cells: %v", len(layer.Cells), layer.Types)
}

package analysis

import (
	"context"
	"encoding/csv"
	"math"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

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

package analysis

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hexbeat/hexbeat/internal/grid"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/hexbeat/hexbeat/internal/index"
	"github.com/hexbeat/hexbeat/internal/stats"
	"github.com/hexbeat/hexbeat/internal/testkit/realdata"
)

// TestHotspotLayerIsConsistent: every method returns the whole study area, ranks 1..n once
// each, bins that agree with the FDR-adjusted p, and ranks that follow the method's value.
func TestHotspotLayerIsConsistent(t *testing.T) {
	snap, area := thamesValley(t)
	for _, m := range []string{hexbeat.MethodCount, hexbeat.MethodGiStar, hexbeat.MethodKDE} {
		q := hexbeat.HotspotQuery{CellQuery: hexbeat.CellQuery{Res: 9, From: month("2025-01", false), To: month("2025-03", true), Area: "mk"},
			Method: m, Weight: hexbeat.WeightHarm}.WithDefaults()
		layer, err := engine().Hotspots(context.Background(), snap, q, area)
		if err != nil {
			t.Fatal(err)
		}
		seen := make([]bool, len(layer.Cells)+1)
		byRank := make([]hexbeat.HotspotCell, len(layer.Cells)+1)
		for _, c := range layer.Cells {
			if c.Rank < 1 || c.Rank > len(layer.Cells) || seen[c.Rank] {
				t.Fatalf("%s: rank %d repeated or out of range", m, c.Rank)
			}
			seen[c.Rank] = true
			byRank[c.Rank] = c
			if want := stats.Bin(c.Z, c.PFDR); c.Bin != want {
				t.Errorf("%s: cell %x bin %d, z %g p_fdr %g", m, c.Cell, c.Bin, c.Z, c.PFDR)
			}
		}
		for r := 2; r < len(byRank); r++ {
			a, b := byRank[r-1], byRank[r]
			va, vb := a.Value, b.Value
			if m == hexbeat.MethodGiStar {
				va, vb = a.Z, b.Z
			}
			if va < vb {
				t.Fatalf("%s: rank %d (%g) below rank %d (%g)", m, r-1, va, r, vb)
			}
		}
		if m == hexbeat.MethodKDE && !(layer.Query.BandwidthM > 0) {
			t.Errorf("kde: no bandwidth reported")
		}
	}
}

// TestChangeEqualsIndependentCount holds the change table to counts made straight from the
// CSVs (Milton Keynes by LSOA name, which the data README says selects the same rows as the
// boundary).
func TestChangeEqualsIndependentCount(t *testing.T) {
	snap, area := thamesValley(t)
	q := hexbeat.ChangeQuery{CellQuery: hexbeat.CellQuery{Res: 9, Area: "mk"},
		AFrom: month("2025-01", false), ATo: month("2025-03", true), BFrom: month("2025-04", false), BTo: month("2025-06", true)}
	rep := engine().Change(snap, q, area)
	want := map[string][2]int{}
	for i, path := range realdata.StreetMonths(t, 1, 6) {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(f).ReadAll()
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows[1:] {
			if r[4] == "" || r[5] == "" || !strings.HasPrefix(r[8], "Milton Keynes") {
				continue
			}
			v := want[r[9]]
			v[i/3]++
			want[r[9]] = v
		}
	}
	if len(rep.Rows) != len(want) {
		t.Errorf("%d crime types, the CSVs have %d", len(rep.Rows), len(want))
	}
	var ta, tb int
	for _, r := range rep.Rows {
		w := want[r.Category]
		if r.A != w[0] || r.B != w[1] || r.Diff != w[1]-w[0] {
			t.Errorf("%s: %d -> %d, CSVs %d -> %d", r.Category, r.A, r.B, w[0], w[1])
		}
		ta += w[0]
		tb += w[1]
	}
	if rep.Total.A != ta || rep.Total.B != tb {
		t.Errorf("total %d -> %d, CSVs %d -> %d", rep.Total.A, rep.Total.B, ta, tb)
	}
	var ca, cb int
	for _, c := range rep.Cells {
		ca += c.A
		cb += c.B
	}
	if ca != ta || cb != tb {
		t.Errorf("cell layer sums %d -> %d, table %d -> %d", ca, cb, ta, tb)
	}
}

// TestChangeSaysWhenAPeriodHasNoData: a period partly or wholly outside the months held
// (2025-01 to 2025-06 here) is named in the notes; one inside them is not. A period B before
// period A is named too: the table then reads backwards in time.
func TestChangeSaysWhenAPeriodHasNoData(t *testing.T) {
	snap, area := thamesValley(t)
	for _, tc := range []struct {
		a0, a1, b0, b1 string
		want           []string
	}{
		{"2025-01", "2025-03", "2025-04", "2025-06", nil},
		{"2024-10", "2024-12", "2025-01", "2025-03", []string{"period A (2024-10-01 to 2024-12-31) lies outside"}},
		{"2024-12", "2025-02", "2025-05", "2025-07", []string{"period A (2024-12-01 to 2025-02-28) reaches beyond", "period B (2025-05-01 to 2025-07-31) reaches beyond"}},
		{"2025-04", "2025-06", "2025-07", "2025-09", []string{"period B (2025-07-01 to 2025-09-30) lies outside"}},
		// B before A: the table reads backwards in time, and says so
		{"2025-04", "2025-06", "2025-01", "2025-03", []string{"period B (2025-01-01 to 2025-03-31) comes before period A (2025-04-01 to 2025-06-30)"}},
	} {
		q := hexbeat.ChangeQuery{CellQuery: hexbeat.CellQuery{Res: 9, Area: "mk"},
			AFrom: month(tc.a0, false), ATo: month(tc.a1, true), BFrom: month(tc.b0, false), BTo: month(tc.b1, true)}
		notes := engine().Change(snap, q, area).Notes
		ok := len(notes) == len(tc.want)
		for i := 0; ok && i < len(notes); i++ {
			ok = strings.HasPrefix(notes[i], tc.want[i]) && (!strings.Contains(notes[i], "data held") || strings.Contains(notes[i], "(2025-01 to 2025-06)"))
		}
		if !ok {
			t.Errorf("A %s..%s, B %s..%s: notes %q, want %q", tc.a0, tc.a1, tc.b0, tc.b1, notes, tc.want)
		}
	}
}

// TestEmergingRefusesWeeksOnMonthlyData: police.uk incidents carry the month only.
func TestEmergingRefusesWeeksOnMonthlyData(t *testing.T) {
	snap, area := thamesValley(t)
	_, err := engine().Emerging(context.Background(), snap, hexbeat.EmergingQuery{CellQuery: hexbeat.CellQuery{Res: 9, Area: "mk"}, Slice: hexbeat.SliceWeek}.WithDefaults(), area)
	var he *hexbeat.Error
	if !errors.As(err, &he) || he.Code != hexbeat.EINVALID || len(he.Fields) != 1 || he.Fields[0].Field != "slice" {
		t.Fatalf("weekly slices on monthly data: %v", err)
	}
	l, err := engine().Emerging(context.Background(), snap, hexbeat.EmergingQuery{CellQuery: hexbeat.CellQuery{Res: 9, Area: "mk"}}.WithDefaults(), area)
	if err != nil {
		t.Fatal(err)
	}
	if l.Query.Slice != hexbeat.SliceMonth || len(l.Edges) != 7 {
		t.Errorf("default slices on monthly data: %s, %d edges", l.Query.Slice, len(l.Edges))
	}
}

// TestEmergingBoundsItsWork: an analysis whose study area times its slices passes
// MaxCellSlices is refused as too large before its series are built (res 12 over Milton
// Keynes to 2100: 912 slices of tens of thousands of cells), and a long period at res 9
// runs.
func TestEmergingBoundsItsWork(t *testing.T) {
	snap, area := thamesValley(t)
	q := hexbeat.EmergingQuery{CellQuery: hexbeat.CellQuery{Res: 12, Area: "mk", To: month("2100-12", true)}}.WithDefaults()
	_, err := engine().Emerging(context.Background(), snap, q, area)
	var he *hexbeat.Error
	if !errors.As(err, &he) || he.Code != hexbeat.ETOOLARGE || len(he.Fields) != 1 || he.Fields[0].Field != "slice" {
		t.Fatalf("res 12 to 2100: %v", err)
	}
	q.Res, q.To = 9, month("2040-12", true)
	l, err := engine().Emerging(context.Background(), snap, q, area)
	if err != nil || len(l.Edges)-1 != 192 || len(l.Cells) < 3000 {
		t.Fatalf("res 9 to 2040: %d slices, %d cells, %v", len(l.Edges)-1, len(l.Cells), err)
	}
}

// TestEmergingSaysWhatItsSlicesCannotShow: slices with no data held are named (they read
// as no crime and change the categories), and so is a series too short for a trend. The
// data held are 2025-01 to 2025-06.
func TestEmergingSaysWhatItsSlicesCannotShow(t *testing.T) {
	snap, area := thamesValley(t)
	for _, tc := range []struct {
		from, to string
		want     []string
	}{
		{"", "", []string{"with 6 slices a trend is significant at alpha 0.05 only when Mann–Kendall's S reaches 13 of a possible 15"}},
		{"2024-10", "2025-06", []string{"3 of the 9 month slices (2024-10-01 to 2024-12-31) hold no data (the data held run 2025-01 to 2025-06)", "with 9 slices"}},
		{"2025-01", "2025-09", []string{"3 of the 9 month slices (2025-07-01 to 2025-09-30) hold no data", "with 9 slices"}},
		{"2024-12", "2025-07", []string{"2 of the 8 month slices (2024-12-01 to 2024-12-31, 2025-07-01 to 2025-07-31) hold no data", "with 8 slices"}},
		{"2025-03", "2025-06", []string{"with 4 slices no trend can be significant at alpha 0.05"}},
		{"2024-01", "2025-06", []string{"12 of the 18 month slices (2024-01-01 to 2024-12-31) hold no data"}},
	} {
		q := hexbeat.EmergingQuery{CellQuery: hexbeat.CellQuery{Res: 9, Area: "mk"}}
		if tc.from != "" {
			q.From, q.To = month(tc.from, false), month(tc.to, true)
		}
		l, err := engine().Emerging(context.Background(), snap, q.WithDefaults(), area)
		if err != nil {
			t.Fatal(err)
		}
		ok := len(l.Notes) == len(tc.want)
		for i := 0; ok && i < len(l.Notes); i++ {
			ok = strings.HasPrefix(l.Notes[i], tc.want[i])
		}
		if !ok {
			t.Errorf("%s..%s: notes %q, want %q", tc.from, tc.to, l.Notes, tc.want)
		}
	}
}

// TestHotspotsSayWhenThePeriodHasNoData: a hot spot layer over months not held says so.
func TestHotspotsSayWhenThePeriodHasNoData(t *testing.T) {
	snap, area := thamesValley(t)
	for _, tc := range []struct {
		from, to string
		want     string
	}{
		{"", "", ""},
		{"2025-02", "2025-05", ""},
		{"2024-01", "2024-06", "the period (2024-01-01 to 2024-06-30) lies outside the data held (2025-01 to 2025-06)"},
		{"2024-10", "2025-03", "the period (2024-10-01 to 2025-03-31) reaches beyond the data held (2025-01 to 2025-06)"},
	} {
		q := hexbeat.HotspotQuery{CellQuery: hexbeat.CellQuery{Res: 9, Area: "mk"}}
		if tc.from != "" {
			q.From, q.To = month(tc.from, false), month(tc.to, true)
		}
		l, err := engine().Hotspots(context.Background(), snap, q.WithDefaults(), area)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(l.Notes, "|"); (tc.want == "") != (got == "") || !strings.HasPrefix(got, tc.want) || strings.Contains(got, "|") {
			t.Errorf("%s..%s: notes %q, want %q", tc.from, tc.to, l.Notes, tc.want)
		}
	}
}

// synthetic builds an index of n incidents with day-precision times over the 52 weeks
// before end: a uniform background over a 10 x 10 km square around Milton Keynes, plus an
// "emerging" cluster at one place in the last six weeks only.
func synthetic(n int, end time.Time, cluster orb2) *index.Index {
	rng := rand.New(rand.NewPCG(7, 8))
	start := end.AddDate(0, 0, -364)
	incs := make([]hexbeat.Incident, 0, n)
	add := func(lon, lat float64, at time.Time) {
		cell, _ := grid.FromLonLat(lon, lat, 15)
		incs = append(incs, hexbeat.Incident{OccurredAt: at, Precision: hexbeat.PrecisionDay, Category: "Robbery", Lon: lon, Lat: lat, Cell: cell})
	}
	for i := 0; i < n; i++ {
		add(-0.83+0.15*rng.Float64(), 51.99+0.09*rng.Float64(), start.Add(time.Duration(rng.Int64N(int64(364*24*time.Hour)))))
	}
	for w := 46; w < 52; w++ {
		for j := 0; j < 40; j++ {
			add(cluster.lon+0.0005*rng.NormFloat64(), cluster.lat+0.0003*rng.NormFloat64(), start.AddDate(0, 0, 7*w+rng.IntN(7)))
		}
	}
	ix := index.New()
	ix.Add(incs)
	return ix
}

type orb2 struct{ lon, lat float64 }

// TestEmergingFindsANewCluster: a cluster that appears in the last six weekly slices is a
// consecutive (or new) hot spot, and the uniform background shows no pattern.
func TestEmergingFindsANewCluster(t *testing.T) {
	end := time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)
	at := orb2{-0.7594, 52.0406}
	ix := synthetic(20000, end, at)
	q := hexbeat.EmergingQuery{CellQuery: hexbeat.CellQuery{Res: 8, From: end.AddDate(0, 0, -364), To: end}, Slice: hexbeat.SliceWeek}.WithDefaults()
	l, err := engine().Emerging(context.Background(), ix.Snapshot(), q, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Edges) != 53 {
		t.Fatalf("%d weekly edges, want 53", len(l.Edges))
	}
	home, _ := grid.FromLonLat(at.lon, at.lat, 8)
	found := false
	for _, c := range l.Cells {
		if c.Cell == home {
			found = true
			if c.Category != "consecutive hot spot" {
				t.Errorf("the cluster's cell: %q (hot in %d slices, trend %+v)", c.Category, c.HotSlices, c.Trend)
			}
		}
	}
	if !found {
		t.Fatal("the cluster's cell is not in the layer")
	}
	if l.Counts["no pattern detected"] < len(l.Cells)*9/10 {
		t.Errorf("background: %v", l.Counts)
	}
	if len(l.Notes) != 0 { // 52 weekly slices, all within the data
		t.Errorf("notes: %q", l.Notes)
	}
}

// benchEmerging times an emerging analysis over 52 weekly slices ending at end, res 9,
// after a first run that builds the res-9 level (as a server's first query does).
func benchEmerging(b *testing.B, snap *index.Snapshot, end time.Time) {
	e := engine()
	q := hexbeat.EmergingQuery{CellQuery: hexbeat.CellQuery{Res: 9, From: end.AddDate(0, 0, -364), To: end}, Slice: hexbeat.SliceWeek}.WithDefaults()
	if _, err := e.Emerging(context.Background(), snap, q, nil); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		l, err := e.Emerging(context.Background(), snap, q, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(len(l.Cells)), "cells")
	}
}

// BenchmarkEmerging1M: emerging hot spots over 1M incidents, 52 weekly slices, res 9
// (target: under 1 s).
func BenchmarkEmerging1M(b *testing.B) {
	end := time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)
	benchEmerging(b, synthetic(1_000_000, end, orb2{-0.7594, 52.0406}).Snapshot(), end)
}

// BenchmarkEmergingThamesValley1M: the same at Thames Valley scale: the real incident
// locations of 2025-01..06 resampled to 1M incidents with day times over 52 weeks, every
// occupied res-9 cell and its neighbours in the study area (target: under 1 s).
func BenchmarkEmergingThamesValley1M(b *testing.B) {
	end := time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)
	benchEmerging(b, resampled(b, 1_000_000, end.AddDate(0, 0, -364), end, 9), end)
}

// TestConcurrentAnalysesAgree: analyses share the engine's caches; run under -race, eight
// at once must give what each gives alone.
func TestConcurrentAnalysesAgree(t *testing.T) {
	snap, area := thamesValley(t)
	e := engine()
	queries := make([]hexbeat.HotspotQuery, 8)
	want := make([]hexbeat.HotspotLayer, 8)
	for i := range queries {
		queries[i] = hexbeat.HotspotQuery{CellQuery: hexbeat.CellQuery{Res: 8 + i%2, Area: "mk", From: month("2025-01", false), To: month(fmt.Sprintf("2025-%02d", 2+i%4), true)},
			Method: hexbeat.MethodGiStar, K: 1 + i%3}.WithDefaults()
		var err error
		if want[i], err = New(e.Harm()).Hotspots(context.Background(), snap, queries[i], area); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	for i := range queries {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			got, err := e.Hotspots(context.Background(), snap, queries[i], area)
			if err != nil {
				t.Error(err)
				return
			}
			if len(got.Cells) != len(want[i].Cells) {
				t.Errorf("query %d: %d cells, alone %d", i, len(got.Cells), len(want[i].Cells))
				return
			}
			for j := range got.Cells {
				if got.Cells[j] != want[i].Cells[j] {
					t.Errorf("query %d cell %d differs", i, j)
					return
				}
			}
		}(i)
	}
	wg.Wait()
}

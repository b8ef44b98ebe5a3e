package index

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/hexbeat/hexbeat/geodata"
	"github.com/hexbeat/hexbeat/internal/grid"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
)

// synthetic returns n incidents over 2025 at distinct points drawn around Milton Keynes
// (points/n of them distinct), in the fourteen police.uk categories.
func synthetic(tb testing.TB, n, points int) []hexbeat.Incident {
	rng := rand.New(rand.NewPCG(1, 1))
	cats := geodata.Categories()
	type pt struct {
		lon, lat float64
		cell     uint64
	}
	pts := make([]pt, points)
	for i := range pts {
		lon, lat := -0.85+rng.NormFloat64()*0.05, 52.03+rng.NormFloat64()*0.04
		c, err := grid.FromLonLat(lon, lat, 15)
		if err != nil {
			tb.Fatal(err)
		}
		pts[i] = pt{lon, lat, c}
	}
	out := make([]hexbeat.Incident, n)
	for i := range out {
		p := pts[rng.IntN(points)]
		out[i] = hexbeat.Incident{OccurredAt: time.Date(2025, time.Month(1+rng.IntN(12)), 1, 0, 0, 0, 0, time.UTC),
			Category: cats[rng.IntN(len(cats))].Name, Lon: p.lon, Lat: p.lat, Cell: p.cell}
	}
	return out
}

// BenchmarkCells: aggregate 1M incidents (50,000 distinct points) to cells with a
// three-month and two-category filter. The per-resolution cell numbering is built before
// the timer starts (the first query at a resolution after an import pays for it; see
// BenchmarkLevelBuild).
func BenchmarkCells(b *testing.B) {
	ix := New()
	ix.Add(synthetic(b, 1_000_000, 50_000))
	s := ix.Snapshot()
	from, to := time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC), time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)
	for _, res := range []int{5, 7, 9, 11, 15} {
		for _, filter := range []string{"none", "time+category"} {
			q := hexbeat.CellQuery{Res: res}
			if filter != "none" {
				q.From, q.To, q.Categories = from, to, []string{"Robbery", "Violence and sexual offences"}
			}
			s.Cells(q, nil) // build the level
			b.Run(fmt.Sprintf("res=%d/filter=%s", res, filter), func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					s.Cells(q, nil)
				}
			})
		}
	}
}

// BenchmarkLevelBuild: the one-off cost of numbering the cells of one resolution for 1M
// incidents at 50,000 distinct points, including H3 binning of every point.
func BenchmarkLevelBuild(b *testing.B) {
	incs := synthetic(b, 1_000_000, 50_000)
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		ix := New()
		ix.Add(incs)
		s := ix.Snapshot()
		b.StartTimer()
		s.Cells(hexbeat.CellQuery{Res: 9}, nil)
	}
}

// TestConcurrentQueriesAndAdds: queries on snapshots while imports add incidents (run with
// -race).
func TestConcurrentQueriesAndAdds(t *testing.T) {
	ix := New()
	incs := synthetic(t, 20_000, 2_000)
	ix.Add(incs[:5000])
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				s := ix.Snapshot()
				_, total := s.Cells(hexbeat.CellQuery{Res: 7 + (i+w)%4}, nil)
				if total != s.Len() {
					t.Errorf("snapshot of %d counted %d", s.Len(), total)
					return
				}
			}
		}(w)
	}
	for k := 5000; k < len(incs); k += 5000 {
		ix.Add(incs[k : k+5000])
	}
	wg.Wait()
	if n := ix.Snapshot().Len(); n != len(incs) {
		t.Errorf("index holds %d, want %d", n, len(incs))
	}
}

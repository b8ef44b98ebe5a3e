package analysis

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/hexbeat/hexbeat/internal/index"
	"github.com/hexbeat/hexbeat/internal/testkit/realdata"
)

// resampled returns n real Thames Valley incidents (locations and categories of 2025-01..06)
// with day-precision times spread over [start, end), drawn with the given seed.
func resampled(b *testing.B, n int, start, end time.Time, seed uint64) *index.Snapshot {
	real := realdata.Read(b, realdata.StreetMonths(b, 1, 6)...).Incidents
	rng := rand.New(rand.NewPCG(seed, seed))
	incs := make([]hexbeat.Incident, n)
	for i := range incs {
		in := real[rng.IntN(len(real))]
		in.OccurredAt = start.Add(time.Duration(rng.Int64N(int64(end.Sub(start)))))
		in.Precision = hexbeat.PrecisionDay
		incs[i] = in
	}
	ix := index.New()
	ix.Add(incs)
	return ix.Snapshot()
}

// BenchmarkSection60Proposals200k: proposals over a year of Thames Valley-sized data
// (200k incidents), the default 14-day window, all of Thames Valley (target: under 50 ms).
func BenchmarkSection60Proposals200k(b *testing.B) {
	end := time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)
	snap := resampled(b, 200_000, end.AddDate(-1, 0, 0), end, 3)
	e := engine()
	q := hexbeat.ProposalQuery{CellQuery: hexbeat.CellQuery{Res: 9}}.WithDefaults()
	if _, err := e.Section60(context.Background(), snap, q, nil); err != nil { // first query builds the res-9 level
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ps, err := e.Section60(context.Background(), snap, q, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(len(ps.Areas)), "areas")
	}
}

// BenchmarkTargets5000: ranking 5,000 retailers over the year's 200k incidents (the three
// Section 60 categories, 300 m) (target: under 20 ms).
func BenchmarkTargets5000(b *testing.B) {
	end := time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)
	snap := resampled(b, 200_000, end.AddDate(-1, 0, 0), end, 3)
	rng := rand.New(rand.NewPCG(4, 4))
	shops := make([]hexbeat.Retailer, 5000)
	for i := range shops {
		shops[i] = hexbeat.Retailer{ID: string(rune('a' + i%26)), Lon: -1.3 + 0.6*rng.Float64(), Lat: 51.4 + 0.7*rng.Float64()}
	}
	e := engine()
	q := hexbeat.TargetQuery{CellQuery: hexbeat.CellQuery{Res: 9}}.WithDefaults()
	now := time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := e.Targets(snap, q, nil, shops, nil, now); err != nil {
			b.Fatal(err)
		}
	}
}

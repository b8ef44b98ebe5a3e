package analysis

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hexbeat/hexbeat/internal/hexbeat"
)

// pollCtx counts the looks an analysis takes at its deadline and, from the look after,
// says the deadline has passed: how often a long loop looks decides how long it runs past
// its request's time limit (which no test times: it counts the looks instead).
type pollCtx struct {
	context.Context
	polls, after atomic.Int64
}

func (c *pollCtx) Err() error {
	if n := c.polls.Add(1); c.after.Load() > 0 && n > c.after.Load() {
		return context.DeadlineExceeded
	}
	return nil
}

func (c *pollCtx) Done() <-chan struct{} { return nil }

func (c *pollCtx) Deadline() (time.Time, bool) { return time.Time{}, false }

// TestLongAnalysesLookAtTheirDeadline: the long parts of an analysis (k=auto's scan of
// Moran's I by radius, the neighbourhoods of a large study area, a KDE) look at their
// request's deadline every few hundred cells or points, and stop with the domain's 503
// when it has passed, however far in they are. (Under load, at res 11 over Thames Valley,
// a k=auto KDE layer ran 9 s and a backtest 4.4 s past a 2 s limit: the KDE looked once
// per 2,048 points, the scan and the neighbourhoods never.)
func TestLongAnalysesLookAtTheirDeadline(t *testing.T) {
	snap, mk := thamesValley(t)
	e := engine()
	for _, tc := range []struct {
		name string
		q    hexbeat.HotspotQuery
		want func(cells, points int) int64 // looks at least
	}{
		// the neighbourhoods look once per 1,024 cells, the KDE once per 128 points
		{"kde", hexbeat.HotspotQuery{CellQuery: hexbeat.CellQuery{Res: 10}, Method: hexbeat.MethodKDE, K: 1},
			func(cells, points int) int64 { return int64(cells/1024 + points/128) }},
		// k=auto's scan of Moran's I by radius also once per 1,024 cells
		{"k=auto", hexbeat.HotspotQuery{CellQuery: hexbeat.CellQuery{Res: 9}, Method: hexbeat.MethodGiStar, AutoK: true},
			func(cells, points int) int64 { return int64(2 * cells / 1024) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := tc.q
			q.From, q.To = month("2025-06", false), month("2025-06", true)
			q = q.WithDefaults()
			ctx := &pollCtx{Context: context.Background()}
			layer, err := e.Hotspots(ctx, snap, q, mk)
			if err != nil {
				t.Fatal(err)
			}
			pts, _, _ := snap.PointValues(q.CellQuery, mk, e.weight(q.Weight, 0, time.Time{}))
			polls := ctx.polls.Load()
			if want := tc.want(len(layer.Cells), len(pts)); polls < want {
				t.Errorf("%d looks at the deadline over %d cells and %d points; want at least %d", polls, len(layer.Cells), len(pts), want)
			}
			// the deadline passing early, half way or late stops the layer with the domain's 503
			// at once: a look or two to say why, no more work
			for _, after := range []int64{1, polls / 2, polls - 1} {
				e := engine() // nothing cached from the run before
				ctx := &pollCtx{Context: context.Background()}
				ctx.after.Store(after)
				_, err := e.Hotspots(ctx, snap, q, mk)
				var he *hexbeat.Error
				if !errors.As(err, &he) || he.Code != hexbeat.EUNAVAILABLE {
					t.Fatalf("deadline passed at look %d of %d: %v", after, polls, err)
				}
				if extra := ctx.polls.Load() - after; extra > 4 {
					t.Fatalf("deadline passed at look %d of %d: %d more looks before stopping", after, polls, extra)
				}
			}
		})
	}
}

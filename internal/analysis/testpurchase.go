package analysis

import (
	"fmt"
	"time"

	"github.com/hexbeat/hexbeat/internal/grid"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/hexbeat/hexbeat/internal/index"
	"github.com/hexbeat/hexbeat/internal/plan"
	"github.com/paulmach/orb"
)

// Targets ranks retailers for test purchases (see plan.RankTargets).
func (e *Engine) Targets(snap *index.Snapshot, q hexbeat.TargetQuery, area *index.Area, shops []hexbeat.Retailer, tests map[string][]hexbeat.RetailerTest, now time.Time) (hexbeat.Targets, error) {
	out := hexbeat.Targets{Query: q, Retailers: shops}
	cq := q.CellQuery
	if cq.From.IsZero() {
		_, last, ok := snap.TimeRange()
		if !ok {
			return out, &hexbeat.Error{Code: hexbeat.EUNPROCESSABLE, Message: "no incidents to rank retailers by"}
		}
		cq.To = time.Unix(last+1, 0).UTC()
		if snap.MonthPrecision() { // whole months: the latest month with data and those before it
			cq.To = hexbeat.MonthEnd(time.Unix(last, 0))
		}
		cq.From = cq.To.Add(-q.Window)
		if snap.MonthPrecision() {
			cq.From = hexbeat.MonthStart(cq.From)
		}
	}
	out.From, out.To = cq.From, cq.To
	out.Notes = coverageNotes(snap, period{"the window", cq.From, cq.To})
	pts, counts, values := snap.PointValues(cq, area, e.weight(q.Weight, 0, time.Time{}))
	for _, c := range counts {
		out.Incidents += c
	}
	where := make([]orb.Point, len(shops))
	history := make([][]hexbeat.RetailerTest, len(shops))
	for i, r := range shops {
		where[i] = orb.Point{r.Lon, r.Lat}
		history[i] = tests[r.ID]
	}
	params := plan.TargetParams{Where: fmt.Sprintf("within %.0f m", q.RadiusM), FailureBoost: q.FailureBoost,
		Cooldown: time.Duration(q.CooldownDays) * 24 * time.Hour, Demote: q.Demote, DemoteFactor: 0.25, Now: now}
	var exposure []plan.Exposure
	if q.Cells {
		params.Where = fmt.Sprintf("in its res-%d cell and the six around it", q.Res)
		cells, n, v := snap.CellValues(cq, area, e.weight(q.Weight, 0, time.Time{}))
		at := make(map[uint64]plan.Exposure, len(cells))
		for i, c := range cells {
			at[c] = plan.Exposure{Weight: v[i], Incidents: n[i]}
		}
		exposure = make([]plan.Exposure, len(shops))
		for i, p := range where {
			home, err := grid.FromLonLat(p[0], p[1], q.Res)
			if err != nil {
				return out, err
			}
			disk, err := e.disk(home, 1)
			if err != nil {
				return out, err
			}
			for _, c := range disk {
				exposure[i].Weight += at[c].Weight
				exposure[i].Incidents += at[c].Incidents
			}
		}
	} else {
		exposure = plan.ExposureWithin(where, pts, values, counts, q.RadiusM)
	}
	ranked := plan.RankTargets(exposure, history, params)
	for _, t := range ranked {
		if t.Excluded {
			out.Excluded = append(out.Excluded, t)
		} else if len(out.Ranked) < q.Limit {
			out.Ranked = append(out.Ranked, t)
		}
	}
	return out, nil
}

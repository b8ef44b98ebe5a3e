package analysis

import (
	"context"
	"fmt"

	"github.com/hexbeat/hexbeat/internal/grid"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/hexbeat/hexbeat/internal/index"
	"github.com/hexbeat/hexbeat/internal/plan"
)

// Cameras plans mobile CCTV sites (see plan.Cover).
func (e *Engine) Cameras(ctx context.Context, snap *index.Snapshot, q hexbeat.CameraQuery, area *index.Area) (hexbeat.CameraPlan, error) {
	w := e.weight(q.Weight, 0, periodEnd(q.CellQuery, snap))
	pts, counts, values := snap.PointValues(q.CellQuery, area, w)
	out := hexbeat.CameraPlan{Query: q, Candidates: q.Candidates, Demand: len(pts)}
	for _, c := range counts {
		out.Incidents += c
	}
	if len(out.Candidates) == 0 {
		cells, _, _ := snap.CellValues(q.CellQuery, area, w)
		if len(cells) > hexbeat.MaxCameraCandidates {
			return out, &hexbeat.Error{Code: hexbeat.ETOOLARGE, Message: fmt.Sprintf("%d cells hold incidents at resolution %d; give candidates or a coarser res", len(cells), q.Res),
				Fields: []hexbeat.FieldError{{Field: "res", Message: "choose a coarser resolution or give candidate sites"}}}
		}
		for _, c := range cells {
			out.Candidates = append(out.Candidates, grid.Center(c))
		}
		out.FromCells = true
	}
	cp, err := plan.Cover(ctx, plan.CoverProblem{Demand: pts, Weight: values, Candidates: out.Candidates, Existing: q.Existing,
		K: q.K, RadiusM: q.RadiusM, MinSpacing: q.MinSpacing})
	if err != nil {
		if e := stopped(ctx); e != nil {
			return out, e
		}
		return out, &hexbeat.Error{Code: hexbeat.EINVALID, Message: err.Error()}
	}
	out.CoverPlan = cp
	return out, nil
}

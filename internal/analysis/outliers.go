package analysis

import (
	"context"
	"math"

	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/hexbeat/hexbeat/internal/index"
	"github.com/hexbeat/hexbeat/internal/stats"
)

func outlierType(high, highAround bool) string {
	switch {
	case high && highAround:
		return hexbeat.HighHigh
	case high:
		return hexbeat.HighLow
	case highAround:
		return hexbeat.LowHigh
	}
	return hexbeat.LowLow
}

// Outliers computes the cluster and outlier layer of a query: the weighted counts of its
// study area (as a hotspot layer's), local Moran's I with row-standardised weights over the
// grid disk of radius q.K (the cell left out; stats.LocalMoran), p-values adjusted by
// Benjamini–Hochberg unless q.NoFDR, and each cell significant at q.Alpha typed by whether
// its value and its neighbours' mean lie above the study area's mean.
func (e *Engine) Outliers(ctx context.Context, snap *index.Snapshot, q hexbeat.HotspotQuery, area *index.Area) (hexbeat.OutlierLayer, error) {
	q.Method = hexbeat.MethodCount
	sf, err := e.surface(ctx, snap, q, area, nil)
	if err != nil {
		return hexbeat.OutlierLayer{}, err
	}
	q.K = sf.Adj.K
	lm := stats.LocalMoran(sf.Adj, sf.Weighted)
	fdr := stats.BenjaminiHochberg(lm.P)
	mean := 0.0
	for _, v := range sf.Weighted {
		mean += v
	}
	mean /= float64(len(sf.Weighted))
	layer := hexbeat.OutlierLayer{Query: q, StudyArea: sf.Rule, Total: sf.Total, Types: map[string]int{hexbeat.HighHigh: 0, hexbeat.LowLow: 0, hexbeat.HighLow: 0, hexbeat.LowHigh: 0},
		Moran: hexbeat.Moran(stats.GlobalMoran(sf.Adj, sf.Weighted)), Scale: sf.Scale, Notes: append(PeriodNotes(snap, q.From, q.To), sf.scaleNotes()...)}
	layer.Cells = make([]hexbeat.OutlierCell, len(sf.Weighted))
	for i, c := range sf.Adj.Cells {
		oc := hexbeat.OutlierCell{Cell: c, Count: sf.Counts[i], Value: sf.Weighted[i], Lag: lm.Lag[i], I: lm.I[i], Z: lm.Z[i], P: lm.P[i], PFDR: fdr[i]}
		sig := oc.PFDR
		if q.NoFDR {
			sig = oc.P
		}
		if sig < q.Alpha && !math.IsNaN(oc.Z) {
			oc.Type = outlierType(oc.Value > mean, oc.Lag > mean)
			layer.Types[oc.Type]++
		}
		layer.Cells[i] = oc
	}
	return layer, nil
}

package analysis

import (
	"context"
	"math"

	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/hexbeat/hexbeat/internal/index"
	"github.com/hexbeat/hexbeat/internal/stats"
)

// Cluster and outlier types of a significant cell (Anselin's local Moran's I, as ArcGIS's
// Cluster and Outlier Analysis names them): the cell's value against the study area's
// mean, then its neighbours' mean against the same mean.
const (
	HighHigh = "HH" // a high cell among high neighbours: part of a cluster of crime
	LowLow   = "LL" // a low cell among low neighbours
	HighLow  = "HL" // a high cell among low neighbours: an isolated hot spot (one premises, one street)
	LowHigh  = "LH" // a low cell among high neighbours: a gap inside a hot area
)

// OutlierCell is one study-area cell of a cluster and outlier layer.
type OutlierCell struct {
	Cell    uint64
	Count   int
	Value   float64 // weighted count
	Lag     float64 // the neighbours' mean weighted count
	I, Z, P float64 // local Moran's I, its z-score and two-sided p (NaN without neighbours)
	PFDR    float64 // Benjamini–Hochberg adjusted p
	Type    string  // HighHigh, LowLow, HighLow or LowHigh when significant; "" otherwise
}

// OutlierLayer is Anselin's local Moran's I on every cell of a study area: where crime
// clusters (HH, LL) and where a cell stands out from its neighbours (HL, LH).
type OutlierLayer struct {
	Query     hexbeat.HotspotQuery // as run: K the radius, Weight the weighting, Alpha the level
	StudyArea string
	Cells     []OutlierCell // in cell order
	Total     int
	Types     map[string]int // significant cells by type
	Moran     hexbeat.Moran  // global Moran's I over the same neighbourhoods (binary weights)
	Scale     *hexbeat.Scale // how K was chosen, for k=auto
	Notes     []string
}

// Outliers computes the cluster and outlier layer of a query: the weighted counts of its
// study area (as a hotspot layer's), local Moran's I with row-standardised weights over the
// grid disk of radius q.K (the cell left out; stats.LocalMoran), p-values adjusted by
// Benjamini–Hochberg unless q.NoFDR, and each cell significant at q.Alpha typed by whether
// its value and its neighbours' mean lie above the study area's mean.
func (e *Engine) Outliers(ctx context.Context, snap *index.Snapshot, q hexbeat.HotspotQuery, area *index.Area) (OutlierLayer, error) {
	q.Method = hexbeat.MethodCount
	sf, err := e.surface(ctx, snap, q, area, nil)
	if err != nil {
		return OutlierLayer{}, err
	}
	q.K = sf.Adj.K
	lm := stats.LocalMoran(sf.Adj, sf.Weighted)
	fdr := stats.BenjaminiHochberg(lm.P)
	mean := 0.0
	for _, v := range sf.Weighted {
		mean += v
	}
	mean /= float64(len(sf.Weighted))
	layer := OutlierLayer{Query: q, StudyArea: sf.Rule, Total: sf.Total, Types: map[string]int{HighHigh: 0, LowLow: 0, HighLow: 0, LowHigh: 0},
		Moran: hexbeat.Moran(stats.GlobalMoran(sf.Adj, sf.Weighted)), Scale: sf.Scale, Notes: append(PeriodNotes(snap, q.From, q.To), sf.scaleNotes()...)}
	layer.Cells = make([]OutlierCell, len(sf.Weighted))
	for i, c := range sf.Adj.Cells {
		oc := OutlierCell{Cell: c, Count: sf.Counts[i], Value: sf.Weighted[i], Lag: lm.Lag[i], I: lm.I[i], Z: lm.Z[i], P: lm.P[i], PFDR: fdr[i]}
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

func outlierType(high, highAround bool) string {
	switch {
	case high && highAround:
		return HighHigh
	case high:
		return HighLow
	case highAround:
		return LowHigh
	}
	return LowLow
}

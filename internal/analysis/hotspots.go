package analysis

import (
	"context"
	"math"

	"github.com/hexbeat/hexbeat/internal/grid"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/hexbeat/hexbeat/internal/index"
	"github.com/hexbeat/hexbeat/internal/stats"
)

// Surface is a method's value on every cell of a study area, before ranking.
type Surface struct {
	Adj        *stats.Adjacency
	Rule       string
	Counts     []int     // incidents per cell
	Weighted   []float64 // weighted incidents per cell
	Value      []float64 // the method's value (weighted count, density, or Gi* z)
	BandwidthM float64   // KDE only
	Total      int
}

// surface computes a method's values for a query (already validated and resolved).
func (e *Engine) surface(ctx context.Context, snap *index.Snapshot, q hexbeat.HotspotQuery, area *index.Area, extra []uint64) (*Surface, error) {
	w := e.weight(q.Weight, q.HalfLifeDays, periodEnd(q.CellQuery, snap))
	occ, counts, values := snap.CellValues(q.CellQuery, area, w)
	occupied := append(occ[:len(occ):len(occ)], extra...)
	sa, err := e.studyArea(q.CellQuery, area, occupied, q.K)
	if err != nil {
		return nil, err
	}
	adj, err := stats.NewAdjacency(sa.Cells, q.K, e.disk)
	if err != nil {
		return nil, err
	}
	if err := stopped(ctx); err != nil {
		return nil, err
	}
	n := adj.Len()
	sf := &Surface{Adj: adj, Rule: sa.Rule, Counts: make([]int, n), Weighted: make([]float64, n)}
	for i, p := range place(adj, occ) {
		sf.Counts[p] = counts[i]
		sf.Weighted[p] = values[i]
		sf.Total += counts[i]
	}
	switch q.Method {
	case hexbeat.MethodGiStar:
		sf.Value = stats.GiStar(adj, sf.Weighted, nil)
	case hexbeat.MethodKDE:
		pts, pcounts, pvals := snap.PointValues(q.CellQuery, area, w)
		h := q.BandwidthM
		if h == 0 {
			nf := make([]float64, len(pcounts))
			for i, c := range pcounts {
				nf[i] = float64(c)
			}
			h = stats.RuleOfThumbBandwidth(pts, nf)
			// A bandwidth below the spacing of cell centres would leave cells between
			// incidents at zero: never go below one cell.
			h = math.Max(h, 2*grid.MinCentreSpacingM(q.Res))
		}
		sf.BandwidthM = h
		kde := stats.NewKDE(adj, h)
		for lo := 0; lo < len(pts); lo += kdeBatch {
			if err := stopped(ctx); err != nil {
				return nil, err
			}
			hi := min(lo+kdeBatch, len(pts))
			kde.Add(pts[lo:hi], pvals[lo:hi])
		}
		sf.Value = kde.Density()
	default:
		sf.Value = sf.Weighted
	}
	return sf, nil
}

// Hotspots computes a hotspot layer: one cell per study-area cell, ranked hottest first.
func (e *Engine) Hotspots(ctx context.Context, snap *index.Snapshot, q hexbeat.HotspotQuery, area *index.Area) (hexbeat.HotspotLayer, error) {
	sf, err := e.surface(ctx, snap, q, area, nil)
	if err != nil {
		return hexbeat.HotspotLayer{}, err
	}
	q.BandwidthM = sf.BandwidthM
	layer := hexbeat.HotspotLayer{Query: q, StudyArea: sf.Rule, Total: sf.Total, Notes: PeriodNotes(snap, q.From, q.To)}
	n := sf.Adj.Len()
	cells := make([]hexbeat.HotspotCell, n)
	for i, c := range sf.Adj.Cells {
		hc := hexbeat.HotspotCell{Cell: c, Count: sf.Counts[i], Value: sf.Weighted[i]}
		hc.Density = sf.Weighted[i] / grid.AreaKm2(c)
		if q.Method == hexbeat.MethodKDE {
			hc.Value, hc.Density = sf.Value[i], sf.Value[i]
		}
		cells[i] = hc
	}
	// Every layer carries the Gi* evidence of its weighted counts, whatever ranks it.
	z := sf.Value
	if q.Method != hexbeat.MethodGiStar {
		z = stats.GiStar(sf.Adj, sf.Weighted, nil)
	}
	p := make([]float64, n)
	for i := range z {
		p[i] = stats.TwoSidedP(z[i])
	}
	fdr := stats.BenjaminiHochberg(p)
	for i := range cells {
		cells[i].Z, cells[i].P, cells[i].PFDR = z[i], p[i], fdr[i]
		sig := fdr[i]
		if q.NoFDR {
			sig = p[i]
		}
		cells[i].Bin = stats.Bin(z[i], sig)
		if sig < q.Alpha {
			if z[i] > 0 {
				layer.Significant.Hot++
			} else if z[i] < 0 {
				layer.Significant.Cold++
			}
		}
	}
	for r, i := range sf.order(q.Method, z) {
		cells[i].Rank = r + 1
	}
	layer.Cells = cells
	return layer, nil
}

// order ranks the surface's cells hottest first by the method's value; equal values are
// ordered by the other measure: the Gi* z-score z for counts and densities, the weighted
// count for Gi*.
func (sf *Surface) order(method string, z []float64) []int {
	if method == hexbeat.MethodGiStar {
		return stats.RankOrder(sf.Value, sf.Weighted)
	}
	if z == nil {
		z = stats.GiStar(sf.Adj, sf.Weighted, nil)
	}
	return stats.RankOrder(sf.Value, z)
}

package analysis

import (
	"context"
	"fmt"
	"math"
	"slices"

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
	Scale      *hexbeat.Scale // k=auto: the radius chosen and the evidence
}

// surface computes a method's values for a query (already validated and resolved).
func (e *Engine) surface(ctx context.Context, snap *index.Snapshot, q hexbeat.HotspotQuery, area *index.Area, extra []uint64) (*Surface, error) {
	w := e.weight(q.Weight, q.HalfLifeDays, periodEnd(q.CellQuery, snap))
	occ, counts, values := snap.CellValues(q.CellQuery, area, w)
	occupied := append(occ[:len(occ):len(occ)], extra...)
	var scale *hexbeat.Scale
	if q.AutoK {
		// without an area the study area grows with k: radii are compared on the cells
		// holding incidents and their immediate neighbours
		sa, err := e.studyArea(q.CellQuery, area, occupied, 1)
		if err != nil {
			return nil, err
		}
		if scale, err = chooseScale(ctx, sa.Cells, occ, values, q.Alpha); err != nil {
			return nil, err
		}
		q.K = scale.K
	}
	sa, err := e.studyArea(q.CellQuery, area, occupied, q.K)
	if err != nil {
		return nil, err
	}
	adj, err := stats.NewAdjacencyContext(ctx, sa.Cells, q.K, e.disk)
	if err != nil {
		return nil, stoppedOr(ctx, err)
	}
	n := adj.Len()
	sf := &Surface{Adj: adj, Rule: sa.Rule, Counts: make([]int, n), Weighted: make([]float64, n), Scale: scale}
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
	q.K = sf.Adj.K
	layer := hexbeat.HotspotLayer{Query: q, StudyArea: sf.Rule, Total: sf.Total, Notes: PeriodNotes(snap, q.From, q.To),
		Moran: hexbeat.Moran(stats.GlobalMoran(sf.Adj, sf.Weighted)), Scale: sf.Scale}
	layer.Notes = append(layer.Notes, sf.scaleNotes()...)
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

// scaleNotes says how k=auto chose the radius, for every reader of the layer (a CSV's
// header, the command line's stderr, the map's legend).
func (sf *Surface) scaleNotes() []string {
	if sf.Scale == nil {
		return nil
	}
	return []string{"the Gi* radius was chosen by k=auto: " + sf.Scale.Rule}
}

// Radii a k=auto scan tries: 1 to maxScanK, fewer when a disk would hold more than a quarter
// of the study area (the neighbourhood would be the area) or when the scan would visit more
// than maxScanVisits neighbours (national study areas at fine resolutions).
const (
	maxScanK      = 10
	maxScanVisits = 40_000_000
)

// chooseScale picks the Gi* radius for k=auto from Moran's I of the weighted counts at
// each radius (values of the cells occ, on the study area cells): the first significant
// peak of its z-score, as ArcGIS's Optimized Hot Spot Analysis does. Crime counts often
// cluster more strongly the wider one looks, so z may rise to the last radius without a
// peak; then the radius is the smallest whose disk holds 5 % of the study area's cells
// (at least 3, at most 30 neighbours).
func chooseScale(ctx context.Context, cells, occ []uint64, values []float64, alpha float64) (*hexbeat.Scale, error) {
	n := len(cells)
	x := make([]float64, n)
	for i, c := range occ {
		if j, ok := slices.BinarySearch(cells, c); ok {
			x[j] = values[i]
		}
	}
	kmax := 0
	for k := 1; k <= maxScanK; k++ {
		disk := 3*k*(k+1) + 1
		if disk > n/4 || n*disk > maxScanVisits {
			break
		}
		kmax = k
	}
	want := min(max(int(math.Round(0.05*float64(n))), 3), 30)
	fallback := 1
	for 3*fallback*(fallback+1) < want {
		fallback++
	}
	sc := &hexbeat.Scale{K: 1}
	if kmax < 2 {
		sc.Rule = fmt.Sprintf("k = 1: a study area of %d cells is too small (or too large) to compare radii", n)
		return sc, nil
	}
	if err := stopped(ctx); err != nil {
		return nil, err
	}
	ms, err := stats.MoranByRadius(ctx, cells, x, kmax, grid.DiskRings)
	if err != nil {
		return nil, stoppedOr(ctx, err)
	}
	for _, m := range ms {
		sc.ByRadius = append(sc.ByRadius, hexbeat.Moran(m))
	}
	if k, ok := stats.FirstPeak(ms, alpha); ok {
		sc.K = k
		sc.Rule = fmt.Sprintf("k = %d: the first significant peak of Moran's I z over radii 1 to %d (z %.1f)", k, kmax, ms[k-1].Z)
		return sc, nil
	}
	sc.K = min(fallback, kmax)
	sc.Rule = fmt.Sprintf("k = %d: Moran's I z has no significant peak over radii 1 to %d, so the smallest radius whose disk holds at least %d neighbours (5 %% of %d cells, from 3 to 30)",
		sc.K, kmax, want, n)
	return sc, nil
}

package analysis

import (
	"context"
	"fmt"
	"time"

	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/hexbeat/hexbeat/internal/index"
	"github.com/hexbeat/hexbeat/internal/stats"
)

// sliceEdges cuts [from, to) into slices of the given kind, aligned to the end of the
// period (the final slice ends at to, as in Esri's space-time cube); an incomplete first
// slice is dropped.
func sliceEdges(from, to time.Time, kind string) []time.Time {
	step := func(t time.Time, n int) time.Time {
		switch kind {
		case hexbeat.SliceDay:
			return t.AddDate(0, 0, n)
		case hexbeat.SliceWeek:
			return t.AddDate(0, 0, 7*n)
		case hexbeat.Slice28d:
			return t.AddDate(0, 0, 28*n)
		default:
			return t.AddDate(0, n, 0)
		}
	}
	var rev []time.Time
	for t := to; !t.Before(from) && len(rev) <= hexbeat.MaxSlices+1; t = step(t, -1) {
		rev = append(rev, t)
	}
	out := make([]time.Time, len(rev))
	for i, t := range rev {
		out[len(rev)-1-i] = t
	}
	return out
}

// defaultSlice picks a slice by the period's span: days up to two months, weeks up to
// two years, months beyond.
func defaultSlice(span time.Duration) string {
	switch {
	case span <= 62*24*time.Hour:
		return hexbeat.SliceDay
	case span <= 2*366*24*time.Hour:
		return hexbeat.SliceWeek
	}
	return hexbeat.SliceMonth
}

// Emerging runs an emerging hot spot analysis: Gi* in every slice, FDR-adjusted within
// the slice, then each cell's pattern (stats.Classify) and trend.
func (e *Engine) Emerging(ctx context.Context, snap *index.Snapshot, q hexbeat.EmergingQuery, area *index.Area) (hexbeat.EmergingLayer, error) {
	layer := hexbeat.EmergingLayer{Counts: map[string]int{}}
	first, last, ok := snap.TimeRange()
	if !ok {
		return layer, &hexbeat.Error{Code: hexbeat.EUNPROCESSABLE, Message: "no incidents to analyse"}
	}
	if q.From.IsZero() {
		q.From = time.Unix(first, 0).UTC()
	}
	if q.To.IsZero() {
		q.To = hexbeat.MonthEnd(time.Unix(last, 0))
	}
	monthly := snap.MonthPrecision()
	switch {
	case q.Slice == "" && monthly:
		q.Slice = hexbeat.SliceMonth
	case q.Slice == "":
		q.Slice = defaultSlice(q.To.Sub(q.From))
	case q.Slice != hexbeat.SliceMonth && monthly:
		return layer, &hexbeat.Error{Code: hexbeat.EINVALID, Message: "invalid emerging hot spot analysis", Fields: []hexbeat.FieldError{{Field: "slice",
			Message: fmt.Sprintf("the incidents are dated by month only (as police.uk publishes them), so %s slices would be empty or hold whole months; use slice=month", q.Slice)}}}
	}
	layer.Query = q
	edges := sliceEdges(q.From, q.To, q.Slice)
	if n := len(edges) - 1; n < hexbeat.MinSlices || n > hexbeat.MaxSlices {
		return layer, &hexbeat.Error{Code: hexbeat.EINVALID, Message: "invalid emerging hot spot analysis", Fields: []hexbeat.FieldError{{Field: "slice",
			Message: fmt.Sprintf("the period holds %d whole %s slices; an emerging analysis needs %d to %d", n, q.Slice, hexbeat.MinSlices, hexbeat.MaxSlices)}}}
	}
	layer.Edges = edges
	layer.Notes = emergingNotes(snap, edges, q.Slice, q.Alpha)
	unix := make([]int64, len(edges))
	for i, t := range edges {
		unix[i] = t.Unix()
	}
	w := e.weight(q.Weight, 0, time.Time{})
	// the work is bounded before it is done: the occupied cells' series, then the study area
	tooMuch := func(n int) error {
		return &hexbeat.Error{Code: hexbeat.ETOOLARGE,
			Message: fmt.Sprintf("the analysis has %d cells in %d slices, more than %d cell-slices", n, len(edges)-1, hexbeat.MaxCellSlices),
			Fields:  []hexbeat.FieldError{{Field: "slice", Message: "choose a coarser resolution, a smaller area, a shorter period or longer slices"}}}
	}
	occ, series, ok := snap.CellSeries(q.CellQuery, area, w, unix, hexbeat.MaxCellSlices)
	if !ok {
		return layer, tooMuch(len(occ))
	}
	sa, err := e.studyArea(q.CellQuery, area, occ, q.K)
	if err != nil {
		return layer, err
	}
	layer.StudyArea = sa.Rule
	adj, err := stats.NewAdjacency(sa.Cells, q.K, e.disk)
	if err != nil {
		return layer, err
	}
	if adj.Len()*len(series) > hexbeat.MaxCellSlices {
		return layer, tooMuch(adj.Len())
	}
	if err := stopped(ctx); err != nil {
		return layer, err
	}
	n, slices := adj.Len(), len(series)
	pos := place(adj, occ)
	// zs[i][t]: cell i's z in slice t; sig likewise.
	zs := make([][]float64, n)
	sig := make([][]bool, n)
	for i := range zs {
		zs[i] = make([]float64, slices)
		sig[i] = make([]bool, slices)
	}
	x := make([]float64, n)
	counts := make([]int, n)
	var z []float64
	p := make([]float64, n)
	for t, row := range series {
		if err := stopped(ctx); err != nil {
			return layer, err
		}
		clear(x)
		for j, v := range row {
			x[pos[j]] = v
		}
		z = stats.GiStar(adj, x, z)
		for i := range z {
			p[i] = stats.TwoSidedP(z[i])
		}
		fdr := stats.BenjaminiHochberg(p)
		for i := range z {
			zs[i][t] = z[i]
			sig[i][t] = fdr[i] < q.Alpha
		}
	}
	// Counts over the whole period (unweighted).
	whole := q.CellQuery
	whole.From, whole.To = edges[0], edges[len(edges)-1]
	cells, cn, _ := snap.CellValues(whole, area, index.Weight{})
	for i, c := range cells {
		if j, ok := adj.Position(c); ok {
			counts[j] = cn[i]
		}
	}
	layer.Cells = make([]hexbeat.EmergingCell, n)
	for i, c := range adj.Cells {
		em := stats.Classify(zs[i], sig[i], q.Alpha)
		ec := hexbeat.EmergingCell{Cell: c, Count: counts[i], Category: em.Category(), Pattern: string(em.Pattern), Hot: em.Hot, Trend: em.Trend, LastZ: zs[i][slices-1]}
		for t := range zs[i] {
			if sig[i][t] && zs[i][t] > 0 {
				ec.HotSlices++
			} else if sig[i][t] && zs[i][t] < 0 {
				ec.ColdSlices++
			}
		}
		layer.Cells[i] = ec
		layer.Counts[ec.Category]++
	}
	return layer, nil
}

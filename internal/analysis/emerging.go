package analysis

import (
	"context"
	"fmt"
	"time"

	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/hexbeat/hexbeat/internal/index"
	"github.com/hexbeat/hexbeat/internal/stats"
)

// Time slices of an emerging hot spot analysis.
const (
	SliceDay   = "day"
	SliceWeek  = "week"
	Slice28d   = "28d"
	SliceMonth = "month"
)

// EmergingQuery asks for an emerging hot spot analysis of a period cut into time slices.
type EmergingQuery struct {
	hexbeat.CellQuery
	Slice  string  // day, week, 28d or month; empty: by the period's span
	Weight string  // count or harm
	K      int     // Gi* neighbourhood
	Alpha  float64 // significance of each slice's Gi* (FDR-adjusted) and of the trend
}

// MinSlices and MaxSlices bound the number of time slices, and MaxCellSlices the study
// area's cells times the slices: each costs a Gi* z and a flag (9 bytes) and a value in
// the series (8), so that the bound keeps an analysis under about 350 MB. (Asking for 2025
// to 2092 once made a Thames Valley analysis of 816 slices; a national one would not fit.)
const (
	MinSlices     = 4
	MaxSlices     = 1000
	MaxCellSlices = 20_000_000
)

// EmergingCell is one cell's result.
type EmergingCell struct {
	Cell       uint64
	Count      int // incidents over the whole period
	Category   string
	Pattern    stats.Pattern
	Hot        bool
	Trend      stats.Trend // Mann–Kendall on the cell's Gi* z-scores
	HotSlices  int
	ColdSlices int
	LastZ      float64 // Gi* z in the final slice
}

// EmergingLayer is an emerging hot spot analysis.
type EmergingLayer struct {
	Query     EmergingQuery
	Edges     []time.Time // slice t runs from Edges[t] to Edges[t+1]
	StudyArea string
	Cells     []EmergingCell
	Counts    map[string]int // cells per category
	Notes     []string       // slices with no data held; a series too short for a trend
}

// sliceEdges cuts [from, to) into slices of the given kind, aligned to the end of the
// period (the final slice ends at to, as in Esri's space-time cube); an incomplete first
// slice is dropped.
func sliceEdges(from, to time.Time, kind string) []time.Time {
	step := func(t time.Time, n int) time.Time {
		switch kind {
		case SliceDay:
			return t.AddDate(0, 0, n)
		case SliceWeek:
			return t.AddDate(0, 0, 7*n)
		case Slice28d:
			return t.AddDate(0, 0, 28*n)
		default:
			return t.AddDate(0, n, 0)
		}
	}
	var rev []time.Time
	for t := to; !t.Before(from) && len(rev) <= MaxSlices+1; t = step(t, -1) {
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
		return SliceDay
	case span <= 2*366*24*time.Hour:
		return SliceWeek
	}
	return SliceMonth
}

// Emerging runs an emerging hot spot analysis: Gi* in every slice, FDR-adjusted within
// the slice, then each cell's pattern (stats.Classify) and trend.
func (e *Engine) Emerging(ctx context.Context, snap *index.Snapshot, q EmergingQuery, area *index.Area) (EmergingLayer, error) {
	layer := EmergingLayer{Counts: map[string]int{}}
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
		q.Slice = SliceMonth
	case q.Slice == "":
		q.Slice = defaultSlice(q.To.Sub(q.From))
	case q.Slice != SliceMonth && monthly:
		return layer, &hexbeat.Error{Code: hexbeat.EINVALID, Message: "invalid emerging hot spot analysis", Fields: []hexbeat.FieldError{{Field: "slice",
			Message: fmt.Sprintf("the incidents are dated by month only (as police.uk publishes them), so %s slices would be empty or hold whole months; use slice=month", q.Slice)}}}
	}
	layer.Query = q
	edges := sliceEdges(q.From, q.To, q.Slice)
	if n := len(edges) - 1; n < MinSlices || n > MaxSlices {
		return layer, &hexbeat.Error{Code: hexbeat.EINVALID, Message: "invalid emerging hot spot analysis", Fields: []hexbeat.FieldError{{Field: "slice",
			Message: fmt.Sprintf("the period holds %d whole %s slices; an emerging analysis needs %d to %d", n, q.Slice, MinSlices, MaxSlices)}}}
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
			Message: fmt.Sprintf("the analysis has %d cells in %d slices, more than %d cell-slices", n, len(edges)-1, MaxCellSlices),
			Fields:  []hexbeat.FieldError{{Field: "slice", Message: "choose a coarser resolution, a smaller area, a shorter period or longer slices"}}}
	}
	occ, series, ok := snap.CellSeries(q.CellQuery, area, w, unix, MaxCellSlices)
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
	if adj.Len()*len(series) > MaxCellSlices {
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
	layer.Cells = make([]EmergingCell, n)
	for i, c := range adj.Cells {
		em := stats.Classify(zs[i], sig[i], q.Alpha)
		ec := EmergingCell{Cell: c, Count: counts[i], Category: em.Category(), Pattern: em.Pattern, Hot: em.Hot, Trend: em.Trend, LastZ: zs[i][slices-1]}
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

// WithDefaults fills in what the query leaves unset.
func (q EmergingQuery) WithDefaults() EmergingQuery {
	if q.Weight == "" {
		q.Weight = hexbeat.WeightCount
	}
	if q.K == 0 {
		q.K = 1
	}
	if q.Alpha == 0 {
		q.Alpha = 0.05
	}
	return q
}

// Validate reports every problem with the query at once.
func (q EmergingQuery) Validate() error {
	hq := hexbeat.HotspotQuery{CellQuery: q.CellQuery, Method: hexbeat.MethodGiStar, Weight: q.Weight, K: q.K, Alpha: q.Alpha}
	err := hq.Validate()
	var fe []hexbeat.FieldError
	if err != nil {
		fe = err.(*hexbeat.Error).Fields
	}
	switch q.Slice {
	case "", SliceDay, SliceWeek, Slice28d, SliceMonth:
	default:
		fe = append(fe, hexbeat.FieldError{Field: "slice", Message: fmt.Sprintf("must be day, week, 28d or month, got %q", q.Slice)})
	}
	if len(fe) > 0 {
		return &hexbeat.Error{Code: hexbeat.EINVALID, Message: "invalid emerging hot spot analysis", Fields: fe}
	}
	return nil
}

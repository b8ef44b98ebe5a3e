package hexbeat

import (
	"time"
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
	CellQuery
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
	Pattern    string // Esri's pattern: "new", "intensifying", ... or "no pattern"
	Hot        bool
	Trend      Trend // Mann–Kendall on the cell's Gi* z-scores
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

// WithDefaults fills in what the query leaves unset.
func (q EmergingQuery) WithDefaults() EmergingQuery {
	if q.Weight == "" {
		q.Weight = WeightCount
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
	hq := HotspotQuery{CellQuery: q.CellQuery, Method: MethodGiStar, Weight: q.Weight, K: q.K, Alpha: q.Alpha}
	var fe FieldErrors
	fe.Merge(hq.Validate())
	switch q.Slice {
	case "", SliceDay, SliceWeek, Slice28d, SliceMonth:
	default:
		fe.Add("slice", "must be day, week, 28d or month, got %q", q.Slice)
	}
	return fe.Err("invalid emerging hot spot analysis")
}

// Trend is a Mann–Kendall test of a series for a monotone trend (computed by
// stats.MannKendall).
type Trend struct {
	S   int     // Σ_{i<j} sign(x_j − x_i)
	Tau float64 // Kendall's tau-b between the series and time
	Z   float64 // normal score, with continuity correction and the variance corrected for ties
	P   float64 // two-sided p-value
}

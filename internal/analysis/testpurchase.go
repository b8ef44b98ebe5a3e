package analysis

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/hexbeat/hexbeat/internal/grid"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/hexbeat/hexbeat/internal/index"
	"github.com/hexbeat/hexbeat/internal/plan"
	"github.com/paulmach/orb"
)

// TargetQuery asks for test-purchase targets.
type TargetQuery struct {
	hexbeat.CellQuery               // Categories (default Section60Categories), Area; From/To: the window when given
	Window            time.Duration // ending at the latest incident; default 365 days
	RadiusM           float64       // default 300
	Cells             bool          // measure exposure in the shop's cell and its neighbours at Res instead
	Weight            string        // harm (default) or count
	CooldownDays      int           // default 90
	Demote            bool          // demote instead of exclude during the cool-down
	FailureBoost      float64       // default 0.5 per past failure
	Limit             int           // ranked rows to return (excluded ones are listed apart); default 50
}

// WithDefaults fills in what the query leaves unset.
func (q TargetQuery) WithDefaults() TargetQuery {
	if len(q.Categories) == 0 {
		q.Categories = slices.Clone(Section60Categories)
	}
	if q.Window == 0 && q.From.IsZero() {
		q.Window = 365 * 24 * time.Hour
	}
	if q.RadiusM == 0 {
		q.RadiusM = 300
	}
	if q.Weight == "" {
		q.Weight = hexbeat.WeightHarm
	}
	if q.CooldownDays == 0 {
		q.CooldownDays = 90
	}
	if q.FailureBoost == 0 {
		q.FailureBoost = 0.5
	}
	if q.Limit == 0 {
		q.Limit = 50
	}
	return q
}

// Validate reports every problem with the query at once.
func (q TargetQuery) Validate() error {
	var fe []hexbeat.FieldError
	add := func(field, format string, args ...any) {
		fe = append(fe, hexbeat.FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	if err := q.CellQuery.Validate(); err != nil {
		fe = append(fe, err.(*hexbeat.Error).Fields...)
	}
	if !(q.RadiusM > 0 && q.RadiusM <= 5000) {
		add("radius_m", "must be 1 to 5000 metres, got %g", q.RadiusM)
	}
	if q.Window < 0 || q.Window > 10*366*24*time.Hour {
		add("window", "must be up to ten years")
	}
	if q.CooldownDays < 0 || q.CooldownDays > 3650 {
		add("cooldown_days", "must be 0 to 3650 days, got %d", q.CooldownDays)
	}
	if q.FailureBoost < 0 || q.FailureBoost > 100 || math.IsNaN(q.FailureBoost) {
		add("failure_boost", "must be 0 to 100, got %g", q.FailureBoost)
	}
	if q.Limit < 1 || q.Limit > 10000 {
		add("limit", "must be 1 to 10000, got %d", q.Limit)
	}
	if q.Weight != hexbeat.WeightCount && q.Weight != hexbeat.WeightHarm {
		add("weight", "must be count or harm, got %q", q.Weight)
	}
	if len(fe) > 0 {
		return &hexbeat.Error{Code: hexbeat.EINVALID, Message: "invalid test-purchase query", Fields: fe}
	}
	return nil
}

// Targets is the answer: ranked retailers (up to the limit), then the excluded ones.
type Targets struct {
	Query     TargetQuery
	From, To  time.Time
	Retailers []hexbeat.Retailer // indexed by Target.Retailer
	Ranked    []plan.Target
	Excluded  []plan.Target
	Incidents int
	Notes     []string // where the window reaches beyond the data held
}

// Targets ranks retailers for test purchases (see plan.RankTargets).
func (e *Engine) Targets(snap *index.Snapshot, q TargetQuery, area *index.Area, shops []hexbeat.Retailer, tests map[string][]hexbeat.RetailerTest, now time.Time) (Targets, error) {
	out := Targets{Query: q, Retailers: shops}
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

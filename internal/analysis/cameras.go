package analysis

import (
	"fmt"
	"math"
	"time"

	"github.com/hexbeat/hexbeat/internal/grid"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/hexbeat/hexbeat/internal/index"
	"github.com/hexbeat/hexbeat/internal/plan"
	"github.com/paulmach/orb"
)

// Limits of a camera plan.
const (
	MaxCameraK          = 200
	MaxCameraCandidates = 50_000
	MaxCameraRadiusM    = 5_000
)

// CameraQuery asks for mobile CCTV sites: K sites among Candidates (or, when there are
// none, the centres of the cells at Res holding matching incidents) covering the most
// weighted incidents of CellQuery within RadiusM.
type CameraQuery struct {
	hexbeat.CellQuery
	K          int
	RadiusM    float64
	Candidates []orb.Point
	Existing   []orb.Point
	// FromRegister asks for the register's fixed cameras in service as Existing (the
	// service reads the register; Existing is then empty)
	FromRegister bool
	RegisterOn   time.Time // with FromRegister: the day whose cameras count; zero: today
	MinSpacing   float64
	Weight       string // count or harm
}

// WithDefaults fills in what the query leaves unset.
func (q CameraQuery) WithDefaults() CameraQuery {
	if q.Weight == "" {
		q.Weight = hexbeat.WeightCount
	}
	return q
}

// Validate reports every problem with the query at once.
func (q CameraQuery) Validate() error {
	var fe []hexbeat.FieldError
	add := func(field, format string, args ...any) {
		fe = append(fe, hexbeat.FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	if err := q.CellQuery.Validate(); err != nil {
		fe = append(fe, err.(*hexbeat.Error).Fields...)
	}
	if q.K < 1 || q.K > MaxCameraK {
		add("k", "must be 1 to %d sites, got %d", MaxCameraK, q.K)
	}
	if !(q.RadiusM > 0 && q.RadiusM <= MaxCameraRadiusM) {
		add("radius_m", "must be a coverage radius from 1 to %d metres, got %g", MaxCameraRadiusM, q.RadiusM)
	}
	if q.MinSpacing < 0 || math.IsNaN(q.MinSpacing) || q.MinSpacing > 100_000 {
		add("min_spacing_m", "must be 0 to 100000 metres, got %g", q.MinSpacing)
	}
	if len(q.Candidates) > MaxCameraCandidates {
		add("candidates", "at most %d candidate sites, got %d", MaxCameraCandidates, len(q.Candidates))
	}
	for name, pts := range map[string][]orb.Point{"candidates": q.Candidates, "existing": q.Existing} {
		for i, p := range pts {
			if !hexbeat.ValidLonLat(p[0], p[1]) {
				add(name, "feature %d: [%g,%g] is not a longitude, latitude in range", i, p[0], p[1])
				break
			}
		}
	}
	if q.Weight != hexbeat.WeightCount && q.Weight != hexbeat.WeightHarm {
		add("weight", "must be count or harm, got %q", q.Weight)
	}
	if q.FromRegister && len(q.Existing) > 0 {
		add("existing", "give the existing cameras or take them from the register, not both")
	}
	if !q.FromRegister && !q.RegisterOn.IsZero() {
		add("existing_on", "chooses the day of the register's cameras; it cannot go with existing cameras given")
	}
	if len(fe) > 0 {
		return &hexbeat.Error{Code: hexbeat.EINVALID, Message: "invalid camera plan", Fields: fe}
	}
	return nil
}

// CameraPlan is the answer: the plan over the candidates used (given, or cell centres).
type CameraPlan struct {
	Query      CameraQuery
	Candidates []orb.Point // as planned over; Sites index into it
	FromCells  bool        // candidates are cell centres
	Demand     int         // distinct incident locations
	Incidents  int
	// with Query.FromRegister: the register's cameras counted as existing, and the day
	// they were in service on
	Registered  []hexbeat.Camera
	RegisterDay time.Time
	plan.CoverPlan
}

// Cameras plans mobile CCTV sites (see plan.Cover).
func (e *Engine) Cameras(snap *index.Snapshot, q CameraQuery, area *index.Area) (CameraPlan, error) {
	w := e.weight(q.Weight, 0, periodEnd(q.CellQuery, snap))
	pts, counts, values := snap.PointValues(q.CellQuery, area, w)
	out := CameraPlan{Query: q, Candidates: q.Candidates, Demand: len(pts)}
	for _, c := range counts {
		out.Incidents += c
	}
	if len(out.Candidates) == 0 {
		cells, _, _ := snap.CellValues(q.CellQuery, area, w)
		if len(cells) > MaxCameraCandidates {
			return out, &hexbeat.Error{Code: hexbeat.ETOOLARGE, Message: fmt.Sprintf("%d cells hold incidents at resolution %d; give candidates or a coarser res", len(cells), q.Res),
				Fields: []hexbeat.FieldError{{Field: "res", Message: "choose a coarser resolution or give candidate sites"}}}
		}
		for _, c := range cells {
			out.Candidates = append(out.Candidates, grid.Center(c))
		}
		out.FromCells = true
	}
	cp, err := plan.Cover(plan.CoverProblem{Demand: pts, Weight: values, Candidates: out.Candidates, Existing: q.Existing,
		K: q.K, RadiusM: q.RadiusM, MinSpacing: q.MinSpacing})
	if err != nil {
		return out, &hexbeat.Error{Code: hexbeat.EINVALID, Message: err.Error()}
	}
	out.CoverPlan = cp
	return out, nil
}

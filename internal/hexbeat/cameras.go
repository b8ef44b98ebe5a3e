package hexbeat

import (
	"math"
	"time"

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
	CellQuery
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
		q.Weight = WeightCount
	}
	return q
}

// Validate reports every problem with the query at once.
func (q CameraQuery) Validate() error {
	var fe FieldErrors
	fe.Merge(q.CellQuery.Validate())
	if q.K < 1 || q.K > MaxCameraK {
		fe.Add("k", "must be 1 to %d sites, got %d", MaxCameraK, q.K)
	}
	if !(q.RadiusM > 0 && q.RadiusM <= MaxCameraRadiusM) {
		fe.Add("radius_m", "must be a coverage radius from 1 to %d metres, got %g", MaxCameraRadiusM, q.RadiusM)
	}
	if q.MinSpacing < 0 || math.IsNaN(q.MinSpacing) || q.MinSpacing > 100_000 {
		fe.Add("min_spacing_m", "must be 0 to 100000 metres, got %g", q.MinSpacing)
	}
	if len(q.Candidates) > MaxCameraCandidates {
		fe.Add("candidates", "at most %d candidate sites, got %d", MaxCameraCandidates, len(q.Candidates))
	}
	for name, pts := range map[string][]orb.Point{"candidates": q.Candidates, "existing": q.Existing} {
		for i, p := range pts {
			if !ValidLonLat(p[0], p[1]) {
				fe.Add(name, "feature %d: [%g,%g] is not a longitude, latitude in range", i, p[0], p[1])
				break
			}
		}
	}
	if q.Weight != WeightCount && q.Weight != WeightHarm {
		fe.Add("weight", "must be count or harm, got %q", q.Weight)
	}
	if q.FromRegister && len(q.Existing) > 0 {
		fe.Add("existing", "give the existing cameras or take them from the register, not both")
	}
	if !q.FromRegister && !q.RegisterOn.IsZero() {
		fe.Add("existing_on", "chooses the day of the register's cameras; it cannot go with existing cameras given")
	}
	return fe.Err("invalid camera plan")
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
	Registered  []Camera
	RegisterDay time.Time
	CoverPlan
}

// Site is a chosen site.
type Site struct {
	Candidate int     // index into Candidates
	Gain      float64 // weight it adds to the sites chosen before it (in the final order)
}

// CoverPlan is a solution.
type CoverPlan struct {
	Sites          []Site
	Covered        float64   // demand weight covered by existing plus chosen sites
	ByExisting     float64   // covered by existing cameras alone
	Total          float64   // all demand weight
	Curve          []float64 // Curve[i]: covered weight with the first i+1 sites of Sites (and the existing ones)
	GreedyCovered  float64   // before swap improvement
	Swaps          int       // improving swaps made
	CandidatesUsed int       // candidates that cover any demand
}

// Share is the covered share of the total demand weight.
func (p CoverPlan) Share() float64 {
	if p.Total == 0 {
		return 0
	}
	return p.Covered / p.Total
}

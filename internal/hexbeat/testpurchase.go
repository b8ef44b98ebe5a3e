package hexbeat

import (
	"math"
	"slices"
	"time"
)

// TargetQuery asks for test-purchase targets.
type TargetQuery struct {
	CellQuery                  // Categories (default Section60Categories), Area; From/To: the window when given
	Window       time.Duration // ending at the latest incident; default 365 days
	RadiusM      float64       // default 300
	Cells        bool          // measure exposure in the shop's cell and its neighbours at Res instead
	Weight       string        // harm (default) or count
	CooldownDays int           // default 90
	Demote       bool          // demote instead of exclude during the cool-down
	FailureBoost float64       // default 0.5 per past failure
	Limit        int           // ranked rows to return (excluded ones are listed apart); default 50
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
		q.Weight = WeightHarm
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
	var fe FieldErrors
	fe.Merge(q.CellQuery.Validate())
	if !(q.RadiusM > 0 && q.RadiusM <= 5000) {
		fe.Add("radius_m", "must be 1 to 5000 metres, got %g", q.RadiusM)
	}
	if q.Window < 0 || q.Window > 10*366*24*time.Hour {
		fe.Add("window", "must be up to ten years")
	}
	if q.CooldownDays < 0 || q.CooldownDays > 3650 {
		fe.Add("cooldown_days", "must be 0 to 3650 days, got %d", q.CooldownDays)
	}
	if q.FailureBoost < 0 || q.FailureBoost > 100 || math.IsNaN(q.FailureBoost) {
		fe.Add("failure_boost", "must be 0 to 100, got %g", q.FailureBoost)
	}
	if q.Limit < 1 || q.Limit > 10000 {
		fe.Add("limit", "must be 1 to 10000, got %d", q.Limit)
	}
	if q.Weight != WeightCount && q.Weight != WeightHarm {
		fe.Add("weight", "must be count or harm, got %q", q.Weight)
	}
	return fe.Err("invalid test-purchase query")
}

// Targets is the answer: ranked retailers (up to the limit), then the excluded ones.
type Targets struct {
	Query     TargetQuery
	From, To  time.Time
	Retailers []Retailer // indexed by Target.Retailer
	Ranked    []Target
	Excluded  []Target
	Incidents int
	Notes     []string // where the window reaches beyond the data held
}

// Target is one retailer's score, with its parts.
type Target struct {
	Retailer  int     // index into the retailers given
	Exposure  float64 // weighted incidents within the radius (or cells)
	Incidents int
	Failures  int
	Tests     int
	LastTest  *RetailerTest
	Boost     float64 // 1 + FailureBoost × Failures
	Cooldown  float64 // 1, DemoteFactor, or 0 when excluded
	Score     float64 // Exposure × Boost × Cooldown
	Excluded  bool
	Reason    string
	Rank      int // 1 = first to test; 0 when excluded
}

package hexbeat

import (
	"math"
	"slices"
)

// Baseline is the naive forecast every method is compared with: cells ranked by their
// count in the training months, ties in cell order.
const Baseline = "naive"

// MethodRecency ranks cells by their count with a recency decay: a forecast method of the
// backtest (a hotspot layer gets it as method=count with half_life_days).
const MethodRecency = "recency"

// EvalQuery asks for a rolling-origin backtest: for every test month whose TrainMonths
// preceding months hold data, rank the cells on those months with each method and score
// the ranking on the test month.
type EvalQuery struct {
	CellQuery              // Res, Categories, Area, Polygon, BBox; From/To bound the test months (zero: all)
	TrainMonths  int       // length of the training window in months
	Methods      []string  // count, recency, gistar, kde
	Coverages    []float64 // shares of the study area's cells, e.g. 0.01 and 0.05
	Weight       string    // weighting of the training incidents (count or harm)
	HalfLifeDays float64   // recency's half-life
	BandwidthM   float64   // kde's bandwidth; 0: the rule of thumb
	K            int       // Gi* neighbourhood
}

// WithDefaults fills in what the query leaves unset.
func (q EvalQuery) WithDefaults() EvalQuery {
	if q.TrainMonths == 0 {
		q.TrainMonths = 3
	}
	if len(q.Methods) == 0 {
		q.Methods = []string{MethodCount, MethodRecency, MethodGiStar, MethodKDE}
	}
	if len(q.Coverages) == 0 {
		q.Coverages = []float64{0.01, 0.05}
	}
	if q.Weight == "" {
		q.Weight = WeightCount
	}
	if q.HalfLifeDays == 0 {
		q.HalfLifeDays = DefaultHalfLifeDays
	}
	if q.K == 0 {
		q.K = 1
	}
	return q
}

// DefaultHalfLifeDays is the recency method's half-life when the query names none.
const DefaultHalfLifeDays = 30

// Validate reports every problem with the query at once.
func (q EvalQuery) Validate() error {
	var fe FieldErrors
	fe.Merge(q.CellQuery.Validate())
	if q.TrainMonths < 1 || q.TrainMonths > 36 {
		fe.Add("train_months", "must be 1 to 36 months, got %d", q.TrainMonths)
	}
	for _, m := range q.Methods {
		if !slices.Contains([]string{MethodCount, MethodRecency, MethodGiStar, MethodKDE}, m) {
			fe.Add("methods", "unknown method %q: use count, recency, gistar or kde", m)
		}
	}
	for _, c := range q.Coverages {
		if !(c > 0 && c <= 1) {
			fe.Add("coverage", "must be shares of the area between 0 and 1 (e.g. 0.05 for 5 %%), got %g", c)
		}
	}
	if q.Weight != WeightCount && q.Weight != WeightHarm {
		fe.Add("weight", "must be count or harm, got %q", q.Weight)
	}
	if !(q.HalfLifeDays > 0) || math.IsInf(q.HalfLifeDays, 0) {
		fe.Add("half_life_days", "must be a positive number of days")
	}
	if q.BandwidthM < 0 || math.IsNaN(q.BandwidthM) || q.BandwidthM > 100_000 {
		fe.Add("bandwidth_m", "must be a bandwidth in metres from 1 to 100000 (or absent for the rule of thumb)")
	}
	if q.K < 1 || q.K > 10 {
		fe.Add("k", "must be 1 to 10 grid steps, got %d", q.K)
	}
	return fe.Err("invalid evaluation")
}

// EvalRow is one method's forecast of one test month at one coverage.
type EvalRow struct {
	TestMonth string // YYYY-MM
	Method    string
	Forecast
}

// EvalSummary averages a method's rows at one coverage over the test months.
type EvalSummary struct {
	Method             string
	Coverage           float64
	Months             int
	HitRate, PAI, RRI  float64 // means (RRI over the months where it is defined)
	BeatsBaseline      int     // test months where its PAI exceeds the baseline's
	PAIRatioToBaseline float64 // mean PAI / baseline's mean PAI
}

// EvalResult is a backtest's report.
type EvalResult struct {
	Query     EvalQuery
	Baseline  string // the naive method every other is compared with (Baseline)
	Rows      []EvalRow
	Summary   []EvalSummary
	Verdict   []string // plain statements: which method forecast best, and whether the default beat the baseline
	StudyArea string
}

// Forecast is how well one ranking of cells forecast a later period, at one coverage
// (stats.Evaluate computes it).
type Forecast struct {
	Coverage  float64 // the share of the study area's cells asked for
	Cells     int     // cells selected: the top floor(coverage · N), at least one
	AreaShare float64 // a/A: their share of the study area's area
	Captured  float64 // n: test-period incidents in the selected cells
	Total     float64 // N: test-period incidents in the study area
	HitRate   float64 // n/N
	PAI       float64 // predictive accuracy index (n/N)/(a/A)
	RRI       float64 // recapture rate index (n_test/n_train)/(N_test/N_train); NaN when undefined
}

package analysis

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/hexbeat/hexbeat/internal/grid"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/hexbeat/hexbeat/internal/index"
	"github.com/hexbeat/hexbeat/internal/stats"
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
	hexbeat.CellQuery           // Res, Categories, Area, Polygon, BBox; From/To bound the test months (zero: all)
	TrainMonths       int       // length of the training window in months
	Methods           []string  // count, recency, gistar, kde
	Coverages         []float64 // shares of the study area's cells, e.g. 0.01 and 0.05
	Weight            string    // weighting of the training incidents (count or harm)
	HalfLifeDays      float64   // recency's half-life
	BandwidthM        float64   // kde's bandwidth; 0: the rule of thumb
	K                 int       // Gi* neighbourhood
}

// WithDefaults fills in what the query leaves unset.
func (q EvalQuery) WithDefaults() EvalQuery {
	if q.TrainMonths == 0 {
		q.TrainMonths = 3
	}
	if len(q.Methods) == 0 {
		q.Methods = []string{hexbeat.MethodCount, MethodRecency, hexbeat.MethodGiStar, hexbeat.MethodKDE}
	}
	if len(q.Coverages) == 0 {
		q.Coverages = []float64{0.01, 0.05}
	}
	if q.Weight == "" {
		q.Weight = hexbeat.WeightCount
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
	var fe []hexbeat.FieldError
	add := func(field, format string, args ...any) {
		fe = append(fe, hexbeat.FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	if err := q.CellQuery.Validate(); err != nil {
		fe = append(fe, err.(*hexbeat.Error).Fields...)
	}
	if q.TrainMonths < 1 || q.TrainMonths > 36 {
		add("train_months", "must be 1 to 36 months, got %d", q.TrainMonths)
	}
	for _, m := range q.Methods {
		if !slices.Contains([]string{hexbeat.MethodCount, MethodRecency, hexbeat.MethodGiStar, hexbeat.MethodKDE}, m) {
			add("methods", "unknown method %q: use count, recency, gistar or kde", m)
		}
	}
	for _, c := range q.Coverages {
		if !(c > 0 && c <= 1) {
			add("coverage", "must be shares of the area between 0 and 1 (e.g. 0.05 for 5 %%), got %g", c)
		}
	}
	if q.Weight != hexbeat.WeightCount && q.Weight != hexbeat.WeightHarm {
		add("weight", "must be count or harm, got %q", q.Weight)
	}
	if !(q.HalfLifeDays > 0) || math.IsInf(q.HalfLifeDays, 0) {
		add("half_life_days", "must be a positive number of days")
	}
	if q.BandwidthM < 0 || math.IsNaN(q.BandwidthM) || q.BandwidthM > 100_000 {
		add("bandwidth_m", "must be a bandwidth in metres from 1 to 100000 (or absent for the rule of thumb)")
	}
	if q.K < 1 || q.K > 10 {
		add("k", "must be 1 to 10 grid steps, got %d", q.K)
	}
	if len(fe) > 0 {
		return &hexbeat.Error{Code: hexbeat.EINVALID, Message: "invalid evaluation", Fields: fe}
	}
	return nil
}

// EvalRow is one method's forecast of one test month at one coverage.
type EvalRow struct {
	TestMonth string // YYYY-MM
	Method    string
	stats.Forecast
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

// Evaluate runs the backtest on a snapshot.
func (e *Engine) Evaluate(ctx context.Context, snap *index.Snapshot, q EvalQuery, area *index.Area) (EvalResult, error) {
	res := EvalResult{Query: q, Baseline: Baseline}
	first, last, ok := snap.TimeRange()
	if !ok {
		return res, &hexbeat.Error{Code: hexbeat.EUNPROCESSABLE, Message: "no incidents to evaluate on"}
	}
	dataStart := hexbeat.MonthStart(time.Unix(first, 0))
	dataEnd := hexbeat.MonthEnd(time.Unix(last, 0))
	for test := dataStart.AddDate(0, q.TrainMonths, 0); test.Before(dataEnd); test = test.AddDate(0, 1, 0) {
		if !q.From.IsZero() && test.Before(hexbeat.MonthStart(q.From)) || !q.To.IsZero() && !test.Before(q.To) {
			continue
		}
		rows, rule, err := e.evaluateMonth(ctx, snap, q, area, test)
		if err != nil {
			return res, err
		}
		res.Rows = append(res.Rows, rows...)
		res.StudyArea = rule
	}
	if len(res.Rows) == 0 {
		return res, &hexbeat.Error{Code: hexbeat.EUNPROCESSABLE, Message: fmt.Sprintf(
			"no test month has %d months of data before it: the data run from %s to %s", q.TrainMonths,
			dataStart.Format("2006-01"), dataEnd.AddDate(0, -1, 0).Format("2006-01"))}
	}
	res.Summary, res.Verdict = summarise(res.Rows, q, res.Baseline)
	return res, nil
}

// evaluateMonth ranks the study area's cells with every method on the months before test
// and scores each ranking on the test month.
func (e *Engine) evaluateMonth(ctx context.Context, snap *index.Snapshot, q EvalQuery, area *index.Area, test time.Time) ([]EvalRow, string, error) {
	trainQ, testQ := q.CellQuery, q.CellQuery
	trainQ.From, trainQ.To = test.AddDate(0, -q.TrainMonths, 0), test
	testQ.From, testQ.To = test, test.AddDate(0, 1, 0)
	// The study area holds the cells with incidents in either period, so that a method is
	// not credited for ignoring where crime moved to.
	testCells, testCounts, _ := snap.CellValues(testQ, area, index.Weight{})
	var rows []EvalRow
	var rule string
	var train, tested, areas []float64
	for _, m := range q.Methods {
		hq := hexbeat.HotspotQuery{CellQuery: trainQ, Method: m, Weight: q.Weight, K: q.K, BandwidthM: q.BandwidthM, Alpha: 0.05}
		switch m {
		case MethodRecency:
			hq.Method, hq.HalfLifeDays = hexbeat.MethodCount, q.HalfLifeDays
		}
		sf, err := e.surface(ctx, snap, hq, area, testCells)
		if err != nil {
			return nil, "", err
		}
		if train == nil {
			rule = sf.Rule
			n := sf.Adj.Len()
			train, tested, areas = make([]float64, n), make([]float64, n), make([]float64, n)
			for i, c := range sf.Adj.Cells {
				train[i] = float64(sf.Counts[i])
				areas[i] = grid.AreaKm2(c)
			}
			for i, p := range place(sf.Adj, testCells) {
				tested[p] = float64(testCounts[i])
			}
			naive := stats.RankOrder(train, nil)
			for _, cov := range q.Coverages {
				rows = append(rows, EvalRow{TestMonth: test.Format("2006-01"), Method: Baseline, Forecast: stats.Evaluate(naive, train, tested, areas, cov)})
			}
		}
		order := sf.order(hq.Method, nil)
		for _, cov := range q.Coverages {
			rows = append(rows, EvalRow{TestMonth: test.Format("2006-01"), Method: m, Forecast: stats.Evaluate(order, train, tested, areas, cov)})
		}
	}
	return rows, rule, nil
}

// summarise averages the rows per method and coverage and states the comparison with the
// baseline in plain words.
func summarise(rows []EvalRow, q EvalQuery, baseline string) ([]EvalSummary, []string) {
	var out []EvalSummary
	var verdict []string
	for _, cov := range q.Coverages {
		basePAI := map[string]float64{}
		for _, r := range rows {
			if r.Method == baseline && r.Coverage == cov {
				basePAI[r.TestMonth] = r.PAI
			}
		}
		var baseMean float64
		best := EvalSummary{PAI: math.Inf(-1)}
		for _, m := range append([]string{baseline}, q.Methods...) {
			s := EvalSummary{Method: m, Coverage: cov}
			rriN, rriSum := 0, 0.0
			for _, r := range rows {
				if r.Method != m || r.Coverage != cov {
					continue
				}
				s.Months++
				s.HitRate += r.HitRate
				s.PAI += r.PAI
				if !math.IsNaN(r.RRI) {
					rriSum += r.RRI
					rriN++
				}
				if b, ok := basePAI[r.TestMonth]; ok && r.PAI > b {
					s.BeatsBaseline++
				}
			}
			s.HitRate /= float64(s.Months)
			s.PAI /= float64(s.Months)
			s.RRI = math.NaN()
			if rriN > 0 {
				s.RRI = rriSum / float64(rriN)
			}
			if m == baseline {
				baseMean = s.PAI
			}
			if s.PAI > best.PAI {
				best = s
			}
			out = append(out, s)
		}
		for i := range out {
			if out[i].Coverage == cov && baseMean > 0 {
				out[i].PAIRatioToBaseline = out[i].PAI / baseMean
			}
		}
		verdict = append(verdict, fmt.Sprintf("At %.3g %% of the area, %s forecast best (mean PAI %.2f over %d test months).", cov*100, best.Method, best.PAI, best.Months))
		for _, s := range out {
			if s.Coverage != cov || s.Method == baseline {
				continue
			}
			word := "beat"
			if s.PAI <= baseMean {
				word = "did NOT beat"
			}
			name := s.Method
			if name == hexbeat.DefaultHotspotMethod {
				name += " (the default hotspot method)"
			}
			line := fmt.Sprintf("At %.3g %%, %s %s the %s baseline (training-month counts): mean PAI %.2f vs %.2f (x%.3f), better in %d of %d months.",
				cov*100, name, word, baseline, s.PAI, baseMean, s.PAIRatioToBaseline, s.BeatsBaseline, s.Months)
			if math.Abs(s.PAIRatioToBaseline-1) < 0.02 {
				line += " The difference is under 2 %, within month-to-month noise: treat them as equal."
			}
			verdict = append(verdict, line)
		}
	}
	return out, verdict
}

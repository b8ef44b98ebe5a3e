package analysis

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/hexbeat/hexbeat/internal/grid"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/hexbeat/hexbeat/internal/index"
	"github.com/hexbeat/hexbeat/internal/stats"
)

// Evaluate runs the backtest on a snapshot.
func (e *Engine) Evaluate(ctx context.Context, snap *index.Snapshot, q hexbeat.EvalQuery, area *index.Area) (hexbeat.EvalResult, error) {
	res := hexbeat.EvalResult{Query: q, Baseline: hexbeat.Baseline}
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
func (e *Engine) evaluateMonth(ctx context.Context, snap *index.Snapshot, q hexbeat.EvalQuery, area *index.Area, test time.Time) ([]hexbeat.EvalRow, string, error) {
	trainQ, testQ := q.CellQuery, q.CellQuery
	trainQ.From, trainQ.To = test.AddDate(0, -q.TrainMonths, 0), test
	testQ.From, testQ.To = test, test.AddDate(0, 1, 0)
	// The study area holds the cells with incidents in either period, so that a method is
	// not credited for ignoring where crime moved to.
	testCells, testCounts, _ := snap.CellValues(testQ, area, index.Weight{})
	var rows []hexbeat.EvalRow
	var rule string
	var train, tested, areas []float64
	for _, m := range q.Methods {
		hq := hexbeat.HotspotQuery{CellQuery: trainQ, Method: m, Weight: q.Weight, K: q.K, BandwidthM: q.BandwidthM, Alpha: 0.05}
		switch m {
		case hexbeat.MethodRecency:
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
				rows = append(rows, hexbeat.EvalRow{TestMonth: test.Format("2006-01"), Method: hexbeat.Baseline, Forecast: stats.Evaluate(naive, train, tested, areas, cov)})
			}
		}
		order := sf.order(hq.Method, nil)
		for _, cov := range q.Coverages {
			rows = append(rows, hexbeat.EvalRow{TestMonth: test.Format("2006-01"), Method: m, Forecast: stats.Evaluate(order, train, tested, areas, cov)})
		}
	}
	return rows, rule, nil
}

// summarise averages the rows per method and coverage and states the comparison with the
// baseline in plain words.
func summarise(rows []hexbeat.EvalRow, q hexbeat.EvalQuery, baseline string) ([]hexbeat.EvalSummary, []string) {
	var out []hexbeat.EvalSummary
	var verdict []string
	for _, cov := range q.Coverages {
		basePAI := map[string]float64{}
		for _, r := range rows {
			if r.Method == baseline && r.Coverage == cov {
				basePAI[r.TestMonth] = r.PAI
			}
		}
		var baseMean float64
		best := hexbeat.EvalSummary{PAI: math.Inf(-1)}
		for _, m := range append([]string{baseline}, q.Methods...) {
			s := hexbeat.EvalSummary{Method: m, Coverage: cov}
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

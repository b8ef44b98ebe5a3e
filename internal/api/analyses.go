package api

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
)

// emerging answers GET /api/v1/emerging: each study-area cell's emerging hot spot
// category (Esri's), with the Mann–Kendall trend of its Gi* z-scores over the slices.
func (s *Server) emerging(c *fiber.Ctx) error {
	return s.sendBody(c, newParams(c, emergingParams...), s.emergingBody)
}

var emergingParams = append(append([]string{}, layerParams...), "slice", "weight", "k", "alpha")

func (s *Server) emergingBody(c *fiber.Ctx, p *params) ([]byte, error) {
	q := hexbeat.EmergingQuery{CellQuery: parseCellQuery(p), Slice: p.one("slice"), Weight: p.one("weight"),
		K: p.positiveInt("k"), Alpha: p.positive("alpha")}.WithDefaults()
	p.check(q.Validate())
	if err := p.err(); err != nil {
		return nil, err
	}
	layer, err := s.svc.Emerging(c.UserContext(), q)
	if err != nil {
		return nil, err
	}
	q = layer.Query
	b := make([]byte, 0, 512+len(layer.Cells)*480)
	b = append(b, `{"type":"FeatureCollection",`...)
	b = s.appendMeta(b)
	b = append(b, `"res":`...)
	b = strconv.AppendInt(b, int64(q.Res), 10)
	b = append(b, `,"slice":`...)
	b = appendString(b, q.Slice)
	b = append(b, `,"slices":`...)
	b = strconv.AppendInt(b, int64(len(layer.Edges)-1), 10)
	b = append(b, `,"from":`...)
	b = appendString(b, layer.Edges[0].Format(time.RFC3339))
	b = append(b, `,"to":`...)
	b = appendString(b, layer.Edges[len(layer.Edges)-1].Format(time.RFC3339))
	b = append(b, `,"weight":`...)
	b = appendString(b, q.Weight)
	b = append(b, `,"k":`...)
	b = strconv.AppendInt(b, int64(q.K), 10)
	b = append(b, `,"alpha":`...)
	b = appendNumber(b, q.Alpha)
	b = append(b, `,"study_area":`...)
	b = appendString(b, layer.StudyArea)
	b = appendNotes(b, layer.Notes)
	b = append(b, `,"categories":{`...)
	first := true
	for _, name := range sortedKeys(layer.Counts) {
		if !first {
			b = append(b, ',')
		}
		first = false
		b = appendString(b, name)
		b = append(b, ':')
		b = strconv.AppendInt(b, int64(layer.Counts[name]), 10)
	}
	b = append(b, `},"features":[`...)
	for i, ec := range layer.Cells {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendCellFeatureStart(b, ec.Cell, q.Res)
		b = append(b, `,"count":`...)
		b = strconv.AppendInt(b, int64(ec.Count), 10)
		b = append(b, `,"category":`...)
		b = appendString(b, ec.Category)
		b = append(b, `,"pattern":`...)
		b = appendString(b, string(ec.Pattern))
		b = append(b, `,"hot":`...)
		b = strconv.AppendBool(b, ec.Hot)
		b = append(b, `,"hot_slices":`...)
		b = strconv.AppendInt(b, int64(ec.HotSlices), 10)
		b = append(b, `,"cold_slices":`...)
		b = strconv.AppendInt(b, int64(ec.ColdSlices), 10)
		b = append(b, `,"last_z":`...)
		b = appendNumber(b, ec.LastZ)
		b = append(b, `,"tau":`...)
		b = appendNumber(b, ec.Trend.Tau)
		b = append(b, `,"trend_z":`...)
		b = appendNumber(b, ec.Trend.Z)
		b = append(b, `,"trend_p":`...)
		b = appendNumber(b, ec.Trend.P)
		b = append(b, "}}"...)
	}
	return append(b, "]}"...), nil
}

// change answers GET /api/v1/change: crime type x (A, B, +/-, %) for an area and two
// periods (default: the year to date against the same span a year earlier), and the same
// per cell as a GeoJSON layer.
func (s *Server) change(c *fiber.Ctx) error {
	return s.sendBody(c, newParams(c, changeParams...), s.changeBody)
}

var changeParams = []string{"res", "category", "area", "bbox", "a_from", "a_to", "b_from", "b_to"}

func (s *Server) changeBody(c *fiber.Ctx, p *params) ([]byte, error) {
	cq := parseCellQuery(p)
	q := hexbeat.ChangeQuery{CellQuery: cq, AFrom: p.timeBound("a_from", false), ATo: p.timeBound("a_to", true),
		BFrom: p.timeBound("b_from", false), BTo: p.timeBound("b_to", true)}
	p.check(q.Validate())
	if err := p.err(); err != nil {
		return nil, err
	}
	rep, err := s.svc.Change(c.UserContext(), q)
	if err != nil {
		return nil, err
	}
	q = rep.Query
	b := make([]byte, 0, 1024+len(rep.Cells)*360)
	b = append(b, `{"type":"FeatureCollection",`...)
	b = s.appendMeta(b)
	period := func(b []byte, from, to time.Time) []byte {
		b = append(b, `{"from":`...)
		b = appendString(b, from.Format(time.RFC3339))
		b = append(b, `,"to":`...)
		b = appendString(b, to.Format(time.RFC3339))
		return append(b, '}')
	}
	b = append(b, `"res":`...)
	b = strconv.AppendInt(b, int64(q.Res), 10)
	b = append(b, `,"a":`...)
	b = period(b, q.AFrom, q.ATo)
	b = append(b, `,"b":`...)
	b = period(b, q.BFrom, q.BTo)
	row := func(b []byte, r hexbeat.ChangeRow) []byte {
		b = append(b, `{"category":`...)
		b = appendString(b, r.Category)
		b = append(b, `,"a":`...)
		b = strconv.AppendInt(b, int64(r.A), 10)
		b = append(b, `,"b":`...)
		b = strconv.AppendInt(b, int64(r.B), 10)
		b = append(b, `,"change":`...)
		b = strconv.AppendInt(b, int64(r.Diff), 10)
		b = append(b, `,"pct":`...)
		b = appendNumber(b, roundTo(r.Pct, 1))
		b = append(b, `,"text":`...)
		b = appendString(b, changeText(r))
		return append(b, '}')
	}
	b = append(b, `,"table":[`...)
	for i, r := range rep.Rows {
		if i > 0 {
			b = append(b, ',')
		}
		b = row(b, r)
	}
	b = append(b, `],"total":`...)
	b = row(b, rep.Total)
	b = appendNotes(b, rep.Notes)
	b = append(b, `,"features":[`...)
	for i, cc := range rep.Cells {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendCellFeatureStart(b, cc.Cell, q.Res)
		b = append(b, `,"a":`...)
		b = strconv.AppendInt(b, int64(cc.A), 10)
		b = append(b, `,"b":`...)
		b = strconv.AppendInt(b, int64(cc.B), 10)
		b = append(b, `,"change":`...)
		b = strconv.AppendInt(b, int64(cc.Diff), 10)
		b = append(b, `,"pct":`...)
		b = appendNumber(b, roundTo(cc.Pct, 1))
		b = append(b, "}}"...)
	}
	return append(b, "]}"...), nil
}

// changeText writes a row as a briefing line: "Robbery: 58 -> 70, +12, +21%".
func changeText(r hexbeat.ChangeRow) string {
	pct := "new"
	if !math.IsNaN(r.Pct) {
		pct = fmt.Sprintf("%+.0f%%", r.Pct)
	}
	return fmt.Sprintf("%s: %d -> %d, %+d, %s", r.Category, r.A, r.B, r.Diff, pct)
}

func roundTo(v float64, decimals int) float64 {
	f := math.Pow(10, float64(decimals))
	return math.Round(v*f) / f
}

// evaluate answers GET /api/v1/evaluate: the rolling-origin backtest of the forecast
// methods, per test month and summarised, with a plain verdict against the naive baseline.
func (s *Server) evaluate(c *fiber.Ctx) error {
	p := newParams(c, "res", "from", "to", "category", "area", "bbox", "train_months", "methods", "coverage", "weight", "half_life_days", "bandwidth_m", "k")
	q := hexbeat.EvalQuery{CellQuery: parseCellQuery(p), TrainMonths: p.positiveInt("train_months"), Methods: p.list("methods"),
		Weight: p.one("weight"), HalfLifeDays: p.positive("half_life_days"), BandwidthM: p.positive("bandwidth_m"), K: p.positiveInt("k")}
	for _, v := range p.list("coverage") {
		f, err := strconv.ParseFloat(strings.TrimSuffix(v, "%"), 64)
		if err != nil {
			p.fail("coverage", "%q is not a share of the area (e.g. 0.05)", v)
			continue
		}
		if strings.HasSuffix(v, "%") {
			f /= 100
		}
		q.Coverages = append(q.Coverages, f)
	}
	q = q.WithDefaults()
	p.check(q.Validate())
	if err := p.err(); err != nil {
		return err
	}
	res, err := s.svc.Evaluate(c.UserContext(), q)
	if err != nil {
		return err
	}
	return c.JSON(EvaluationJSON(res, s.svc.Demo()))
}

type evalRowJSON struct {
	TestMonth string   `json:"test_month,omitempty"`
	Method    string   `json:"method"`
	Coverage  float64  `json:"coverage"`
	Cells     int      `json:"cells,omitempty"`
	AreaShare float64  `json:"area_share,omitempty"`
	Captured  float64  `json:"captured,omitempty"`
	Total     float64  `json:"total,omitempty"`
	Months    int      `json:"months,omitempty"`
	HitRate   float64  `json:"hit_rate"`
	PAI       float64  `json:"pai"`
	RRI       *float64 `json:"rri"`
	Ratio     *float64 `json:"pai_ratio_to_baseline,omitempty"`
	Beats     *int     `json:"months_beating_baseline,omitempty"`
}

func finite(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

// EvaluationJSON is the JSON form of a backtest, shared by the API and the CLI.
func EvaluationJSON(r hexbeat.EvalResult, demo bool) fiber.Map {
	var rows, summary []evalRowJSON
	for _, x := range r.Rows {
		rows = append(rows, evalRowJSON{TestMonth: x.TestMonth, Method: x.Method, Coverage: x.Coverage, Cells: x.Cells, AreaShare: x.AreaShare,
			Captured: x.Captured, Total: x.Total, HitRate: x.HitRate, PAI: x.PAI, RRI: finite(x.RRI)})
	}
	for _, x := range r.Summary {
		beats := x.BeatsBaseline
		summary = append(summary, evalRowJSON{Method: x.Method, Coverage: x.Coverage, Months: x.Months, HitRate: x.HitRate, PAI: x.PAI,
			RRI: finite(x.RRI), Ratio: finite(x.PAIRatioToBaseline), Beats: &beats})
	}
	q := r.Query
	return fiber.Map{"demo": demo, "res": q.Res, "train_months": q.TrainMonths, "methods": q.Methods, "coverage": q.Coverages,
		"weight": q.Weight, "half_life_days": q.HalfLifeDays, "baseline": r.Baseline, "study_area": r.StudyArea,
		"summary": summary, "rows": rows, "verdict": r.Verdict}
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	return sorted(keys)
}

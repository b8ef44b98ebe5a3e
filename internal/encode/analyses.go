package encode

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/hexbeat/hexbeat/internal/grid"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
)

// appendCellFeatureStart writes a cell Feature up to its open properties object, which
// already holds "cell" and "res"; the caller appends more properties and closes with "}}".
func (e *Encoder) appendCellFeatureStart(b []byte, cell uint64, res int) []byte {
	id := grid.String(cell)
	b = append(b, `{"type":"Feature","id":"`...)
	b = append(b, id...)
	b = append(b, `","geometry":`...)
	b = e.appendCellGeometry(b, cell)
	b = append(b, `,"properties":{"cell":"`...)
	b = append(b, id...)
	b = append(b, `","res":`...)
	return strconv.AppendInt(b, int64(res), 10)
}

// Cells writes a cells layer: each hexagon with its count of incidents.
func (e *Encoder) Cells(layer hexbeat.CellLayer, demo bool) []byte {
	b := make([]byte, 0, 64+len(layer.Cells)*360)
	b = append(b, `{"type":"FeatureCollection",`...)
	b = appendMeta(b, demo)
	b = append(b, `"res":`...)
	b = strconv.AppendInt(b, int64(layer.Res), 10)
	b = append(b, `,"total":`...)
	b = strconv.AppendInt(b, int64(layer.Total), 10)
	b = AppendNotes(b, layer.Notes)
	b = append(b, `,"features":[`...)
	for i, cc := range layer.Cells {
		if i > 0 {
			b = append(b, ',')
		}
		b = e.appendCellFeatureStart(b, cc.Cell, layer.Res)
		b = append(b, `,"count":`...)
		b = strconv.AppendInt(b, int64(cc.Count), 10)
		b = append(b, "}}"...)
	}
	return append(b, "]}"...)
}

// Emerging writes an emerging hot spot layer: each cell's category with the trend of its
// Gi* z-scores, and the slices and counts per category as members.
func (e *Encoder) Emerging(layer hexbeat.EmergingLayer, demo bool) []byte {
	q := layer.Query
	b := make([]byte, 0, 512+len(layer.Cells)*480)
	b = append(b, `{"type":"FeatureCollection",`...)
	b = appendMeta(b, demo)
	b = append(b, `"res":`...)
	b = strconv.AppendInt(b, int64(q.Res), 10)
	b = append(b, `,"slice":`...)
	b = AppendString(b, q.Slice)
	b = append(b, `,"slices":`...)
	b = strconv.AppendInt(b, int64(len(layer.Edges)-1), 10)
	b = append(b, `,"from":`...)
	b = AppendString(b, layer.Edges[0].Format(time.RFC3339))
	b = append(b, `,"to":`...)
	b = AppendString(b, layer.Edges[len(layer.Edges)-1].Format(time.RFC3339))
	b = append(b, `,"weight":`...)
	b = AppendString(b, q.Weight)
	b = append(b, `,"k":`...)
	b = strconv.AppendInt(b, int64(q.K), 10)
	b = append(b, `,"alpha":`...)
	b = AppendNumber(b, q.Alpha)
	b = append(b, `,"study_area":`...)
	b = AppendString(b, layer.StudyArea)
	b = AppendNotes(b, layer.Notes)
	b = append(b, `,"categories":{`...)
	first := true
	for _, name := range sortedKeys(layer.Counts) {
		if !first {
			b = append(b, ',')
		}
		first = false
		b = AppendString(b, name)
		b = append(b, ':')
		b = strconv.AppendInt(b, int64(layer.Counts[name]), 10)
	}
	b = append(b, `},"features":[`...)
	for i, ec := range layer.Cells {
		if i > 0 {
			b = append(b, ',')
		}
		b = e.appendCellFeatureStart(b, ec.Cell, q.Res)
		b = append(b, `,"count":`...)
		b = strconv.AppendInt(b, int64(ec.Count), 10)
		b = append(b, `,"category":`...)
		b = AppendString(b, ec.Category)
		b = append(b, `,"pattern":`...)
		b = AppendString(b, string(ec.Pattern))
		b = append(b, `,"hot":`...)
		b = strconv.AppendBool(b, ec.Hot)
		b = append(b, `,"hot_slices":`...)
		b = strconv.AppendInt(b, int64(ec.HotSlices), 10)
		b = append(b, `,"cold_slices":`...)
		b = strconv.AppendInt(b, int64(ec.ColdSlices), 10)
		b = append(b, `,"last_z":`...)
		b = AppendNumber(b, ec.LastZ)
		b = append(b, `,"tau":`...)
		b = AppendNumber(b, ec.Trend.Tau)
		b = append(b, `,"trend_z":`...)
		b = AppendNumber(b, ec.Trend.Z)
		b = append(b, `,"trend_p":`...)
		b = AppendNumber(b, ec.Trend.P)
		b = append(b, "}}"...)
	}
	return append(b, "]}"...)
}

// Change writes a change report: the table by crime type and the total as members, each
// cell's counts in periods A and B as features.
func (e *Encoder) Change(rep hexbeat.ChangeReport, demo bool) []byte {
	q := rep.Query
	b := make([]byte, 0, 1024+len(rep.Cells)*360)
	b = append(b, `{"type":"FeatureCollection",`...)
	b = appendMeta(b, demo)
	period := func(b []byte, from, to time.Time) []byte {
		b = append(b, `{"from":`...)
		b = AppendString(b, from.Format(time.RFC3339))
		b = append(b, `,"to":`...)
		b = AppendString(b, to.Format(time.RFC3339))
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
		b = AppendString(b, r.Category)
		b = append(b, `,"a":`...)
		b = strconv.AppendInt(b, int64(r.A), 10)
		b = append(b, `,"b":`...)
		b = strconv.AppendInt(b, int64(r.B), 10)
		b = append(b, `,"change":`...)
		b = strconv.AppendInt(b, int64(r.Diff), 10)
		b = append(b, `,"pct":`...)
		b = AppendNumber(b, RoundTo(r.Pct, 1))
		b = append(b, `,"text":`...)
		b = AppendString(b, changeText(r))
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
	b = AppendNotes(b, rep.Notes)
	b = append(b, `,"features":[`...)
	for i, cc := range rep.Cells {
		if i > 0 {
			b = append(b, ',')
		}
		b = e.appendCellFeatureStart(b, cc.Cell, q.Res)
		b = append(b, `,"a":`...)
		b = strconv.AppendInt(b, int64(cc.A), 10)
		b = append(b, `,"b":`...)
		b = strconv.AppendInt(b, int64(cc.B), 10)
		b = append(b, `,"change":`...)
		b = strconv.AppendInt(b, int64(cc.Diff), 10)
		b = append(b, `,"pct":`...)
		b = AppendNumber(b, RoundTo(cc.Pct, 1))
		b = append(b, "}}"...)
	}
	return append(b, "]}"...)
}

// Outliers writes a cluster and outlier layer: each cell's local Moran's I, z, p and type.
func (e *Encoder) Outliers(layer hexbeat.OutlierLayer, demo bool) []byte {
	q := layer.Query
	b := make([]byte, 0, 512+len(layer.Cells)*420)
	b = append(b, `{"type":"FeatureCollection",`...)
	b = appendMeta(b, demo)
	b = append(b, `"res":`...)
	b = strconv.AppendInt(b, int64(q.Res), 10)
	b = append(b, `,"weight":`...)
	b = AppendString(b, q.Weight)
	b = append(b, `,"half_life_days":`...)
	b = AppendNumber(b, nullIfZero(q.HalfLifeDays))
	b = append(b, `,"k":`...)
	b = strconv.AppendInt(b, int64(q.K), 10)
	b = append(b, `,"alpha":`...)
	b = AppendNumber(b, q.Alpha)
	b = append(b, `,"fdr":`...)
	b = strconv.AppendBool(b, !q.NoFDR)
	b = append(b, `,"moran":`...)
	b = appendMoran(b, layer.Moran)
	b = appendScale(b, layer.Scale)
	b = append(b, `,"study_area":`...)
	b = AppendString(b, layer.StudyArea)
	b = append(b, `,"cells":`...)
	b = strconv.AppendInt(b, int64(len(layer.Cells)), 10)
	b = append(b, `,"total":`...)
	b = strconv.AppendInt(b, int64(layer.Total), 10)
	b = append(b, `,"types":{`...)
	for i, t := range []string{hexbeat.HighHigh, hexbeat.HighLow, hexbeat.LowHigh, hexbeat.LowLow} {
		if i > 0 {
			b = append(b, ',')
		}
		b = AppendString(b, t)
		b = append(b, ':')
		b = strconv.AppendInt(b, int64(layer.Types[t]), 10)
	}
	b = append(b, '}')
	b = AppendNotes(b, layer.Notes)
	b = append(b, `,"features":[`...)
	for i, oc := range layer.Cells {
		if i > 0 {
			b = append(b, ',')
		}
		b = e.appendCellFeatureStart(b, oc.Cell, q.Res)
		b = append(b, `,"count":`...)
		b = strconv.AppendInt(b, int64(oc.Count), 10)
		b = append(b, `,"value":`...)
		b = AppendNumber(b, oc.Value)
		b = append(b, `,"lag":`...)
		b = AppendNumber(b, oc.Lag)
		b = append(b, `,"local_i":`...)
		b = AppendNumber(b, oc.I)
		b = append(b, `,"z":`...)
		b = AppendNumber(b, oc.Z)
		b = append(b, `,"p":`...)
		b = AppendNumber(b, oc.P)
		b = append(b, `,"p_fdr":`...)
		b = AppendNumber(b, oc.PFDR)
		b = append(b, `,"type":`...)
		if oc.Type == "" || math.IsNaN(oc.Z) {
			b = append(b, "null"...)
		} else {
			b = AppendString(b, oc.Type)
		}
		b = append(b, "}}"...)
	}
	return append(b, "]}"...)
}

// changeText writes a row as a briefing line: "Robbery: 58 -> 70, +12, +21%".
func changeText(r hexbeat.ChangeRow) string {
	pct := "new"
	if !math.IsNaN(r.Pct) {
		pct = fmt.Sprintf("%+.0f%%", r.Pct)
	}
	return fmt.Sprintf("%s: %d -> %d, %+d, %s", r.Category, r.A, r.B, r.Diff, pct)
}

// RoundTo rounds v to decimals places, for figures read by people (a share, a percentage).
func RoundTo(v float64, decimals int) float64 {
	f := math.Pow(10, float64(decimals))
	return math.Round(v*f) / f
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

// Evaluation is the JSON form of a backtest, shared by the API and the CLI.
func Evaluation(r hexbeat.EvalResult, demo bool) map[string]any {
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
	return map[string]any{"demo": demo, "res": q.Res, "train_months": q.TrainMonths, "methods": q.Methods, "coverage": q.Coverages,
		"weight": q.Weight, "half_life_days": q.HalfLifeDays, "baseline": r.Baseline, "study_area": r.StudyArea,
		"summary": summary, "rows": rows, "verdict": r.Verdict}
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// appendMeta writes the collection's foreign members that say where the data came from:
// "demo" is true for the synthetic demo data set.
func appendMeta(b []byte, demo bool) []byte {
	b = append(b, `"demo":`...)
	b = strconv.AppendBool(b, demo)
	return append(b, ',')
}

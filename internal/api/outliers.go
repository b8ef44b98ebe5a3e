package api

import (
	"math"
	"strconv"

	"github.com/gofiber/fiber/v2"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
)

// outlierParams define a cluster and outlier layer: a hotspot layer's, without a method.
var outlierParams = append(append([]string{}, layerParams...), "weight", "half_life_days", "k", "alpha", "fdr")

// outliers answers GET /api/v1/outliers: Anselin's local Moran's I on every cell of the
// study area, each significant cell typed HH, LL, HL or LH (ArcGIS's Cluster and Outlier
// Analysis).
func (s *Server) outliers(c *fiber.Ctx) error {
	return s.sendBody(c, newParams(c, outlierParams...), s.outliersBody)
}

func (s *Server) outliersBody(c *fiber.Ctx, p *params) ([]byte, error) {
	q := parseHotspotQuery(p)
	if err := p.err(); err != nil {
		return nil, err
	}
	layer, err := s.svc.Outliers(c.UserContext(), q)
	if err != nil {
		return nil, err
	}
	q = layer.Query
	b := make([]byte, 0, 512+len(layer.Cells)*420)
	b = append(b, `{"type":"FeatureCollection",`...)
	b = s.appendMeta(b)
	b = append(b, `"res":`...)
	b = strconv.AppendInt(b, int64(q.Res), 10)
	b = append(b, `,"weight":`...)
	b = appendString(b, q.Weight)
	b = append(b, `,"half_life_days":`...)
	b = appendNumber(b, nullIfZero(q.HalfLifeDays))
	b = append(b, `,"k":`...)
	b = strconv.AppendInt(b, int64(q.K), 10)
	b = append(b, `,"alpha":`...)
	b = appendNumber(b, q.Alpha)
	b = append(b, `,"fdr":`...)
	b = strconv.AppendBool(b, !q.NoFDR)
	b = append(b, `,"moran":`...)
	b = appendMoran(b, layer.Moran)
	b = appendScale(b, layer.Scale)
	b = append(b, `,"study_area":`...)
	b = appendString(b, layer.StudyArea)
	b = append(b, `,"cells":`...)
	b = strconv.AppendInt(b, int64(len(layer.Cells)), 10)
	b = append(b, `,"total":`...)
	b = strconv.AppendInt(b, int64(layer.Total), 10)
	b = append(b, `,"types":{`...)
	for i, t := range []string{hexbeat.HighHigh, hexbeat.HighLow, hexbeat.LowHigh, hexbeat.LowLow} {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, t)
		b = append(b, ':')
		b = strconv.AppendInt(b, int64(layer.Types[t]), 10)
	}
	b = append(b, '}')
	b = appendNotes(b, layer.Notes)
	b = append(b, `,"features":[`...)
	for i, oc := range layer.Cells {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendCellFeatureStart(b, oc.Cell, q.Res)
		b = append(b, `,"count":`...)
		b = strconv.AppendInt(b, int64(oc.Count), 10)
		b = append(b, `,"value":`...)
		b = appendNumber(b, oc.Value)
		b = append(b, `,"lag":`...)
		b = appendNumber(b, oc.Lag)
		b = append(b, `,"local_i":`...)
		b = appendNumber(b, oc.I)
		b = append(b, `,"z":`...)
		b = appendNumber(b, oc.Z)
		b = append(b, `,"p":`...)
		b = appendNumber(b, oc.P)
		b = append(b, `,"p_fdr":`...)
		b = appendNumber(b, oc.PFDR)
		b = append(b, `,"type":`...)
		if oc.Type == "" || math.IsNaN(oc.Z) {
			b = append(b, "null"...)
		} else {
			b = appendString(b, oc.Type)
		}
		b = append(b, "}}"...)
	}
	return append(b, "]}"...), nil
}

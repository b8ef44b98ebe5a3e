package api

import (
	"math"
	"slices"
	"strconv"

	"github.com/gofiber/fiber/v2"
	"github.com/hexbeat/hexbeat/internal/grid"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/paulmach/orb"
)

// hotspotQueryParams define a hotspot layer; hotspotParams are those of GET /api/v1/hotspots.
var (
	hotspotQueryParams = []string{"method", "res", "from", "to", "category", "area", "bbox", "weight", "half_life_days", "k", "alpha", "bandwidth_m", "fdr"}
	hotspotParams      = append(slices.Clone(hotspotQueryParams), "format", "summary", "limit")
)

// parseHotspotQuery reads a hotspot query; unset values get the defaults.
func parseHotspotQuery(p *params) hexbeat.HotspotQuery {
	q := hexbeat.HotspotQuery{
		CellQuery:    parseCellQuery(p),
		Method:       p.one("method"),
		Weight:       p.one("weight"),
		HalfLifeDays: p.positive("half_life_days"),
		AutoK:        p.one("k") == "auto",
		Alpha:        p.positive("alpha"),
		BandwidthM:   p.positive("bandwidth_m"),
		NoFDR:        !p.boolean("fdr", true),
	}
	if k := p.one("k"); !q.AutoK && k != "" {
		if _, err := strconv.Atoi(k); err != nil {
			p.fail("k", "must be a radius in grid steps from 1 to 10, or auto, got %q", k)
		} else {
			q.K = p.positiveInt("k")
		}
	}
	q = q.WithDefaults()
	p.check(q.Validate())
	return q
}

// hotspots answers GET /api/v1/hotspots: every cell of the study area with its value and,
// for Gi*, z, p, FDR-adjusted p and confidence bin, ranked hottest first; limit keeps the
// first cells of the ranking (a list of the hottest beside a map that draws the tiles).
func (s *Server) hotspots(c *fiber.Ctx) error {
	p := newParams(c, hotspotParams...)
	q := parseHotspotQuery(p)
	limit := p.positiveInt("limit")
	format := p.one("format")
	if format != "" && format != "geojson" && format != "csv" {
		p.fail("format", "must be geojson or csv, got %q", format)
	}
	if err := p.err(); err != nil {
		return err
	}
	summary := p.boolean("summary", false)
	if format == "csv" {
		if err := csvAllowed(c); err != nil {
			return err
		}
	}
	layer, err := s.svc.Hotspots(c.UserContext(), q)
	if err != nil {
		return err
	}
	setNotes(c, layer.Notes) // also in a GeoJSON body; a CSV has no place for them
	rows := len(layer.Cells)
	if limit > 0 {
		rows = min(rows, limit)
	}
	if format == "csv" {
		s.auditExport(c, "hotspots.csv", rows)
		return s.hotspotsCSV(c, layer, rows)
	}
	if summary && len(layer.Cells) > 0 {
		// a map asks for the summary, then for the layer's tiles: find their cells while
		// the summary is on its way
		go s.tiles.of(layer)
	}
	if summary {
		rows = 0
	}
	return s.sendGeoJSON(c, s.hotspotsJSON(layer, rows))
}

// rankOrder is the positions of a layer's cells, hottest (rank 1) first. The layer keeps
// its cells in cell order, which the tiles and the cache use; its readers want the ranking.
func rankOrder(cells []hexbeat.HotspotCell) []int {
	order := make([]int, len(cells))
	seen := make([]bool, len(cells))
	for i, hc := range cells {
		if hc.Rank < 1 || hc.Rank > len(cells) || seen[hc.Rank-1] { // not a ranking: cell order
			for j := range order {
				order[j] = j
			}
			return order
		}
		order[hc.Rank-1], seen[hc.Rank-1] = i, true
	}
	return order
}

// hotspotsBody builds the hotspot layer (for OGC and exports).
func (s *Server) hotspotsBody(c *fiber.Ctx, p *params) ([]byte, error) {
	q := parseHotspotQuery(p)
	if err := p.err(); err != nil {
		return nil, err
	}
	layer, err := s.svc.Hotspots(c.UserContext(), q)
	if err != nil {
		return nil, err
	}
	return s.hotspotsJSON(layer, len(layer.Cells)), nil
}

// hotspotsJSON writes the layer with its n hottest cells as features; with none it is the
// summary a map needs beside the layer's tiles (counts, significance, the value breaks of
// its legend).
func (s *Server) hotspotsJSON(layer hexbeat.HotspotLayer, n int) []byte {
	q := layer.Query
	b := make([]byte, 0, 512+len(layer.Cells)*420)
	b = append(b, `{"type":"FeatureCollection",`...)
	b = s.appendMeta(b)
	b = append(b, `"method":`...)
	b = appendString(b, q.Method)
	b = append(b, `,"weight":`...)
	b = appendString(b, q.Weight)
	b = append(b, `,"res":`...)
	b = strconv.AppendInt(b, int64(q.Res), 10)
	b = append(b, `,"k":`...)
	b = strconv.AppendInt(b, int64(q.K), 10)
	b = append(b, `,"moran":`...)
	b = appendMoran(b, layer.Moran)
	b = appendScale(b, layer.Scale)
	b = append(b, `,"alpha":`...)
	b = appendNumber(b, q.Alpha)
	b = append(b, `,"fdr":`...)
	b = strconv.AppendBool(b, !q.NoFDR)
	b = append(b, `,"half_life_days":`...)
	b = appendNumber(b, nullIfZero(q.HalfLifeDays))
	b = append(b, `,"bandwidth_m":`...)
	b = appendNumber(b, nullIfZero(q.BandwidthM))
	b = append(b, `,"study_area":`...)
	b = appendString(b, layer.StudyArea)
	b = append(b, `,"cells":`...)
	b = strconv.AppendInt(b, int64(len(layer.Cells)), 10)
	b = append(b, `,"total":`...)
	b = strconv.AppendInt(b, int64(layer.Total), 10)
	b = append(b, `,"significant":{"hot":`...)
	b = strconv.AppendInt(b, int64(layer.Significant.Hot), 10)
	b = append(b, `,"cold":`...)
	b = strconv.AppendInt(b, int64(layer.Significant.Cold), 10)
	b = append(b, '}')
	b = append(b, `,"value_breaks":[`...)
	for i, v := range valueBreaks(layer.Cells) {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendNumber(b, v)
	}
	b = append(b, ']')
	b = appendNotes(b, layer.Notes)
	b = append(b, `,"features":[`...)
	for i, j := range rankOrder(layer.Cells)[:n] {
		hc := layer.Cells[j]
		if i > 0 {
			b = append(b, ',')
		}
		b = appendCellFeatureStart(b, hc.Cell, q.Res)
		b = append(b, `,"count":`...)
		b = strconv.AppendInt(b, int64(hc.Count), 10)
		b = append(b, `,"value":`...)
		b = appendNumber(b, hc.Value)
		b = append(b, `,"density":`...)
		b = appendNumber(b, hc.Density)
		b = append(b, `,"z":`...)
		b = appendNumber(b, hc.Z)
		b = append(b, `,"p":`...)
		b = appendNumber(b, hc.P)
		b = append(b, `,"p_fdr":`...)
		b = appendNumber(b, hc.PFDR)
		b = append(b, `,"bin":`...)
		if math.IsNaN(hc.Z) {
			b = append(b, "null"...)
		} else {
			b = strconv.AppendInt(b, int64(hc.Bin), 10)
		}
		b = append(b, `,"rank":`...)
		b = strconv.AppendInt(b, int64(hc.Rank), 10)
		b = append(b, "}}"...)
	}
	return append(b, "]}"...)
}

// appendScale writes how k=auto chose a layer's radius (nothing for a k given).
func appendScale(b []byte, sc *hexbeat.Scale) []byte {
	if sc == nil {
		return b
	}
	b = append(b, `,"scale":{"k":`...)
	b = strconv.AppendInt(b, int64(sc.K), 10)
	b = append(b, `,"rule":`...)
	b = appendString(b, sc.Rule)
	b = append(b, `,"by_radius":[`...)
	for i, m := range sc.ByRadius {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendMoran(b, m)
	}
	return append(b, "]}"...)
}

// appendMoran writes Moran's I at one radius as an object.
func appendMoran(b []byte, m hexbeat.Moran) []byte {
	b = append(b, `{"k":`...)
	b = strconv.AppendInt(b, int64(m.K), 10)
	for _, f := range []struct {
		name string
		v    float64
	}{{"i", m.I}, {"expected", m.Expected}, {"variance", m.Variance}, {"z", m.Z}, {"p", m.P}} {
		b = append(b, ',', '"')
		b = append(b, f.name...)
		b = append(b, '"', ':')
		b = appendNumber(b, f.v)
	}
	return append(b, '}')
}

// appendCellFeatureStart writes a cell Feature up to its open properties object, which
// already holds "cell" and "res"; the caller appends more properties and closes with "}}".
func appendCellFeatureStart(b []byte, cell uint64, res int) []byte {
	id := grid.String(cell)
	b = append(b, `{"type":"Feature","id":"`...)
	b = append(b, id...)
	b = append(b, `","geometry":`...)
	b = appendCellGeometry(b, cell)
	b = append(b, `,"properties":{"cell":"`...)
	b = append(b, id...)
	b = append(b, `","res":`...)
	return strconv.AppendInt(b, int64(res), 10)
}

// appendNumber writes a float with enough digits to round-trip; NaN and ±Inf (undefined
// statistics) are written as null, which JSON has instead.
func appendNumber(b []byte, v float64) []byte {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return append(b, "null"...)
	}
	return strconv.AppendFloat(b, v, 'g', -1, 64)
}

func nullIfZero(v float64) float64 {
	if v == 0 {
		return math.NaN()
	}
	return v
}

// hotspotsCSV writes a hotspot layer as CSV for spreadsheets and QGIS: one row per cell
// with its centre and its hexagon as WKT.
func (s *Server) hotspotsCSV(c *fiber.Ctx, layer hexbeat.HotspotLayer, rows int) error {
	b := make([]byte, 0, 128+len(layer.Cells)*400)
	b = append(b, "cell,res,lon,lat,count,value,density,z,p,p_fdr,bin,rank,method,wkt\n"...)
	num := func(b []byte, v float64) []byte {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return b
		}
		return strconv.AppendFloat(b, v, 'g', -1, 64)
	}
	var ring orb.Ring
	for _, j := range rankOrder(layer.Cells)[:rows] {
		hc := layer.Cells[j]
		b = append(b, grid.String(hc.Cell)...)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(layer.Query.Res), 10)
		centre := grid.Center(hc.Cell)
		b = append(b, ',')
		b = appendCoord(b, centre[0])
		b = append(b, ',')
		b = appendCoord(b, centre[1])
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(hc.Count), 10)
		for _, v := range []float64{hc.Value, hc.Density, hc.Z, hc.P, hc.PFDR} {
			b = append(b, ',')
			b = num(b, v)
		}
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(hc.Bin), 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(hc.Rank), 10)
		b = append(b, ',')
		b = append(b, layer.Query.Method...)
		b = append(b, `,"`...)
		var err error
		if ring, err = grid.AppendBoundary(ring[:0], hc.Cell); err == nil {
			b = appendWKT(b, orb.Polygon{ring})
		}
		b = append(b, "\"\n"...)
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="hotspots-`+layer.Query.Method+`.csv"`)
	s.labelData(c)
	return c.Send(b)
}

// valueClass is the class of a value in a legend of breaks: how many breaks it reaches,
// 0 below the first. Tiles carry it, so that a map colours cells by class with one style
// whatever the breaks, and a new layer needs no new style (which would lay every tile out
// again).
func valueClass(v float64, breaks []float64) int {
	n := 0
	for n < len(breaks) && v >= breaks[n] {
		n++
	}
	return n
}

// valueBreaks are the 30th, 50th, 70th, 85th, 95th and 99th percentiles of the positive
// cell values, kept strictly rising: the classes of a map's value legend.
func valueBreaks(cells []hexbeat.HotspotCell) []float64 {
	var v []float64
	for _, hc := range cells {
		if hc.Value > 0 {
			v = append(v, hc.Value)
		}
	}
	if len(v) == 0 {
		return []float64{}
	}
	slices.Sort(v)
	out := make([]float64, 0, 6)
	for _, q := range []float64{0.3, 0.5, 0.7, 0.85, 0.95, 0.99} {
		x := v[min(len(v)-1, int(q*float64(len(v))))]
		if len(out) > 0 && x <= out[len(out)-1] {
			continue
		}
		out = append(out, x)
	}
	return out
}

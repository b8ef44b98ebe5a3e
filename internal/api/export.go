package api

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/hexbeat/hexbeat/internal/grid"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/planar"
)

// Downloads: GET /api/v1/export/{layer}?format=geojson|csv|ndjson with the layer's own
// parameters. Every download is written to the audit log (who, which layer, the query, how
// many features). CSV carries the feature's id, a centre lon/lat and the geometry as WKT,
// so that a spreadsheet and QGIS's delimited-text source both read it.

// maxExportIncidents bounds one incidents download; a larger one asks for a narrower query.
const maxExportIncidents = 2_000_000

var exportFormats = map[string]struct{ ext, ctype string }{
	"geojson": {"geojson", geoJSONType},
	"csv":     {"csv", "text/csv; charset=utf-8"},
	"ndjson":  {"ndjson", "application/x-ndjson"},
}

// exportRoutes registers a download per layer. Downloading a reading layer needs the export
// permission (analysts); a planner's layer downloads with the planner's own permission, so
// that a commander can take the Section 60 register (which every key may read) and a
// Trading Standards officer the targets.
func (s *Server) exportRoutes(v1 fiber.Router) {
	for _, l := range layers {
		perm := l.ExportPerm
		if perm == "" {
			perm = l.Perm
		}
		if perm == hexbeat.PermRead {
			perm = hexbeat.PermExport
		}
		s.handle(v1, "GET", "/export/"+l.ID, perm, s.export(l))
	}
}

// export answers a download of layer l.
func (s *Server) export(l layer) fiber.Handler {
	return func(c *fiber.Ctx) error {
		p := newParams(c, l.allowed("format", "bbox")...)
		format := p.one("format")
		if format == "" {
			format = "geojson"
		}
		if _, ok := exportFormats[format]; !ok {
			p.fail("format", "must be geojson, csv or ndjson, got %q", format)
		}
		bbox := p.bbox("bbox")
		// bbox picks features; it does not make the study area (a box would change every Gi* z)
		delete(p.values, "bbox")
		var enc *encoder
		if l.body == nil {
			f := hexbeat.IncidentFilter{BBox: bbox, From: p.timeBound("from", false), To: p.timeBound("to", true), Limit: 10_000}
			if err := p.err(); err != nil {
				return err
			}
			for {
				page, err := s.incidentPage(c, f)
				if err != nil {
					return err
				}
				if enc == nil {
					enc = newEncoder(format, l, page, map[string]any{"demo": s.svc.Demo()})
				}
				enc.add(page)
				if len(page) < f.Limit {
					break
				}
				if f.Offset += f.Limit; f.Offset >= maxExportIncidents {
					return &hexbeat.Error{Code: hexbeat.EINVALID, Message: "too many incidents for one download",
						Fields: []hexbeat.FieldError{{Field: "from", Message: "the download would hold more than " + strconv.Itoa(maxExportIncidents) + " incidents; narrow it with from, to or bbox"}}}
				}
			}
		} else {
			fc, err := s.collect(c, l, p, bbox)
			if err != nil {
				return err
			}
			enc = newEncoder(format, l, fc.Features, fc.ExtraMembers)
			enc.add(fc.Features)
			setNotes(c, notesOf(fc.ExtraMembers))
		}
		out := enc.finish()
		f := exportFormats[format]
		c.Set(fiber.HeaderContentType, f.ctype)
		c.Set(fiber.HeaderContentDisposition, `attachment; filename="hexbeat-`+l.ID+"-"+time.Now().UTC().Format("20060102-1504")+"."+f.ext+`"`)
		s.labelData(c)
		s.auditExport(c, l.ID+"."+format, enc.n)
		return c.Send(out)
	}
}

// encoder writes features as GeoJSON, newline-delimited GeoJSON features or CSV.
type encoder struct {
	format string
	buf    bytes.Buffer
	csv    *csv.Writer
	cols   []string
	n      int
}

// newEncoder starts a download; sample fixes the CSV columns (the layer's own first, then
// any other property in name order) and meta goes into a GeoJSON collection's members.
func newEncoder(format string, l layer, sample []*geojson.Feature, meta map[string]any) *encoder {
	e := &encoder{format: format}
	switch format {
	case "geojson":
		e.buf.WriteString(`{"type":"FeatureCollection",`)
		m := map[string]any{"layer": l.ID, "exported_at": stamp(time.Now())}
		for k, v := range meta {
			if k != "type" && k != "features" {
				m[k] = v
			}
		}
		for _, k := range sortedKeysOf(m) {
			b, _ := json.Marshal(m[k])
			e.buf.Write(appendString(nil, k))
			e.buf.WriteByte(':')
			e.buf.Write(b)
			e.buf.WriteByte(',')
		}
		e.buf.WriteString(`"features":[`)
	case "csv":
		seen := map[string]bool{}
		for _, f := range sample {
			for k := range f.Properties {
				seen[k] = k != "id" // the first column holds it
			}
		}
		for _, k := range l.Columns {
			if seen[k] {
				e.cols = append(e.cols, k)
			}
			delete(seen, k)
		}
		for _, k := range sortedKeysOf(seen) {
			if seen[k] {
				e.cols = append(e.cols, k)
			}
		}
		e.csv = csv.NewWriter(&e.buf)
		e.csv.Write(append(append([]string{"id", "lon", "lat"}, e.cols...), "wkt"))
	}
	return e
}

func sortedKeysOf[T any](m map[string]T) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func (e *encoder) add(fs []*geojson.Feature) {
	for _, f := range fs {
		switch e.format {
		case "geojson", "ndjson":
			b, err := json.Marshal(f)
			if err != nil {
				continue // a feature that cannot be written is left out, not half-written
			}
			if e.format == "geojson" && e.n > 0 {
				e.buf.WriteByte(',')
			}
			e.buf.Write(b)
			if e.format == "ndjson" {
				e.buf.WriteByte('\n')
			}
		case "csv":
			centre := featureCentre(f)
			row := []string{featureID(f), string(appendCoord(nil, centre[0])), string(appendCoord(nil, centre[1]))}
			for _, k := range e.cols {
				row = append(row, csvValue(f.Properties[k]))
			}
			row = append(row, string(appendWKT(nil, f.Geometry)))
			e.csv.Write(row)
		}
		e.n++
	}
}

func (e *encoder) finish() []byte {
	switch e.format {
	case "geojson":
		e.buf.WriteString("]}")
	case "csv":
		e.csv.Flush()
	}
	return e.buf.Bytes()
}

// featureCentre is a point's own position, a cell's centre, or a shape's area centroid.
func featureCentre(f *geojson.Feature) orb.Point {
	if p, ok := f.Geometry.(orb.Point); ok {
		return p
	}
	if id, ok := f.Properties["cell"].(string); ok {
		if cell, err := grid.Parse(id); err == nil {
			return grid.Center(cell)
		}
	}
	if f.Geometry == nil {
		return orb.Point{}
	}
	c, _ := planar.CentroidArea(f.Geometry)
	return c
}

// csvValue writes one property: numbers round-trip (plain decimals, but in exponent form
// below 1e-4 or from 1e21, where a p-value of 1e-150 would otherwise be 150 zeros), lists
// and objects as compact JSON, and text that a spreadsheet would run as a formula (=, +, -,
// @ first) is quoted with a '.
func csvValue(x any) string {
	switch t := x.(type) {
	case nil:
		return ""
	case string:
		if t != "" && strings.ContainsRune("=+-@\t\r", rune(t[0])) {
			return "'" + t
		}
		return t
	case float64:
		if a := math.Abs(t); a != 0 && (a < 1e-4 || a >= 1e21) {
			return strconv.FormatFloat(t, 'g', -1, 64)
		}
		return strconv.FormatFloat(t, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(t)
	}
	b, _ := json.Marshal(x)
	return string(b)
}

// appendWKT writes a geometry as WKT with 7 decimals (the same as the GeoJSON).
func appendWKT(b []byte, g orb.Geometry) []byte {
	coords := func(b []byte, pts []orb.Point) []byte {
		b = append(b, '(')
		for i, p := range pts {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendCoord(b, p[0])
			b = append(b, ' ')
			b = appendCoord(b, p[1])
		}
		return append(b, ')')
	}
	poly := func(b []byte, p orb.Polygon) []byte {
		b = append(b, '(')
		for i, r := range p {
			if i > 0 {
				b = append(b, ',')
			}
			b = coords(b, r)
		}
		return append(b, ')')
	}
	switch g := g.(type) {
	case orb.Point:
		return coords(append(b, "POINT"...), []orb.Point{g})
	case orb.MultiPoint:
		return coords(append(b, "MULTIPOINT"...), g)
	case orb.LineString:
		return coords(append(b, "LINESTRING"...), g)
	case orb.Ring:
		return poly(append(b, "POLYGON"...), orb.Polygon{g})
	case orb.Polygon:
		return poly(append(b, "POLYGON"...), g)
	case orb.MultiPolygon:
		b = append(b, "MULTIPOLYGON("...)
		for i, p := range g {
			if i > 0 {
				b = append(b, ',')
			}
			b = poly(b, p)
		}
		return append(b, ')')
	}
	return b
}

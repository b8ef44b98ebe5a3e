package encode

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/hexbeat/hexbeat/internal/grid"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/planar"
)

// Export writes a download of features as GeoJSON, newline-delimited GeoJSON features or
// CSV (the feature's id, a centre lon/lat, the properties and the geometry as WKT; or, in
// British National Grid, a centre easting/northing and the WKT in eastings and northings).
type Export struct {
	format string
	bng    bool // CSV in EPSG:27700
	buf    bytes.Buffer
	csv    *CSV
	cols   []string
	n      int
}

// ExportFormats are the formats of a download.
var ExportFormats = []string{"geojson", "csv", "ndjson"}

// NewExport starts a download of layer in format (one of ExportFormats); sample fixes the
// CSV columns (columns first, as far as the features have them, then any other property in
// name order) and meta goes into a GeoJSON collection's members.
func NewExport(format, layer string, columns []string, sample []*geojson.Feature, meta map[string]any) *Export {
	return newExport(format, false, layer, columns, sample, meta)
}

// NewExportBNG starts a CSV download in British National Grid (EPSG:27700): the centre as
// easting and northing and the WKT in metres, to a tenth of a millimetre, from the
// features' coordinates (give them unrounded for a force's own to come back as imported).
func NewExportBNG(layer string, columns []string, sample []*geojson.Feature) *Export {
	return newExport("csv", true, layer, columns, sample, nil)
}

func newExport(format string, bng bool, layer string, columns []string, sample []*geojson.Feature, meta map[string]any) *Export {
	e := &Export{format: format, bng: bng}
	switch format {
	case "geojson":
		e.buf.WriteString(`{"type":"FeatureCollection",`)
		m := map[string]any{"layer": layer, "exported_at": Stamp(time.Now())}
		for k, v := range meta {
			if k != "type" && k != "features" {
				m[k] = v
			}
		}
		for _, k := range sortedKeysOf(m) {
			b, _ := json.Marshal(m[k])
			e.buf.Write(AppendString(nil, k))
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
		for _, k := range columns {
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
		e.csv = NewCSV(&e.buf)
		head := []any{"id", "lon", "lat"}
		if bng {
			head = []any{"id", "easting", "northing"}
		}
		for _, c := range e.cols {
			head = append(head, c)
		}
		e.csv.Row(append(head, "wkt")...)
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

// Add writes features.
func (e *Export) Add(fs []*geojson.Feature) {
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
			centre, g, num := featureCentre(f), f.Geometry, AppendCoord
			if e.bng {
				centre = ToBNG(centre)
				g, num = MapPoints(orb.Clone(g), ToBNG), AppendMetres
			}
			row := []any{FeatureID(f), Number(num(nil, centre[0])), Number(num(nil, centre[1]))}
			for _, k := range e.cols {
				row = append(row, f.Properties[k])
			}
			e.csv.Row(append(row, Number(appendWKT(nil, g, num)))...)
		}
		e.n++
	}
}

// Finish closes the download and returns it whole.
func (e *Export) Finish() []byte {
	switch e.format {
	case "geojson":
		e.buf.WriteString("]}")
	case "csv":
		e.csv.Flush() // into a buffer: it cannot fail
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

// AppendWKT writes a geometry as WKT with 7 decimals (the same as the GeoJSON).
func AppendWKT(b []byte, g orb.Geometry) []byte { return appendWKT(b, g, AppendCoord) }

// appendWKT writes a geometry as WKT, each number by num.
func appendWKT(b []byte, g orb.Geometry, num func([]byte, float64) []byte) []byte {
	coords := func(b []byte, pts []orb.Point) []byte {
		b = append(b, '(')
		for i, p := range pts {
			if i > 0 {
				b = append(b, ',')
			}
			b = num(b, p[0])
			b = append(b, ' ')
			b = num(b, p[1])
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

// FeatureID is a feature's id as it appears in a URL.
func FeatureID(f *geojson.Feature) string {
	switch v := f.ID.(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case nil:
		if id, ok := f.Properties["id"]; ok && id != nil {
			return fmt.Sprint(id)
		}
		return ""
	}
	b, _ := json.Marshal(f.ID)
	return string(b)
}

// N is the number of features written.
func (e *Export) N() int { return e.n }

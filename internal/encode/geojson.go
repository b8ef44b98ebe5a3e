package encode

import (
	"encoding/json"
	"math"
	"strconv"
	"time"

	"github.com/hexbeat/hexbeat/internal/grid"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// GeoJSON is written by hand: RFC 7946 layout ([lon,lat], counter-clockwise outer rings,
// no crs member), coordinates rounded to 7 decimals (about 1 cm), and no reflection for
// layers of tens of thousands of cells.

const GeoJSONType = "application/geo+json"

// coordDecimals is the precision of written coordinates (1e-7 degrees is about 1 cm).
const coordDecimals = 7

// AppendCoord writes v rounded to 7 decimals, as strconv's shortest form of the rounded
// value would (no trailing zeros, "-0" kept), but from the integer of 1e-7 degrees: the
// shortest form took a third of the time of a large layer.
func AppendCoord(b []byte, v float64) []byte {
	r := math.Round(v * 1e7)
	if !(math.Abs(r) < 1e15) { // NaN, ±Inf, or beyond where every 1e-7 step is a distinct float
		return strconv.AppendFloat(b, r/1e7, 'f', -1, 64)
	}
	n := int64(r)
	if n < 0 || n == 0 && math.Signbit(r) {
		b = append(b, '-')
		n = -n
	}
	b = strconv.AppendInt(b, n/1e7, 10)
	frac := n % 1e7
	if frac == 0 {
		return b
	}
	var d [1 + coordDecimals]byte
	d[0] = '.'
	for i := coordDecimals; i > 0; i-- {
		d[i] = byte('0' + frac%10)
		frac /= 10
	}
	end := len(d)
	for d[end-1] == '0' {
		end--
	}
	return append(b, d[:end]...)
}

// AppendPoint writes a position [lon,lat] to 7 decimals.
func AppendPoint(b []byte, p orb.Point) []byte {
	b = append(b, '[')
	b = AppendCoord(b, p[0])
	b = append(b, ',')
	b = AppendCoord(b, p[1])
	return append(b, ']')
}

// AppendRing writes a ring's positions as they are.
func AppendRing(b []byte, r orb.Ring) []byte {
	b = append(b, '[')
	for i, p := range r {
		if i > 0 {
			b = append(b, ',')
		}
		b = AppendPoint(b, p)
	}
	return append(b, ']')
}

// AppendPolygon writes a polygon's rings, the outer counter-clockwise and holes clockwise
// as RFC 7946 asks.
func AppendPolygon(b []byte, p orb.Polygon) []byte {
	b = append(b, '[')
	for i, r := range p {
		if i > 0 {
			b = append(b, ',')
		}
		if wrongWay(i, r) {
			r = reversed(r)
		}
		b = AppendRing(b, r)
	}
	return append(b, ']')
}

func reversed(r orb.Ring) orb.Ring {
	out := make(orb.Ring, len(r))
	for i, p := range r {
		out[len(r)-1-i] = p
	}
	return out
}

// AppendGeometry writes a Polygon or MultiPolygon geometry object.
func AppendGeometry(b []byte, g orb.Geometry) []byte {
	switch x := g.(type) {
	case orb.Polygon:
		b = append(b, `{"type":"Polygon","coordinates":`...)
		b = AppendPolygon(b, x)
	case orb.MultiPolygon:
		if len(x) == 1 {
			return AppendGeometry(b, x[0])
		}
		b = append(b, `{"type":"MultiPolygon","coordinates":[`...)
		for i, p := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = AppendPolygon(b, p)
		}
		b = append(b, ']')
	case orb.Point:
		b = append(b, `{"type":"Point","coordinates":`...)
		b = AppendPoint(b, x)
	default:
		return append(b, "null"...)
	}
	return append(b, '}')
}

// Feature is a GeoJSON feature for orb's encoder, its geometry written as hexbeat writes
// its own: a copy with coordinates rounded to coordDecimals, outer rings counter-clockwise
// and holes clockwise (an authorisation's area is drawn by a person, in either direction).
func Feature(g orb.Geometry) *geojson.Feature {
	g = orb.Round(orb.Clone(g), 1e7)
	switch x := g.(type) {
	case orb.Polygon:
		orient(x)
	case orb.MultiPolygon:
		for _, p := range x {
			orient(p)
		}
	}
	return geojson.NewFeature(g)
}

// orient turns a polygon's rings, in place, to RFC 7946's directions.
func orient(p orb.Polygon) {
	for i, r := range p {
		if wrongWay(i, r) {
			r.Reverse()
		}
	}
}

// wrongWay tells whether ring i of a polygon runs against RFC 7946: the outer ring (0)
// counter-clockwise, holes clockwise.
func wrongWay(i int, r orb.Ring) bool {
	want := orb.CCW
	if i > 0 {
		want = orb.CW
	}
	o := r.Orientation()
	return o != want && o != 0
}

// appendCellGeometry writes a cell's hexagon (or pentagon) as a Polygon, as remembered
// when it was last written.
func (e *Encoder) appendCellGeometry(b []byte, cell uint64) []byte {
	if got, ok := e.cells.Append(b, cell); ok {
		return got
	}
	start := len(b)
	b = writeCellGeometry(b, cell)
	if text := b[start:]; text[0] == '{' { // without an outline: not remembered
		e.cells.Put(cell, text)
	}
	return b
}

// writeCellGeometry writes a cell's outline as a Polygon, or null if it has none.
func writeCellGeometry(b []byte, cell uint64) []byte {
	var buf [grid.MaxRingPoints]orb.Point
	ring, err := grid.AppendBoundary(buf[:0], cell)
	if err != nil {
		return append(b, "null"...)
	}
	b = append(b, `{"type":"Polygon","coordinates":[`...)
	b = AppendRing(b, ring)
	return append(b, "]}"...)
}

// AppendNotes writes a member "notes": the list of what a reader must know to read the
// answer (periods outside the data held, for one), always present, empty when all is well.
func AppendNotes(b []byte, notes []string) []byte {
	b = append(b, `,"notes":[`...)
	for i, n := range notes {
		if i > 0 {
			b = append(b, ',')
		}
		b = AppendString(b, n)
	}
	return append(b, ']')
}

// NotesOf reads the notes member of a layer's collection.
func NotesOf(members map[string]any) []string {
	var out []string
	switch v := members["notes"].(type) {
	case []string:
		out = v
	case []any:
		for _, n := range v {
			if s, ok := n.(string); ok {
				out = append(out, s)
			}
		}
	}
	return out
}

// AppendString writes s as a JSON string.
func AppendString(b []byte, s string) []byte {
	q, _ := json.Marshal(s)
	return append(b, q...)
}

// AppendNumber writes a float with enough digits to round-trip; NaN and ±Inf (undefined
// statistics) are written as null, which JSON has instead.
func AppendNumber(b []byte, v float64) []byte {
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

// Stamp writes a time as RFC 3339 in UTC, as every answer does.
func Stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// BBoxOf is a box as GeoJSON and OGC write it, [west, south, east, north], to 7 decimals.
func BBoxOf(b orb.Bound) []float64 {
	r := func(v float64) float64 { return math.Round(v*1e7) / 1e7 }
	return []float64{r(b.Min[0]), r(b.Min[1]), r(b.Max[0]), r(b.Max[1])}
}

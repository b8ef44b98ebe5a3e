package encode

import (
	"encoding/binary"
	"math"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
)

// MVTLayer writes one layer of a Mapbox Vector Tile (2.1) of hexagons straight into
// protobuf. The map asks for a view's tiles on every change of its filters, so they are
// on the critical path of each change: a general encoder (GeoJSON features with property
// maps, then projection, clipping, a protobuf struct and its marshalling) spent most of
// a tile's time on the way. Hexagons are convex, a few pixels to a few tens across, and
// are chosen by their centre, so they need no clipping: a hexagon over the tile's edge is
// drawn up to a hexagon's width beyond it, inside the buffer renderers draw.
type MVTLayer struct {
	name     string
	keys     []string
	features []byte // encoded Feature messages, each with its field header
	values   []byte // encoded Value messages, each with its field header
	index    map[MVTValue]uint32
	nvalues  uint32
	n        int // features

	// projection: tile coordinate = world coordinate × world − offset
	world, x0, y0 float64
	pts           [][2]int64
	cx, cy        int64 // the cursor: geometry is written as moves from the last point
	tags, geom    []uint32
	buf, vbuf     []byte
}

// MVTExtent is the tile's size in its own units.
const MVTExtent = 4096

// MVTValue is a property value: a string, a float, an unsigned or a signed integer, or
// none (kind 0: the feature goes without the property).
type MVTValue struct {
	kind uint8 // the Value message's field number: 1 string, 2 float, 5 uint, 6 sint
	n    uint64
	s    string
}

// MVTFloat keeps 7 significant digits, plenty to draw and label a cell (the API's
// GeoJSON and CSV carry full precision), in half the bytes of a double. NaN (the null of
// the GeoJSON) is no value.
func MVTFloat(f float64) MVTValue {
	if math.IsNaN(f) {
		return MVTValue{}
	}
	return MVTValue{kind: 2, n: uint64(math.Float32bits(float32(f)))}
}

// MVTString, MVTUint and MVTSint are a feature's property values of those kinds.
func MVTString(s string) MVTValue     { return MVTValue{kind: 1, s: s} }
func MVTUint(u int) MVTValue          { return MVTValue{kind: 5, n: uint64(u)} }
func MVTSint(i int) MVTValue          { return MVTValue{kind: 6, n: zigzag(int64(i))} }
func zigzag(i int64) uint64           { return uint64(i<<1) ^ uint64(i>>63) }
func mvtCommand(id, count int) uint32 { return uint32(id&7 | count<<3) }

// NewMVTLayer starts the layer name of tile t, whose features carry the values of keys.
func NewMVTLayer(name string, t maptile.Tile, keys ...string) *MVTLayer {
	world := float64(uint64(1)<<t.Z) * MVTExtent
	return &MVTLayer{name: name, keys: keys, index: map[MVTValue]uint32{},
		world: world, x0: float64(t.X) * MVTExtent, y0: float64(t.Y) * MVTExtent}
}

// project gives a longitude and latitude's position in the tile (Web Mercator, y down;
// latitudes beyond Web Mercator's ±85.05° drawn at its edge).
func (l *MVTLayer) project(p orb.Point) (int64, int64) {
	x := (p[0]+180)/360*l.world - l.x0
	y := mercatorY(p[1])*l.world - l.y0
	return int64(math.Round(x)), int64(math.Round(y))
}

// mercatorY is a latitude's Web Mercator y, 0 at the top of the world and 1 at its foot.
func mercatorY(lat float64) float64 {
	lat = min(max(lat, -85.0511287798), 85.0511287798) * math.Pi / 180
	return (1 - math.Log(math.Tan(lat)+1/math.Cos(lat))/math.Pi) / 2
}

// Span is the width and height, in tile units at the layer's zoom, of a [lon,lat] box.
func (l *MVTLayer) Span(b orb.Bound) (w, h float64) {
	return (b.Max[0] - b.Min[0]) / 360 * l.world, (mercatorY(b.Min[1]) - mercatorY(b.Max[1])) * l.world
}

// AddPolygon adds a feature of one ring (closed or not) with the values of the layer's
// keys, in order. A ring that collapses to less than a triangle at this zoom is left out.
func (l *MVTLayer) AddPolygon(ring orb.Ring, values ...MVTValue) {
	l.startFeature()
	if l.ring(ring, true) {
		l.endFeature(values)
	}
}

// AddPolygons adds a feature of polygons (each an outline, then its holes) with the values
// of the layer's keys. A ring that collapses at this zoom is left out, and with an outline
// its holes; a feature with nothing left is not added.
func (l *MVTLayer) AddPolygons(mp orb.MultiPolygon, values ...MVTValue) {
	l.startFeature()
	for _, p := range mp {
		if len(p) == 0 || !l.ring(p[0], true) {
			continue
		}
		for _, hole := range p[1:] {
			l.ring(hole, false)
		}
	}
	if len(l.geom) > 0 {
		l.endFeature(values)
	}
}

func (l *MVTLayer) startFeature() {
	l.geom = l.geom[:0]
	l.cx, l.cy = 0, 0
}

// ring appends a ring's commands to the feature being built: projected to the tile, with
// points that fall on the same tile unit merged, and turned as an outline (clockwise with y
// down, a positive area) or a hole. It adds nothing, and reports false, for a ring that
// collapses to less than a triangle.
func (l *MVTLayer) ring(ring orb.Ring, outline bool) bool {
	l.pts = l.pts[:0]
	for _, p := range ring {
		x, y := l.project(p)
		if n := len(l.pts); n > 0 && l.pts[n-1] == [2]int64{x, y} {
			continue
		}
		l.pts = append(l.pts, [2]int64{x, y})
	}
	if n := len(l.pts); n > 1 && l.pts[0] == l.pts[n-1] {
		l.pts = l.pts[:n-1]
	}
	if len(l.pts) < 3 {
		return false
	}
	var area int64 // twice the signed area; positive is an outline (clockwise, y down)
	for i, p := range l.pts {
		q := l.pts[(i+1)%len(l.pts)]
		area += p[0]*q[1] - q[0]*p[1]
	}
	if area == 0 {
		return false
	}
	if (area < 0) == outline {
		for i, j := 0, len(l.pts)-1; i < j; i, j = i+1, j-1 {
			l.pts[i], l.pts[j] = l.pts[j], l.pts[i]
		}
	}
	l.geom = append(l.geom, mvtCommand(1, 1))
	for i, p := range l.pts {
		if i == 1 {
			l.geom = append(l.geom, mvtCommand(2, len(l.pts)-1))
		}
		l.geom = append(l.geom, uint32(zigzag(p[0]-l.cx)), uint32(zigzag(p[1]-l.cy)))
		l.cx, l.cy = p[0], p[1]
	}
	l.geom = append(l.geom, mvtCommand(7, 1))
	return true
}

// endFeature writes the feature built, with its values.
func (l *MVTLayer) endFeature(values []MVTValue) {
	l.tags = l.tags[:0]
	for k, v := range values {
		if v.kind != 0 {
			l.tags = append(l.tags, uint32(k), l.value(v))
		}
	}
	// no feature id: an H3 index does not fit a JavaScript number; a property names it
	f := appendPacked(l.buf[:0], 2, l.tags)
	f = appendVarintField(f, 3, 3) // POLYGON
	f = appendPacked(f, 4, l.geom)
	l.buf = f
	l.features = appendBytesField(l.features, 2, f)
	l.n++
}

// value returns v's position in the layer's values, adding it when new.
func (l *MVTLayer) value(v MVTValue) uint32 {
	if i, ok := l.index[v]; ok {
		return i
	}
	i := l.nvalues
	l.index[v] = i
	l.nvalues++
	m := l.vbuf[:0]
	switch v.kind {
	case 1:
		m = appendBytesField(m, 1, []byte(v.s))
	case 2:
		m = binary.LittleEndian.AppendUint32(appendKey(m, 2, 5), uint32(v.n))
	default:
		m = appendVarintField(m, int(v.kind), v.n)
	}
	l.values = appendBytesField(l.values, 4, m)
	l.vbuf = m
	return i
}

// Tile returns the encoded tile holding this layer, or no bytes when it has no features.
func (l *MVTLayer) Tile() []byte {
	if l.n == 0 {
		return nil
	}
	b := appendVarintField(nil, 15, 2) // version
	b = appendBytesField(b, 1, []byte(l.name))
	b = append(b, l.features...)
	for _, k := range l.keys {
		b = appendBytesField(b, 3, []byte(k))
	}
	b = append(b, l.values...)
	b = appendVarintField(b, 5, MVTExtent)
	return appendBytesField(make([]byte, 0, len(b)+8), 3, b)
}

// protobuf wire format: a key is field<<3 | wire type (0 varint, 2 length-delimited, 5 fixed32)
func appendKey(b []byte, field, wire int) []byte {
	return binary.AppendUvarint(b, uint64(field<<3|wire))
}

func appendVarintField(b []byte, field int, v uint64) []byte {
	return binary.AppendUvarint(appendKey(b, field, 0), v)
}

func appendBytesField(b []byte, field int, v []byte) []byte {
	b = binary.AppendUvarint(appendKey(b, field, 2), uint64(len(v)))
	return append(b, v...)
}

func appendPacked(b []byte, field int, vs []uint32) []byte {
	n := 0
	for _, v := range vs {
		n += uvarintLen(uint64(v))
	}
	b = binary.AppendUvarint(appendKey(b, field, 2), uint64(n))
	for _, v := range vs {
		b = binary.AppendUvarint(b, uint64(v))
	}
	return b
}

func uvarintLen(v uint64) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}

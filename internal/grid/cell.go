package grid

import (
	"fmt"
	"math"
	"strconv"
	"sync"

	"github.com/paulmach/orb"
	"github.com/uber/h3-go/v4"
)

// Layout of an H3 cell index (see h3geo.org, "H3 index"): bit 63 reserved, bits 59..62 the
// mode (1 for a cell), bits 52..55 the resolution, bits 45..51 the base cell, then fifteen
// 3-bit digits, digit r at bits 3*(15-r) .. 3*(15-r)+2; digits past the resolution are 7.
const (
	resShift  = 52
	resMask   = uint64(0xf) << resShift
	modeShift = 59
	modeCell  = 1
)

// MaxRes is the finest H3 resolution.
const MaxRes = 15

// FromLonLat returns the cell at resolution res holding the point. It fails for
// coordinates out of range and for res outside 0..15.
func FromLonLat(lon, lat float64, res int) (uint64, error) {
	if res < 0 || res > MaxRes {
		return 0, fmt.Errorf("grid: resolution %d out of range 0..15", res)
	}
	if !(lon >= -180 && lon <= 180 && lat >= -90 && lat <= 90) {
		return 0, fmt.Errorf("grid: coordinates (%v, %v) out of range", lon, lat)
	}
	c, err := h3.LatLngToCell(h3.LatLng{Lat: lat, Lng: lon}, res)
	if err != nil {
		return 0, fmt.Errorf("grid: cell of (%v, %v): %w", lon, lat, err)
	}
	return uint64(c), nil
}

// Res returns the resolution of a cell index.
func Res(cell uint64) int { return int((cell & resMask) >> resShift) }

// Parent returns the ancestor of cell at resolution res (res <= Res(cell)) by setting the
// resolution field and filling the finer digits with 7. It does not validate cell.
func Parent(cell uint64, res int) uint64 {
	r := Res(cell)
	if res >= r {
		return cell
	}
	// digits res+1 .. r occupy the low bits from 3*(15-r) up to 3*(15-res); set them to 7.
	fill := (uint64(1)<<(3*(r-res)) - 1) << (3 * (MaxRes - r))
	return (cell&^resMask | uint64(res)<<resShift) | fill
}

// Valid reports whether cell is a valid H3 cell index.
func Valid(cell uint64) bool { return h3.Cell(int64(cell)).IsValid() }

// String formats a cell as H3's lower-case hexadecimal string.
func String(cell uint64) string { return strconv.FormatUint(cell, 16) }

// Parse reads a cell from H3's hexadecimal string and checks that it is a valid cell.
func Parse(s string) (uint64, error) {
	v, err := strconv.ParseUint(s, 16, 64)
	if err != nil || v>>modeShift&0xf != modeCell || !Valid(v) {
		return 0, fmt.Errorf("grid: %q is not an H3 cell", s)
	}
	return v, nil
}

// Center returns the centre of a cell as an orb point [lon,lat].
func Center(cell uint64) orb.Point {
	ll, err := h3.CellToLatLng(h3.Cell(int64(cell)))
	if err != nil {
		return orb.Point{math.NaN(), math.NaN()}
	}
	return orb.Point{ll.Lng, ll.Lat}
}

// MaxRingPoints is the most points a cell's closed outline has: h3 gives at most 10
// vertices (a pentagon, or a hexagon crossing an icosahedron edge), and the ring repeats
// the first.
const MaxRingPoints = 11

// AppendBoundary appends a cell's outline to dst: a closed ring [lon,lat], counter-clockwise
// as RFC 7946 wants outer rings. Layers write the outline of every cell they send, in
// GeoJSON, CSV and tiles, and h3's boundary through cgo was half the time of a large GeoJSON
// layer, so outlines are remembered (see rings).
func AppendBoundary(dst orb.Ring, cell uint64) (orb.Ring, error) {
	if got, ok := rings.Append(dst, cell); ok {
		return got, nil
	}
	b, err := h3.CellToBoundary(h3.Cell(int64(cell)))
	if err != nil {
		return dst, fmt.Errorf("grid: boundary of %s: %w", String(cell), err)
	}
	start := len(dst)
	for _, ll := range b {
		dst = append(dst, orb.Point{ll.Lng, ll.Lat})
	}
	dst = append(dst, dst[start])
	ring := dst[start:]
	if ring.Orientation() == orb.CW {
		ring.Reverse()
	}
	rings.Put(cell, ring)
	return dst, nil
}

// rings remembers the outlines of the cells asked for, closed and counter-clockwise: at
// most 131,072 of them (about 20 MB of hexagons), then it starts again.
var rings = NewCellMemo[orb.Point](1 << 17)

// Disk returns the cells within k grid steps of cell, cell included.
func Disk(cell uint64, k int) ([]uint64, error) {
	d, err := h3.GridDisk(h3.Cell(int64(cell)), k)
	if err != nil {
		return nil, fmt.Errorf("grid: disk of %s: %w", String(cell), err)
	}
	out := make([]uint64, 0, len(d))
	for _, c := range d {
		if c != 0 {
			out = append(out, uint64(c))
		}
	}
	return out, nil
}

// DiskRings returns the cells within k grid steps of cell by their distance from it: ring r
// holds the cells exactly r steps away (ring 0 is the cell itself).
func DiskRings(cell uint64, k int) ([][]uint64, error) {
	d, err := h3.GridDiskDistances(h3.Cell(int64(cell)), k)
	if err != nil {
		return nil, fmt.Errorf("grid: disk of %s: %w", String(cell), err)
	}
	out := make([][]uint64, len(d))
	for r, ring := range d {
		out[r] = make([]uint64, 0, len(ring))
		for _, c := range ring {
			if c != 0 {
				out[r] = append(out[r], uint64(c))
			}
		}
	}
	return out, nil
}

// AreaKm2 returns the exact area of a cell in square kilometres.
func AreaKm2(cell uint64) float64 {
	areas.RLock()
	a, ok := areas.m[cell]
	areas.RUnlock()
	if ok {
		return a
	}
	a, err := h3.CellAreaKm2(h3.Cell(int64(cell)))
	if err != nil {
		return math.NaN()
	}
	areas.Lock()
	if areas.m == nil || len(areas.m) >= areaMemo {
		areas.m = make(map[uint64]float64, 1024)
	}
	areas.m[cell] = a
	areas.Unlock()
	return a
}

// areas remembers the areas of the cells asked for (every hotspot layer asks for each of
// its cells, and h3's exact area, a sum of spherical triangles through cgo, was half the
// time of a 20,000-cell layer); at most areaMemo of them (16 MB), then it starts again.
var areas struct {
	sync.RWMutex
	m map[uint64]float64
}

const areaMemo = 1 << 19

// MinCentreSpacingM is a lower bound on the distance in metres between the centres of two
// neighbouring cells at res: √3 times the average edge length, halved for H3's distortion
// (edges vary by about a factor of two over the globe).
func MinCentreSpacingM(res int) float64 {
	e, err := h3.HexagonEdgeLengthAvgM(res)
	if err != nil {
		return 0.5
	}
	return math.Sqrt(3) * e / 2
}

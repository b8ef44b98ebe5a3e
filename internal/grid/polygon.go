package grid

import (
	"fmt"

	"github.com/paulmach/orb"
	"github.com/uber/h3-go/v4"
)

// PolygonCells returns the cells at resolution res whose centres lie inside the polygon
// (H3's centre containment), holes respected. A polygon with no area (a box of one point,
// a line) has none; H3 fails on one.
func PolygonCells(p orb.Polygon, res int) ([]uint64, error) {
	if len(p) == 0 || ringArea2(p[0]) == 0 {
		return nil, nil
	}
	gp := h3.GeoPolygon{GeoLoop: loop(p[0])}
	for _, hole := range p[1:] {
		gp.Holes = append(gp.Holes, loop(hole))
	}
	cells, err := h3.PolygonToCells(gp, res)
	if err != nil {
		return nil, fmt.Errorf("grid: polygon to cells at res %d: %w", res, err)
	}
	out := make([]uint64, 0, len(cells))
	for _, c := range cells {
		if c != 0 {
			out = append(out, uint64(c))
		}
	}
	return out, nil
}

// MultiPolygonCells is PolygonCells over every polygon of mp, without duplicates.
func MultiPolygonCells(mp orb.MultiPolygon, res int) ([]uint64, error) {
	seen := map[uint64]bool{}
	var out []uint64
	for _, p := range mp {
		cells, err := PolygonCells(p, res)
		if err != nil {
			return nil, err
		}
		for _, c := range cells {
			if !seen[c] {
				seen[c] = true
				out = append(out, c)
			}
		}
	}
	return out, nil
}

// ringArea2 is twice a ring's signed planar area (shoelace), in square degrees.
func ringArea2(r orb.Ring) float64 {
	a := 0.0
	for i := range r {
		j := (i + 1) % len(r)
		a += r[i][0]*r[j][1] - r[j][0]*r[i][1]
	}
	return a
}

func loop(r orb.Ring) h3.GeoLoop {
	n := len(r)
	if n > 1 && r[0] == r[n-1] {
		n-- // H3 loops are implicitly closed
	}
	l := make(h3.GeoLoop, n)
	for i := 0; i < n; i++ {
		l[i] = h3.LatLng{Lat: r[i][1], Lng: r[i][0]}
	}
	return l
}

// GeometryCells is PolygonCells for an orb.Polygon or orb.MultiPolygon.
func GeometryCells(g orb.Geometry, res int) ([]uint64, error) {
	switch p := g.(type) {
	case orb.Polygon:
		return PolygonCells(p, res)
	case orb.MultiPolygon:
		return MultiPolygonCells(p, res)
	case orb.Bound:
		return PolygonCells(p.ToPolygon(), res)
	}
	return nil, fmt.Errorf("grid: cells of a %T: want a polygon", g)
}

// AvgAreaKm2 is the average area of a cell at res.
func AvgAreaKm2(res int) float64 {
	a, err := h3.HexagonAreaAvgKm2(res)
	if err != nil {
		return 0
	}
	return a
}

// CircumradiusKm is how far a cell at res reaches from its centre, on average: a regular
// hexagon's circumradius is its edge length.
func CircumradiusKm(res int) float64 {
	e, err := h3.HexagonEdgeLengthAvgKm(res)
	if err != nil {
		return 0
	}
	return e
}

// Outline dissolves cells (one resolution, no duplicates) into their outline: one polygon
// per connected group, holes kept, rings closed, outer rings counter-clockwise and holes
// clockwise (RFC 7946).
func Outline(cells []uint64) (orb.MultiPolygon, error) {
	hc := make([]h3.Cell, len(cells))
	for i, c := range cells {
		hc[i] = h3.Cell(int64(c))
	}
	polys, err := h3.CellsToMultiPolygon(hc)
	if err != nil {
		return nil, fmt.Errorf("grid: outline of %d cells: %w", len(cells), err)
	}
	ring := func(l h3.GeoLoop, want orb.Orientation) orb.Ring {
		r := make(orb.Ring, 0, len(l)+1)
		for _, ll := range l {
			r = append(r, orb.Point{ll.Lng, ll.Lat})
		}
		if len(r) > 0 && r[0] != r[len(r)-1] {
			r = append(r, r[0])
		}
		if r.Orientation() != want {
			r.Reverse()
		}
		return r
	}
	out := make(orb.MultiPolygon, 0, len(polys))
	for _, p := range polys {
		poly := orb.Polygon{ring(p.GeoLoop, orb.CCW)}
		for _, h := range p.Holes {
			poly = append(poly, ring(h, orb.CW))
		}
		out = append(out, poly)
	}
	return out, nil
}

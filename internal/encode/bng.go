package encode

import (
	"math"
	"strconv"

	"github.com/hexbeat/hexbeat/internal/crs"
	"github.com/paulmach/orb"
)

// ToBNG is a WGS 84 [lon,lat] as a British National Grid [easting,northing] (metres), to a
// tenth of a millimetre: a force's own eastings and northings (to the metre, or to four
// decimals as some exports write them) come back as imported from their unrounded points,
// crs.WGS84ToBNG being BNGToWGS84's exact inverse. A point the grid cannot hold is NaN.
func ToBNG(p orb.Point) orb.Point {
	e, n, err := crs.WGS84ToBNG(p[0], p[1])
	if err != nil {
		return orb.Point{math.NaN(), math.NaN()}
	}
	return orb.Point{math.Round(e*1e4) / 1e4, math.Round(n*1e4) / 1e4}
}

// AppendMetres writes an easting or northing in its shortest form (at most 4 decimals after
// ToBNG).
func AppendMetres(b []byte, v float64) []byte { return strconv.AppendFloat(b, v, 'f', -1, 64) }

// MapPoints applies fn to every position of g, in place, and returns g.
func MapPoints(g orb.Geometry, fn func(orb.Point) orb.Point) orb.Geometry {
	switch g := g.(type) {
	case orb.Point:
		return fn(g)
	case orb.MultiPoint:
		for i := range g {
			g[i] = fn(g[i])
		}
	case orb.LineString:
		for i := range g {
			g[i] = fn(g[i])
		}
	case orb.Ring:
		for i := range g {
			g[i] = fn(g[i])
		}
	case orb.Polygon:
		for _, r := range g {
			MapPoints(r, fn)
		}
	case orb.MultiPolygon:
		for _, p := range g {
			MapPoints(p, fn)
		}
	case orb.MultiLineString:
		for _, l := range g {
			MapPoints(l, fn)
		}
	}
	return g
}

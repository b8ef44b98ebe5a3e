package api

import (
	"encoding/json"
	"math"

	"github.com/gofiber/fiber/v2"
	"github.com/hexbeat/hexbeat/internal/catalog"
	"github.com/hexbeat/hexbeat/internal/crs"
	"github.com/hexbeat/hexbeat/internal/encode"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// OGC API – Features Part 2 (coordinate reference systems by reference): a collection's
// items in CRS84 (GeoJSON's own, the default), EPSG:4326 (latitude first, as that CRS
// orders its axes) or EPSG:27700 (British National Grid eastings and northings, which
// analysts and QGIS projects in Great Britain use); crs chooses the answer's, bbox-crs the
// bbox's, and Content-Crs says which an answer is in.

const (
	ogcCRSClass = "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs"
	crs4326     = string(hexbeat.EPSG4326)
	crs27700    = string(hexbeat.EPSG27700)
)

// ogcCRSs are the CRSs a collection's items are offered in.
var ogcCRSs = []string{crs84, crs4326, crs27700}

// readCRS reads a crs or bbox-crs parameter (hexbeat.ParseCRS): one of ogcCRSs; CRS84
// when absent.
func readCRS(p *catalog.Params, name string) string {
	v := p.One(name)
	c, ok := hexbeat.ParseCRS(v)
	if !ok {
		p.Fail(name, "must be one of %s, %s or %s (EPSG:27700 is British National Grid), got %q", crs84, crs4326, crs27700, v)
		return crs84
	}
	return string(c)
}

// toCRS84 turns a bbox given in crs into longitude and latitude: the bound of its corners.
func toCRS84(b *orb.Bound, from string) *orb.Bound {
	if b == nil || from == crs84 {
		return b
	}
	var out orb.Bound
	for i, corner := range []orb.Point{b.Min, {b.Min[0], b.Max[1]}, {b.Max[0], b.Min[1]}, b.Max} {
		var pt orb.Point
		switch from {
		case crs4326:
			pt = orb.Point{corner[1], corner[0]}
		case crs27700:
			lon, lat, err := crs.BNGToWGS84(math.Max(0, math.Min(corner[0], crs.MaxEasting)), math.Max(0, math.Min(corner[1], crs.MaxNorthing)))
			if err != nil {
				return b
			}
			pt = orb.Point{lon, lat}
		}
		if i == 0 {
			out = pt.Bound()
		} else {
			out = out.Extend(pt)
		}
	}
	return &out
}

// inCRS writes features (GeoJSON in CRS84) in crs to: latitude first for EPSG:4326;
// eastings and northings for EPSG:27700, to a tenth of a millimetre so that a force's own
// (to the metre, or to four decimals as some exports write them) come back as imported
// from unrounded points (crs.WGS84ToBNG is BNGToWGS84's exact inverse).
func inCRS(features []json.RawMessage, to string) ([]json.RawMessage, error) {
	if to == crs84 {
		return features, nil
	}
	project := func(p orb.Point) orb.Point {
		if to == crs4326 {
			return orb.Point{p[1], p[0]}
		}
		return encode.ToBNG(p)
	}
	out := make([]json.RawMessage, len(features))
	for i, raw := range features {
		f, err := geojson.UnmarshalFeature(raw)
		if err != nil {
			return nil, err
		}
		if f.Geometry != nil {
			f.Geometry = encode.MapPoints(orb.Clone(f.Geometry), project)
		}
		if len(f.BBox) == 4 {
			lo, hi := project(orb.Point{f.BBox[0], f.BBox[1]}), project(orb.Point{f.BBox[2], f.BBox[3]})
			f.BBox = geojson.BBox{math.Min(lo[0], hi[0]), math.Min(lo[1], hi[1]), math.Max(lo[0], hi[0]), math.Max(lo[1], hi[1])}
		}
		if out[i], err = json.Marshal(f); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// setContentCRS says which CRS an answer's coordinates are in.
func setContentCRS(c *fiber.Ctx, uri string) { c.Set("Content-Crs", "<"+uri+">") }

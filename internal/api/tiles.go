package api

import (
	"cmp"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/gofiber/fiber/v2"
	"github.com/hexbeat/hexbeat/internal/catalog"
	"github.com/hexbeat/hexbeat/internal/encode"
	"github.com/hexbeat/hexbeat/internal/grid"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/clip"
	"github.com/paulmach/orb/maptile"
)

// Vector tiles (Mapbox Vector Tile 2.1) of the cell and hotspot layers, and of the
// boundaries, with a TileJSON document per layer. The H3 resolution follows the zoom
// (res = zoom − 3, within 0..15) unless res is given; the layer's other parameters are the
// API's. Boundaries are clipped to the tile (with a buffer); a national set of LSOAs is
// too large to send a map whole.

var tileLayers = map[string]bool{"hotspots": true, "cells": true, "boundaries": true}

// cellTileParams are the parameters of the cells tiles (the hotspot tiles take a hotspot
// layer's).
var cellTileParams = []string{"res", "from", "to", "category", "area"}

func (s *Server) tileRoutes() {
	g := s.app.Group("/tiles", s.authorize(hexbeat.PermRead))
	g.Get("/:layer.json", s.tileJSON)
	g.Get("/:layer/:z/:x/:y.mvt", s.cached(s.tile))
}

func (s *Server) tileJSON(c *fiber.Ctx) error {
	layer := c.Params("layer")
	if !tileLayers[layer] {
		return hexbeat.Errorf(hexbeat.ENOTFOUND, "no tile layer %q (hotspots, cells or boundaries)", layer)
	}
	q := string(c.Request().URI().QueryString())
	if q != "" {
		q = "?" + q
	}
	return c.JSON(fiber.Map{"tilejson": "3.0.0", "name": "hexbeat " + layer, "scheme": "xyz", "minzoom": 3, "maxzoom": 18,
		"tiles":         []string{c.BaseURL() + "/tiles/" + layer + "/{z}/{x}/{y}.mvt" + q},
		"vector_layers": []fiber.Map{{"id": layer, "minzoom": 3, "maxzoom": 18, "fields": tileFields(layer)}}})
}

func tileFields(layer string) fiber.Map {
	switch layer {
	case "cells":
		return fiber.Map{"cell": "String", "count": "Number"}
	case "boundaries":
		return fiber.Map{"id": "String", "kind": "String", "name": "String"}
	}
	return fiber.Map{"cell": "String", "count": "Number", "value": "Number", "z": "Number", "p": "Number", "p_fdr": "Number", "bin": "Number", "rank": "Number",
		"value_class": "Number"}
}

// resForZoom picks the H3 resolution that gives hexagons of a few pixels to a few tens at
// a zoom: res 9 (about 350 m across) at zoom 12.
func resForZoom(z int) int { return min(max(z-3, 0), hexbeat.MaxResolution) }

// minBoundaryUnits is the least width or height, in tile units, of a boundary drawn in a
// tile: a pixel of a tile drawn 512 pixels wide, as MapLibre draws vector tiles. Smaller
// boundaries are left out: at zoom 5 a unit is about 190 m at British latitudes, and 97 of
// Milton Keynes' 152 LSOAs are specks under a pixel; a national set of them made megabytes
// of such specks (docs/benchmarks.md).
const minBoundaryUnits = 4096 / 512

func (s *Server) tile(c *fiber.Ctx) error {
	layer := c.Params("layer")
	if !tileLayers[layer] {
		return hexbeat.Errorf(hexbeat.ENOTFOUND, "no tile layer %q (hotspots, cells or boundaries)", layer)
	}
	z, ez := strconv.Atoi(c.Params("z"))
	x, ex := strconv.Atoi(c.Params("x"))
	y, ey := strconv.Atoi(strings.TrimSuffix(c.Params("y"), ".mvt"))
	if ez != nil || ex != nil || ey != nil || z < 0 || z > 22 || x < 0 || y < 0 || x >= 1<<z || y >= 1<<z {
		return hexbeat.Errorf(hexbeat.ENOTFOUND, "no tile %s/%s/%s", c.Params("z"), c.Params("x"), c.Params("y"))
	}
	t := maptile.New(uint32(x), uint32(y), maptile.Zoom(z))
	bound := t.Bound()
	// cells whose centre lies a cell's width outside the tile still overlap it: the box
	// a tile takes its cells from is the tile widened by two cells of the layer's own
	// resolution (a map may ask for coarser cells than the zoom's, and a renderer draws a
	// tile's features only over that tile: a cell left out of the tile its edge crosses
	// leaves a seam there)
	around := func(res int, cells float64) orb.Bound {
		m := cells * grid.MinCentreSpacingM(res)
		north := math.Max(math.Abs(bound.Min[1]), math.Abs(bound.Max[1]))
		dLat, dLon := m/111_000, m/(111_000*math.Max(math.Cos(north*math.Pi/180), 0.01))
		return orb.Bound{Min: orb.Point{bound.Min[0] - dLon, bound.Min[1] - dLat}, Max: orb.Point{bound.Max[0] + dLon, bound.Max[1] + dLat}}
	}
	var out *encode.MVTLayer
	var ring orb.Ring
	switch layer {
	case "hotspots":
		p := newParams(c, catalog.HotspotParams...)
		hq := catalog.HotspotQuery(p)
		if p.One("res") == "" {
			hq.Res = resForZoom(z)
		}
		if err := p.Err(); err != nil {
			return err
		}
		query := around(hq.Res, 2)
		l, err := s.layers.Hotspots(c.UserContext(), hq)
		if err != nil {
			return err
		}
		out = encode.NewMVTLayer(layer, t, "cell", "count", "value", "z", "p", "p_fdr", "bin", "rank", "value_class")
		ix := s.tiles.of(l)
		lo, _ := slices.BinarySearch(ix.lons, query.Min[0])
		for i := lo; i < len(ix.lons) && ix.lons[i] <= query.Max[0]; i++ {
			hc := l.Cells[ix.order[i]]
			if (hc.Count > 0 || hc.Bin != 0) && query.Contains(ix.centres[i]) { // empty, insignificant cells stay out
				ring, _ = grid.AppendBoundary(ring[:0], hc.Cell)
				out.AddPolygon(ring, encode.MVTString(grid.String(hc.Cell)), encode.MVTUint(hc.Count), encode.MVTFloat(hc.Value),
					encode.MVTFloat(hc.Z), encode.MVTFloat(hc.P), encode.MVTFloat(hc.PFDR), encode.MVTSint(hc.Bin), encode.MVTUint(hc.Rank), encode.MVTUint(encode.ValueClass(hc.Value, ix.breaks)))
			}
		}
	case "cells":
		p := newParams(c, cellTileParams...)
		cq := catalog.CellQuery(p)
		if p.One("res") == "" {
			cq.Res = resForZoom(z)
		}
		// the cells whose centre lies within two cells of the tile, counted from every
		// incident of theirs: the incidents are asked for a cell further out
		keep, query := around(cq.Res, 2), around(cq.Res, 3)
		cq.BBox = &query
		if err := p.Err(); err != nil {
			return err
		}
		l, err := s.layers.Cells(c.UserContext(), cq)
		if err != nil {
			return err
		}
		out = encode.NewMVTLayer(layer, t, "cell", "count")
		for _, cc := range l.Cells {
			if !keep.Contains(grid.Center(cc.Cell)) {
				continue
			}
			ring, _ = grid.AppendBoundary(ring[:0], cc.Cell)
			out.AddPolygon(ring, encode.MVTString(grid.String(cc.Cell)), encode.MVTUint(cc.Count))
		}
	case "boundaries":
		p := newParams(c, "kind", "v") // v: a client's version of its URLs (the web map's, to ask again after an import)
		// a buffer of 64 tile units, as renderers expect, so that no seam shows at the edges
		box := bound.Pad((bound.Max[0] - bound.Min[0]) * 64 / encode.MVTExtent)
		bs, bounds, err := s.cat.HeldBoundaries(p, &box)
		if err != nil {
			return err
		}
		out = encode.NewMVTLayer(layer, t, "id", "kind", "name")
		for i, bd := range bs {
			if w, h := out.Span(bounds[i]); w < minBoundaryUnits && h < minBoundaryUnits {
				continue // under a pixel at this zoom: LSOAs at a national view
			}
			mp := bd.Geometry
			if b := bounds[i]; !box.Contains(b.Min) || !box.Contains(b.Max) {
				mp = clip.MultiPolygon(box, mp.Clone()) // clip works in place
			}
			out.AddPolygons(mp, encode.MVTString(bd.ID), encode.MVTString(bd.Kind), encode.MVTString(bd.Name))
		}
	}
	c.Set(fiber.HeaderContentType, "application/vnd.mapbox-vector-tile")
	s.labelData(c)
	b := out.Tile()
	// with the answer cache on, it keeps the tile and its gzip copy and sends the one the
	// client accepts; without it the tile is compressed here
	if len(b) > 0 && s.cache == nil && acceptsGzip(c) {
		c.Set(fiber.HeaderContentEncoding, "gzip")
		return c.Send(gzipFast(b))
	}
	return c.Send(b)
}

// tileIndexes keeps, for the last hotspot layers drawn as tiles, their cells' centres in
// longitude order, so that a tile finds its cells by binary search instead of computing
// every centre again (a layer's tiles come from one shared, cached layer).
type tileIndexes struct {
	mu      sync.Mutex
	entries map[*hexbeat.HotspotCell]*tileIndex
	order   []*hexbeat.HotspotCell
}

type tileIndex struct {
	once    sync.Once
	order   []int       // cell positions in the layer, by the longitude of their centre
	lons    []float64   // those longitudes
	centres []orb.Point // and centres
	breaks  []float64   // the layer's value breaks (the summary's value_breaks)
}

func (t *tileIndexes) of(l hexbeat.HotspotLayer) *tileIndex {
	if len(l.Cells) == 0 {
		return &tileIndex{}
	}
	key := &l.Cells[0]
	t.mu.Lock()
	if t.entries == nil {
		t.entries = map[*hexbeat.HotspotCell]*tileIndex{}
	}
	ix, ok := t.entries[key]
	if !ok {
		ix = &tileIndex{}
		t.entries[key] = ix
		t.order = append(t.order, key)
		if len(t.order) > 8 {
			delete(t.entries, t.order[0])
			t.order = t.order[1:]
		}
	}
	t.mu.Unlock()
	ix.once.Do(func() {
		centres := make([]orb.Point, len(l.Cells))
		ix.order = make([]int, len(l.Cells))
		for i, hc := range l.Cells {
			centres[i] = grid.Center(hc.Cell)
			ix.order[i] = i
		}
		slices.SortFunc(ix.order, func(a, b int) int { return cmp.Compare(centres[a][0], centres[b][0]) })
		ix.breaks = encode.ValueBreaks(l.Cells)
		ix.lons = make([]float64, len(ix.order))
		ix.centres = make([]orb.Point, len(ix.order))
		for i, j := range ix.order {
			ix.lons[i], ix.centres[i] = centres[j][0], centres[j]
		}
	})
	return ix
}

package api_test

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hexbeat/hexbeat/internal/testkit"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/clip"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"
	"github.com/paulmach/orb/planar"
)

// TestVectorTilesMatchTheLayer decodes hexbeat's vector tiles with orb's decoder (an
// encoder of its own, written apart from hexbeat's) and holds them to the GeoJSON of the
// same layer: every cell with incidents or a significant bin that reaches into the tile is
// in it once, with the same count, bin and rank, the floats to single precision, the class
// of its value in the legend's breaks, and its hexagon where the GeoJSON puts it (to a unit
// of the tile's 4096 grid), as an exterior ring.
func TestVectorTilesMatchTheLayer(t *testing.T) {
	s := newServer(t, testkit.Data(t, "police/street/2025-02-thames-valley-street.csv"), testkit.Data(t, "boundaries/milton-keynes-boundary.geojson"))
	for _, tc := range []struct {
		layer, query string
		tile         maptile.Tile
	}{
		{"hotspots", "res=9&method=gistar", maptile.New(2039, 1352, 12)},                               // central Milton Keynes
		{"hotspots", "res=8&method=kde&category=Burglary", maptile.New(254, 169, 9)},                   // a quarter of Thames Valley
		{"cells", "res=7", maptile.New(127, 84, 8)},                                                    // Oxford to Milton Keynes
		{"hotspots", "res=9&method=gistar&category=Robbery&from=2030-01", maptile.New(2039, 1352, 12)}, // no incidents: no features
		// cells coarser than the zoom's (the map fixes res, or zooms in before asking again): a
		// cell whose centre lies in the next tile but whose edge crosses into this one is here too
		{"hotspots", "res=7&method=gistar", maptile.New(1019, 676, 11)},
		{"cells", "res=6", maptile.New(2039, 1352, 12)},
	} {
		t.Run(fmt.Sprintf("%s/%s", tc.layer, tc.query), func(t *testing.T) {
			code, _, body := get(t, s, "/api/v1/"+tc.layer+"?"+tc.query)
			if code != 200 {
				t.Fatalf("%d %s", code, body)
			}
			want, err := geojson.UnmarshalFeatureCollection(body)
			if err != nil {
				t.Fatal(err)
			}
			var legend struct {
				ValueBreaks []float64 `json:"value_breaks"`
			}
			json.Unmarshal(body, &legend)
			res, err := s.App().Test(httptest.NewRequest("GET", fmt.Sprintf("/tiles/%s/%d/%d/%d.mvt?%s", tc.layer, tc.tile.Z, tc.tile.X, tc.tile.Y, tc.query), nil), -1)
			if err != nil || res.StatusCode != 200 {
				t.Fatalf("tile: %v %v", err, res.Status)
			}
			raw, _ := io.ReadAll(res.Body)
			layers, err := mvt.Unmarshal(raw)
			if err != nil {
				t.Fatal(err)
			}
			unit := tc.tile.Bound().Right() - tc.tile.Bound().Left() // degrees of longitude per tile
			unit /= 4096
			got := map[string]*geojson.Feature{}
			if len(layers) > 0 {
				if len(layers) != 1 || layers[0].Name != tc.layer || layers[0].Extent != 4096 || layers[0].Version != 2 {
					t.Fatalf("%d layers, the first %q extent %d version %d", len(layers), layers[0].Name, layers[0].Extent, layers[0].Version)
				}
				layers.ProjectToWGS84(tc.tile)
				for _, f := range layers[0].Features {
					cell, _ := f.Properties["cell"].(string)
					if got[cell] != nil {
						t.Errorf("cell %q twice", cell)
					}
					got[cell] = f
				}
			}
			wanted := 0
			for _, w := range want.Features {
				cell := w.Properties["cell"].(string)
				ring := w.Geometry.(orb.Polygon)[0]
				reaches := false
				for _, p := range ring {
					reaches = reaches || tc.tile.Bound().Contains(p)
				}
				g := got[cell]
				delete(got, cell)
				shown := w.Properties["count"].(float64) > 0 || w.Properties["bin"] != nil && w.Properties["bin"].(float64) != 0
				if !reaches || !shown {
					continue
				}
				wanted++
				if g == nil {
					t.Errorf("cell %s (count %v) reaches into the tile but is not in it", cell, w.Properties["count"])
					continue
				}
				if tc.layer == "hotspots" { // the class of the value in the legend's breaks
					class := 0
					for _, b := range legend.ValueBreaks {
						if w.Properties["value"].(float64) >= b {
							class++
						}
					}
					w.Properties["value_class"] = float64(class)
				}
				for _, k := range keys[tc.layer] {
					v, gv := w.Properties[k], g.Properties[k]
					switch {
					case v == nil: // null in the GeoJSON
						if gv != nil {
							t.Errorf("cell %s: %s %v in the tile, null in GeoJSON", cell, k, gv)
						}
					case gv == nil:
						t.Errorf("cell %s: no %s in the tile", cell, k)
					case k == "count" || k == "bin" || k == "rank" || k == "value_class":
						if toFloat(gv) != v.(float64) {
							t.Errorf("cell %s: %s %v in the tile, %v in GeoJSON", cell, k, gv, v)
						}
					default:
						if f := v.(float64); math.Abs(toFloat(gv)-f) > 1e-6*math.Max(1, math.Abs(f)) {
							t.Errorf("cell %s: %s %v in the tile, %v in GeoJSON", cell, k, gv, v)
						}
					}
				}
				// an exterior ring has a positive area in tile coordinates (y down): it runs
				// clockwise on the map, so clockwise in longitude and latitude too
				poly, ok := g.Geometry.(orb.Polygon)
				if !ok || len(poly) != 1 || len(poly[0]) != len(ring) || poly[0].Orientation() != orb.CW {
					t.Errorf("cell %s: tile geometry %v, GeoJSON ring of %d points", cell, g.Geometry, len(ring))
					continue
				}
				for _, p := range ring { // the rings may start at different vertices
					near := false
					for _, q := range poly[0] {
						near = near || math.Abs(p[0]-q[0]) < unit && math.Abs(p[1]-q[1]) < unit
					}
					if !near {
						t.Errorf("cell %s: vertex %v is not in the tile's ring %v", cell, p, poly[0])
						break
					}
				}
			}
			for cell := range got {
				t.Errorf("cell %q in the tile but not in the layer", cell)
			}
			if tc.layer == "hotspots" && !strings.HasSuffix(tc.query, "from=2030-01") && wanted < 20 {
				t.Errorf("only %d cells in the tile: the test tests little", wanted)
			}
			t.Logf("%d cells in the tile", wanted)
		})
	}
}

var keys = map[string][]string{"hotspots": {"count", "value", "z", "p", "p_fdr", "bin", "rank", "value_class"}, "cells": {"count"}}

func toFloat(v any) float64 {
	switch v := v.(type) {
	case float64:
		return v
	case float32:
		return float64(v)
	case int64:
		return float64(v)
	case uint64:
		return float64(v)
	}
	return math.NaN()
}

// TestBoundaryTiles decodes the boundary tiles with orb's decoder and holds them to the
// boundaries themselves, clipped to each tile (with its buffer) by orb: the same
// boundaries, once each, with their kind and name, covering the same area (to the rounding
// of the tile's grid), except those under a pixel (8 tile units) both ways at the tile's
// zoom, which at zoom 5 are most of Milton Keynes' LSOAs; a tile away from them is empty.
func TestBoundaryTiles(t *testing.T) {
	s, all := allBoundaries(t)
	mk := maptile.At(orb.Point{-0.76, 52.04}, 12)
	for _, tc := range []struct {
		tile  maptile.Tile
		query string
	}{{maptile.At(orb.Point{-0.76, 52.04}, 5), ""}, {maptile.At(orb.Point{-0.76, 52.04}, 8), ""}, {mk, ""}, {mk, "?kind=lsoa"}, {maptile.At(orb.Point{-0.74, 52.02}, 15), ""}} {
		bound := tc.tile.Bound()
		box := bound.Pad((bound.Max[0] - bound.Min[0]) * 64 / 4096)
		want := map[string]*geojson.Feature{}
		specks := 0
		for _, f := range all.Features {
			if tc.query != "" && f.Properties["kind"] != "lsoa" {
				continue
			}
			fb := f.Geometry.Bound()
			lo, hi := maptile.Fraction(fb.Min, tc.tile.Z), maptile.Fraction(fb.Max, tc.tile.Z)
			if (hi[0]-lo[0])*4096 < 8 && (lo[1]-hi[1])*4096 < 8 {
				specks++
				continue
			}
			if g := clip.Geometry(box, orb.Clone(f.Geometry)); g != nil && planar.Area(g) > 0 {
				want[fmt.Sprint(f.ID)] = geojson.NewFeature(g)
				want[fmt.Sprint(f.ID)].Properties = f.Properties
			}
		}
		url := fmt.Sprintf("/tiles/boundaries/%d/%d/%d.mvt%s", tc.tile.Z, tc.tile.X, tc.tile.Y, tc.query)
		code, _, raw := get(t, s, url)
		layers, err := mvt.Unmarshal(raw)
		if code != 200 || err != nil || len(layers) != 1 || layers[0].Name != "boundaries" {
			t.Fatalf("%s: %d %v %d layers", url, code, err, len(layers))
		}
		layers.ProjectToWGS84(tc.tile)
		seen := map[string]bool{}
		unit := (bound.Max[0] - bound.Min[0]) / 4096
		for _, f := range layers[0].Features {
			id := fmt.Sprint(f.Properties["id"])
			w := want[id]
			if w == nil || seen[id] {
				t.Errorf("%s: boundary %s not expected here, or twice", url, id)
				continue
			}
			seen[id] = true
			if f.Properties["kind"] != w.Properties["kind"] || f.Properties["name"] != w.Properties["name"] {
				t.Errorf("%s: %s is %v, want %v", url, id, f.Properties, w.Properties)
			}
			// the area differs by at most the rounding of each vertex to the grid, along the outline
			got, exp := planar.Area(f.Geometry), planar.Area(w.Geometry)
			if perim := planar.Length(w.Geometry); math.Abs(got-exp) > perim*unit+1e-12 {
				t.Errorf("%s: %s covers %.3g square degrees, want %.3g (outline %.3g, unit %.3g)", url, id, got, exp, perim, unit)
			}
		}
		t.Logf("%s: %d boundaries, %d under a pixel left out", url, len(seen), specks)
		if (tc.tile.Z == 5) != (specks > 0) {
			t.Errorf("%s: %d boundaries under a pixel", url, specks)
		}
		if len(seen) != len(want) || len(want) == 0 {
			t.Errorf("%s: %d boundaries in the tile, %d reach into it", url, len(seen), len(want))
		}
	}
	far := maptile.At(orb.Point{-3.2, 55.95}, 12) // Edinburgh
	if code, _, raw := get(t, s, fmt.Sprintf("/tiles/boundaries/12/%d/%d.mvt", far.X, far.Y)); code != 200 || len(raw) != 0 {
		t.Errorf("a tile away from every boundary: %d, %d bytes", code, len(raw))
	}
	var tj struct {
		VectorLayers []struct{ ID string } `json:"vector_layers"`
	}
	if _, _, b := get(t, s, "/tiles/boundaries.json"); json.Unmarshal(b, &tj) != nil || len(tj.VectorLayers) != 1 || tj.VectorLayers[0].ID != "boundaries" {
		t.Errorf("TileJSON: %s", b)
	}
}

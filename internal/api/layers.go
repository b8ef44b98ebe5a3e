package api

import (
	"fmt"
	"slices"
	"sort"

	"github.com/gofiber/fiber/v2"
	"github.com/hexbeat/hexbeat/internal/catalog"
	"github.com/hexbeat/hexbeat/internal/encode"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// A layer is one of hexbeat's feature layers as the outside world takes it: an OGC API
// collection (/ogc/collections/{id}) and a download (/api/v1/export/{id}). Each is built by
// the same code as its own API route, so a download holds what the map shows.
type layer struct {
	ID, Title, Description string
	Perm                   hexbeat.Permission // to read it
	ExportPerm             hexbeat.Permission // to download it, when not the rule of exportRoutes
	Params                 []string           // the layer's own query parameters
	Temporal               bool               // from and to choose a period; OGC's datetime sets them
	Columns                []string           // the leading CSV columns, in order; other properties follow sorted
	SortBy                 string             // a numeric property that orders the features (ascending), if any
	Extent                 extent             // where its features lie, for the collection's spatial extent
	Kept                   bool               // made of the incidents and boundaries alone: its OGC pages are cut from one kept computation (ogcpages.go)
	// body builds the layer as a GeoJSON FeatureCollection; nil for incidents, which are
	// read from the store a page at a time.
	body func(s *Server, c *fiber.Ctx, p *catalog.Params) ([]byte, error)
	// pages, when set, gives the layer's OGC pages from what the server holds, encoding
	// only the features of a page (ogcpages.go); else they are cut from body's layer.
	pages func(s *Server, c *fiber.Ctx, p *catalog.Params, bbox *orb.Bound) (*pagedLayer, error)
}

var cellColumns = []string{"cell", "res", "count"}

var layers = []layer{
	{ID: "incidents", Extent: extentIncidents, Title: "Incidents", Perm: hexbeat.PermRead, Temporal: true, Params: []string{"from", "to"},
		Description: "Every stored incident as a point: police.uk street crimes and a force's own records (time, category, location text, LSOA, outcome).",
		Columns:     []string{"time", "precision", "category", "crime_id", "location", "lsoa_code", "lsoa_name", "outcome"}},
	{ID: "cells", Kept: true, Extent: extentCells, Title: "Incident counts per cell", Perm: hexbeat.PermRead, Temporal: true, Params: layerParams, Columns: cellColumns,
		Description: "Incidents counted per H3 hexagon, filtered by res, from, to, category, area.", body: (*Server).cellsBody},
	{ID: "hotspots", Kept: true, Extent: extentCells, Title: "Hotspot cells", Perm: hexbeat.PermRead, Temporal: true, Params: hotspotQueryParams, SortBy: "rank",
		Columns:     append(slices.Clone(cellColumns), "value", "density", "z", "p", "p_fdr", "bin", "rank"),
		Description: "A hotspot layer as H3 hexagons, hottest first: value, Gi* z, p, FDR-adjusted p, bin and rank; its analysis is set by method, res, from, to, category, area, weight, k, alpha.",
		body:        (*Server).hotspotsBody},
	{ID: "emerging", Kept: true, Extent: extentCells, Title: "Emerging hot spots", Perm: hexbeat.PermRead, Temporal: true, Params: emergingParams,
		Columns:     append(slices.Clone(cellColumns), "category", "pattern", "hot", "hot_slices", "cold_slices", "last_z", "tau", "trend_z", "trend_p"),
		Description: "Each cell's emerging hot spot category (Esri's) with the Mann–Kendall trend of its Gi* z over time slices.", body: (*Server).emergingBody},
	{ID: "outliers", Kept: true, Extent: extentCells, Title: "Clusters and outliers", Perm: hexbeat.PermRead, Temporal: true, Params: outlierParams,
		Columns:     append(slices.Clone(cellColumns), "value", "lag", "local_i", "z", "p", "p_fdr", "type"),
		Description: "Anselin's local Moran's I per H3 hexagon: HH and LL cells cluster with their neighbours, HL and LH cells stand out from them (type null: not significant).",
		body:        (*Server).outliersBody},
	{ID: "change", Kept: true, Extent: extentCells, Title: "Change between two periods", Perm: hexbeat.PermRead, Params: changeParams,
		Columns:     []string{"cell", "res", "a", "b", "change", "pct"},
		Description: "Incidents per cell in period A and period B (a_from, a_to, b_from, b_to), with the change.", body: (*Server).changeBody},
	{ID: "boundaries", Kept: true, Extent: extentBoundaries, Title: "Boundaries", Perm: hexbeat.PermRead, Params: []string{"kind"}, Columns: []string{"id", "kind", "name"},
		Description: "The imported boundaries (LSOAs, wards, local authorities, custom areas).", body: (*Server).boundariesBody, pages: (*Server).boundaryPages},
	{ID: "section60-proposals", Extent: extentCells, Title: "Section 60 proposals", Perm: hexbeat.PermSection60, Temporal: true, Params: proposalParams, SortBy: "rank",
		Columns:     []string{"rank", "area_km2", "incidents", "harm", "weighted", "share_of_cluster", "capped", "z_min", "z_max", "p_fdr_max", "cluster_cells", "trend", "by_category", "grounds", "cells"},
		Description: "Candidate Section 60 areas from the significant hot cells, with their evidence and a grounds text.",
		body: func(s *Server, c *fiber.Ctx, p *catalog.Params) ([]byte, error) {
			r := proposalRequestFrom(p)
			if err := p.Err(); err != nil {
				return nil, err
			}
			return s.proposalsBody(c, r)
		}},
	{ID: "section60-authorisations", Title: "Section 60 authorisations", Perm: hexbeat.PermRead, ExportPerm: hexbeat.PermSection60, Temporal: true, Params: []string{"status", "from", "to"},
		Columns:     []string{"id", "status", "officer", "rank", "start", "end", "ends", "hours", "area_km2", "grounds", "proposal", "created_at", "created_by", "extension", "cancelled"},
		Description: "The Section 60 register: each authorisation's area, times, officer, grounds, extension and cancellation; from/to keep those in force within the period.",
		body:        (*Server).authorisationsBody},
	{ID: "retailers", Extent: extentRetailers, Title: "Retailers", Perm: hexbeat.PermRetailers, Columns: []string{"id", "name", "category", "address", "size_band", "tests"},
		Description: "The retailer register with each shop's test-purchase history.", body: (*Server).retailersBody, pages: (*Server).retailerPages},
	{ID: "test-purchase-targets", Extent: extentRetailers, Title: "Test-purchase targets", Perm: hexbeat.PermRetailers, Temporal: true, Params: targetParams, SortBy: "rank",
		Columns:     []string{"rank", "id", "name", "address", "category", "size_band", "score", "exposure", "incidents", "failures", "tests", "failure_boost", "cooldown", "excluded", "last_test", "reason"},
		Description: "Retailers ranked for knife test purchases, with the parts of each score.", body: (*Server).targetsBody},
	{ID: "camera-register", Extent: extentCameras, Title: "Camera register", Perm: hexbeat.PermCameras, Params: cameraRegisterParams,
		Columns:     []string{"id", "name", "kind", "active_from", "active_to", "in_service"},
		Description: "The CCTV cameras on the register, fixed and mobile, with the days each is in service; kind and on (a day) choose some.",
		body:        (*Server).cameraRegisterBody},
	{ID: "cameras", Extent: extentCells, Title: "Mobile CCTV sites", Perm: hexbeat.PermCameras, Temporal: true, Params: cameraParams, SortBy: "rank",
		Columns:     []string{"rank", "gain", "covered", "share", "candidate"},
		Description: "Camera sites chosen to cover the most weighted incidents (k, default 10; radius_m, default 300; candidates are the centres of the cells holding incidents; the camera register's fixed cameras in service are the cover already there), in the order of their gain.",
		body: func(s *Server, c *fiber.Ctx, p *catalog.Params) ([]byte, error) {
			b := cameraBodyFrom(p)
			if err := p.Err(); err != nil {
				return nil, err
			}
			return s.cameraPlanBody(c, b)
		}},
}

// findLayer returns the layer with id, or ENOTFOUND; EFORBIDDEN when the caller's key
// may not read it.
func findLayer(c *fiber.Ctx, id string) (layer, error) {
	for _, l := range layers {
		if l.ID == id {
			if !mayRead(c, l.Perm) {
				return l, hexbeat.Errorf(hexbeat.EFORBIDDEN, "a %s key may not read %s (it needs the %q permission)", c.Locals("role"), id, l.Perm)
			}
			return l, nil
		}
	}
	return layer{}, hexbeat.Errorf(hexbeat.ENOTFOUND, "no layer %q (see /ogc/collections)", id)
}

// csvAllowed refuses a CSV download of a reading route to a key without the export
// permission: downloads are an analyst's (DESIGN.md), as /api/v1/export is.
func csvAllowed(c *fiber.Ctx) error {
	if !mayRead(c, hexbeat.PermExport) {
		return hexbeat.Errorf(hexbeat.EFORBIDDEN, "a CSV download needs the %q permission (an analyst's key)", hexbeat.PermExport)
	}
	return nil
}

// mayRead reports whether the request's key holds perm (no key in open mode: yes).
func mayRead(c *fiber.Ctx, perm hexbeat.Permission) bool {
	role, ok := c.Locals("role").(hexbeat.Role)
	return !ok || role.Allows(perm)
}

// allowed lists the query parameters a layer request takes: the layer's own and extra.
func (l layer) allowed(extra ...string) []string {
	out := slices.Clone(extra)
	for _, p := range l.Params {
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

// collect builds the layer's features, keeps those whose extent meets bbox (when given) and
// orders them by SortBy.
func (s *Server) collect(c *fiber.Ctx, l layer, p *catalog.Params, bbox *orb.Bound) (*geojson.FeatureCollection, error) {
	b, err := l.body(s, c, p)
	if err != nil {
		return nil, err
	}
	fc, err := geojson.UnmarshalFeatureCollection(b)
	if err != nil {
		return nil, fmt.Errorf("layer %s: %w", l.ID, err)
	}
	if bbox != nil {
		kept := fc.Features[:0]
		for _, f := range fc.Features {
			if f.Geometry != nil && f.Geometry.Bound().Intersects(*bbox) {
				kept = append(kept, f)
			}
		}
		fc.Features = kept
	}
	if l.SortBy != "" {
		sort.SliceStable(fc.Features, func(i, j int) bool {
			a, _ := fc.Features[i].Properties[l.SortBy].(float64)
			b, _ := fc.Features[j].Properties[l.SortBy].(float64)
			return a < b
		})
	}
	return fc, nil
}

// incidentPage reads one page of incidents from the store as features.
func (s *Server) incidentPage(c *fiber.Ctx, f hexbeat.IncidentFilter) ([]*geojson.Feature, error) {
	rows, err := s.layers.Incidents(c.UserContext(), f)
	if err != nil {
		return nil, err
	}
	out := make([]*geojson.Feature, len(rows))
	for i, r := range rows {
		out[i] = encode.IncidentFeature(r)
	}
	return out, nil
}

// LayerInfo describes a layer for the command line.
type LayerInfo struct {
	ID, Title, Description string
	Params                 []string
}

// Layers lists the layers offered as OGC collections and downloads.
func Layers() []LayerInfo {
	out := make([]LayerInfo, len(layers))
	for i, l := range layers {
		out[i] = LayerInfo{ID: l.ID, Title: l.Title, Description: l.Description, Params: l.allowed("bbox")}
	}
	return out
}

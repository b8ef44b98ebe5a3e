package catalog

import (
	"context"
	"fmt"
	"slices"
	"sort"

	"github.com/hexbeat/hexbeat/internal/encode"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// A Layer is one of hexbeat's feature layers as the outside world takes it: an OGC API
// collection (/ogc/collections/{id}), a download (/api/v1/export/{id}, hexbeat export).
// Each is built by the same code as its own API route, so a download holds what the map
// shows.
type Layer struct {
	ID, Title, Description string
	Perm                   hexbeat.Permission // to read it
	ExportPerm             hexbeat.Permission // to download it, when not the rule of exportRoutes
	Params                 []string           // the layer's own query parameters
	Temporal               bool               // from and to choose a period; OGC's datetime sets them
	Columns                []string           // the leading CSV columns, in order; other properties follow sorted
	SortBy                 string             // a numeric property that orders the features (ascending), if any
	// Build builds the layer as a GeoJSON FeatureCollection; nil for incidents, which are
	// read from the store a page at a time.
	Build func(k *Catalog, ctx context.Context, p *Params) ([]byte, error)
}

var cellColumns = []string{"cell", "res", "count"}

var layers = []Layer{
	{ID: "incidents", Title: "Incidents", Perm: hexbeat.PermRead, Temporal: true, Params: []string{"from", "to"},
		Description: "Every stored incident as a point: police.uk street crimes and a force's own records (time, category, location text, LSOA, outcome; grid_square_m, the side of the square a grid reference named, when the point is that square's centre).",
		Columns:     []string{"time", "precision", "category", "crime_id", "location", "lsoa_code", "lsoa_name", "outcome", "grid_square_m"}},
	{ID: "cells", Title: "Incident counts per cell", Perm: hexbeat.PermRead, Temporal: true, Params: LayerParams, Columns: cellColumns,
		Description: "Incidents counted per H3 hexagon, filtered by res, from, to, category, area.", Build: (*Catalog).Cells},
	{ID: "hotspots", Title: "Hotspot cells", Perm: hexbeat.PermRead, Temporal: true, Params: HotspotQueryParams, SortBy: "rank",
		Columns:     append(slices.Clone(cellColumns), "value", "density", "z", "p", "p_fdr", "bin", "rank"),
		Description: "A hotspot layer as H3 hexagons, hottest first: value, Gi* z, p, FDR-adjusted p, bin and rank; its analysis is set by method, res, from, to, category, area, weight, k, alpha.",
		Build:       (*Catalog).Hotspots},
	{ID: "emerging", Title: "Emerging hot spots", Perm: hexbeat.PermRead, Temporal: true, Params: EmergingParams,
		Columns:     append(slices.Clone(cellColumns), "category", "pattern", "hot", "hot_slices", "cold_slices", "last_z", "tau", "trend_z", "trend_p"),
		Description: "Each cell's emerging hot spot category (Esri's) with the Mann–Kendall trend of its Gi* z over time slices.", Build: (*Catalog).Emerging},
	{ID: "outliers", Title: "Clusters and outliers", Perm: hexbeat.PermRead, Temporal: true, Params: OutlierParams,
		Columns:     append(slices.Clone(cellColumns), "value", "lag", "local_i", "z", "p", "p_fdr", "type"),
		Description: "Anselin's local Moran's I per H3 hexagon: HH and LL cells cluster with their neighbours, HL and LH cells stand out from them (type null: not significant).",
		Build:       (*Catalog).Outliers},
	{ID: "change", Title: "Change between two periods", Perm: hexbeat.PermRead, Params: ChangeParams,
		Columns:     []string{"cell", "res", "a", "b", "change", "pct"},
		Description: "Incidents per cell in period A and period B (a_from, a_to, b_from, b_to), with the change.", Build: (*Catalog).Change},
	{ID: "boundaries", Title: "Boundaries", Perm: hexbeat.PermRead, Params: []string{"kind"}, Columns: []string{"id", "kind", "name"},
		Description: "The imported boundaries (LSOAs, wards, local authorities, custom areas).", Build: (*Catalog).Boundaries},
	{ID: "section60-proposals", Title: "Section 60 proposals", Perm: hexbeat.PermSection60, Temporal: true, Params: ProposalParams, SortBy: "rank",
		Columns:     []string{"rank", "area_km2", "incidents", "harm", "weighted", "share_of_cluster", "capped", "z_min", "z_max", "p_fdr_max", "cluster_cells", "trend", "by_category", "grounds", "cells"},
		Description: "Candidate Section 60 areas from the significant hot cells, with their evidence and a grounds text.",
		Build: func(k *Catalog, ctx context.Context, p *Params) ([]byte, error) {
			r := ProposalRequestFrom(p)
			if err := p.Err(); err != nil {
				return nil, err
			}
			return k.Proposals(ctx, r)
		}},
	{ID: "section60-authorisations", Title: "Section 60 authorisations", Perm: hexbeat.PermRead, ExportPerm: hexbeat.PermRegister, Temporal: true, Params: []string{"status", "from", "to"},
		Columns:     []string{"id", "status", "officer", "rank", "start", "end", "ends", "hours", "area_km2", "grounds", "proposal", "created_at", "created_by", "extension", "cancelled"},
		Description: "The Section 60 register: each authorisation's area, times, officer, grounds, extension and cancellation; from/to keep those in force within the period.",
		Build:       (*Catalog).Authorisations},
	{ID: "retailers", Title: "Retailers", Perm: hexbeat.PermRetailers, Columns: []string{"id", "name", "category", "address", "size_band", "tests"},
		Description: "The retailer register with each shop's test-purchase history.", Build: (*Catalog).Retailers},
	{ID: "test-purchase-targets", Title: "Test-purchase targets", Perm: hexbeat.PermRetailers, Temporal: true, Params: TargetParams, SortBy: "rank",
		Columns:     []string{"rank", "id", "name", "address", "category", "size_band", "score", "exposure", "incidents", "failures", "tests", "failure_boost", "cooldown", "excluded", "last_test", "reason"},
		Description: "Retailers ranked for knife test purchases, with the parts of each score.", Build: (*Catalog).Targets},
	{ID: "camera-register", Title: "Camera register", Perm: hexbeat.PermCameras, Params: CameraRegisterParams,
		Columns:     []string{"id", "name", "kind", "active_from", "active_to", "in_service"},
		Description: "The CCTV cameras on the register, fixed and mobile, with the days each is in service; kind and on (a day) choose some.",
		Build:       (*Catalog).CameraRegister},
	{ID: "cameras", Title: "Mobile CCTV sites", Perm: hexbeat.PermCameras, Temporal: true, Params: CameraParams, SortBy: "rank",
		Columns:     []string{"rank", "gain", "covered", "share", "candidate"},
		Description: "Camera sites chosen to cover the most weighted incidents (k, default 10; radius_m, default 300; candidates are the centres of the cells holding incidents; the camera register's fixed cameras in service are the cover already there), in the order of their gain.",
		Build: func(k *Catalog, ctx context.Context, p *Params) ([]byte, error) {
			b := CameraRequestFrom(p)
			if err := p.Err(); err != nil {
				return nil, err
			}
			return k.CameraPlan(ctx, b)
		}},
}

// Allowed lists the query parameters a layer request takes: the layer's own and extra.
func (l Layer) Allowed(extra ...string) []string {
	out := slices.Clone(extra)
	for _, p := range l.Params {
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

// Collect builds the layer's features, keeps those whose extent meets bbox (when given) and
// orders them by SortBy.
func (k *Catalog) Collect(ctx context.Context, l Layer, p *Params, bbox *orb.Bound) (*geojson.FeatureCollection, error) {
	b, err := l.Build(k, ctx, p)
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

// IncidentPage reads one page of incidents from the store as features: with their
// row-level fields (a download), or as points with time and category (a map). exact keeps
// each point's stored coordinates unrounded, for an answer to be reprojected (to British
// National Grid, where a force's own eastings and northings must come back as imported).
func (k *Catalog) IncidentPage(ctx context.Context, f hexbeat.IncidentFilter, rowLevel, exact bool) ([]*geojson.Feature, error) {
	rows, err := k.Layers.Incidents(ctx, f)
	if err != nil {
		return nil, err
	}
	out := make([]*geojson.Feature, len(rows))
	for i, r := range rows {
		if rowLevel {
			out[i] = encode.IncidentFeature(r)
		} else {
			out[i] = encode.IncidentPoint(r)
		}
		if exact {
			out[i].Geometry = orb.Point{r.Lon, r.Lat}
		}
	}
	return out, nil
}

// Layers lists the layers offered as OGC collections and downloads, in a fixed order.
func Layers() []Layer { return slices.Clone(layers) }

// Find returns the layer with id, or ENOTFOUND.
func Find(id string) (Layer, error) {
	for _, l := range layers {
		if l.ID == id {
			return l, nil
		}
	}
	return Layer{}, hexbeat.Errorf(hexbeat.ENOTFOUND, "no layer %q (see /ogc/collections)", id)
}

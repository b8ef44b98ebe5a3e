package api

import (
	"slices"
	"strconv"

	"github.com/gofiber/fiber/v2"
	"github.com/hexbeat/hexbeat/internal/catalog"
	"github.com/hexbeat/hexbeat/internal/encode"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
)

// hotspotQueryParams define a hotspot layer; hotspotParams are those of GET /api/v1/hotspots.
var (
	hotspotQueryParams = []string{"method", "res", "from", "to", "category", "area", "bbox", "weight", "half_life_days", "k", "alpha", "bandwidth_m", "fdr"}
	hotspotParams      = append(slices.Clone(hotspotQueryParams), "format", "summary", "limit")
)

// parseHotspotQuery reads a hotspot query; unset values get the defaults.
func parseHotspotQuery(p *catalog.Params) hexbeat.HotspotQuery {
	q := hexbeat.HotspotQuery{
		CellQuery:    parseCellQuery(p),
		Method:       p.One("method"),
		Weight:       p.One("weight"),
		HalfLifeDays: p.Positive("half_life_days"),
		AutoK:        p.One("k") == "auto",
		Alpha:        p.Positive("alpha"),
		BandwidthM:   p.Positive("bandwidth_m"),
		NoFDR:        !p.Boolean("fdr", true),
	}
	if k := p.One("k"); !q.AutoK && k != "" {
		if _, err := strconv.Atoi(k); err != nil {
			p.Fail("k", "must be a radius in grid steps from 1 to 10, or auto, got %q", k)
		} else {
			q.K = p.PositiveInt("k")
		}
	}
	q = q.WithDefaults()
	p.Check(q.Validate())
	return q
}

// hotspots answers GET /api/v1/hotspots: every cell of the study area with its value and,
// for Gi*, z, p, FDR-adjusted p and confidence bin, ranked hottest first; limit keeps the
// first cells of the ranking (a list of the hottest beside a map that draws the tiles).
func (s *Server) hotspots(c *fiber.Ctx) error {
	p := newParams(c, hotspotParams...)
	q := parseHotspotQuery(p)
	limit := p.PositiveInt("limit")
	format := p.One("format")
	if format != "" && format != "geojson" && format != "csv" {
		p.Fail("format", "must be geojson or csv, got %q", format)
	}
	if err := p.Err(); err != nil {
		return err
	}
	summary := p.Boolean("summary", false)
	if format == "csv" {
		if err := csvAllowed(c); err != nil {
			return err
		}
	}
	layer, err := s.layers.Hotspots(c.UserContext(), q)
	if err != nil {
		return err
	}
	setNotes(c, layer.Notes) // also in a GeoJSON body; a CSV has no place for them
	rows := len(layer.Cells)
	if limit > 0 {
		rows = min(rows, limit)
	}
	if format == "csv" {
		s.auditExport(c, "hotspots.csv", rows)
		c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
		c.Set(fiber.HeaderContentDisposition, `attachment; filename="hotspots-`+layer.Query.Method+`.csv"`)
		s.labelData(c)
		return c.Send(encode.HotspotsCSV(layer, rows))
	}
	if summary && len(layer.Cells) > 0 {
		// a map asks for the summary, then for the layer's tiles: find their cells while
		// the summary is on its way
		go s.tiles.of(layer)
	}
	if summary {
		rows = 0
	}
	return s.sendGeoJSON(c, s.enc.Hotspots(layer, rows, s.layers.Demo()))
}

// hotspotsBody builds the hotspot layer (for OGC and exports).
func (s *Server) hotspotsBody(c *fiber.Ctx, p *catalog.Params) ([]byte, error) {
	q := parseHotspotQuery(p)
	if err := p.Err(); err != nil {
		return nil, err
	}
	layer, err := s.layers.Hotspots(c.UserContext(), q)
	if err != nil {
		return nil, err
	}
	return s.enc.Hotspots(layer, len(layer.Cells), s.layers.Demo()), nil
}

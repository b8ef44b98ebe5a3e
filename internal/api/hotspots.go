package api

import (
	"github.com/gofiber/fiber/v2"
	"github.com/hexbeat/hexbeat/internal/catalog"
	"github.com/hexbeat/hexbeat/internal/encode"
)

// hotspots answers GET /api/v1/hotspots: every cell of the study area with its value and,
// for Gi*, z, p, FDR-adjusted p and confidence bin, ranked hottest first; limit keeps the
// first cells of the ranking (a list of the hottest beside a map that draws the tiles).
func (s *Server) hotspots(c *fiber.Ctx) error {
	p := newParams(c, catalog.HotspotParams...)
	q := catalog.HotspotQuery(p)
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

package api

import (
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/hexbeat/hexbeat/internal/encode"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
)

// Downloads: GET /api/v1/export/{layer}?format=geojson|csv|ndjson with the layer's own
// parameters. Every download is written to the audit log (who, which layer, the query, how
// many features). CSV carries the feature's id, a centre lon/lat and the geometry as WKT,
// so that a spreadsheet and QGIS's delimited-text source both read it.

var exportFormats = map[string]struct{ ext, ctype string }{
	"geojson": {"geojson", encode.GeoJSONType},
	"csv":     {"csv", "text/csv; charset=utf-8"},
	"ndjson":  {"ndjson", "application/x-ndjson"},
}

// exportRoutes registers a download per layer. Downloading a reading layer needs the export
// permission (analysts); a planner's layer downloads with the planner's own permission, so
// that a commander can take the Section 60 register (which every key may read) and a
// Trading Standards officer the targets.
func (s *Server) exportRoutes(v1 fiber.Router) {
	for _, l := range layers {
		perm := l.ExportPerm
		if perm == "" {
			perm = l.Perm
		}
		if perm == hexbeat.PermRead {
			perm = hexbeat.PermExport
		}
		s.handle(v1, "GET", "/export/"+l.ID, perm, s.bounded(s.export(l)))
	}
}

// export answers a download of layer l.
func (s *Server) export(l layer) fiber.Handler {
	return func(c *fiber.Ctx) error {
		d, format, err := s.cat.Export(c.UserContext(), l.Layer, newParams(c, l.ExportParams()...))
		if err != nil {
			return err
		}
		setNotes(c, d.Notes)
		f := exportFormats[format]
		c.Set(fiber.HeaderContentType, f.ctype)
		c.Set(fiber.HeaderContentDisposition, `attachment; filename="hexbeat-`+l.ID+"-"+time.Now().UTC().Format("20060102-1504")+"."+f.ext+`"`)
		s.labelData(c)
		s.auditExport(c, l.ID+"."+format, d.Features)
		return c.Send(d.Body)
	}
}

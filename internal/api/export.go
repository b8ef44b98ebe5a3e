package api

import (
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/hexbeat/hexbeat/internal/encode"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
)

// Downloads: GET /api/v1/export/{layer}?format=geojson|csv|ndjson with the layer's own
// parameters. Every download is written to the audit log (who, which layer, the query, how
// many features). CSV carries the feature's id, a centre lon/lat and the geometry as WKT,
// so that a spreadsheet and QGIS's delimited-text source both read it.

// maxExportIncidents bounds one incidents download; a larger one asks for a narrower query.
const maxExportIncidents = 2_000_000

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
		s.handle(v1, "GET", "/export/"+l.ID, perm, s.export(l))
	}
}

// export answers a download of layer l.
func (s *Server) export(l layer) fiber.Handler {
	return func(c *fiber.Ctx) error {
		p := newParams(c, l.allowed("format", "bbox")...)
		format := p.One("format")
		if format == "" {
			format = "geojson"
		}
		if _, ok := exportFormats[format]; !ok {
			p.Fail("format", "must be geojson, csv or ndjson, got %q", format)
		}
		bbox := p.BBox("bbox")
		// bbox picks features; it does not make the study area (a box would change every Gi* z)
		p.Delete("bbox")
		var enc *encode.Export
		if l.body == nil {
			f := hexbeat.IncidentFilter{BBox: bbox, From: p.TimeBound("from", false), To: p.TimeBound("to", true), Limit: 10_000}
			if err := p.Err(); err != nil {
				return err
			}
			for {
				page, err := s.incidentPage(c, f)
				if err != nil {
					return err
				}
				if enc == nil {
					enc = encode.NewExport(format, l.ID, l.Columns, page, map[string]any{"demo": s.layers.Demo()})
				}
				enc.Add(page)
				if len(page) < f.Limit {
					break
				}
				if f.Offset += f.Limit; f.Offset >= maxExportIncidents {
					return &hexbeat.Error{Code: hexbeat.EINVALID, Message: "too many incidents for one download",
						Fields: []hexbeat.FieldError{{Field: "from", Message: "the download would hold more than " + strconv.Itoa(maxExportIncidents) + " incidents; narrow it with from, to or bbox"}}}
				}
			}
		} else {
			fc, err := s.collect(c, l, p, bbox)
			if err != nil {
				return err
			}
			enc = encode.NewExport(format, l.ID, l.Columns, fc.Features, fc.ExtraMembers)
			enc.Add(fc.Features)
			setNotes(c, encode.NotesOf(fc.ExtraMembers))
		}
		out := enc.Finish()
		f := exportFormats[format]
		c.Set(fiber.HeaderContentType, f.ctype)
		c.Set(fiber.HeaderContentDisposition, `attachment; filename="hexbeat-`+l.ID+"-"+time.Now().UTC().Format("20060102-1504")+"."+f.ext+`"`)
		s.labelData(c)
		s.auditExport(c, l.ID+"."+format, enc.N())
		return c.Send(out)
	}
}

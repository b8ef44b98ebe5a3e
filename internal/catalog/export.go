package catalog

import (
	"context"
	"slices"
	"strconv"

	"github.com/hexbeat/hexbeat/internal/encode"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
)

// MaxExportIncidents bounds one incidents download; a larger one asks for a narrower query.
const MaxExportIncidents = 2_000_000

// ExportParams are the parameters a download of l takes: the layer's own, format and bbox.
func (l Layer) ExportParams() []string { return l.Allowed("format", "bbox") }

// A Download is a layer written whole in one format.
type Download struct {
	Body     []byte
	Features int
	Notes    []string // what a reader must know; a GeoJSON body holds them too, a CSV cannot
}

// Export writes layer l as a download: format (geojson, csv or ndjson; default geojson) and
// bbox (which picks features; it does not make the study area, as a box would change every
// Gi* z) are read from p beside the layer's own parameters. CSV carries the feature's id, a
// centre lon/lat and the geometry as WKT, so that a spreadsheet and QGIS's delimited-text
// source both read it.
func (k *Catalog) Export(ctx context.Context, l Layer, p *Params) (Download, string, error) {
	format := p.One("format")
	if format == "" {
		format = "geojson"
	}
	if !slices.Contains(encode.ExportFormats, format) {
		p.Fail("format", "must be geojson, csv or ndjson, got %q", format)
	}
	bbox := p.BBox("bbox")
	p.Delete("bbox")
	var enc *encode.Export
	var notes []string
	if l.Build == nil {
		f := hexbeat.IncidentFilter{BBox: bbox, From: p.TimeBound("from", false), To: p.TimeBound("to", true), Limit: 10_000}
		if err := p.Err(); err != nil {
			return Download{}, format, err
		}
		for {
			page, err := k.IncidentPage(ctx, f, true, false)
			if err != nil {
				return Download{}, format, err
			}
			if enc == nil {
				enc = encode.NewExport(format, l.ID, l.Columns, page, map[string]any{"demo": k.Layers.Demo()})
			}
			enc.Add(page)
			if len(page) < f.Limit {
				break
			}
			if f.Offset += f.Limit; f.Offset >= MaxExportIncidents {
				var fe hexbeat.FieldErrors
				fe.Add("from", "the download would hold more than %s incidents; narrow it with from, to or bbox", strconv.Itoa(MaxExportIncidents))
				return Download{}, format, &hexbeat.Error{Code: hexbeat.EINVALID, Message: "too many incidents for one download", Fields: fe}
			}
		}
	} else {
		fc, err := k.Collect(ctx, l, p, bbox)
		if err != nil {
			return Download{}, format, err
		}
		enc = encode.NewExport(format, l.ID, l.Columns, fc.Features, fc.ExtraMembers)
		enc.Add(fc.Features)
		notes = encode.NotesOf(fc.ExtraMembers)
	}
	return Download{Body: enc.Finish(), Features: enc.N(), Notes: notes}, format, nil
}

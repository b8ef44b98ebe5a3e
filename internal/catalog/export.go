package catalog

import (
	"context"
	"slices"
	"strconv"

	"github.com/hexbeat/hexbeat/internal/encode"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/paulmach/orb/geojson"
)

// MaxExportIncidents bounds one incidents download; a larger one asks for a narrower query.
const MaxExportIncidents = 2_000_000

// ExportParams are the parameters a download of l takes: the layer's own, format, bbox and crs.
func (l Layer) ExportParams() []string { return l.Allowed("format", "bbox", "crs") }

// readExportCRS reads a download's crs: false for WGS 84 (the default), true for British
// National Grid, which a CSV download offers.
func readExportCRS(p *Params, format string) bool {
	v := p.One("crs")
	switch c, ok := hexbeat.ParseCRS(v); {
	case !ok:
		p.Fail("crs", "must be EPSG:4326 (the default) or EPSG:27700 (British National Grid), got %q", v)
		return false
	case c == hexbeat.EPSG27700:
		if format != "csv" {
			p.Fail("crs", "EPSG:27700 is offered for format=csv; GeoJSON in British National Grid is /ogc/collections/{id}/items?crs=http://www.opengis.net/def/crs/EPSG/0/27700 (GeoJSON files are WGS 84 by RFC 7946)")
		}
		return true
	}
	return false
}

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
	bng := readExportCRS(p, format)
	p.Delete("crs")
	start := func(sample []*geojson.Feature, meta map[string]any) *encode.Export {
		if bng {
			return encode.NewExportBNG(l.ID, l.Columns, sample)
		}
		return encode.NewExport(format, l.ID, l.Columns, sample, meta)
	}
	var enc *encode.Export
	var notes []string
	if l.Build == nil {
		f := hexbeat.IncidentFilter{BBox: bbox, From: p.TimeBound("from", false), To: p.TimeBound("to", true), Limit: 10_000}
		if err := p.Err(); err != nil {
			return Download{}, format, err
		}
		for {
			page, err := k.IncidentPage(ctx, f, true, bng)
			if err != nil {
				return Download{}, format, err
			}
			if enc == nil {
				enc = start(page, map[string]any{"demo": k.Layers.Demo()})
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
		enc = start(fc.Features, fc.ExtraMembers)
		enc.Add(fc.Features)
		notes = encode.NotesOf(fc.ExtraMembers)
	}
	return Download{Body: enc.Finish(), Features: enc.N(), Notes: notes}, format, nil
}

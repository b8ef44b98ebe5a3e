package ingest

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"slices"
	"strings"

	"github.com/hexbeat/hexbeat/internal/gpkg"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/paulmach/orb"
	"github.com/twpayne/go-geom"
	"github.com/twpayne/go-shapefile"
)

// Boundaries and points as ONS and OS publish them besides GeoJSON: a zipped Shapefile
// (its .prj read for the CRS, its .cpg for the character set) and the feature layers of a
// GeoPackage. Their features go through the same readers as a GeoJSON file's (featureSet),
// so a boundary is known by its ONS code the same way; a report's "line" is the feature's
// number (the record's in a Shapefile, counted on through a GeoPackage's layers).

var (
	zipMagic  = []byte("PK\x03\x04")
	gpkgMagic = []byte("SQLite format 3\x00")
	shpMagic  = []byte{0, 0, 0x27, 0x0a} // a .shp's file code, 9994
)

// shapefileParts are the files of a Shapefile that hexbeat reads, by extension.
var shapefileParts = []string{".shp", ".shx", ".dbf", ".prj", ".cpg"}

// readLayers reads a Shapefile or GeoPackage (what) with read, as boundaries or points:
// as kind says, else as its first feature's geometry says.
func readLayers(ctx context.Context, r io.Reader, kind string, opts Options, rep *Report, sink hexbeat.ImportSink, what string,
	read func(context.Context, io.Reader, string, Options, *Report, hexbeat.ImportSink) error) error {
	switch kind {
	case "", "geojson", hexbeat.KindGeneric: // generic: columns named, which the attributes may use
		kind = ""
	case hexbeat.KindBoundaries, hexbeat.KindPoints, hexbeat.KindCentroids:
	default:
		return &FormatError{Line: 1, Reason: fmt.Sprintf("%s holds boundaries, points or centroids, not %s", what, kind)}
	}
	return read(ctx, r, kind, opts, rep, sink)
}

// readShapefileZip reads every Shapefile in a ZIP archive, in name order.
func readShapefileZip(ctx context.Context, r io.Reader, kind string, opts Options, rep *Report, sink hexbeat.ImportSink) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return &FormatError{Line: 1, Reason: fmt.Sprintf("not a readable ZIP archive: %v", err)}
	}
	parts := map[string]map[string]*zip.File{} // base name -> extension -> member
	for _, f := range zr.File {
		ext := strings.ToLower(path.Ext(f.Name))
		if f.FileInfo().IsDir() || strings.HasPrefix(f.Name, "__MACOSX/") || strings.HasPrefix(path.Base(f.Name), ".") || !slices.Contains(shapefileParts, ext) {
			continue
		}
		base := strings.TrimSuffix(f.Name, path.Ext(f.Name))
		if parts[base] == nil {
			parts[base] = map[string]*zip.File{}
		}
		parts[base][ext] = f
	}
	var bases []string
	for base, p := range parts {
		if p[".shp"] != nil {
			bases = append(bases, base)
		}
	}
	if len(bases) == 0 {
		return &FormatError{Line: 1, Reason: "a ZIP archive without a Shapefile (.shp) or any CSV or GeoJSON file"}
	}
	slices.Sort(bases)
	fs := newFeatureSet(ctx, kind, opts, rep, sink)
	n := 0
	for _, base := range bases {
		if err := readShapefile(parts[base], path.Base(base), opts, fs, &n); err != nil {
			return err
		}
	}
	return fs.finish()
}

// readShapefile reads one Shapefile's records into fs; n counts the features read so far.
func readShapefile(files map[string]*zip.File, name string, opts Options, fs *featureSet, n *int) error {
	fault := func(format string, a ...any) error {
		return &FormatError{Line: max(*n, 1), Reason: name + ".shp: " + fmt.Sprintf(format, a...)}
	}
	text := func(ext string) (string, error) {
		f := files[ext]
		if f == nil {
			return "", nil
		}
		r, err := f.Open()
		if err != nil {
			return "", err
		}
		defer r.Close()
		b, err := io.ReadAll(io.LimitReader(r, 64<<10))
		return strings.TrimSpace(string(b)), err
	}
	if files[".dbf"] == nil {
		return fault("no %s.dbf beside it: a Shapefile's attributes (its codes and names) are in the .dbf", name)
	}
	prj, err := text(".prj")
	if err != nil {
		return fault("the .prj: %v", err)
	}
	bng, err := layerCRS(prj, opts.CRS, "the .prj")
	if err != nil {
		return fault("%v", err)
	}
	cpg, err := text(".cpg")
	if err != nil {
		return fault("the .cpg: %v", err)
	}
	charset := "ISO-8859-1" // dBase's own, when no .cpg says otherwise
	if cpg != "" {
		charset = cpgCharset(cpg)
	}
	if opts.Encoding != "" {
		charset = opts.Encoding
	}
	shpFile, dbfFile := files[".shp"], files[".dbf"]
	shpR, err := shpFile.Open()
	if err != nil {
		return fault("%v", err)
	}
	defer shpR.Close()
	shp, err := shapefile.NewScannerSHP(shpR, int64(shpFile.UncompressedSize64), &shapefile.ReadSHPOptions{MaxRecordSize: opts.MaxFeatureBytes})
	if err != nil {
		return fault("not a Shapefile's .shp: %v", err)
	}
	dbfR, err := dbfFile.Open()
	if err != nil {
		return fault("%v", err)
	}
	defer dbfR.Close()
	dbf, err := shapefile.NewScannerDBF(dbfR, &shapefile.ReadDBFOptions{Charset: charset})
	if err != nil {
		return fault("the .dbf: %v", err)
	}
	fields := dbf.FieldDescriptors()
	for record := 1; ; record++ {
		if err := fs.ctx.Err(); err != nil {
			return err
		}
		rec, err := shp.Scan()
		if errors.Is(err, io.EOF) {
			if _, err := dbf.Scan(); err == nil {
				return fault("the .dbf has more records than the .shp's %d", record-1)
			}
			return nil
		}
		if err != nil {
			return fault("record %d: %v", record, err)
		}
		attrs, err := dbf.Scan()
		if err != nil {
			return fault("the .dbf's record %d: %v (the .dbf has fewer records than the .shp, or a bad one)", record, err)
		}
		if attrs == nil { // deleted in the .dbf: not a feature
			continue
		}
		*n++
		f := &geoFeature{Type: "Feature", Properties: make(map[string]any, len(fields))}
		for i, fd := range fields {
			if i < len(attrs) {
				f.Properties[fd.Name] = propertyValue(attrs[i])
			}
		}
		f.Geometry = geomGeometry(rec.Geom, bng)
		if err := fs.feature(*n, f); err != nil {
			return err
		}
	}
}

// propertyValue is a Shapefile's or GeoPackage's attribute as GeoJSON would give it: text,
// a number (float64) or nil.
func propertyValue(v any) any {
	switch x := v.(type) {
	case string:
		return strings.TrimSpace(x)
	case int:
		return float64(x)
	case int64:
		return float64(x)
	case float32:
		return float64(x)
	case nil, float64:
		return x
	}
	return fmt.Sprint(v)
}

// layerCRS says whether a layer's coordinates are British National Grid (else WGS 84
// longitude/latitude), from its WKT definition, or from the CRS declared for the import
// (Options.CRS) when the file names none; what is the definition's source, for messages.
func layerCRS(wkt, declared, what string) (bng bool, err error) {
	if wkt == "" {
		if declared == "" {
			return false, fmt.Errorf("no CRS is given (%s is missing or empty): say which with --crs EPSG:27700 or --crs EPSG:4326 (crs= on POST /api/v1/imports)", what)
		}
		c, ok := hexbeat.ParseCRS(declared)
		if !ok {
			return false, fmt.Errorf("CRS %q: hexbeat reads EPSG:27700 or EPSG:4326", declared)
		}
		return c == hexbeat.EPSG27700, nil
	}
	c, name, ok := hexbeat.ParseWKTCRS(wkt)
	if !ok {
		return false, fmt.Errorf("coordinates in %q (%s); hexbeat reads WGS 84 longitude/latitude or British National Grid (EPSG:27700): reproject it first (ogr2ogr -t_srs EPSG:27700)", name, what)
	}
	return c == hexbeat.EPSG27700, nil
}

// geomGeometry is a Shapefile's geometry as a GeoJSON one, its positions transformed from
// British National Grid when bng; nil (a rejected row) for a null shape or a position off
// the grid.
func geomGeometry(g geom.T, bng bool) *geoGeometry {
	var typ string
	var coords any
	switch x := g.(type) {
	case *geom.Point:
		typ, coords = "Point", x.Coords()
	case *geom.MultiPoint:
		typ, coords = "MultiPoint", x.Coords()
	case *geom.LineString:
		typ, coords = "LineString", x.Coords()
	case *geom.MultiLineString:
		typ, coords = "MultiLineString", x.Coords()
	case *geom.Polygon:
		typ, coords = "Polygon", x.Coords()
	case *geom.MultiPolygon:
		typ, coords = "MultiPolygon", x.Coords()
	default:
		return nil
	}
	return jsonGeometry(typ, coords, bng)
}

// orbGeometry is jsonGeometry for a GeoPackage's geometry.
func orbGeometry(g orb.Geometry, bng bool) *geoGeometry {
	switch g.(type) {
	case nil, orb.Collection, orb.Bound:
		return nil
	}
	return jsonGeometry(g.GeoJSONType(), g, bng)
}

// jsonGeometry writes coordinates as a GeoJSON geometry's, transformed from British
// National Grid when bng; nil when they cannot be.
func jsonGeometry(typ string, coords any, bng bool) *geoGeometry {
	raw, err := json.Marshal(coords)
	if err != nil {
		return nil
	}
	if bng {
		var ok bool
		if raw, ok = fromBNG(raw); !ok {
			return nil
		}
	}
	return &geoGeometry{Type: typ, Coordinates: raw}
}

// readGeoPackage reads every feature layer of a GeoPackage, in name order. SQLite reads a
// file, so the GeoPackage is written to a temporary one first.
func readGeoPackage(ctx context.Context, r io.Reader, kind string, opts Options, rep *Report, sink hexbeat.ImportSink) error {
	tmp, err := os.CreateTemp("", "hexbeat-*.gpkg")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	_, err = io.Copy(tmp, r)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	g, err := gpkg.Open(tmp.Name())
	if err != nil {
		return &FormatError{Line: 1, Reason: err.Error()}
	}
	defer g.Close()
	layers, err := g.Layers(ctx)
	if err != nil {
		return &FormatError{Line: 1, Reason: err.Error()}
	}
	if len(layers) == 0 {
		return &FormatError{Line: 1, Reason: "a GeoPackage without feature layers"}
	}
	fs := newFeatureSet(ctx, kind, opts, rep, sink)
	total := 0
	for _, l := range layers {
		bng, err := gpkgCRS(l.SRS, opts.CRS)
		if err != nil {
			return &FormatError{Line: total + 1, Reason: fmt.Sprintf("layer %s: %v", l.Name, err)}
		}
		err = g.Features(ctx, l, func(n int, ft gpkg.Feature) error {
			props := make(map[string]any, len(ft.Properties))
			for k, v := range ft.Properties {
				props[k] = propertyValue(v)
			}
			return fs.feature(total+n, &geoFeature{Type: "Feature", Properties: props, Geometry: orbGeometry(ft.Geometry, bng)})
		})
		var fe *FormatError
		switch {
		case errors.As(err, &fe):
			return err
		case err != nil && ctx.Err() != nil:
			return ctx.Err()
		case err != nil:
			return &FormatError{Line: total + 1, Reason: err.Error()}
		}
		total = rep.Rows
	}
	return fs.finish()
}

// gpkgCRS says whether a GeoPackage layer is in British National Grid (else WGS 84
// longitude/latitude): by its EPSG code, else by its definition. A layer of undefined SRS
// (GeoPackage's -1 and 0) takes the CRS declared for the import.
func gpkgCRS(s gpkg.SRS, declared string) (bool, error) {
	if strings.EqualFold(s.Organization, "EPSG") {
		switch s.Code {
		case 27700:
			return true, nil
		case 4326:
			return false, nil
		}
	}
	if s.ID == -1 || s.ID == 0 || strings.EqualFold(s.Definition, "undefined") {
		return layerCRS("", declared, "the layer's SRS is undefined")
	}
	if _, _, ok := hexbeat.ParseWKTCRS(s.Definition); ok {
		return layerCRS(s.Definition, declared, "the layer's SRS")
	}
	return false, fmt.Errorf("coordinates in %q (%s:%d); hexbeat reads WGS 84 longitude/latitude or British National Grid (EPSG:27700): reproject it first (ogr2ogr -t_srs EPSG:27700)", s.Name, s.Organization, s.Code)
}

// cpgCharset reads a .cpg: a character set's name (UTF-8), or, as ESRI writes it, a code
// page's number (1252 for Windows-1252, 65001 for UTF-8, 88591 for ISO 8859-1).
func cpgCharset(cpg string) string {
	switch c := strings.TrimSpace(cpg); {
	case c == "65001":
		return "utf-8"
	case strings.HasPrefix(c, "8859") && len(c) > 4:
		return "iso-8859-" + c[4:]
	case len(c) == 4 && strings.HasPrefix(c, "125"):
		return "windows-" + c
	default:
		return c
	}
}

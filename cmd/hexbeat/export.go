package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/hexbeat/hexbeat/internal/catalog"
)

// paramHelp describes the layer parameters that several layers share.
var paramHelp = map[string]string{
	"res":          "H3 resolution 0-15 (default 9)",
	"from":         "start of the period: 2025, 2025-01, 2025-01-31 or RFC 3339",
	"to":           "end of the period, inclusive for a month or day",
	"area":         "boundary id: the study area (see GET /api/v1/boundaries)",
	"bbox":         "minLon,minLat,maxLon,maxLat: keep the features that meet this box",
	"crs":          "csv: EPSG:27700 writes easting, northing and the WKT in British National Grid",
	"weight":       "count or harm",
	"method":       "hotspots: gistar, kde or count",
	"k":            "Gi* neighbourhood in grid steps (hotspots: or auto); cameras: the number of sites",
	"alpha":        "significance level (default 0.05)",
	"radius_m":     "cameras, test-purchase targets: radius in metres",
	"window":       "section60-proposals, test-purchase-targets: the period back from --to, e.g. 14d",
	"status":       "section60-authorisations: active, past or all",
	"kind":         "boundaries: keep one kind",
	"slice":        "emerging: week, 28d or month",
	"a_from":       "change: period A",
	"b_from":       "change: period B",
	"max_area_km2": "section60-proposals: the largest area",
}

// runExport writes a layer as GeoJSON, CSV or NDJSON, exactly as GET /api/v1/export/LAYER
// answers (both through the layer catalogue), and records the export in the audit log.
func runExport(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	layers := catalog.Layers()
	var names, all []string
	for _, l := range layers {
		names = append(names, l.ID)
		for _, p := range l.Allowed("bbox", "crs") {
			if !slices.Contains(all, p) {
				all = append(all, p)
			}
		}
	}
	slices.Sort(all)
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: hexbeat export --layer LAYER [--format geojson|csv|ndjson] [--output FILE] [layer flags]

Writes one layer of the store, as GET /api/v1/export/LAYER does; the export is audited.
  hexbeat export --layer hotspots --method gistar --res 9 --from 2025-01 --to 2025-06 --format csv
  hexbeat export --layer incidents --from 2025-03 --to 2025-03 --format ndjson --output march.ndjson
CSV rows hold the feature's id, a centre lon/lat, the properties and the geometry as WKT
(--crs EPSG:27700: a centre easting/northing and the WKT in British National Grid).

Layers and their flags:
`)
		for _, l := range layers {
			var fl []string
			for _, p := range l.Allowed("bbox", "crs") {
				fl = append(fl, "--"+strings.ReplaceAll(p, "_", "-"))
			}
			fmt.Fprintf(stderr, "  %-25s %s\n  %-25s %s\n", l.ID, l.Title, "", strings.Join(fl, " "))
		}
		fmt.Fprint(stderr, "\nFlags:\n")
		fs.PrintDefaults()
	}
	cfg, finish := bindConfig(fs, configSet{db: true, analysis: true}, os.Getenv)
	layer := fs.String("layer", "", "the layer: "+strings.Join(names, ", "))
	format := fs.String("format", "geojson", "geojson, csv or ndjson")
	out := fs.String("output", "", "write to this file instead of standard output")
	str := map[string]*string{}
	var cats listFlag
	for _, p := range all {
		help := paramHelp[p]
		if help == "" {
			help = "a layer parameter (see GET /api/v1/openapi.json)"
		}
		if p == "category" {
			fs.Var(&cats, "category", "crime type, by name or slug (repeatable)")
			continue
		}
		str[p] = fs.String(strings.ReplaceAll(p, "_", "-"), "", help)
	}
	if !parseFlags(fs, args, finish, stderr) {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "hexbeat export: unexpected arguments %q (the data come from --db)\n", fs.Args())
		return 2
	}
	l, err := catalog.Find(*layer)
	if err != nil {
		fmt.Fprintf(stderr, "hexbeat export: --layer must be one of %s, got %q\n", strings.Join(names, ", "), *layer)
		return 2
	}
	svc, done, code := openService(ctx, cfg, "export", stderr)
	if code != 0 {
		return code
	}
	defer done()
	pairs := append(flagPairs(str, cats), [2]string{"format", *format})
	d, written, err := catalog.New(svc, nil).Export(ctx, l, catalog.NewParams(pairs, l.ExportParams()...))
	if err != nil {
		return reportErr(stderr, "export", err)
	}
	auditExport(ctx, svc, l.ID+"."+written, pairs, d.Features)
	return writeOut(stdout, stderr, *out, "export", d.Body, d.Notes)
}

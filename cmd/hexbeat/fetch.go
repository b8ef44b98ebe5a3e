package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/hexbeat/hexbeat/geodata"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/hexbeat/hexbeat/internal/ingest"
	"github.com/hexbeat/hexbeat/internal/policeuk"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// runFetch downloads months of street crimes and stop-and-search from the data.police.uk
// API, writes them as police.uk CSV files and imports those like any file.
func runFetch(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("fetch", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: hexbeat fetch --force FORCE --months FROM..TO [flags]

Downloads street-level crimes and stop-and-search through the data.police.uk API and
imports them as if they were the downloaded CSV files:
  hexbeat fetch --force thames-valley --months 2025-01..2025-06
  hexbeat fetch --force thames-valley --months 2025-03 --boundary milton-keynes.geojson
Without --boundary the area is the force's neighbourhoods (crimes without a location and
every stop and search the force recorded come too); with it, the polygons of the file (their
outer rings: holes are not cut out).
An area over the API's 10,000-crime limit is split in four until it fits. Requests are
spaced (--rate) and 429/5xx answers are retried with backoff. Fetching a month again, or
importing its CSV file as well, adds nothing: both key each incident the same way.
The API gives no LSOA, so fetched rows carry none.

Flags:
`)
		fs.PrintDefaults()
	}
	cfg, finish := bindConfig(fs, configSet{db: true}, os.Getenv)
	force := fs.String("force", "", "the force's data.police.uk id, e.g. thames-valley")
	months := fs.String("months", "", "a month (2025-01), a range (2025-01..2025-06) or a list (2025-01,2025-03)")
	boundary := fs.String("boundary", "", "a GeoJSON file of polygons: fetch within them instead of the force's neighbourhoods")
	what := fs.String("what", "street,stops", "street, stops or both")
	base := fs.String("api", envOr("HEXBEAT_POLICE_API", policeuk.DefaultBase), "the API root (env HEXBEAT_POLICE_API)")
	rate := fs.Float64("rate", 10, "requests a second at most (the API allows 15)")
	retryWait := fs.Duration("retry-wait", time.Second, "the first retry's wait; it doubles each time")
	keep := fs.String("keep", "", "keep the CSV files written in this folder")
	asJSON := fs.Bool("json", false, "print each file's import report as a JSON line")
	quiet := fs.Bool("quiet", false, "no progress output")
	progressFlag := fs.String("progress", "auto", "auto, bar, lines or none")
	if !parseFlags(fs, args, finish, stderr) {
		return 2
	}
	var problems []string
	if *force == "" {
		problems = append(problems, "--force: name the force (its data.police.uk id, e.g. thames-valley)")
	}
	monthList, err := parseMonths(*months)
	if err != nil {
		problems = append(problems, "--months: "+err.Error())
	}
	kinds := strings.Split(*what, ",")
	for _, k := range kinds {
		if k != "street" && k != "stops" {
			problems = append(problems, fmt.Sprintf("--what: %q is not street or stops", k))
		}
	}
	var rings []orb.Ring
	if *boundary != "" {
		if rings, err = readRings(*boundary); err != nil {
			problems = append(problems, "--boundary: "+err.Error())
		}
	}
	if fs.NArg() > 0 {
		problems = append(problems, fmt.Sprintf("unexpected arguments %q", fs.Args()))
	}
	mode, ok := progressMode(*progressFlag, *quiet, "fetch", stderr)
	if !ok || len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintln(stderr, "hexbeat fetch:", p)
		}
		return 2
	}
	st, ok := openRealStore(ctx, cfg.DB, "fetch", stderr)
	if !ok {
		return 1
	}
	defer st.Close()

	dir := *keep
	if dir == "" {
		if dir, err = os.MkdirTemp("", "hexbeat-fetch-"); err != nil {
			fmt.Fprintln(stderr, "hexbeat fetch:", err)
			return 1
		}
		defer os.RemoveAll(dir)
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		fmt.Fprintln(stderr, "hexbeat fetch:", err)
		return 1
	}
	say := func(format string, args ...any) {
		if mode != "none" || *asJSON {
			fmt.Fprintf(stderr, format+"\n", args...)
		}
	}
	c := &policeuk.Client{Base: *base, Rate: *rate, Backoff: *retryWait, Log: say}
	fail := func(err error) int {
		fmt.Fprintln(stderr, "hexbeat fetch:", err)
		return 1
	}
	f, err := c.Force(ctx, *force)
	if err != nil {
		return fail(fmt.Errorf("force %q: %w", *force, err))
	}
	if rings == nil {
		if rings, err = c.Neighbourhoods(ctx, f.ID); err != nil {
			return fail(fmt.Errorf("the neighbourhoods of %s: %w", f.Name, err))
		}
		if len(rings) == 0 {
			return fail(fmt.Errorf("the API lists no neighbourhoods for %s; give --boundary", f.Name))
		}
	}
	var names map[string]string
	var files []ingest.Source
	write := func(name string, fn func(io.Writer) error) error {
		path := filepath.Join(dir, name)
		out, err := os.Create(path)
		if err != nil {
			return err
		}
		if err := fn(out); err != nil {
			out.Close()
			return err
		}
		files = append(files, ingest.FileSource(path))
		return out.Close()
	}
	for _, m := range monthList {
		line := m + ":"
		if slices.Contains(kinds, "street") {
			if names == nil {
				if names, err = c.Categories(ctx, m); err != nil {
					return fail(fmt.Errorf("crime categories: %w", err))
				}
			}
			crimes, err := c.StreetCrimes(ctx, rings, m)
			if err != nil {
				return fail(fmt.Errorf("crimes of %s: %w", m, err))
			}
			located := len(crimes)
			if *boundary == "" {
				nl, err := c.NoLocationCrimes(ctx, f.ID, m)
				if err != nil {
					return fail(fmt.Errorf("crimes without a location in %s: %w", m, err))
				}
				crimes = append(crimes, nl...)
			}
			line += fmt.Sprintf(" %d crimes (%d without a location)", len(crimes), len(crimes)-located)
			if len(crimes) > 0 {
				if err := write(m+"-"+f.ID+"-street.csv", func(w io.Writer) error { return policeuk.WriteStreetCSV(w, crimes, f.Name, names) }); err != nil {
					return fail(err)
				}
			}
		}
		if slices.Contains(kinds, "stops") {
			var stops []policeuk.Stop
			if *boundary == "" {
				stops, err = c.ForceStops(ctx, f.ID, m)
			} else {
				stops, err = c.AreaStops(ctx, rings, m)
			}
			if err != nil {
				return fail(fmt.Errorf("stop and search in %s: %w", m, err))
			}
			line += fmt.Sprintf(" %d stops and searches", len(stops))
			if len(stops) > 0 {
				if err := write(m+"-"+f.ID+"-stop-and-search.csv", func(w io.Writer) error { return policeuk.WriteStopCSV(w, stops) }); err != nil {
					return fail(err)
				}
			}
		}
		say("%s", line)
	}
	area := "the neighbourhoods of " + f.Name
	if *boundary != "" {
		area = filepath.Base(*boundary)
	}
	detail, _ := json.Marshal(map[string]any{"api": *base, "months": monthList, "what": kinds, "area": area, "requests": c.Stats.Requests,
		"retries": c.Stats.Retries, "splits": c.Stats.Splits, "files": len(files)})
	if err := st.Audit(ctx, hexbeat.AuditEvent{Actor: cliActor(), Action: "fetch", Subject: "data.police.uk " + f.ID, Detail: string(detail)}); err != nil {
		fmt.Fprintf(stderr, "hexbeat fetch: audit: %v\n", err)
	}
	say("data.police.uk: %d requests, %d retried, %d areas split", c.Stats.Requests, c.Stats.Retries, c.Stats.Splits)
	return importFiles(ctx, st, files, ingest.Options{Taxonomy: geodata.Taxonomy(), Location: time.UTC}, mode, *asJSON, stdout, stderr)
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// parseMonths reads 2025-01, 2025-01..2025-06 or 2025-01,2025-03.
func parseMonths(s string) ([]string, error) {
	if s == "" {
		return nil, fmt.Errorf("name the months, e.g. 2025-01..2025-06")
	}
	var out []string
	for _, part := range strings.Split(s, ",") {
		a, b, isRange := strings.Cut(strings.TrimSpace(part), "..")
		from, err := time.Parse("2006-01", a)
		if err != nil {
			return nil, fmt.Errorf("%q is not a month such as 2025-01", a)
		}
		to := from
		if isRange {
			if to, err = time.Parse("2006-01", b); err != nil {
				return nil, fmt.Errorf("%q is not a month such as 2025-06", b)
			}
			if to.Before(from) {
				return nil, fmt.Errorf("%s..%s ends before it starts", a, b)
			}
		}
		for m := from; !m.After(to); m = m.AddDate(0, 1, 0) {
			if len(out) >= 240 {
				return nil, fmt.Errorf("more than 240 months")
			}
			if k := m.Format("2006-01"); !slices.Contains(out, k) {
				out = append(out, k)
			}
		}
	}
	return out, nil
}

// readRings reads the outer rings of the polygons in a GeoJSON file.
func readRings(path string) ([]orb.Ring, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var geoms []orb.Geometry
	if fc, err := geojson.UnmarshalFeatureCollection(b); err == nil && len(fc.Features) > 0 {
		for _, f := range fc.Features {
			geoms = append(geoms, f.Geometry)
		}
	} else if f, err := geojson.UnmarshalFeature(b); err == nil && f.Geometry != nil {
		geoms = append(geoms, f.Geometry)
	} else if g, err := geojson.UnmarshalGeometry(b); err == nil {
		geoms = append(geoms, g.Geometry())
	} else {
		return nil, fmt.Errorf("%s is not GeoJSON: %v", path, err)
	}
	var rings []orb.Ring
	for _, g := range geoms {
		switch g := g.(type) {
		case orb.Polygon:
			rings = append(rings, g[0])
		case orb.MultiPolygon:
			for _, p := range g {
				rings = append(rings, p[0])
			}
		}
	}
	if len(rings) == 0 {
		return nil, fmt.Errorf("%s holds no polygon", path)
	}
	return rings, nil
}

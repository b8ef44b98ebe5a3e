package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hexbeat/hexbeat/geodata"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/hexbeat/hexbeat/internal/ingest"
	"github.com/hexbeat/hexbeat/internal/policeuk"
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
	d := policeuk.Download{Force: *force, Street: strings.Contains(*what, "street"), Stops: strings.Contains(*what, "stops")}
	var problems []string
	if d.Force == "" {
		problems = append(problems, "--force: name the force (its data.police.uk id, e.g. thames-valley)")
	}
	var err error
	if d.Months, err = policeuk.ParseMonths(*months); err != nil {
		problems = append(problems, "--months: "+err.Error())
	}
	for _, k := range strings.Split(*what, ",") {
		if k != "street" && k != "stops" {
			problems = append(problems, fmt.Sprintf("--what: %q is not street or stops", k))
		}
	}
	if *boundary != "" {
		d.AreaTag = filepath.Base(*boundary)
		if d.Rings, err = policeuk.ReadRings(*boundary); err != nil {
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
	say := func(format string, args ...any) {
		if mode != "none" || *asJSON {
			fmt.Fprintf(stderr, format+"\n", args...)
		}
	}
	return fetchAndImport(ctx, cfg, d, *keep, &policeuk.Client{Base: *base, Rate: *rate, Backoff: *retryWait, Log: say}, mode, *asJSON, stdout, stderr)
}

// fetchAndImport downloads d into the folder keep (a temporary one when empty), audits the
// download and imports its files like any others.
func fetchAndImport(ctx context.Context, cfg *Config, d policeuk.Download, keep string, c *policeuk.Client, mode string, asJSON bool, stdout, stderr io.Writer) int {
	fail := func(err error) int {
		fmt.Fprintln(stderr, "hexbeat fetch:", err)
		return 1
	}
	st, ok := openRealStore(ctx, cfg.DB, "fetch", stderr)
	if !ok {
		return 1
	}
	defer st.Close()
	d.Dir = keep
	if d.Dir == "" {
		dir, err := os.MkdirTemp("", "hexbeat-fetch-")
		if err != nil {
			return fail(err)
		}
		defer os.RemoveAll(dir)
		d.Dir = dir
	} else if err := os.MkdirAll(d.Dir, 0o755); err != nil {
		return fail(err)
	}
	got, err := c.Fetch(ctx, d, c.Log)
	if err != nil {
		return fail(err)
	}
	var what []string
	for _, k := range []struct {
		on   bool
		name string
	}{{d.Street, "street"}, {d.Stops, "stops"}} {
		if k.on {
			what = append(what, k.name)
		}
	}
	detail, _ := json.Marshal(map[string]any{"api": c.Base, "months": d.Months, "what": what, "area": got.Area, "requests": c.Stats.Requests,
		"retries": c.Stats.Retries, "splits": c.Stats.Splits, "files": len(got.Files)})
	if err := st.Audit(ctx, hexbeat.AuditEvent{Actor: cliActor(), Action: "fetch", Subject: "data.police.uk " + got.Force.ID, Detail: string(detail)}); err != nil {
		fmt.Fprintf(stderr, "hexbeat fetch: audit: %v\n", err)
	}
	c.Log("data.police.uk: %d requests, %d retried, %d areas split", c.Stats.Requests, c.Stats.Retries, c.Stats.Splits)
	files := make([]ingest.Source, len(got.Files))
	for i, f := range got.Files {
		files[i] = ingest.FileSource(f)
	}
	return importFiles(ctx, st, files, ingest.Options{Taxonomy: geodata.Taxonomy(), Location: time.UTC}, mode, asJSON, stdout, stderr)
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

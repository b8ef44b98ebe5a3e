package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/hexbeat/hexbeat/geodata"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/hexbeat/hexbeat/internal/ingest"
	"github.com/hexbeat/hexbeat/internal/store"
)

func runImport(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: hexbeat import [flags] FILE|DIR|ZIP...

Imports each file in one transaction: all of it or none. The type is recognised from the
content: police.uk street, stop-and-search and outcomes CSVs, a retailer register CSV, a
camera register CSV (a camera_id or camera_name column, kind fixed or mobile, longitude,
latitude, active_from, active_to), points or boundary polygons as GeoJSON, a zipped
Shapefile (or its .shp, with its .shx, .dbf and .prj beside it) or a GeoPackage, in WGS 84
or British National Grid. A ZIP archive (a data.police.uk download as it comes) imports
each CSV, GeoJSON and GeoPackage file in it (one holding a Shapefile is that Shapefile); a
directory, each such file, Shapefile and ZIP beneath it, in name order. A force's own CSV
needs its columns named:
  hexbeat import --lon X --lat Y --time "Date/Time" --category Offence --id Ref file.csv
or, in British National Grid eastings and northings:
  hexbeat import --crs EPSG:27700 --x Easting --y Northing --time Date --time-of-day Time \
                 --category Offence --id Ref --encoding windows-1252 file.csv
Importing the same data again adds nothing. Many files are one run: each still its own
transaction, but when they are large against what the store holds the incident indexes
are dropped once and rebuilt once, at the end. Exit status: 0 when every file imported, 1
when a file was refused (the others still import), 2 for a usage error.

Flags:
`)
		fs.PrintDefaults()
	}
	cfg, finish := bindConfig(fs, configSet{db: true}, os.Getenv)
	var opts ingest.Options
	fs.StringVar(&opts.Kind, "kind", "", "force the file type: "+strings.Join(hexbeat.ImportKinds, ", "))
	fs.StringVar(&opts.CRS, "crs", "", "generic CSV: the coordinate reference system of --x/--y: EPSG:27700 (British National Grid eastings/northings, the default) or EPSG:4326; also a Shapefile's without a .prj")
	fs.StringVar(&opts.Columns.X, "x", "", "generic CSV: the column of the first coordinate in --crs (the easting)")
	fs.StringVar(&opts.Columns.Y, "y", "", "generic CSV: the column of the second coordinate in --crs (the northing)")
	fs.StringVar(&opts.Columns.GridRef, "gridref", "", "generic CSV: a column of Ordnance Survey grid references (SP 85402 38801), instead of coordinates")
	fs.StringVar(&opts.Columns.Lon, "lon", "", "generic CSV: the longitude column")
	fs.StringVar(&opts.Columns.Lat, "lat", "", "generic CSV: the latitude column")
	fs.StringVar(&opts.Columns.Time, "time", "", "generic CSV: the date/time column (RFC 3339, 2006-01-02 15:04, 02/01/2006 ..., 20060102, or 2006-01)")
	fs.StringVar(&opts.Columns.TimeOfDay, "time-of-day", "", "generic CSV: a column with the clock time (725, 07:25) of a --time that gives only the day")
	fs.StringVar(&opts.Encoding, "encoding", "", "the files' character set: utf-8 (the default) or windows-1252 (what Excel and Windows systems often write)")
	fs.StringVar(&opts.Columns.Category, "category", "", "generic CSV: the category column")
	fs.StringVar(&opts.Columns.ID, "id", "", "generic CSV: the force's reference column (makes re-imports idempotent by reference)")
	fs.StringVar(&opts.Columns.Location, "location", "", "generic CSV: a location description column")
	fs.StringVar(&opts.BoundaryKind, "boundary-kind", "", "boundaries: the kind to record (lsoa, ward, lpa, custom ...) when the file does not say")
	tz := fs.String("tz", "Europe/London", "generic files: the time zone of times written without one")
	asJSON := fs.Bool("json", false, "print each file's report as a JSON line instead of text")
	quiet := fs.Bool("quiet", false, "no progress output (the same as --progress none)")
	progressFlag := fs.String("progress", "auto", "the progress of the whole run (files done, rows, rows a second, time left): auto (a bar on a terminal), bar, lines (a line per 10 %, for logs and scripts) or none")
	if !parseFlags(fs, args, finish, stderr) {
		return 2
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "hexbeat import: name at least one file")
		return 2
	}
	files, err := ingest.Sources(fs.Args())
	if err != nil {
		fmt.Fprintf(stderr, "hexbeat import: %v\n", err)
		return 2
	}
	loc, err := time.LoadLocation(*tz)
	if err != nil {
		fmt.Fprintf(stderr, "hexbeat import: --tz %q: %v\n", *tz, err)
		return 2
	}
	opts.Location = loc
	opts.Taxonomy = geodata.Taxonomy()
	mode, ok := progressMode(*progressFlag, *quiet, "import", stderr)
	if !ok {
		return 2
	}
	st, ok := openRealStore(ctx, cfg.DB, "import", stderr)
	if !ok {
		return 1
	}
	defer st.Close()
	return importFiles(ctx, st, files, opts, mode, *asJSON, stdout, stderr)
}

// importFiles imports each file in its own transaction, reporting and auditing each; the
// status is 1 when any was refused. Many files are one run of the store's (store.Run): the
// incident indexes are kept for the whole run, dropped once and rebuilt once at its end
// when the files are large against the table. Progress covers the whole run.
func importFiles(ctx context.Context, st *store.Store, files []ingest.Source, opts ingest.Options, mode string, asJSON bool, stdout, stderr io.Writer) (code int) {
	var prog *runProgress
	if mode == "bar" || mode == "lines" {
		prog = newRunProgress(stderr, mode == "bar", files)
		defer prog.clear()
	}
	var imp hexbeat.Importer = st
	if len(files) > 1 {
		run, err := st.BeginRun(ctx, ingest.EstimateIncidents(files))
		if err != nil {
			fmt.Fprintf(stderr, "hexbeat import: %v\n", err)
			return 1
		}
		imp = run
		defer func() {
			if prog != nil && run.Rebuilds() {
				prog.note("rebuilding the incident indexes, once for the whole run")
			}
			if err := run.Close(ctx); err != nil {
				fmt.Fprintf(stderr, "hexbeat import: %v (the next import rebuilds them)\n", err)
				code = 1
			}
		}()
	}
	for _, src := range files {
		path := src.Name
		var progress ingest.Progress
		if prog != nil {
			progress = prog.file(src)
		}
		start := time.Now()
		opts.Audit = func(b hexbeat.Batch) hexbeat.AuditEvent {
			d, _ := json.Marshal(map[string]any{"path": path, "batch": b.ID, "kind": b.Kind, "sha256": b.SHA256, "rows": b.Rows, "added": b.Added})
			return hexbeat.AuditEvent{Actor: cliActor(), Action: "import", Subject: "file " + src.Short(), Detail: string(d)}
		}
		rep, batch, err := ingest.ImportSource(ctx, imp, src, opts, progress)
		if prog != nil {
			prog.clear()
		}
		if err != nil {
			code = 1
			if asJSON {
				json.NewEncoder(stdout).Encode(map[string]any{"file": path, "refused": err.Error()})
			} else {
				fmt.Fprintf(stderr, "REFUSED %v\n", err)
			}
			// nothing was committed; the refusal is recorded on its own
			d, _ := json.Marshal(map[string]any{"path": path, "error": err.Error()})
			if aerr := st.Audit(ctx, hexbeat.AuditEvent{Actor: cliActor(), Action: "import.refused", Subject: "file " + src.Short(), Detail: string(d)}); aerr != nil {
				fmt.Fprintf(stderr, "hexbeat import: audit: %v\n", aerr)
			}
		} else if asJSON {
			json.NewEncoder(stdout).Encode(map[string]any{"report": rep, "batch": batch.ID, "seconds": time.Since(start).Seconds()})
		} else {
			fmt.Fprint(stdout, rep.Summary())
			fmt.Fprintf(stdout, "  batch %d, %.2fs\n", batch.ID, time.Since(start).Seconds())
		}
		if prog != nil {
			rows := 0
			if rep != nil {
				rows = rep.Rows
			}
			prog.fileDone(rows)
		}
		if ctx.Err() != nil {
			return 1
		}
	}
	return code
}

// progressMode resolves --progress (and --quiet) to bar, lines or none.
func progressMode(mode string, quiet bool, cmd string, stderr io.Writer) (string, bool) {
	switch {
	case quiet:
		return "none", true
	case mode == "auto" && isTerminal(stderr):
		return "bar", true
	case mode == "auto":
		return "none", true
	case mode != "bar" && mode != "lines" && mode != "none":
		fmt.Fprintf(stderr, "hexbeat %s: --progress %q: use auto, bar, lines or none\n", cmd, mode)
		return "", false
	}
	return mode, true
}

// openRealStore opens the store for an import; the demo store is refused, so that real
// data never mixes with the synthetic set.
func openRealStore(ctx context.Context, db, cmd string, stderr io.Writer) (*store.Store, bool) {
	st, err := store.Open(ctx, db)
	if err != nil {
		fmt.Fprintf(stderr, "hexbeat %s: %v\n", cmd, err)
		return nil, false
	}
	demo, err := st.Meta(ctx, "demo")
	if err != nil {
		st.Close()
		fmt.Fprintf(stderr, "hexbeat %s: %v\n", cmd, err)
		return nil, false
	}
	if demo == "true" {
		st.Close()
		fmt.Fprintf(stderr, "hexbeat %s: %s holds the synthetic demo data set; import real data into its own store (--db)\n", cmd, store.Redact(db))
		return nil, false
	}
	return st, true
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/hexbeat/hexbeat/geodata"
	"github.com/hexbeat/hexbeat/internal/catalog"
	"github.com/hexbeat/hexbeat/internal/encode"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/hexbeat/hexbeat/internal/service"
	"github.com/hexbeat/hexbeat/internal/store"
)

// listFlag is a repeatable string flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// runHotspots computes a hotspot layer from the store, with the same parameters and the
// same output as GET /api/v1/hotspots.
func runHotspots(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("hotspots", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: hexbeat hotspots [flags]

Writes a hotspot layer of the store's incidents, exactly as GET /api/v1/hotspots answers:
  hexbeat hotspots --method gistar --res 9 --from 2025-01 --to 2025-06 --area E06000042 --format csv
  hexbeat hotspots --res 9 --from 2025-04 --to 2025-06 --area E06000042 --limit 20 --format csv

Flags:
`)
		fs.PrintDefaults()
	}
	cfg, finish := bindConfig(fs, configSet{db: true, analysis: true}, os.Getenv)
	str := map[string]*string{}
	for _, f := range []struct{ name, usage string }{
		{"method", "gistar, kde or count (default " + hexbeat.DefaultHotspotMethod + ")"},
		{"res", "H3 resolution 0-15 (default 9)"},
		{"from", "start of the period: 2025, 2025-01, 2025-01-31 or RFC 3339"},
		{"to", "end of the period, inclusive for a month or day (to=2025-06 runs to the end of June)"},
		{"area", "boundary id: the study area (see GET /api/v1/boundaries)"},
		{"bbox", "minLon,minLat,maxLon,maxLat"},
		{"weight", "count or harm (default count)"},
		{"half-life-days", "recency decay back from the end of the period"},
		{"k", "Gi* neighbourhood radius in grid steps (default 1), or auto: chosen from Moran's I by radius"},
		{"alpha", "significance level (default 0.05)"},
		{"bandwidth-m", "KDE bandwidth in metres (default: rule of thumb)"},
		{"fdr", "bin on FDR-adjusted p-values: true or false (default true)"},
		{"limit", "only the first N cells of the ranking (default: every cell of the study area)"},
	} {
		str[f.name] = fs.String(f.name, "", f.usage)
	}
	var cats listFlag
	fs.Var(&cats, "category", "crime type, by name or slug (repeatable)")
	format := fs.String("format", "geojson", "geojson or csv")
	out := fs.String("output", "", "write to this file instead of standard output")
	if !parseFlags(fs, args, finish, stderr) {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "hexbeat hotspots: unexpected arguments %q (the data come from --db)\n", fs.Args())
		return 2
	}
	pairs := flagPairs(str, cats)
	pairs = append(pairs, [2]string{"format", *format})
	svc, done, code := openService(ctx, cfg, "hotspots", stderr)
	if code != 0 {
		return code
	}
	defer done()
	p := catalog.NewParams(pairs, catalog.HotspotParams...)
	q := catalog.HotspotQuery(p)
	limit := p.PositiveInt("limit")
	if *format != "geojson" && *format != "csv" {
		p.Fail("format", "must be geojson or csv, got %q", *format)
	}
	if err := p.Err(); err != nil {
		return reportErr(stderr, "hotspots", err)
	}
	layer, err := svc.Hotspots(ctx, q)
	if err != nil {
		return reportErr(stderr, "hotspots", err)
	}
	rows := len(layer.Cells)
	if limit > 0 {
		rows = min(rows, limit)
	}
	var body []byte
	if *format == "csv" {
		body = encode.HotspotsCSV(layer, rows)
		auditExport(ctx, svc, "hotspots.csv", pairs, rows)
	} else {
		body = encode.New(0).Hotspots(layer, rows, svc.Demo())
	}
	return writeOut(stdout, stderr, *out, "hotspots", body, layer.Notes)
}

// openService opens the store and loads its incidents into a service, for a command that
// answers from the store itself, as the user who can read it (no key is asked for).
func openService(ctx context.Context, cfg *Config, cmd string, stderr io.Writer) (*service.Service, func(), int) {
	st, err := store.Open(ctx, cfg.DB)
	if err != nil {
		fmt.Fprintf(stderr, "hexbeat %s: %v\n", cmd, err)
		return nil, nil, 1
	}
	svc := service.New(st, geodata.Taxonomy(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	svc.SetHarmWeights(cfg.Harm)
	if err := svc.Sync(ctx); err != nil {
		st.Close()
		fmt.Fprintf(stderr, "hexbeat %s: load: %v\n", cmd, err)
		return nil, nil, 1
	}
	return svc, func() { st.Close() }, 0
}

// flagPairs are the string flags given (their names as the API's parameters: half_life_days
// for --half-life-days), in name order, then the categories.
func flagPairs(str map[string]*string, cats []string) [][2]string {
	var pairs [][2]string
	for _, name := range slices.Sorted(maps.Keys(str)) {
		if v := *str[name]; v != "" {
			pairs = append(pairs, [2]string{strings.ReplaceAll(name, "-", "_"), v})
		}
	}
	for _, c := range cats {
		pairs = append(pairs, [2]string{"category", c})
	}
	return pairs
}

// auditExport records a download made from the command line, as the API records one: who,
// what, the query and how many rows.
func auditExport(ctx context.Context, svc *service.Service, what string, pairs [][2]string, rows int) {
	q := url.Values{}
	for _, kv := range pairs {
		q.Add(kv[0], kv[1])
	}
	b, _ := json.Marshal(map[string]any{"query": q.Encode(), "rows": rows})
	svc.Audit(ctx, hexbeat.AuditEvent{Actor: cliActor(), Action: "export", Subject: what, Detail: string(b)})
}

// writeOut writes body to out (or stdout) and the answer's notes (what a reader must know:
// a period outside the data held ...) on stderr, which a CSV has no place for.
func writeOut(stdout, stderr io.Writer, out, cmd string, body []byte, notes []string) int {
	w := stdout
	if out != "" {
		f, err := os.Create(out)
		if err != nil {
			fmt.Fprintf(stderr, "hexbeat %s: %v\n", cmd, err)
			return 1
		}
		defer f.Close()
		w = f
	}
	if _, err := w.Write(body); err != nil {
		fmt.Fprintf(stderr, "hexbeat %s: %v\n", cmd, err)
		return 1
	}
	for _, n := range notes {
		fmt.Fprintf(stderr, "hexbeat %s: note: %s\n", cmd, n)
	}
	return 0
}

// runEvaluate runs the rolling-origin forecast backtest on FILES (read into memory, no
// store) or, with no files, on the store.
func runEvaluate(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("evaluate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: hexbeat evaluate [flags] [FILE...]

A rolling-origin backtest: for every month with --train-months months of data before it,
each method ranks the cells on those months and is scored on the month itself (hit rate,
PAI, RRI at each coverage), against the naive ranking by training-month counts.
  hexbeat evaluate --train-months 3 --methods count,gistar,kde,recency --coverage 0.01,0.05 \
      --area E06000042 2025-0*-thames-valley-street.csv milton-keynes-boundary.geojson
FILEs are police.uk CSVs and boundary GeoJSON, read into memory (nothing is stored); with
no FILE the store (--db) is used.

Flags:
`)
		fs.PrintDefaults()
	}
	cfg, finish := bindConfig(fs, configSet{db: true, analysis: true}, os.Getenv)
	str := map[string]*string{}
	for _, f := range []struct{ name, def, usage string }{
		{"train-months", "3", "months each forecast is trained on"},
		{"methods", "count,recency,gistar,kde", "methods to compare (count, recency, gistar, kde)"},
		{"coverage", "0.01,0.05", "shares of the study area's cells to select (0.05, or 5%)"},
		{"res", "9", "H3 resolution"},
		{"area", "", "boundary id: the study area"},
		{"from", "", "first test month (default: the first with enough history)"},
		{"to", "", "last test month"},
		{"weight", "count", "weighting of training incidents: count or harm"},
		{"half-life-days", strconv.Itoa(hexbeat.DefaultHalfLifeDays), "recency method's half-life"},
		{"bandwidth-m", "", "KDE bandwidth in metres (default: rule of thumb)"},
		{"k", "", "Gi* neighbourhood radius in grid steps (default 1)"},
	} {
		str[f.name] = fs.String(f.name, f.def, f.usage)
	}
	var cats listFlag
	fs.Var(&cats, "category", "crime type, by name or slug (repeatable)")
	asJSON := fs.Bool("json", false, "print the result as JSON (as GET /api/v1/evaluate)")
	if !parseFlags(fs, args, finish, stderr) {
		return 2
	}
	p := catalog.NewParams(flagPairs(str, cats), catalog.EvalParams...)
	q := catalog.EvalQuery(p)
	if err := p.Err(); err != nil {
		return reportErr(stderr, "evaluate", err)
	}
	var result hexbeat.EvalResult
	var err error
	if fs.NArg() > 0 {
		result, err = service.EvaluateFiles(ctx, fs.Args(), q, geodata.Taxonomy(), cfg.Harm)
	} else {
		svc, done, code := openService(ctx, cfg, "evaluate", stderr)
		if code != 0 {
			return code
		}
		defer done()
		result, err = svc.Evaluate(ctx, q)
	}
	if err != nil {
		return reportErr(stderr, "evaluate", err)
	}
	if *asJSON {
		return writeJSON(stdout, encode.Evaluation(result, false))
	}
	printEvaluation(stdout, result)
	return 0
}

// reportErr prints a command's error with its fields as the command's flags; invalid input
// is a usage error (exit 2), anything else a failure (exit 1).
func reportErr(stderr io.Writer, cmd string, err error) int {
	if err == nil {
		return 0
	}
	var he *hexbeat.Error
	if !errors.As(err, &he) {
		fmt.Fprintf(stderr, "hexbeat %s: %v\n", cmd, err)
		return 1
	}
	msg := err.Error() // with the context it was wrapped in
	if len(he.Fields) > 0 {
		msg = he.Message // and the fields one a line
	}
	fmt.Fprintf(stderr, "hexbeat %s: %s\n", cmd, msg)
	for _, fe := range he.Fields {
		fmt.Fprintf(stderr, "  --%s: %s\n", strings.ReplaceAll(fe.Field, "_", "-"), fe.Message)
	}
	if he.Code == hexbeat.EINVALID {
		return 2
	}
	return 1
}

func writeJSON(w io.Writer, v any) int {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return 1
	}
	return 0
}

// printEvaluation writes the backtest as tables: per method and coverage, then per month.
func printEvaluation(w io.Writer, r hexbeat.EvalResult) {
	q := r.Query
	fmt.Fprintf(w, "Forecast backtest: res %d, %d training months, study area: %s\n\n", q.Res, q.TrainMonths, r.StudyArea)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "method\tcoverage\tmonths\thit rate\tPAI\tRRI\tPAI / naive\tbetter months\t")
	for _, s := range r.Summary {
		fmt.Fprintf(tw, "%s\t%.3g%%\t%d\t%.3f\t%.2f\t%s\t%.3f\t%d/%d\t\n", s.Method, 100*s.Coverage, s.Months, s.HitRate, s.PAI, fmtNum(s.RRI), s.PAIRatioToBaseline, s.BeatsBaseline, s.Months)
	}
	tw.Flush()
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "test month\tmethod\tcoverage\tcells\tcaptured\ttotal\thit rate\tPAI\tRRI\t")
	for _, x := range r.Rows {
		fmt.Fprintf(tw, "%s\t%s\t%.3g%%\t%d\t%.0f\t%.0f\t%.3f\t%.2f\t%s\t\n", x.TestMonth, x.Method, 100*x.Coverage, x.Cells, x.Captured, x.Total, x.HitRate, x.PAI, fmtNum(x.RRI))
	}
	tw.Flush()
	fmt.Fprintln(w)
	for _, v := range r.Verdict {
		fmt.Fprintln(w, v)
	}
}

func fmtNum(v float64) string {
	if math.IsNaN(v) {
		return "-"
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}

package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/hexbeat/hexbeat/geodata"
	"github.com/hexbeat/hexbeat/internal/analysis"
	"github.com/hexbeat/hexbeat/internal/api"
	"github.com/hexbeat/hexbeat/internal/encode"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/hexbeat/hexbeat/internal/index"
	"github.com/hexbeat/hexbeat/internal/ingest"
	"github.com/hexbeat/hexbeat/internal/service"
	"github.com/hexbeat/hexbeat/internal/store"
)

// listFlag is a repeatable string flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// runHotspots computes a hotspot layer offline, from the store, with the same parameters
// and the same output as GET /api/v1/hotspots (it answers that request in-process).
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
	q := url.Values{}
	for name, v := range str {
		if *v != "" {
			q.Set(strings.ReplaceAll(name, "-", "_"), *v)
		}
	}
	for _, c := range cats {
		q.Add("category", c)
	}
	q.Set("format", *format)
	return answerOffline(ctx, cfg, "/api/v1/hotspots?"+q.Encode(), *out, stdout, stderr, "hotspots")
}

// answerOffline loads the store into a service and answers one API request in-process,
// writing the body to out (or stdout); a problem is printed on stderr, and so are the
// answer's notes (what a reader must know: a period outside the data held ...), which a
// CSV has no place for.
func answerOffline(ctx context.Context, cfg *Config, target, out string, stdout, stderr io.Writer, cmd string) int {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	st, err := store.Open(ctx, cfg.DB)
	if err != nil {
		fmt.Fprintf(stderr, "hexbeat %s: %v\n", cmd, err)
		return 1
	}
	defer st.Close()
	svc := service.New(st, geodata.Taxonomy(), log)
	svc.SetHarmWeights(cfg.Harm)
	if err := svc.Sync(ctx); err != nil {
		fmt.Fprintf(stderr, "hexbeat %s: load: %v\n", cmd, err)
		return 1
	}
	// The command runs as a user who can read the store itself: no key is asked for.
	srv := api.New(svc, log, api.Config{Open: true, Actor: cliActor()}, nil)
	resp, err := srv.App().Test(httptest.NewRequest("GET", target, nil), -1)
	if err != nil {
		fmt.Fprintf(stderr, "hexbeat %s: %v\n", cmd, err)
		return 1
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		var prob struct {
			Title, Detail string
			Errors        []hexbeat.FieldError
		}
		body, _ := io.ReadAll(resp.Body)
		if json.Unmarshal(body, &prob) != nil {
			fmt.Fprintf(stderr, "hexbeat %s: %s\n", cmd, body)
			return 1
		}
		fmt.Fprintf(stderr, "hexbeat %s: %s\n", cmd, firstNonEmpty(prob.Detail, prob.Title))
		for _, fe := range prob.Errors {
			fmt.Fprintf(stderr, "  --%s: %s\n", strings.ReplaceAll(fe.Field, "_", "-"), fe.Message)
		}
		if resp.StatusCode < 500 {
			return 2
		}
		return 1
	}
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
	if _, err := io.Copy(w, resp.Body); err != nil {
		fmt.Fprintf(stderr, "hexbeat %s: %v\n", cmd, err)
		return 1
	}
	for _, n := range resp.Header.Values(api.NoteHeader) {
		if u, err := strconv.Unquote(`"` + n + `"`); err == nil {
			n = u
		}
		fmt.Fprintf(stderr, "hexbeat %s: note: %s\n", cmd, n)
	}
	return 0
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// indexSink feeds parsed files straight into an index, for analyses of files without a store.
type indexSink struct {
	b          *index.Builder
	boundaries []hexbeat.Boundary
}

func (s *indexSink) AddIncidents(_ context.Context, x []hexbeat.Incident) error {
	s.b.Add(x)
	return nil
}
func (s *indexSink) AddStopSearches(context.Context, []hexbeat.StopSearch) error { return nil }
func (s *indexSink) AddOutcomes(context.Context, []hexbeat.Outcome) error        { return nil }
func (s *indexSink) PutBoundaries(_ context.Context, x []hexbeat.Boundary) error {
	s.boundaries = append(s.boundaries, x...)
	return nil
}
func (s *indexSink) PutRetailers(context.Context, []hexbeat.Retailer) error { return nil }
func (s *indexSink) PutCameras(context.Context, []hexbeat.Camera) error     { return nil }

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
	train := fs.Int("train-months", 3, "months each forecast is trained on")
	methods := fs.String("methods", "count,recency,gistar,kde", "methods to compare (count, recency, gistar, kde)")
	coverage := fs.String("coverage", "0.01,0.05", "shares of the study area's cells to select")
	resolution := fs.Int("res", 9, "H3 resolution")
	area := fs.String("area", "", "boundary id: the study area")
	from := fs.String("from", "", "first test month (default: the first with enough history)")
	to := fs.String("to", "", "last test month")
	weight := fs.String("weight", "count", "weighting of training incidents: count or harm")
	halfLife := fs.Float64("half-life-days", hexbeat.DefaultHalfLifeDays, "recency method's half-life")
	bandwidth := fs.Float64("bandwidth-m", 0, "KDE bandwidth in metres (0: rule of thumb)")
	var cats listFlag
	fs.Var(&cats, "category", "crime type, by name or slug (repeatable)")
	asJSON := fs.Bool("json", false, "print the result as JSON (as GET /api/v1/evaluate)")
	if !parseFlags(fs, args, finish, stderr) {
		return 2
	}
	q := hexbeat.EvalQuery{CellQuery: hexbeat.CellQuery{Res: *resolution, Categories: cats, Area: *area}, TrainMonths: *train,
		Weight: *weight, HalfLifeDays: *halfLife, BandwidthM: *bandwidth}
	var bad []string
	if *train < 1 {
		bad = append(bad, fmt.Sprintf("--train-months: must be at least 1, got %d", *train))
	}
	if *halfLife <= 0 {
		bad = append(bad, fmt.Sprintf("--half-life-days: must be greater than 0, got %g", *halfLife))
	}
	for _, m := range strings.Split(*methods, ",") {
		if m = strings.TrimSpace(m); m != "" {
			q.Methods = append(q.Methods, m)
		}
	}
	for _, c := range strings.Split(*coverage, ",") {
		f, err := strconv.ParseFloat(strings.TrimSpace(c), 64)
		if err != nil {
			bad = append(bad, fmt.Sprintf("--coverage: %q is not a number", c))
		}
		q.Coverages = append(q.Coverages, f)
	}
	var err error
	if *from != "" {
		if q.From, err = hexbeat.ParseTimeBound(*from, false); err != nil {
			bad = append(bad, "--from: "+err.Error())
		}
	}
	if *to != "" {
		if q.To, err = hexbeat.ParseTimeBound(*to, true); err != nil {
			bad = append(bad, "--to: "+err.Error())
		}
	}
	if len(bad) > 0 {
		fmt.Fprintln(stderr, "hexbeat evaluate:\n  "+strings.Join(bad, "\n  "))
		return 2
	}
	var result hexbeat.EvalResult
	if fs.NArg() == 0 {
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		st, err := store.Open(ctx, cfg.DB)
		if err != nil {
			fmt.Fprintln(stderr, "hexbeat evaluate:", err)
			return 1
		}
		defer st.Close()
		svc := service.New(st, geodata.Taxonomy(), log)
		svc.SetHarmWeights(cfg.Harm)
		if err := svc.Sync(ctx); err != nil {
			fmt.Fprintln(stderr, "hexbeat evaluate:", err)
			return 1
		}
		result, err = svc.Evaluate(ctx, q)
		if code := reportErr(stderr, err); code != 0 {
			return code
		}
	} else {
		ix := index.New()
		sink := &indexSink{b: ix.Begin()}
		for _, path := range fs.Args() {
			f, err := os.Open(path)
			if err != nil {
				fmt.Fprintln(stderr, "hexbeat evaluate:", err)
				return 1
			}
			_, err = ingest.Read(ctx, f, path, ingest.Options{Taxonomy: geodata.Taxonomy()}, sink)
			f.Close()
			if err != nil {
				fmt.Fprintf(stderr, "hexbeat evaluate: %s: %v\n", path, err)
				return 1
			}
		}
		sink.b.Commit()
		q = q.WithDefaults()
		var ar *index.Area
		if q.Area != "" {
			for _, b := range sink.boundaries {
				if b.ID == q.Area {
					ar = &index.Area{Key: b.ID, Geometry: b.Geometry}
				}
			}
			if ar == nil {
				fmt.Fprintf(stderr, "hexbeat evaluate: --area %q is not a boundary in the files given\n", q.Area)
				return 2
			}
		}
		if err := q.Validate(); reportErr(stderr, err) != 0 {
			return 2
		}
		result, err = analysis.New(cfg.Harm).Evaluate(context.Background(), ix.Snapshot(), q, ar)
		if code := reportErr(stderr, err); code != 0 {
			return code
		}
	}
	if *asJSON {
		return writeJSON(stdout, encode.Evaluation(result, false))
	}
	printEvaluation(stdout, result)
	return 0
}

func reportErr(stderr io.Writer, err error) int {
	if err == nil {
		return 0
	}
	fmt.Fprintln(stderr, "hexbeat:", err)
	if he, ok := err.(*hexbeat.Error); ok {
		for _, fe := range he.Fields {
			fmt.Fprintf(stderr, "  --%s: %s\n", strings.ReplaceAll(fe.Field, "_", "-"), fe.Message)
		}
		if he.Code == hexbeat.EINVALID {
			return 2
		}
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

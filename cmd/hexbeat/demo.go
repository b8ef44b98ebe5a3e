package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/hexbeat/hexbeat/geodata"
	"github.com/hexbeat/hexbeat/internal/demo"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/hexbeat/hexbeat/internal/store"
)

func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg, finish := bindConfig(fs, configSet{server: true}, os.Getenv)
	force := fs.Bool("force", false, "delete the demo store's file and create it again")
	if !parseFlags(fs, args, finish, stderr) {
		return 2
	}
	if *force {
		if !strings.HasPrefix(cfg.DemoDB, "sqlite:") {
			fmt.Fprintln(stderr, "hexbeat demo: --force only deletes a SQLite demo store")
			return 2
		}
		if err := removeDemo(cfg.DemoDB); err != nil {
			fmt.Fprintln(stderr, "hexbeat demo:", err)
			return 1
		}
	}
	if err := ensureDemo(ctx, cfg.DemoDB, cfg.logger(stderr)); err != nil {
		fmt.Fprintln(stderr, "hexbeat demo:", err)
		return 1
	}
	fmt.Fprintf(stdout, "demo store ready: %s (synthetic data, not police data); serve it with 'hexbeat serve --demo'\n", store.Redact(cfg.DemoDB))
	return 0
}

// ensureDemo makes sure url holds the demo data set, generating it on first use. It refuses
// a store that holds anything else: demo data is never mixed into a real store. A demo
// store made by an older hexbeat (without the stop and search, the cameras or the
// retailers that planners show) is made again, so that nobody keeps an empty planner.
func ensureDemo(ctx context.Context, url string, log *slog.Logger) error {
	st, err := store.Open(ctx, url)
	if err != nil {
		return err
	}
	defer func() { st.Close() }()
	flag, err := st.Meta(ctx, "demo")
	if err != nil {
		return err
	}
	batches, err := st.Batches(ctx)
	if err != nil {
		return err
	}
	if len(batches) > 0 && flag != "true" {
		return fmt.Errorf("%s already holds real data; the demo needs a store of its own (--demo-db)", store.Redact(url))
	}
	version, err := st.Meta(ctx, "demo_version")
	if err != nil {
		return err
	}
	if len(batches) > 0 && version == demo.Version {
		return nil
	}
	if len(batches) > 0 { // an older demo: made again from nothing
		st.Close()
		if err := removeDemo(url); err != nil {
			return fmt.Errorf("the demo store %s is from an older hexbeat and cannot be made again: %w", store.Redact(url), err)
		}
		log.Info("demo store from an older hexbeat: making it again", "db", store.Redact(url), "version", version, "now", demo.Version)
		if st, err = store.Open(ctx, url); err != nil {
			return err
		}
	}
	return fillDemo(ctx, st, url, log)
}

// removeDemo deletes a SQLite demo store's files.
func removeDemo(url string) error {
	if !strings.HasPrefix(url, "sqlite:") {
		return fmt.Errorf("only a SQLite demo store is deleted and made again")
	}
	path := strings.TrimPrefix(url, "sqlite:")
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if err := os.Remove(path + suffix); err != nil && !os.IsNotExist(err) {
			return err
		}
	}
	return nil
}

// fillDemo writes the generated demo data set into an empty store.
func fillDemo(ctx context.Context, st *store.Store, url string, log *slog.Logger) error {
	data, err := demo.Generate(geodata.DemoInputs())
	if err != nil {
		return err
	}
	// flag first: a crash mid-import leaves an empty demo store, which the next start fills
	if err := st.SetMeta(ctx, "demo", "true"); err != nil {
		return err
	}
	tx, err := st.BeginImport(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := tx.AddIncidents(ctx, data.Incidents); err != nil {
		return err
	}
	if err := tx.AddStopSearches(ctx, data.StopSearches); err != nil {
		return err
	}
	if err := tx.PutBoundaries(ctx, data.Boundaries); err != nil {
		return err
	}
	if err := tx.PutCameras(ctx, data.Cameras); err != nil {
		return err
	}
	if err := tx.PutRetailers(ctx, data.Retailers); err != nil {
		return err
	}
	if _, err := tx.Commit(ctx, hexbeat.Batch{Kind: "demo", Source: "hexbeat demo generator", SHA256: "-", Rows: len(data.Incidents) + len(data.StopSearches)}, nil); err != nil {
		return err
	}
	const by = "hexbeat demo generator"
	for _, a := range data.Authorisations { // the register of the demo's section 60 nights
		a.CreatedBy = by
		if _, err := st.CreateAuthorisation(ctx, a, hexbeat.AuditEvent{Actor: by, Action: "section60.authorise", Detail: `{"demo":true}`}); err != nil {
			return err
		}
	}
	for _, t := range data.RetailerTests { // the invented test-purchase history
		t.RecordedBy = by
		if _, err := st.RecordRetailerTest(ctx, t, hexbeat.AuditEvent{Actor: by, Action: "retailer.test", Detail: `{"demo":true}`}); err != nil {
			return err
		}
	}
	if err := st.SetMeta(ctx, "demo_version", demo.Version); err != nil {
		return err
	}
	log.Info("demo store created", "db", store.Redact(url), "incidents", len(data.Incidents), "stop_searches", len(data.StopSearches), "authorisations", len(data.Authorisations),
		"boundaries", len(data.Boundaries), "cameras", len(data.Cameras), "retailers", len(data.Retailers), "retailer_tests", len(data.RetailerTests))
	return nil
}

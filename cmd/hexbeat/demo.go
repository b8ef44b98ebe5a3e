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
		path := strings.TrimPrefix(cfg.DemoDB, "sqlite:")
		for _, suffix := range []string{"", "-wal", "-shm"} {
			os.Remove(path + suffix)
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
// a store that holds anything else: demo data is never mixed into a real store.
func ensureDemo(ctx context.Context, url string, log *slog.Logger) error {
	st, err := store.Open(ctx, url)
	if err != nil {
		return err
	}
	defer st.Close()
	flag, err := st.Meta(ctx, "demo")
	if err != nil {
		return err
	}
	batches, err := st.Batches(ctx)
	if err != nil {
		return err
	}
	if flag == "true" && len(batches) > 0 {
		return nil
	}
	if len(batches) > 0 {
		return fmt.Errorf("%s already holds real data; the demo needs a store of its own (--demo-db)", store.Redact(url))
	}
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
	if _, err := tx.Commit(ctx, hexbeat.Batch{Kind: "demo", Source: "hexbeat demo generator", SHA256: "-", Rows: len(data.Incidents) + len(data.StopSearches)}); err != nil {
		return err
	}
	for _, a := range data.Authorisations { // the register of the demo's section 60 nights
		a.CreatedBy = "hexbeat demo generator"
		if _, err := st.CreateAuthorisation(ctx, a, hexbeat.AuditEvent{Actor: a.CreatedBy, Action: "section60.authorise", Detail: `{"demo":true}`}); err != nil {
			return err
		}
	}
	log.Info("demo store created", "db", store.Redact(url), "incidents", len(data.Incidents), "stop_searches", len(data.StopSearches), "authorisations", len(data.Authorisations), "boundaries", len(data.Boundaries), "cameras", len(data.Cameras))
	return nil
}

package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/hexbeat/hexbeat/internal/store"
)

func runMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg, finish := bindConfig(fs, configSet{db: true}, os.Getenv)
	if !parseFlags(fs, args, finish, stderr) {
		return 2
	}
	st, err := store.OpenNoMigrate(cfg.DB)
	if err != nil {
		fmt.Fprintln(stderr, "hexbeat migrate:", err)
		return 1
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		fmt.Fprintln(stderr, "hexbeat migrate:", err)
		return 1
	}
	v, err := st.SchemaVersion(ctx)
	if err != nil {
		fmt.Fprintln(stderr, "hexbeat migrate:", err)
		return 1
	}
	fmt.Fprintf(stdout, "%s: schema at version %d\n", store.Redact(cfg.DB), v)
	return 0
}

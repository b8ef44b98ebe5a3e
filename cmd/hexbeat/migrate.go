package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

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
	restored, err := st.RestoreIndexes(ctx)
	if err != nil {
		fmt.Fprintln(stderr, "hexbeat migrate:", err)
		return 1
	}
	if len(restored) > 0 {
		fmt.Fprintf(stdout, "rebuilt the incident indexes an import run left dropped: %s\n", strings.Join(restored, ", "))
	}
	v, err := st.SchemaVersion(ctx)
	if err != nil {
		fmt.Fprintln(stderr, "hexbeat migrate:", err)
		return 1
	}
	fmt.Fprintf(stdout, "%s: schema at version %d\n", store.Redact(cfg.DB), v)
	return 0
}

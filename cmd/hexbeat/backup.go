package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/hexbeat/hexbeat/internal/store"
)

// runBackup copies an SQLite store to a new file, consistent as of one moment, while a
// server may be running on it; audited.
func runBackup(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: hexbeat backup [--db sqlite:PATH] FILE

Writes a copy of the SQLite store to FILE (which must not exist), whole as of one moment,
while a server goes on using the store. The copy opens as a store: hexbeat serve --db
sqlite:FILE. A PostgreSQL store is backed up with pg_dump. The backup is audited.
`)
		fs.PrintDefaults()
	}
	cfg, finish := bindConfig(fs, configSet{db: true}, os.Getenv)
	if !parseFlags(fs, args, finish, stderr) {
		return 2
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "hexbeat backup: give the file to write the copy to")
		return 2
	}
	st, err := store.Open(ctx, cfg.DB)
	if err != nil {
		fmt.Fprintln(stderr, "hexbeat backup:", err)
		return 1
	}
	defer st.Close()
	n, err := st.Backup(ctx, fs.Arg(0), hexbeat.AuditEvent{Actor: cliActor(), Action: "backup"})
	if err != nil {
		return reportErr(stderr, "backup", err)
	}
	fmt.Fprintf(stdout, "%s: a copy of %s, %d bytes\n", fs.Arg(0), store.Redact(cfg.DB), n)
	return 0
}

package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"

	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/hexbeat/hexbeat/internal/store"
)

// runImports lists the imports a store holds and withdraws one: the rows it added go with
// it, in one transaction with its audit event. A running server finds the import gone at its
// next sync (at once on PostgreSQL) and rebuilds its index.
func runImports(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	usageText := `Usage: hexbeat imports list | withdraw ID --yes   [--db URL]

list prints every import, newest first: id, kind, when, rows read and added, file.
withdraw removes an import of incidents, stop-and-search or outcomes and every row it
added (an import of the wrong file, say); without --yes it only says what would go. A
register (boundaries, retailers, cameras) is corrected by importing it again, and the
demo by hexbeat demo --force. The withdrawal is written to the audit log.
`
	sub, rest, fs, cfg, finish := subcommand("imports", args, usageText, stderr)
	if fs == nil {
		return 2
	}
	yes := fs.Bool("yes", false, "withdraw: do it (without it, only say what would go)")
	if !parseFlags(fs, rest, finish, stderr) {
		return 2
	}
	var id int64
	switch sub {
	case "list":
		if fs.NArg() != 0 {
			fmt.Fprintf(stderr, "hexbeat imports list: unexpected arguments %q\n", fs.Args())
			return 2
		}
	case "withdraw":
		var err error
		if fs.NArg() == 1 {
			id, err = strconv.ParseInt(fs.Arg(0), 10, 64)
		}
		if fs.NArg() != 1 || err != nil {
			fmt.Fprintln(stderr, "hexbeat imports withdraw: give one import's id (see hexbeat imports list)")
			return 2
		}
	default:
		fmt.Fprintf(stderr, "hexbeat imports: unknown subcommand %q\n\n%s", sub, usageText)
		return 2
	}
	st, err := store.Open(ctx, cfg.DB)
	if err != nil {
		fmt.Fprintln(stderr, "hexbeat imports:", err)
		return 1
	}
	defer st.Close()
	bs, err := st.Batches(ctx)
	if err != nil {
		fmt.Fprintln(stderr, "hexbeat imports:", err)
		return 1
	}
	if sub == "list" {
		tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "id\tkind\timported (UTC)\trows\tadded\tfile")
		for i := len(bs) - 1; i >= 0; i-- {
			b := bs[i]
			fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%d\t%s\n", b.ID, b.Kind, b.ImportedAt.Format("2006-01-02 15:04"), b.Rows, b.Added, b.Source)
		}
		tw.Flush()
		return 0
	}
	if !*yes {
		for _, b := range bs {
			if b.ID == id {
				fmt.Fprintf(stderr, "import %d: %s, %s, imported %s, %d rows added. Run again with --yes to withdraw it and them.\n",
					b.ID, b.Source, b.Kind, b.ImportedAt.Format("2006-01-02 15:04 UTC"), b.Added)
				return 2
			}
		}
		return reportErr(stderr, "imports", hexbeat.Errorf(hexbeat.ENOTFOUND, "no import %d", id))
	}
	w, err := st.WithdrawBatch(ctx, id, hexbeat.AuditEvent{Actor: cliActor(), Action: "import.withdraw"})
	if err != nil {
		return reportErr(stderr, "imports", err)
	}
	fmt.Fprintf(stdout, "withdrew import %d (%s, %s): %d incidents, %d stop-and-search records, %d outcomes removed\n",
		w.Batch.ID, w.Batch.Source, w.Batch.Kind, w.Incidents, w.StopSearches, w.Outcomes)
	return 0
}

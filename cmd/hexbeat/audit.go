package main

import (
	"context"
	"fmt"
	"io"

	"github.com/hexbeat/hexbeat/internal/store"
)

// runAudit checks the audit log's hash chain (verify) or prints its head (head), reading the
// store directly: it needs no server and no key, only the store.
func runAudit(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	usageText := `Usage: hexbeat audit verify | head | protect --owner ROLE --writer ROLE   [--db URL]

verify recomputes the audit log's hash chain and names the first row that was changed,
removed or inserted behind the application's back; it exits 0 when the chain holds, 1 when
it does not.
head prints the chain's head: the last row's id and hash. Keep it somewhere else (a ticket,
another system's log): a later head that does not extend it shows rows removed from the end.
protect (PostgreSQL, once, after hexbeat migrate, as a superuser or a member of --owner)
hands the audit log to a role of its own (--owner, NOLOGIN), in a schema of that role's:
the role hexbeat runs as (--writer) may then only add rows and read them (docs/scaling.md).
`
	sub, rest, fs, cfg, finish := subcommand("audit", args, usageText, stderr)
	if fs == nil {
		return 2
	}
	owner := fs.String("owner", "", "protect: the role that owns the audit log (create it NOLOGIN first)")
	writer := fs.String("writer", "", "protect: the role hexbeat serves and imports as")
	if !parseFlags(fs, rest, finish, stderr) {
		return 2
	}
	if fs.NArg() != 0 || (sub != "verify" && sub != "head" && sub != "protect") {
		fmt.Fprintf(stderr, "hexbeat audit: unknown subcommand or arguments %q\n\n%s", append([]string{sub}, fs.Args()...), usageText)
		return 2
	}
	st, err := store.Open(ctx, cfg.DB)
	if err != nil {
		fmt.Fprintln(stderr, "hexbeat audit:", err)
		return 1
	}
	defer st.Close()
	if sub == "protect" {
		if *owner == "" || *writer == "" {
			fmt.Fprintln(stderr, "hexbeat audit protect: give --owner and --writer")
			return 2
		}
		if err := st.ProtectAudit(ctx, *owner, *writer); err != nil {
			return reportErr(stderr, "audit", err)
		}
		fmt.Fprintf(stdout, "the audit log is owned by %s; %s may only add rows to it and read them (new connections find it in schema hexbeat_audit)\n", *owner, *writer)
		return 0
	}
	if sub == "head" {
		h, err := st.AuditHead(ctx)
		if err != nil {
			return reportErr(stderr, "audit", err)
		}
		fmt.Fprintf(stdout, "%d %s\n", h.ID, h.Hash)
		return 0
	}
	c, err := st.VerifyAudit(ctx)
	if err != nil {
		return reportErr(stderr, "audit", err)
	}
	if !c.OK() {
		fmt.Fprintf(stderr, "hexbeat audit: the chain is broken after %d good rows: %s\n", c.Rows-1, c.Problem)
		return 1
	}
	fmt.Fprintf(stdout, "the audit log's chain holds: %d rows, head %d %s\n", c.Rows, c.Head.ID, c.Head.Hash)
	return 0
}

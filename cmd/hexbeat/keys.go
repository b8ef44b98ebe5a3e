package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"text/tabwriter"

	"github.com/hexbeat/hexbeat/geodata"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/hexbeat/hexbeat/internal/service"
	"github.com/hexbeat/hexbeat/internal/store"
)

// runKeys manages API keys: create (prints the key once, as the last word), list, revoke.
func runKeys(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	usageText := `Usage: hexbeat keys create --role ROLE --name NAME | list | revoke ID   [--db URL]

Roles: viewer (read layers), analyst (+ import, export, camera plans and register),
trading-standards (+ retailers and test purchases), commander (+ Section 60 proposals and
register, camera plans and register), admin (everything, + keys and the audit log). A new key is printed once; hexbeat
keeps only its SHA-256. Every change is written to the audit log.
`
	sub, rest, fs, cfg, finish := subcommand("keys", args, usageText, stderr)
	if fs == nil {
		return 2
	}
	role := fs.String("role", "", "create: the key's role")
	name := fs.String("name", "", "create: who or what will use the key")
	if !parseFlags(fs, rest, finish, stderr) {
		return 2
	}
	st, err := store.Open(ctx, cfg.DB)
	if err != nil {
		fmt.Fprintln(stderr, "hexbeat keys:", err)
		return 1
	}
	defer st.Close()
	svc := service.New(st, geodata.Taxonomy(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	actor := cliActor()
	switch sub {
	case "create":
		k, secret, err := svc.CreateKey(ctx, *name, hexbeat.Role(*role), actor)
		if err != nil {
			return reportErr(stderr, "keys", err)
		}
		fmt.Fprintf(stderr, "created key %d %q (%s); it is shown once, keep it safe:\n", k.ID, k.Name, k.Role)
		fmt.Fprintln(stdout, secret)
		return 0
	case "list":
		ks, err := svc.Keys(ctx)
		if err != nil {
			fmt.Fprintln(stderr, "hexbeat keys:", err)
			return 1
		}
		tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "id\tname\trole\tprefix\tcreated\tby\trevoked")
		for _, k := range ks {
			revoked := "-"
			if k.RevokedAt != nil {
				revoked = k.RevokedAt.Format("2006-01-02 15:04")
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s…\t%s\t%s\t%s\n", k.ID, k.Name, k.Role, k.Prefix, k.CreatedAt.Format("2006-01-02 15:04"), k.CreatedBy, revoked)
		}
		tw.Flush()
		return 0
	case "revoke":
		if fs.NArg() != 1 {
			fmt.Fprintln(stderr, "hexbeat keys revoke: give the key's id (see hexbeat keys list)")
			return 2
		}
		id, err := strconv.ParseInt(fs.Arg(0), 10, 64)
		if err != nil {
			fmt.Fprintf(stderr, "hexbeat keys revoke: %q is not a key id\n", fs.Arg(0))
			return 2
		}
		if err := svc.RevokeKey(ctx, id, actor); err != nil {
			return reportErr(stderr, "keys", err)
		}
		fmt.Fprintf(stdout, "revoked key %d\n", id)
		return 0
	}
	fmt.Fprintf(stderr, "hexbeat keys: unknown subcommand %q\n\n%s", sub, usageText)
	return 2
}

// subcommand starts a command that has subcommands (hexbeat keys create ...): the
// subcommand, its other arguments and its flag set with the store's flags bound. With no
// subcommand it prints the usage and returns a nil flag set.
func subcommand(cmd string, args []string, usageText string, stderr io.Writer) (string, []string, *flag.FlagSet, *Config, func() error) {
	if len(args) == 0 {
		fmt.Fprint(stderr, usageText)
		return "", nil, nil, nil, nil
	}
	fs := flag.NewFlagSet(cmd+" "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usageText); fs.PrintDefaults() }
	cfg, finish := bindConfig(fs, configSet{db: true}, os.Getenv)
	return args[0], args[1:], fs, cfg, finish
}

// cliActor names who acts from the command line in the audit log: "cli (USER)".
func cliActor() string { return "cli (" + currentUser() + ")" }

func currentUser() string {
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	return strconv.Itoa(os.Getuid())
}

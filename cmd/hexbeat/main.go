// Command hexbeat turns crime incident points into H3 hotspot layers and deployment plans.
//
//	hexbeat serve    start the API and web map
//	hexbeat import   import police.uk CSVs, a force's own CSV, GeoJSON, boundaries, retailers, cameras
//	hexbeat export   write a layer as GeoJSON, CSV or NDJSON
//	hexbeat fetch    download police.uk data through its API and import it
//	hexbeat migrate  apply database migrations
//	hexbeat demo     create the synthetic demo store
//
// Every command that touches data takes --db (or DATABASE_URL): sqlite:PATH or
// postgres://...; the default is sqlite:hexbeat.db.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := Run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

const usage = `hexbeat: crime hotspots on H3 hexagons and deployment plans

Usage: hexbeat COMMAND [flags]

Commands:
  serve     start the API and the web map (--demo: on the synthetic demo store)
  import    import files into the store: police.uk street, stop-and-search and outcomes
            CSVs; a force's own CSV (--lon --lat --time --category [--id]); GeoJSON
            points; boundary GeoJSON; a retailer or camera register CSV
  hotspots  write a hotspot layer (Gi*, KDE or counts) as GeoJSON or CSV, as the API does
  evaluate  backtest the hotspot methods as forecasts (hit rate, PAI, RRI) on files or the store
  export    write any layer (incidents, cells, hotspots, emerging, clusters and outliers,
            change, boundaries, Section 60 proposals and register, retailers, test-purchase
            targets, the camera register, camera plans) as GeoJSON, CSV with WKT, or NDJSON;
            audited
  fetch     download street crimes and stop-and-search from data.police.uk and import them
  imports   list the imports a store holds, and withdraw one (the rows it added go with it)
  keys      create, list and revoke API keys (roles: viewer, analyst, trading-standards,
            commander, admin)
  migrate   apply database migrations
  backup    copy an SQLite store to a new file, whole, while a server runs on it
  audit     verify the audit log's hash chain, or print its head to keep elsewhere
  demo      create (or re-create with --force) the synthetic demo store
  version   print the version

Run 'hexbeat COMMAND -h' for a command's flags. Configuration is also read from the
environment: DATABASE_URL, HEXBEAT_ADDR, HEXBEAT_LOG_LEVEL, HEXBEAT_LOG_FORMAT,
HEXBEAT_SYNC_INTERVAL, HEXBEAT_REQUEST_TIMEOUT, HEXBEAT_BASEMAP_URL, HEXBEAT_DEMO_DB,
HEXBEAT_HARM_WEIGHTS
(and DATABASE_URL_FILE for a URL kept in a secret file). Flags win over the environment.
`

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// Run executes one command and returns the process exit status: 0 success, 1 failure
// (for import: a file was refused), 2 usage error.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return runServe(ctx, rest, stdout, stderr)
	case "import":
		return runImport(ctx, rest, stdout, stderr)
	case "migrate":
		return runMigrate(ctx, rest, stdout, stderr)
	case "backup":
		return runBackup(ctx, rest, stdout, stderr)
	case "audit":
		return runAudit(ctx, rest, stdout, stderr)
	case "keys":
		return runKeys(ctx, rest, stdout, stderr)
	case "imports":
		return runImports(ctx, rest, stdout, stderr)
	case "hotspots":
		return runHotspots(ctx, rest, stdout, stderr)
	case "evaluate":
		return runEvaluate(ctx, rest, stdout, stderr)
	case "export":
		return runExport(ctx, rest, stdout, stderr)
	case "fetch":
		return runFetch(ctx, rest, stdout, stderr)
	case "demo":
		return runDemo(ctx, rest, stdout, stderr)
	case "version", "--version":
		fmt.Fprintln(stdout, "hexbeat", version)
		return 0
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "hexbeat: unknown command %q\n\n%s", cmd, usage)
	return 2
}

package main

import (
	"archive/zip"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hexbeat/hexbeat/internal/demo"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/hexbeat/hexbeat/internal/store"
	"github.com/hexbeat/hexbeat/internal/testkit"
	"github.com/hexbeat/hexbeat/internal/testkit/realdata"
)

// syncBuffer is a bytes.Buffer safe to read while the server writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestImportExitStatus(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "h.db")
	street := testkit.Data(t, "police/street/2025-01-thames-valley-street.csv")
	code, out, errs := run(t, "import", "--db", db, street)
	if code != 0 || !strings.Contains(out, "14877 rows read, 14494 imported, 0 duplicates skipped, 383 rejected") ||
		!strings.Contains(out, "no coordinates: 383 (lines 14496,") {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	bad := filepath.Join(t.TempDir(), "bad.csv")
	os.WriteFile(bad, []byte("what,is,this\n1,2,3\n"), 0o644)
	code, out, errs = run(t, "import", "--db", db, bad, street)
	if code != 1 || !strings.Contains(errs, "bad.csv refused, nothing imported: line 1: unrecognised header") ||
		!strings.Contains(out, "0 imported, 14494 duplicates skipped") {
		t.Errorf("a refused file among good ones: exit %d\n%s%s", code, out, errs)
	}
	if code, _, errs := run(t, "import", "--db", db); code != 2 || !strings.Contains(errs, "name at least one file") {
		t.Errorf("no files: exit %d %s", code, errs)
	}
}

// TestImportProgress: --progress bar draws the run's bar on one terminal line (cleared at
// the end), saying the files done, rows, rate and the file being read or stored; --progress
// lines writes a line per tenth of the run's bytes and one when every file is done.
func TestImportProgress(t *testing.T) {
	jan := testkit.Data(t, "police/street/2025-01-thames-valley-street.csv")
	feb := testkit.Data(t, "police/street/2025-02-thames-valley-street.csv")
	db := "sqlite:" + filepath.Join(t.TempDir(), "h.db")
	code, out, errs := run(t, "import", "--db", db, "--progress", "bar", jan)
	if code != 0 || !strings.Contains(out, "14494 imported") {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	drawn := regexp.MustCompile(`\[=+>? *\] +\d+% 0/1 files, [\d,]+ rows, [\d,]+ rows/s(, \S+ left)?; (reading|storing) 2025-01-thames-valley-street\.csv`)
	if !drawn.MatchString(errs) || strings.Contains(errs, "\n") || !strings.HasSuffix(errs, "\r\033[K") {
		t.Errorf("progress bar: %q", errs)
	}
	// a run of two files, into a fresh store: lines for the run, ending with both done
	db = "sqlite:" + filepath.Join(t.TempDir(), "h2.db")
	code, _, errs = run(t, "import", "--db", db, "--progress", "lines", jan, feb)
	lines := strings.Split(strings.TrimSpace(errs), "\n")
	each := regexp.MustCompile(`^progress (\d+% [012]/2 files, [\d,]+ rows, [\d,]+ rows/s(, \S+ left)?(; (reading|storing) 2025-0[12]-thames-valley-street\.csv)?|rebuilding the incident indexes, once for the whole run)$`)
	for _, l := range lines {
		if !each.MatchString(l) {
			t.Errorf("progress line %q", l)
		}
	}
	last := regexp.MustCompile(`^progress 100% 2/2 files, (\d+),(\d+) rows, `)
	done := ""
	for _, l := range lines {
		if m := last.FindStringSubmatch(l); m != nil {
			done = m[1] + m[2]
		}
	}
	// the rows read: the two files' data rows (14,877 and 13,812, with those rejected for
	// no coordinates)
	if code != 0 || done != "28689" {
		t.Errorf("progress lines: exit %d, rows at the end %q, want 28689: %q", code, done, errs)
	}
}

// TestImportADownloadAsItComes: a data.police.uk download is a ZIP of month folders.
// Importing it adds what importing its files one by one adds; a member cut off mid-row is
// refused with its line and the rest still import; the archive again adds nothing.
func TestImportADownloadAsItComes(t *testing.T) {
	dir := t.TempDir()
	jan := testkit.Data(t, "police/street/2025-01-thames-valley-street.csv")
	feb := testkit.Data(t, "police/street/2025-02-thames-valley-street.csv")
	read := func(p string) []byte {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	janB := read(jan)
	cut := janB[:bytes.IndexByte(janB[1000:], ',')+1000] // mid-row
	archive := filepath.Join(dir, "2b5c5d8e.zip")
	f, _ := os.Create(archive)
	zw := zip.NewWriter(f)
	for _, m := range []struct {
		name string
		body []byte
	}{{"2025-02/2025-02-thames-valley-street.csv", read(feb)}, {"2025-01/2025-01-thames-valley-street.csv", janB}, {"2025-01/2025-01-cut-street.csv", cut}} {
		w, _ := zw.Create(m.name)
		w.Write(m.body)
	}
	zw.Close()
	f.Close()

	count := func(db string) int {
		st, err := store.Open(context.Background(), db)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		n := 0
		if _, _, err := st.LoadNew(context.Background(), func(int64) bool { return false }, func(x []hexbeat.Incident) error { n += len(x); return nil }); err != nil {
			t.Fatal(err)
		}
		return n
	}
	files := "sqlite:" + filepath.Join(dir, "files.db")
	if code, out, errs := run(t, "import", "--db", files, "--quiet", jan, feb); code != 0 {
		t.Fatalf("files: exit %d %s %s", code, out, errs)
	}
	zipped := "sqlite:" + filepath.Join(dir, "zip.db")
	code, out, errs := run(t, "import", "--db", zipped, "--quiet", archive)
	if code != 1 || !strings.Contains(errs, "2b5c5d8e.zip:2025-01/2025-01-cut-street.csv refused, nothing imported: line") ||
		!strings.Contains(out, "2b5c5d8e.zip:2025-01/2025-01-thames-valley-street.csv (street): 14877 rows read, 14494 imported") ||
		!strings.Contains(out, "2b5c5d8e.zip:2025-02/2025-02-thames-valley-street.csv (street):") {
		t.Fatalf("the archive: exit %d\n%s%s", code, out, errs)
	}
	if a, b := count(files), count(zipped); a != b || a != 14494+13478 {
		t.Errorf("incidents from the files %d, from the archive %d", a, b)
	}
	if code, out, _ := run(t, "import", "--db", zipped, "--quiet", archive); code != 1 || strings.Count(out, " 0 imported") != 2 {
		t.Errorf("the archive again: exit %d\n%s", code, out)
	}
	// a directory of the unpacked download: months in order, the same rows
	unpacked := filepath.Join(dir, "unpacked")
	os.MkdirAll(filepath.Join(unpacked, "2025-01"), 0o755)
	os.MkdirAll(filepath.Join(unpacked, "2025-02"), 0o755)
	os.WriteFile(filepath.Join(unpacked, "2025-01", filepath.Base(jan)), janB, 0o644)
	os.WriteFile(filepath.Join(unpacked, "2025-02", filepath.Base(feb)), read(feb), 0o644)
	os.WriteFile(filepath.Join(unpacked, "README.txt"), []byte("not data"), 0o644)
	dirDB := "sqlite:" + filepath.Join(dir, "dir.db")
	code, out, errs = run(t, "import", "--db", dirDB, "--quiet", unpacked)
	if code != 0 || strings.Index(out, "2025-01-thames") > strings.Index(out, "2025-02-thames") || count(dirDB) != count(files) {
		t.Errorf("the directory: exit %d\n%s%s", code, out, errs)
	}
}

func TestConfigErrorsReportedAtOnce(t *testing.T) {
	code, _, errs := run(t, "serve", "--db", "mysql://x", "--addr", "nowhere", "--log-level", "loud")
	if code != 2 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"--db:", "--addr:", "--log-level:"} {
		if !strings.Contains(errs, want) {
			t.Errorf("no %s error in:\n%s", want, errs)
		}
	}
}

// TestFlagsAfterArguments: a command's flags may come before, between or after its
// arguments; after "--" everything is an argument, even what looks like a flag.
func TestFlagsAfterArguments(t *testing.T) {
	for _, c := range []struct {
		args []string
		yes  bool
		db   string
		pos  string
	}{
		{[]string{"--yes", "a", "b"}, true, "sqlite:hexbeat.db", "a b"},
		{[]string{"a", "--yes", "b", "--db", "sqlite:x.db"}, true, "sqlite:x.db", "a b"},
		{[]string{"a", "b"}, false, "sqlite:hexbeat.db", "a b"},
		{[]string{"a", "--", "--yes", "b"}, false, "sqlite:hexbeat.db", "a --yes b"},
		{[]string{"--db=sqlite:y.db", "--", "-"}, false, "sqlite:y.db", "-"},
	} {
		fs := flag.NewFlagSet("test", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		cfg, finish := bindConfig(fs, configSet{db: true}, func(string) string { return "" })
		yes := fs.Bool("yes", false, "")
		if !parseFlags(fs, c.args, finish, io.Discard) {
			t.Errorf("%q: not parsed", c.args)
			continue
		}
		if *yes != c.yes || cfg.DB != c.db || strings.Join(fs.Args(), " ") != c.pos {
			t.Errorf("%q: yes %v, db %s, arguments %q; want %v, %s, %q", c.args, *yes, cfg.DB, fs.Args(), c.yes, c.db, c.pos)
		}
	}
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	_, finish := bindConfig(fs, configSet{db: true}, func(string) string { return "" })
	if parseFlags(fs, []string{"a", "--nope"}, finish, io.Discard) {
		t.Error("an unknown flag after an argument was accepted")
	}
}

// TestServePicksUpImports: the server answers from its index, and an import made by another
// command while it runs shows within the sync interval; cancelling shuts it down cleanly.
func TestServePicksUpImports(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "h.db")
	if code, out, errs := run(t, "import", "--db", db, testkit.Data(t, "police/street/2025-01-thames-valley-street.csv")); code != 0 {
		t.Fatal(out, errs)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var out, errb syncBuffer
	done := make(chan int)
	go func() {
		done <- Run(ctx, []string{"serve", "--db", db, "--addr", "127.0.0.1:0", "--sync-interval", "100ms"}, &out, &errb)
	}()
	addr := waitFor(t, &out, regexp.MustCompile(`at (http://127\.0\.0\.1:\d+)/`))
	key := waitFor(t, &out, regexp.MustCompile(`keep it safe:\n  (hb_[A-Za-z0-9_-]{43})\n`))
	if res, err := http.Get(addr + "/api/v1/cells?res=5"); err != nil || res.StatusCode != 401 {
		t.Fatalf("no key: %v %v; want 401 once the first start made a key", res.StatusCode, err)
	}
	total := func() int { return cellsTotal(t, addr, key, "") }
	if n := total(); n != 14494 {
		t.Fatalf("served %d incidents, want 14494", n)
	}
	if code, o, e := run(t, "import", "--db", db, testkit.Data(t, "police/street/2025-02-thames-valley-street.csv")); code != 0 {
		t.Fatal(o, e)
	}
	deadline := time.Now().Add(5 * time.Second)
	n := total()
	for n == 14494 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
		n = total()
	}
	if n <= 14494 {
		t.Errorf("the server still shows %d incidents after another import", n)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("serve exited %d after a shutdown request:\n%s", code, errb.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not shut down")
	}
}

// TestDemoIsLabelledAndSeparate: serve --demo seeds its own store, says so in the API, and
// refuses real imports into it; the demo never goes into a store holding real data.
func TestDemoIsLabelledAndSeparate(t *testing.T) {
	dir := t.TempDir()
	demoDB := "sqlite:" + filepath.Join(dir, "demo.db")
	ctx, cancel := context.WithCancel(context.Background())
	var out, errb syncBuffer
	done := make(chan int)
	go func() {
		done <- Run(ctx, []string{"serve", "--demo", "--demo-db", demoDB, "--addr", "127.0.0.1:0"}, &out, &errb)
	}()
	addr := waitFor(t, &out, regexp.MustCompile(`DEMO DATA .* at (http://127\.0\.0\.1:\d+)/`))
	res, err := http.Get(addr + "/api/v1/cells?res=8&area=demo-central")
	if err != nil {
		t.Fatal(err)
	}
	var fc struct {
		Demo  bool
		Total int
	}
	json.NewDecoder(res.Body).Decode(&fc)
	res.Body.Close()
	if !fc.Demo || fc.Total < 1000 || !strings.HasPrefix(res.Header.Get("X-Hexbeat-Data"), "demo") {
		t.Errorf("demo layer: demo=%v total=%d header=%q", fc.Demo, fc.Total, res.Header.Get("X-Hexbeat-Data"))
	}
	// the test-purchase planner ranks the demo's invented retailers
	res, err = http.Get(addr + "/api/v1/test-purchase/targets?limit=50")
	if err != nil {
		t.Fatal(err)
	}
	var targets struct {
		Demo     bool
		Features []struct{ Properties struct{ ID, Name string } }
	}
	json.NewDecoder(res.Body).Decode(&targets)
	res.Body.Close()
	if !targets.Demo || len(targets.Features) < 5 || !strings.Contains(targets.Features[0].Properties.Name, "invented") {
		t.Errorf("demo targets: demo=%v, %d ranked: %+v", targets.Demo, len(targets.Features), targets.Features)
	}
	cancel()
	<-done
	// a demo store of an older hexbeat (no version: no retailers) is made again
	st, err := store.Open(context.Background(), demoDB)
	if err != nil {
		t.Fatal(err)
	}
	st.SetMeta(context.Background(), "demo_version", "2")
	st.Close()
	if code, out, errs := run(t, "demo", "--demo-db", demoDB); code != 0 || !strings.Contains(errs, "making it again") {
		t.Errorf("an older demo store: exit %d %s %s", code, out, errs)
	}
	st, err = store.Open(context.Background(), demoDB)
	if err != nil {
		t.Fatal(err)
	}
	version, _ := st.Meta(context.Background(), "demo_version")
	shops, _ := st.Retailers(context.Background())
	batches, _ := st.Batches(context.Background())
	st.Close()
	if version != demo.Version || len(shops) < 10 || len(batches) != 1 {
		t.Errorf("the demo made again: version %q, %d retailers, %d imports", version, len(shops), len(batches))
	}
	street := testkit.Data(t, "police/street/2025-01-thames-valley-street.csv")
	if code, _, errs := run(t, "import", "--db", demoDB, street); code != 1 || !strings.Contains(errs, "demo data set") {
		t.Errorf("import into the demo store: exit %d %s", code, errs)
	}
	real := "sqlite:" + filepath.Join(dir, "real.db")
	run(t, "import", "--db", real, street)
	if code, _, errs := run(t, "demo", "--demo-db", real); code != 1 || !strings.Contains(errs, "already holds real data") {
		t.Errorf("demo into a real store: exit %d %s", code, errs)
	}
}

func waitFor(t *testing.T, out *syncBuffer, re *regexp.Regexp) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			return m[1]
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("server did not start: %s", out.String())
	return ""
}

// TestImportsCommand: `hexbeat imports list` shows each import, newest first; `withdraw`
// without --yes only says what would go; with it, January's rows go and February's stay;
// a boundary import, an unknown id and a bad one are refused. Flags may follow the
// arguments (import FILE --db URL).
func TestImportsCommand(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "h.db")
	jan := testkit.Data(t, "police/street/2025-01-thames-valley-street.csv")
	feb := testkit.Data(t, "police/street/2025-02-thames-valley-street.csv")
	mk := testkit.Data(t, "boundaries/milton-keynes-boundary.geojson")
	if code, out, errs := run(t, "import", jan, feb, mk, "--db", db, "--quiet"); code != 0 {
		t.Fatalf("import with the flags after the files: %d %s %s", code, out, errs)
	}
	code, list, errs := run(t, "imports", "list", "--db", db)
	lines := strings.Split(strings.TrimSpace(list), "\n")
	if code != 0 || len(lines) != 4 || !strings.HasPrefix(lines[0], "id") || !regexp.MustCompile(`^3\s+boundaries\s`).MatchString(lines[1]) ||
		!regexp.MustCompile(`^1\s+street\s.*\s14877\s+14494\s+2025-01-thames-valley-street\.csv$`).MatchString(lines[3]) {
		t.Fatalf("imports list: %d\n%s%s", code, list, errs)
	}
	if code, out, errs := run(t, "imports", "withdraw", "1", "--db", db); code != 2 || out != "" || !strings.Contains(errs, "import 1: 2025-01-thames-valley-street.csv, street") || !strings.Contains(errs, "14494 rows added. Run again with --yes") {
		t.Errorf("withdraw without --yes: %d %q %q", code, out, errs)
	}
	code, out, errs := run(t, "imports", "withdraw", "1", "--yes", "--db", db)
	if code != 0 || !strings.Contains(out, "withdrew import 1 (2025-01-thames-valley-street.csv, street): 14494 incidents, 0 stop-and-search records, 0 outcomes removed") {
		t.Fatalf("withdraw: %d %q %q", code, out, errs)
	}
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"withdraw", "3", "--yes"}, 1, "import 3 (boundaries, milton-keynes-boundary.geojson) cannot be withdrawn"},
		{[]string{"withdraw", "1", "--yes"}, 1, "import 1 was withdrawn at 20"},
		{[]string{"withdraw", "99", "--yes"}, 1, "no import 99"},
		{[]string{"withdraw", "one"}, 2, "give one import's id"},
		{[]string{"drop", "2"}, 2, `unknown subcommand "drop"`},
	} {
		if code, _, errs := run(t, append(append([]string{"imports"}, c.args...), "--db", db)...); code != c.code || !strings.Contains(errs, c.want) {
			t.Errorf("imports %v: exit %d, %q; want %d and %q", c.args, code, errs, c.code, c.want)
		}
	}
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	n, err := st.Counts(context.Background())
	if err != nil || n["incidents"] != 13478 || n["boundaries"] != 1 {
		t.Errorf("after the withdrawal the store holds %v, %v", n, err)
	}
}

// TestBackupWhileImporting takes backups of an SQLite store while five more months import
// into it: every copy passes SQLite's integrity check and holds whole imports only (so
// many months, never part of one), and the last holds all six. A backup never
// overwrites a file, a PostgreSQL store is sent to pg_dump, and each backup is audited.
func TestBackupWhileImporting(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "h.db")
	months := realdata.StreetMonths(t, 1, 6)
	if code, out, errs := run(t, "import", "--db", db, "--quiet", months[0]); code != 0 {
		t.Fatal(out, errs)
	}
	whole := []int{locatedRows(t, months[0])} // the incidents held after each month's import
	for _, m := range months[1:] {
		whole = append(whole, whole[len(whole)-1]+locatedRows(t, m))
	}
	done := make(chan int)
	go func() {
		done <- Run(context.Background(), append([]string{"import", "--db", db, "--quiet"}, months[1:]...), io.Discard, io.Discard)
	}()
	var copies []string
	for finished := false; !finished; {
		select {
		case code := <-done:
			if code != 0 {
				t.Fatalf("the import beside the backups: exit %d", code)
			}
			finished = true
		default:
		}
		out := filepath.Join(dir, fmt.Sprintf("copy-%d.db", len(copies)))
		if code, stdout, errs := run(t, "backup", "--db", db, out); code != 0 || !strings.Contains(stdout, "a copy of sqlite:") {
			t.Fatalf("backup %d: %d %s %s", len(copies), code, stdout, errs)
		}
		copies = append(copies, out)
	}
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	n, _ := st.Counts(context.Background())
	events, _ := st.AuditLog(context.Background(), 0, 1000)
	st.Close()
	seen := map[int]int{}
	for i, c := range copies {
		raw, err := sql.Open("sqlite", "file:"+c+"?mode=ro")
		if err != nil {
			t.Fatal(err)
		}
		var check string
		var incidents int
		err = raw.QueryRow(`PRAGMA integrity_check`).Scan(&check)
		if err == nil {
			err = raw.QueryRow(`SELECT count(*) FROM incidents`).Scan(&incidents)
		}
		raw.Close()
		if err != nil || check != "ok" || !slices.Contains(whole, incidents) {
			t.Errorf("copy %d: integrity %q, %d incidents (whole imports: %v), %v", i, check, incidents, whole, err)
		}
		seen[incidents]++
	}
	if last := whole[len(whole)-1]; seen[last] == 0 || n["incidents"] != last {
		t.Errorf("the store holds %d incidents, the six months %d; copies by incidents held %v", n["incidents"], last, seen)
	}
	t.Logf("%d copies taken during and after the import, by incidents held: %v", len(copies), seen)
	backups := 0
	for _, ev := range events {
		if ev.Action == "backup" && strings.Contains(ev.Detail, "copy-") {
			backups++
		}
	}
	if backups != len(copies) {
		t.Errorf("%d backups audited, %d taken", backups, len(copies))
	}
	if code, _, errs := run(t, "backup", "--db", db, copies[0]); code != 2 || !strings.Contains(errs, "exists already: a backup never overwrites a file") {
		t.Errorf("a backup over a file: %d %s", code, errs)
	}
	if base := os.Getenv("HEXBEAT_TEST_POSTGRES"); base != "" {
		if code, _, errs := run(t, "backup", "--db", base, filepath.Join(dir, "pg.db")); code != 2 || !strings.Contains(errs, "pg_dump") {
			t.Errorf("a backup of PostgreSQL: %d %s", code, errs)
		}
	}
}

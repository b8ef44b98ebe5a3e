package main

import (
	"context"
	"database/sql"
	"encoding/csv"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hexbeat/hexbeat/internal/store"
	"github.com/hexbeat/hexbeat/internal/testkit"
	_ "github.com/lib/pq"
)

// TestMain lets a test run the binary's Run in a child process (the test binary re-executed
// with HEXBEAT_TEST_RUN holding the arguments), so that the child can be killed for real.
func TestMain(m *testing.M) {
	if args := os.Getenv("HEXBEAT_TEST_RUN"); args != "" {
		os.Exit(Run(context.Background(), strings.Split(args, "\x1f"), os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

func child(args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "HEXBEAT_TEST_RUN="+strings.Join(args, "\x1f"))
	return cmd
}

// bigStreetFile writes the street files of 2025-01..months, copies times over with the Crime IDs
// and locations made unique per copy, and returns its path and its rows with coordinates.
func bigStreetFile(t *testing.T, months, copies int) (string, int) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "big.csv")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(f)
	located, wroteHead := 0, false
	for k := 0; k < copies; k++ {
		for m := 1; m <= months; m++ {
			in, err := os.Open(testkit.Data(t, fmt.Sprintf("police/street/2025-%02d-thames-valley-street.csv", m)))
			if err != nil {
				t.Fatal(err)
			}
			rows, err := csv.NewReader(in).ReadAll()
			in.Close()
			if err != nil {
				t.Fatal(err)
			}
			if !wroteHead {
				w.Write(rows[0])
				wroteHead = true
			}
			for _, r := range rows[1:] {
				if k > 0 {
					if r[0] != "" {
						r[0] = fmt.Sprintf("%02x%s", k, r[0][2:]) // still 64 hex digits; the key is the first 32
					}
					r[6] = fmt.Sprintf("%s (%d)", r[6], k)
				}
				if r[4] != "" && r[5] != "" {
					located++
				}
				w.Write(r)
			}
		}
	}
	w.Flush()
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path, located
}

// TestKill9MidImport kills an import with SIGKILL while its transaction is open (SQLite and
// PostgreSQL): the store then holds none of the file, and importing it again completes.
func TestKill9MidImport(t *testing.T) {
	big, located := bigStreetFile(t, 2, 1)
	cases := map[string]func(t *testing.T) (db string, busy func() bool){
		"sqlite": func(t *testing.T) (string, func() bool) {
			return "sqlite:" + filepath.Join(t.TempDir(), "h.db"), nil
		},
		"postgres": func(t *testing.T) (string, func() bool) {
			base := os.Getenv("HEXBEAT_TEST_POSTGRES")
			if base == "" {
				t.Skip("HEXBEAT_TEST_POSTGRES not set: `make test` starts PostgreSQL and sets it")
			}
			db := freshDatabase(t, base)
			conn, err := sql.Open("postgres", db)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { conn.Close() })
			return db, func() bool {
				var n int
				conn.QueryRow(`SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'active' AND (query ILIKE 'COPY%' OR query ILIKE 'INSERT INTO incidents%')`).Scan(&n)
				return n > 0
			}
		},
	}
	for name, setup := range cases {
		t.Run(name, func(t *testing.T) {
			db, busy := setup(t)
			if code, out, errs := run(t, "migrate", "--db", db); code != 0 {
				t.Fatal(out, errs)
			}
			// The child reports progress every 100 ms from the start of its transaction; it is
			// killed at the first report (on PostgreSQL, once rows are being written), long
			// before it can commit.
			cmd := child("import", "--db", db, "--progress", "lines", big)
			var progress syncBuffer
			cmd.Stderr = &progress
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(60 * time.Second)
			for !strings.Contains(progress.String(), "progress ") && time.Now().Before(deadline) {
				time.Sleep(2 * time.Millisecond)
			}
			for busy != nil && !busy() && time.Now().Before(deadline) {
				time.Sleep(2 * time.Millisecond)
			}
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			state, _ := cmd.Process.Wait()
			if state.Success() {
				t.Fatal("the import finished before it could be killed; make the file bigger")
			}
			ctx := context.Background()
			st, err := store.Open(ctx, db)
			if err != nil {
				t.Fatalf("the store does not open after kill -9: %v", err)
			}
			counts, err := st.Counts(ctx)
			st.Close()
			if err != nil {
				t.Fatal(err)
			}
			if counts["incidents"] != 0 || counts["batches"] != 0 {
				t.Fatalf("after kill -9 mid-import the store holds %d incidents in %d batches; want none", counts["incidents"], counts["batches"])
			}
			if code, out, errs := run(t, "import", "--db", db, "--quiet", big); code != 0 {
				t.Fatalf("import again: %d %s %s", code, out, errs)
			}
			st, _ = store.Open(ctx, db)
			counts, _ = st.Counts(ctx)
			st.Close()
			if counts["incidents"] > located || counts["incidents"] < located*99/100 || counts["batches"] != 1 {
				t.Errorf("after importing again: %d incidents in %d batches; the file has %d rows with coordinates (less a few repeated Crime IDs)", counts["incidents"], counts["batches"], located)
			}
		})
	}
}

// freshDatabase creates a database of its own on the test server.
func freshDatabase(t *testing.T, base string) string {
	t.Helper()
	admin, err := sql.Open("postgres", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	name := fmt.Sprintf("hexbeat_k_%d", time.Now().UnixNano())
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if a, err := sql.Open("postgres", base); err == nil {
			a.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
			a.Close()
		}
	})
	i := strings.LastIndex(base, "/")
	q := ""
	if j := strings.IndexByte(base[i:], '?'); j >= 0 {
		q = base[i+j:]
	}
	return base[:i+1] + name + q
}

// privateCluster creates a PostgreSQL cluster of its own (so that stopping it disturbs no
// other test), with a database and role for hexbeat; it is dropped after the test.
func privateCluster(t *testing.T) (url string, stop, start func()) {
	t.Helper()
	if os.Getenv("HEXBEAT_TEST_POSTGRES") == "" || os.Geteuid() != 0 {
		t.Skip("needs root and the PostgreSQL that `make test` sets up")
	}
	if _, err := exec.LookPath("pg_createcluster"); err != nil {
		t.Skip("pg_createcluster not installed")
	}
	name := fmt.Sprintf("hexbeat_fault_%d", os.Getpid())
	port := freePort(t)
	sh := func(args ...string) {
		t.Helper()
		if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	sh("pg_createcluster", "15", name, "-p", fmt.Sprint(port))
	t.Cleanup(func() { exec.Command("pg_dropcluster", "--stop", "15", name).Run() })
	sh("pg_ctlcluster", "15", name, "start")
	psql := func(sql string) {
		sh("runuser", "-u", "postgres", "--", "psql", "-q", "-p", fmt.Sprint(port), "-c", sql)
	}
	psql("CREATE ROLE hexbeat_fault LOGIN PASSWORD 'hexbeat_fault'")
	psql("CREATE DATABASE hexbeat_fault OWNER hexbeat_fault")
	sh("runuser", "-u", "postgres", "--", "psql", "-q", "-p", fmt.Sprint(port), "-d", "hexbeat_fault", "-c", "CREATE EXTENSION postgis")
	url = fmt.Sprintf("postgres://hexbeat_fault:hexbeat_fault@127.0.0.1:%d/hexbeat_fault?sslmode=disable", port)
	return url, func() { sh("pg_ctlcluster", "15", name, "stop", "-m", "fast") }, func() { sh("pg_ctlcluster", "15", name, "start") }
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// TestPostgresOutage stops PostgreSQL under a running server: /readyz turns 503 and API
// queries answer 503 (they do not hang); when PostgreSQL is back the same process answers
// again, with no restart.
func TestPostgresOutage(t *testing.T) {
	db, stop, start := privateCluster(t)
	if code, out, errs := run(t, "import", "--db", db, "--quiet", testkit.Data(t, "police/street/2025-01-thames-valley-street.csv")); code != 0 {
		t.Fatal(out, errs)
	}
	code, key, errs := run(t, "keys", "create", "--db", db, "--role", "viewer", "--name", "outage test")
	if code != 0 {
		t.Fatal(errs)
	}
	key = strings.TrimSpace(key)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errb syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- Run(ctx, []string{"serve", "--db", db, "--addr", "127.0.0.1:0", "--sync-interval", "200ms"}, &out, &errb)
	}()
	addr := waitFor(t, &out, regexp.MustCompile(`at (http://127\.0\.0\.1:\d+)/`))
	client := &http.Client{Timeout: 15 * time.Second}
	status := func(path string) int {
		req, _ := http.NewRequest("GET", addr+path, nil)
		req.Header.Set("Authorization", "Bearer "+key)
		res, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s: %v (a request must not hang while the store is away)", path, err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	waitStatus := func(path string, want int, within time.Duration) {
		t.Helper()
		deadline := time.Now().Add(within)
		got := status(path)
		for got != want && time.Now().Before(deadline) {
			time.Sleep(100 * time.Millisecond)
			got = status(path)
		}
		if got != want {
			t.Fatalf("%s: %d, want %d within %s\n%s", path, got, want, within, errb.String())
		}
	}
	waitStatus("/api/v1/cells?res=7", 200, 10*time.Second)
	stop()
	waitStatus("/readyz", 503, 10*time.Second)
	waitStatus("/api/v1/cells?res=7", 503, 10*time.Second)
	start()
	waitStatus("/readyz", 200, 30*time.Second)
	waitStatus("/api/v1/cells?res=7", 200, 10*time.Second)
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("serve exited %d:\n%s", code, errb.String())
	}
}

// smallDisk mounts a tmpfs of size (e.g. "3m") for the test, skipping where mounting is
// not allowed; remount changes its options ("size=64m", "ro", "rw").
func smallDisk(t *testing.T, size string) (dir string, remount func(opts string)) {
	t.Helper()
	dir = t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a small file system here (%v: %s)", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })
	return dir, func(opts string) {
		t.Helper()
		if out, err := exec.Command("mount", "-o", "remount,"+opts, dir).CombinedOutput(); err != nil {
			t.Fatalf("remount %s: %v %s", opts, err, out)
		}
	}
}

// TestDiskFullAndReadOnlyStore: an import that fills the disk is refused with a clear
// error and leaves the store as it was; with room again the same file imports. A store on
// a read-only file system refuses the import clearly and is unchanged.
func TestDiskFullAndReadOnlyStore(t *testing.T) {
	street := testkit.Data(t, "police/street/2025-01-thames-valley-street.csv")
	dir, remount := smallDisk(t, "2m")
	db := "sqlite:" + filepath.Join(dir, "h.db")
	boundary := testkit.Data(t, "boundaries/milton-keynes-boundary.geojson")
	if code, out, errs := run(t, "import", "--db", db, "--quiet", boundary); code != 0 {
		t.Fatalf("a small import on the small disk: %d %s %s", code, out, errs)
	}
	code, out, errs := run(t, "import", "--db", db, "--quiet", street)
	if code != 1 || !strings.Contains(strings.ToLower(errs+out), "full") {
		t.Fatalf("import onto a full disk: exit %d, %s %s; want exit 1 and a message saying the disk is full", code, out, errs)
	}
	counts := func() map[string]int {
		st, err := store.Open(context.Background(), db)
		if err != nil {
			t.Fatalf("the store does not open: %v", err)
		}
		defer st.Close()
		c, err := st.Counts(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	if c := counts(); c["incidents"] != 0 || c["batches"] != 1 || c["boundaries"] != 1 {
		t.Fatalf("after the failed import: %v; want only the boundary batch", c)
	}
	remount("size=64m")
	if code, out, errs := run(t, "import", "--db", db, "--quiet", street); code != 0 || !strings.Contains(out, "14494 imported") {
		t.Fatalf("the same file with room: %d %s %s", code, out, errs)
	}
	remount("ro")
	code, out, errs = run(t, "import", "--db", db, "--quiet", testkit.Data(t, "police/street/2025-02-thames-valley-street.csv"))
	if code != 1 || !strings.Contains(strings.ToLower(errs+out), "read") {
		t.Fatalf("import into a read-only store: exit %d %s %s; want exit 1 and a message naming the read-only store", code, out, errs)
	}
	remount("rw")
	if c := counts(); c["incidents"] != 14494 || c["batches"] != 2 {
		t.Errorf("after the read-only attempt: %v", c)
	}
}

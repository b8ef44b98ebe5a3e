package main

import (
	"context"
	"database/sql"
	"encoding/csv"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
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

package main

import (
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hexbeat/hexbeat/internal/testkit"
)

// TestReplicasOnOnePostgres starts two `hexbeat serve` processes for real on one PostgreSQL
// database, with polling set to an hour so that only LISTEN/NOTIFY can tell them of an
// import. An import made beside them is visible in both within a second. Then each
// replica's listening connection is cut by the server (as a failover or a network cut
// would) and a month is imported while they reconnect: both catch up by batch on their
// own, without polling and without a restart. The replicas sign in as a role of their own,
// refused new connections while the month is imported, so that the NOTIFY is certainly
// missed and the catch-up by batch is what the test sees.
func TestReplicasOnOnePostgres(t *testing.T) {
	base := os.Getenv("HEXBEAT_TEST_POSTGRES")
	if base == "" {
		t.Skip("needs the PostgreSQL that `make test` sets up (HEXBEAT_TEST_POSTGRES)")
	}
	db := freshDatabase(t, base)
	if code, out, errs := run(t, "migrate", "--db", db); code != 0 {
		t.Fatal(out, errs)
	}
	code, key, errs := run(t, "keys", "create", "--db", db, "--role", "viewer", "--name", "replica test")
	if code != 0 {
		t.Fatal(errs)
	}
	key = strings.TrimSpace(key[strings.LastIndex(strings.TrimSpace(key), "\n")+1:])
	admin, err := sql.Open("postgres", db)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	role := fmt.Sprintf("hexbeat_replica_%d", os.Getpid())
	if _, err := admin.Exec("CREATE ROLE " + role + " LOGIN SUPERUSER PASSWORD 'replica'"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Exec("DROP ROLE IF EXISTS " + role) })
	u, err := url.Parse(db)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(role, "replica")
	replicaDB := u.String()
	var urls []string
	var logs []*syncBuffer
	for range 2 {
		cmd := child("serve", "--db", replicaDB, "--addr", "127.0.0.1:0", "--sync-interval", "1h", "--log-level", "info")
		out, errb := &syncBuffer{}, &syncBuffer{}
		cmd.Stdout, cmd.Stderr = out, errb
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		urls = append(urls, waitFor(t, out, regexp.MustCompile(`at (http://127\.0\.0\.1:\d+)/`)))
		logs = append(logs, errb)
	}
	total := func(url, month string) int { return cellsTotal(t, url, key, "from="+month+"&to="+month) }
	// seen waits until every replica shows want incidents in month, and returns how long
	// after imported the slower one first did.
	seen := func(month string, want int, imported time.Time, within time.Duration) time.Duration {
		t.Helper()
		var slowest time.Duration
		for i, url := range urls {
			n := total(url, month)
			for n != want && time.Since(imported) < within {
				time.Sleep(20 * time.Millisecond)
				n = total(url, month)
			}
			if n != want {
				t.Fatalf("replica %d shows %d of %d incidents of %s %s after the import\n%s", i+1, n, want, month, time.Since(imported).Round(time.Millisecond), logs[i])
			}
			slowest = max(slowest, time.Since(imported))
		}
		return slowest
	}
	importMonth := func(month string) (int, time.Time) {
		f := testkit.Data(t, "police/street/"+month+"-thames-valley-street.csv")
		if code, out, errs := run(t, "import", "--db", db, "--quiet", f); code != 0 {
			t.Fatal(out, errs)
		}
		return locatedRows(t, f), time.Now()
	}

	want, at := importMonth("2025-01")
	if d := seen("2025-01", want, at, time.Second); d > time.Second {
		t.Errorf("the replicas showed the import after %s; want within 1 s", d)
	} else {
		t.Logf("both replicas showed the 2025-01 import (%d incidents) %s after it committed", want, d.Round(time.Millisecond))
	}

	// cut the replicas' listening connections and keep them from reconnecting while a
	// month is imported
	if _, err := admin.Exec("ALTER ROLE " + role + " NOLOGIN"); err != nil {
		t.Fatal(err)
	}
	var cut int
	if err := admin.QueryRow(`SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE datname = current_database() AND pid <> pg_backend_pid() AND query ILIKE 'listen%'`).Scan(&cut); err != nil {
		t.Fatal(err)
	}
	if cut != 2 {
		t.Fatalf("cut %d listening connections; want one per replica", cut)
	}
	want, _ = importMonth("2025-02")
	time.Sleep(1500 * time.Millisecond) // the replicas' reconnection attempts fail meanwhile
	for i, url := range urls {
		if n := total(url, "2025-02"); n != 0 {
			t.Fatalf("replica %d shows %d incidents of 2025-02 while it cannot listen; the test needs it not to know yet", i+1, n)
		}
	}
	if _, err := admin.Exec("ALTER ROLE " + role + " LOGIN"); err != nil {
		t.Fatal(err)
	}
	at = time.Now()
	d := seen("2025-02", want, at, 15*time.Second)
	t.Logf("after their listening connections were cut, both replicas caught up with the 2025-02 import (%d incidents) %s after they could reconnect", want, d.Round(time.Millisecond))
	if total(urls[0], "2025-01") != total(urls[1], "2025-01") {
		t.Error("the replicas disagree on 2025-01")
	}

	// January withdrawn beside them (hexbeat imports withdraw): both rebuild without it
	// within a second, told by the same NOTIFY, and February stays
	code, list, errs := run(t, "imports", "list", "--db", db)
	m := regexp.MustCompile(`(?m)^(\d+)\s+street\s.*2025-01-thames-valley-street\.csv$`).FindStringSubmatch(list)
	if code != 0 || m == nil {
		t.Fatalf("imports list: %d %s %s", code, list, errs)
	}
	if code, out, errs := run(t, "imports", "withdraw", "--db", db, m[1], "--yes"); code != 0 || !strings.Contains(out, "withdrew import "+m[1]) {
		t.Fatalf("imports withdraw: %d %s %s", code, out, errs)
	}
	d = seen("2025-01", 0, time.Now(), 5*time.Second)
	t.Logf("both replicas dropped the withdrawn 2025-01 import %s after it committed", d.Round(time.Millisecond))
	if d > time.Second {
		t.Errorf("the replicas showed the withdrawal after %s; want within 1 s", d)
	}
	seen("2025-02", want, time.Now(), time.Second)
}

// locatedRows counts a police.uk street file's rows with coordinates, less Crime IDs
// repeated within the file (one crime), as the store keeps them.
func locatedRows(t *testing.T, path string) int {
	t.Helper()
	ids := map[string]bool{}
	n := 0
	for _, r := range testkit.CSV(t, path)[1:] {
		if r[4] == "" {
			continue
		}
		if r[0] != "" {
			if ids[r[0]] {
				continue
			}
			ids[r[0]] = true
		}
		n++
	}
	return n
}

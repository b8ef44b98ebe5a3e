package store_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hexbeat/hexbeat/geodata"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/hexbeat/hexbeat/internal/ingest"
	"github.com/hexbeat/hexbeat/internal/store"
	"github.com/hexbeat/hexbeat/internal/testkit"
)

// runFiles imports paths into the store through imp (a run, or the store), each file on
// its own, and returns what each added (-1 for a refused file).
func runFiles(t *testing.T, imp hexbeat.Importer, paths ...string) []int {
	t.Helper()
	var added []int
	for _, p := range paths {
		rep, _, err := ingest.ImportFile(context.Background(), imp, p, ingest.Options{Taxonomy: geodata.Taxonomy()}, nil)
		if err != nil {
			added = append(added, -1)
			continue
		}
		added = append(added, rep.Added)
	}
	return added
}

// badFebruary is February's street file with a broken last line: refused whole, after its
// rows were written inside its transaction.
func badFebruary(t *testing.T) string {
	b, err := os.ReadFile(testkit.Data(t, "police/street/2025-02-thames-valley-street.csv"))
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "2025-02-broken.csv")
	if err := os.WriteFile(p, append(b, "\"abc,2025-02,x\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestImportRun: a run of files large against the table drops the incident indexes (all
// but the batch index) in its first file's transaction and rebuilds them once, at its end; each file is still all or
// nothing (a refused file's keys are not taken for stored, so the good copy of it that
// follows adds every row), duplicates within the run and against what was stored are
// skipped, and a second run of the same files adds nothing and leaves the indexes alone.
// PostgreSQL tells a listening server of each file as it commits, mid-run.
func TestImportRun(t *testing.T) {
	jan := testkit.Data(t, "police/street/2025-01-thames-valley-street.csv")
	feb := testkit.Data(t, "police/street/2025-02-thames-valley-street.csv")
	bad := badFebruary(t)
	eachStore(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		notified, err := s.Listen(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		run, err := s.BeginRun(ctx, 1_000_000)
		if err != nil {
			t.Fatal(err)
		}
		if got := runFiles(t, run, jan); !slices.Equal(got, []int{14494}) {
			t.Fatalf("January in the run: added %v", got)
		}
		if notified != nil { // PostgreSQL
			select {
			case <-notified:
			case <-time.After(10 * time.Second):
				t.Error("no NOTIFY for the run's first file before the run ended")
			}
		}
		// mid-run: the key index dropped, the batch index kept (a server loads each file by it)
		names, _ := s.IndexNames("incidents")
		if slices.Contains(names, "incidents_key") || slices.Contains(names, "incidents_key_key") || !slices.Contains(names, "incidents_batch") || !run.Rebuilds() {
			t.Errorf("mid-run the indexes are %v (rebuild due: %v); want the batch index alone", names, run.Rebuilds())
		}
		if got := runFiles(t, run, bad, feb, jan); !slices.Equal(got, []int{-1, 13478, 0}) {
			t.Errorf("broken February, February, January again: added %v, want [-1 13478 0]", got)
		}
		if err := run.Close(ctx); err != nil {
			t.Fatal(err)
		}
		if n := counts(t, s)["incidents"]; n != 14494+13478 {
			t.Errorf("%d incidents after the run, want %d", n, 14494+13478)
		}
		checkIncidentIndexes(t, s)
		runKeepsIndexes(t, s, "the run again", 1_000_000, []string{jan, feb}, []int{0, 0})
		if n := counts(t, s)["incidents"]; n != 14494+13478 {
			t.Errorf("%d incidents after the run again", n)
		}
	})
}

// TestImportRunSmallAgainstTable: a run small against what is stored leaves each file to
// its own path: 200 rows into 14,494 are written with the indexes in place.
func TestImportRunSmallAgainstTable(t *testing.T) {
	jan := testkit.Data(t, "police/street/2025-01-thames-valley-street.csv")
	b, err := os.ReadFile(testkit.Data(t, "police/street/2025-02-thames-valley-street.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfterN(string(b), "\n", 202)
	few := filepath.Join(t.TempDir(), "2025-02-first-200.csv")
	os.WriteFile(few, []byte(strings.Join(lines[:201], "")), 0o644)
	eachStore(t, func(t *testing.T, s *store.Store) {
		runFiles(t, s, jan)
		runKeepsIndexes(t, s, "a small run", 1000, []string{few, jan}, []int{200, 0})
		checkIncidentIndexes(t, s)
	})
}

// TestImportRunKilled: a run whose process dies with the indexes dropped leaves its
// committed files stored. RestoreIndexes (hexbeat serve and migrate) rebuilds the indexes,
// once; or, without it, the next import does before it writes. Either way that import
// still finds the killed run's rows.
func TestImportRunKilled(t *testing.T) {
	jan := testkit.Data(t, "police/street/2025-01-thames-valley-street.csv")
	feb := testkit.Data(t, "police/street/2025-02-thames-valley-street.csv")
	for _, restore := range []bool{true, false} {
		t.Run(map[bool]string{true: "restored", false: "next-import"}[restore], func(t *testing.T) {
			eachStore(t, func(t *testing.T, s *store.Store) {
				ctx := context.Background()
				run, err := s.BeginRun(ctx, 1_000_000)
				if err != nil {
					t.Fatal(err)
				}
				if got := runFiles(t, run, jan); !slices.Equal(got, []int{14494}) {
					t.Fatalf("added %v", got)
				}
				run.Abandon()
				if restore {
					restored, err := s.RestoreIndexes(ctx)
					if err != nil || len(restored) == 0 || slices.Contains(restored, "incidents_batch") {
						t.Errorf("restored %v, %v; want the indexes the run dropped", restored, err)
					}
					checkIncidentIndexes(t, s)
					if again, err := s.RestoreIndexes(ctx); err != nil || len(again) != 0 {
						t.Errorf("restored again: %v, %v", again, err)
					}
				}
				if got := runFiles(t, s, feb, jan); !slices.Equal(got, []int{13478, 0}) {
					t.Errorf("after the killed run, February and January: added %v, want [13478 0]", got)
				}
				checkIncidentIndexes(t, s)
				if n := counts(t, s)["incidents"]; n != 14494+13478 {
					t.Errorf("%d incidents", n)
				}
			})
		})
	}
}

// TestImportRunHoldsTheLock (PostgreSQL): while a run has the indexes dropped, another
// process's import of incidents waits for the run to end, then checks its keys against
// the rebuilt unique key: nothing is stored twice.
func TestImportRunHoldsTheLock(t *testing.T) {
	jan := testkit.Data(t, "police/street/2025-01-thames-valley-street.csv")
	feb := testkit.Data(t, "police/street/2025-02-thames-valley-street.csv")
	s := freshPostgres(t)
	ctx := context.Background()
	other, err := store.Open(ctx, s.PostgresURL())
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	run, err := s.BeginRun(ctx, 1_000_000)
	if err != nil {
		t.Fatal(err)
	}
	runFiles(t, run, jan)
	if restored, err := other.RestoreIndexes(ctx); err != nil || len(restored) != 0 {
		t.Errorf("RestoreIndexes during the run: %v, %v; want nothing done", restored, err)
	}
	done := make(chan []int, 1)
	go func() { done <- runFiles(t, other, feb, jan) }()
	// wait until the other import waits on the advisory lock
	deadline := time.Now().Add(20 * time.Second)
	for {
		var waiting int
		if err := s.QueryInt(ctx, `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`, &waiting); err != nil {
			t.Fatal(err)
		}
		if waiting > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the other import never waited for the run")
		}
		time.Sleep(20 * time.Millisecond)
	}
	select {
	case got := <-done:
		t.Fatalf("the other import finished while the run held the indexes dropped: %v", got)
	default:
	}
	runFiles(t, run, feb)
	if err := run.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if got := <-done; !slices.Equal(got, []int{0, 0}) {
		t.Errorf("the other import after the run: added %v, want [0 0]", got)
	}
	if n := counts(t, s)["incidents"]; n != 14494+13478 {
		t.Errorf("%d incidents", n)
	}
	checkIncidentIndexes(t, s)
}

// runKeepsIndexes runs files expected to bring rows and checks that they add want and
// leave the incident indexes as they were (neither dropped nor rebuilt).
func runKeepsIndexes(t *testing.T, s *store.Store, what string, rows int, files []string, want []int) {
	t.Helper()
	ctx := context.Background()
	before, _ := s.IndexIdentities("incidents")
	run, err := s.BeginRun(ctx, rows)
	if err != nil {
		t.Fatal(err)
	}
	if got := runFiles(t, run, files...); !slices.Equal(got, want) {
		t.Errorf("%s: added %v, want %v", what, got, want)
	}
	if run.Rebuilds() {
		t.Errorf("%s would rebuild the indexes", what)
	}
	if err := run.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if after, _ := s.IndexIdentities("incidents"); after != before {
		t.Errorf("%s rebuilt the indexes: %s, then %s", what, before, after)
	}
}

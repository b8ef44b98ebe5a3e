package store_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hexbeat/hexbeat/internal/testkit"

	"github.com/hexbeat/hexbeat/internal/store"
)

// TestBulkImportRebuildsIndexes: a large import into a small table drops and rebuilds
// indexes (PostgreSQL: GiST and batch; SQLite: key and batch, checking keys in memory) and
// still deduplicates against what is stored and within the file.
func TestBulkImportRebuildsIndexes(t *testing.T) {
	jan := testkit.Data(t, "police/street/2025-01-thames-valley-street.csv")
	feb := testkit.Data(t, "police/street/2025-02-thames-valley-street.csv")
	eachStore(t, func(t *testing.T, s *store.Store) {
		s.SetBulkMinRows(1000)
		for _, f := range []string{jan, feb, jan} {
			if _, err := importFile(t, s, f); err != nil {
				t.Fatal(err)
			}
		}
		if n := counts(t, s)["incidents"]; n != 14494+13478 {
			t.Errorf("%d incidents after January, February and January again; want %d", n, 14494+13478)
		}
		checkIncidentIndexes(t, s)
	})
}

// TestBulkReimportKeepsIndexes: a file imported again on the bulk path has no new rows, so
// its import leaves the indexes alone instead of rebuilding them; a file with new rows
// rebuilds them.
func TestBulkReimportKeepsIndexes(t *testing.T) {
	jan := testkit.Data(t, "police/street/2025-01-thames-valley-street.csv")
	feb := testkit.Data(t, "police/street/2025-02-thames-valley-street.csv")
	eachStore(t, func(t *testing.T, s *store.Store) {
		s.SetBulkMinRows(1000)
		if _, err := importFile(t, s, jan); err != nil {
			t.Fatal(err)
		}
		before, err := s.IndexIdentities("incidents")
		if err != nil || before == "" {
			t.Fatalf("indexes %q, %v", before, err)
		}
		if rep, err := importFile(t, s, jan); err != nil || rep.Added != 0 {
			t.Fatalf("January again: added %d, %v", rep.Added, err)
		}
		if again, _ := s.IndexIdentities("incidents"); again != before {
			t.Errorf("importing January again rebuilt the indexes: %s, then %s", before, again)
		}
		if _, err := importFile(t, s, feb); err != nil {
			t.Fatal(err)
		}
		if after, _ := s.IndexIdentities("incidents"); after == before {
			t.Errorf("February (new rows, bulk path) left the indexes as they were (%s): the check cannot see a rebuild", after)
		}
		checkIncidentIndexes(t, s)
	})
}

// checkIncidentIndexes: the indexes and constraints a bulk import drops are all in place.
func checkIncidentIndexes(t *testing.T, s *store.Store) {
	t.Helper()
	want, wantCons := "incidents_batch,incidents_key", ""
	if s.Dialect() == store.Postgres {
		want = "incidents_batch,incidents_geom,incidents_key_key,incidents_pkey"
		wantCons = "incidents_batch_id_fkey,incidents_key_key,incidents_pkey"
	}
	if names, err := s.IndexNames("incidents"); err != nil || strings.Join(names, ",") != want {
		t.Errorf("indexes on incidents: %v %v, want %s", names, err, want)
	}
	if names, err := s.Constraints("incidents"); err != nil || strings.Join(names, ",") != wantCons {
		t.Errorf("constraints on incidents: %v %v, want %s", names, err, wantCons)
	}
	checkForeignKeys(t, s)
}

// TestBulkSwitchMidImport: an import that starts smaller than the table and outgrows it
// (three months into a store of three months) switches to the bulk path part way and loses
// nothing; importing everything again adds nothing.
func TestBulkSwitchMidImport(t *testing.T) {
	var months []string
	for m := 1; m <= 6; m++ {
		months = append(months, testkit.Data(t, fmt.Sprintf("police/street/2025-%02d-thames-valley-street.csv", m)))
	}
	later := filepath.Join(t.TempDir(), "2025-04-to-06.csv")
	var buf []byte
	for i, f := range months[3:] {
		data, _ := os.ReadFile(f)
		if i > 0 {
			data = data[bytes.IndexByte(data, '\n')+1:]
		}
		buf = append(buf, data...)
	}
	os.WriteFile(later, buf, 0o644)
	eachStore(t, func(t *testing.T, s *store.Store) {
		s.SetBulkMinRows(1000)
		for _, f := range append(months[:3:3], later) {
			if _, err := importFile(t, s, f); err != nil {
				t.Fatal(err)
			}
		}
		if n := counts(t, s)["incidents"]; n != 93542 {
			t.Fatalf("%d incidents, want 93,542 (six months with coordinates)", n)
		}
		for _, f := range months {
			if rep, err := importFile(t, s, f); err != nil || rep.Added != 0 {
				t.Fatalf("re-import %s: added %d, %v", filepath.Base(f), rep.Added, err)
			}
		}
	})
}

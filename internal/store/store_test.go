package store_test

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hexbeat/hexbeat/internal/testkit"

	"github.com/hexbeat/hexbeat/geodata"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/hexbeat/hexbeat/internal/ingest"
	"github.com/hexbeat/hexbeat/internal/store"
	"github.com/paulmach/orb"
)

func importFile(t *testing.T, s *store.Store, path string) (*ingest.Report, error) {
	t.Helper()
	rep, _, err := ingest.ImportFile(context.Background(), s, path, ingest.Options{Taxonomy: geodata.Taxonomy()}, nil)
	return rep, err
}

func counts(t *testing.T, s *store.Store) map[string]int {
	t.Helper()
	c, err := s.Counts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestImportStreetIdempotent: the 2025-01 file imports its 14,494 located rows (all 208
// identical ASB rows among them); the same file again, or under another name, adds nothing.
func TestImportStreetIdempotent(t *testing.T) {
	path := testkit.Data(t, "police/street/2025-01-thames-valley-street.csv")
	eachStore(t, func(t *testing.T, s *store.Store) {
		rep, err := importFile(t, s, path)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Added != 14494 || counts(t, s)["incidents"] != 14494 {
			t.Fatalf("added %d, stored %d; want 14494", rep.Added, counts(t, s)["incidents"])
		}
		renamed := filepath.Join(t.TempDir(), "downloaded-again.csv")
		data, _ := os.ReadFile(path)
		os.WriteFile(renamed, data, 0o644)
		for _, p := range []string{path, renamed} {
			rep, err := importFile(t, s, p)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Added != 0 || rep.Duplicates != 14494 {
				t.Errorf("%s again: added %d, duplicates %d; want 0 and 14494", filepath.Base(p), rep.Added, rep.Duplicates)
			}
		}
		if n := counts(t, s)["incidents"]; n != 14494 {
			t.Errorf("after re-imports the store holds %d incidents, want 14494", n)
		}
		var loaded int
		cats := map[string]int{}
		err = s.LoadIncidents(context.Background(), nil, func(incs []hexbeat.Incident) error {
			for _, inc := range incs {
				loaded++
				cats[inc.Category]++
				if inc.Cell == 0 || inc.OccurredAt.Format("2006-01") != "2025-01" {
					t.Fatalf("loaded a bad incident %+v", inc)
				}
			}
			return nil
		})
		if err != nil || loaded != 14494 || cats["Robbery"] != 126 || cats["Possession of weapons"] != 119 {
			t.Errorf("loaded %d (robbery %d, weapons %d), err %v", loaded, cats["Robbery"], cats["Possession of weapons"], err)
		}
	})
}

// TestRefusedFileLeavesStoreUnchanged: a damaged file (2025-01 cut mid-row after 200,000
// bytes, then a row whose longitude is text) is refused and adds nothing, not even a batch.
func TestRefusedFileLeavesStoreUnchanged(t *testing.T) {
	path := testkit.Data(t, "police/street/2025-01-thames-valley-street.csv")
	data, _ := os.ReadFile(path)
	damaged := filepath.Join(t.TempDir(), "damaged.csv")
	os.WriteFile(damaged, append(data[:200000:200000], []byte("0f2b,2025-01,TVP,TVP,abc,51.4,On or near X,E1,Reading 001A,Robbery,,\n")...), 0o644)
	eachStore(t, func(t *testing.T, s *store.Store) {
		before := counts(t, s)
		_, err := importFile(t, s, damaged)
		if err == nil || !strings.Contains(err.Error(), "line ") {
			t.Fatalf("want a refusal naming the line, got %v", err)
		}
		after := counts(t, s)
		for k, v := range before {
			if after[k] != v {
				t.Errorf("%s: %d before, %d after a refused file", k, v, after[k])
			}
		}
		checkForeignKeys(t, s)
	})
}

// TestImportOtherKinds: boundaries, stop and search, outcomes and retailers import, and
// again add nothing.
func TestImportOtherKinds(t *testing.T) {
	files := map[string]struct {
		path  string
		table string
		want  int
	}{
		"boundary":   {testkit.Data(t, "boundaries/milton-keynes-boundary.geojson"), "boundaries", 1},
		"wards":      {testkit.Data(t, "boundaries/milton-keynes-wards.geojson"), "boundaries", 23},
		"stopsearch": {testkit.Data(t, "police/stop-and-search/2023-12-thames-valley-stop-and-search.csv"), "stop_searches", -1},
		"outcomes":   {testkit.Data(t, "police/outcomes/2023-12-thames-valley-outcomes.csv"), "outcomes", 13276},
		"retailers":  {testkit.Data(t, "poi/milton-keynes-grocery-retailers.csv"), "retailers", 86},
	}
	eachStore(t, func(t *testing.T, s *store.Store) {
		for _, name := range []string{"boundary", "wards", "stopsearch", "outcomes", "retailers"} {
			f := files[name]
			before := counts(t, s)[f.table]
			rep, err := importFile(t, s, f.path)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			got := counts(t, s)[f.table] - before
			if f.want >= 0 && got != f.want {
				t.Errorf("%s: %d rows added to %s, want %d\n%s", name, got, f.table, f.want, rep.Summary())
			}
			if got != rep.Added || rep.Added+rep.RejectedTotal()+rep.Duplicates != rep.Rows {
				t.Errorf("%s: report does not add up: %+v", name, rep)
			}
			again, err := importFile(t, s, f.path)
			if err != nil || again.Added != 0 {
				t.Errorf("%s again: added %d, %v", name, again.Added, err)
			}
		}
		b, err := s.Boundary(context.Background(), "E06000042")
		if err != nil || b.Name != "Milton Keynes" || b.Kind != "lad" || len(b.Geometry) == 0 {
			t.Errorf("boundary E06000042: %+v, %v", b.Name, err)
		}
		if _, err := s.Boundary(context.Background(), "nope"); hexbeat.ErrorCode(err) != hexbeat.ENOTFOUND {
			t.Errorf("missing boundary: %v", err)
		}
		rs, err := s.Retailers(context.Background())
		if err != nil || len(rs) != 86 {
			t.Errorf("retailers: %d, %v", len(rs), err)
		}
		checkForeignKeys(t, s)
	})
}

func TestMeta(t *testing.T) {
	eachStore(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if v, err := s.Meta(ctx, "demo"); err != nil || v != "" {
			t.Fatalf("unset meta: %q %v", v, err)
		}
		for _, v := range []string{"true", "false"} {
			if err := s.SetMeta(ctx, "demo", v); err != nil {
				t.Fatal(err)
			}
			if got, _ := s.Meta(ctx, "demo"); got != v {
				t.Errorf("meta demo = %q, want %q", got, v)
			}
		}
		if err := s.Migrate(ctx); err != nil {
			t.Errorf("migrating twice: %v", err)
		}
	})
}

// checkForeignKeys: SQLite imports do not check each row's batch on the way in (every row
// refers to the batch the import inserts); no row may refer to a missing batch, and every
// connection checks foreign keys again, with its whole page cache, once the import has
// handed it back.
func checkForeignKeys(t *testing.T, s *store.Store) {
	t.Helper()
	broken, restored, err := s.ForeignKeys(context.Background())
	if err != nil || broken != 0 || !restored {
		t.Errorf("foreign keys: %d rows refer to no batch, every connection restored (foreign keys, cache) %v, %v", broken, restored, err)
	}
}

// TestConcurrentImports: the same month imported twice at once, beside another month, is
// stored once: imports of incidents take turns, and the one that waits finds the first's
// rows stored (on the bulk path, which drops the indexes, as on the row-by-row path).
func TestConcurrentImports(t *testing.T) {
	jan := testkit.Data(t, "police/street/2025-01-thames-valley-street.csv")
	feb := testkit.Data(t, "police/street/2025-02-thames-valley-street.csv")
	for _, minRows := range []int{1000, 1 << 30} {
		t.Run(fmt.Sprintf("bulk from %d rows", minRows), func(t *testing.T) {
			eachStore(t, func(t *testing.T, s *store.Store) {
				s.SetBulkMinRows(minRows)
				files := []string{jan, jan, feb}
				added := make([]int, len(files))
				errs := make([]error, len(files))
				var wg sync.WaitGroup
				for i, f := range files {
					wg.Add(1)
					go func() {
						defer wg.Done()
						rep, _, err := ingest.ImportFile(context.Background(), s, f, ingest.Options{Taxonomy: geodata.Taxonomy()}, nil)
						errs[i] = err
						if rep != nil {
							added[i] = rep.Added
						}
					}()
				}
				wg.Wait()
				for i, err := range errs {
					if err != nil {
						t.Fatalf("import %d: %v", i, err)
					}
				}
				if added[0]+added[1] != 14494 || added[2] != 13478 {
					t.Errorf("added %v; want January once (14494 between the first two) and February's 13478", added)
				}
				if n := counts(t, s)["incidents"]; n != 14494+13478 {
					t.Errorf("%d incidents stored, want %d", n, 14494+13478)
				}
				checkIncidentIndexes(t, s)
			})
		})
	}
}

// TestLateFaultLeavesStoreUnchanged: a fault after several chunks have reached the database
// (non-UTF-8 bytes near the end, an absurdly long last line, a truncated last row) refuses
// the whole file; nothing of it stays.
func TestLateFaultLeavesStoreUnchanged(t *testing.T) {
	data, err := os.ReadFile(testkit.Data(t, "police/street/2025-03-thames-valley-street.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.SplitAfter(data, []byte("\n"))
	if len(lines) < 15000 {
		t.Fatalf("only %d lines", len(lines))
	}
	late := func(replace func(line []byte) []byte) []byte {
		out := append([][]byte{}, lines...)
		out[14000] = replace(out[14000])
		return bytes.Join(out, nil)
	}
	dir := t.TempDir()
	cases := map[string][]byte{
		"non-utf8.csv":  late(func(l []byte) []byte { return bytes.Replace(l, []byte("On or near"), []byte("On or n\xe9ar"), 1) }),
		"long-line.csv": append(append([]byte{}, data...), bytes.Repeat([]byte("x"), 8<<20)...),
		"truncated.csv": data[:len(data)-len(lines[len(lines)-2])/2-len(lines[len(lines)-1])],
	}
	eachStore(t, func(t *testing.T, s *store.Store) {
		s.SetBulkMinRows(1000) // rows reach the database (and indexes are dropped) before the fault
		before := counts(t, s)
		for name, content := range cases {
			p := filepath.Join(dir, name)
			os.WriteFile(p, content, 0o644)
			if _, err := importFile(t, s, p); err == nil || !strings.Contains(err.Error(), "line ") {
				t.Errorf("%s: want a refusal naming the line, got %v", name, err)
			}
		}
		after := counts(t, s)
		for k, v := range before {
			if after[k] != v {
				t.Errorf("%s: %d before, %d after refused files", k, v, after[k])
			}
		}
		checkIncidentIndexes(t, s)
	})
}

// TestStopSearchesWithoutLocation: the searches that cannot be placed (no location), and
// those of them under section 60, and all searches, counted over a time window as the CSV
// itself counts them.
func TestStopSearchesWithoutLocation(t *testing.T) {
	path := testkit.Data(t, "police/stop-and-search/2020-08-thames-valley-stop-and-search.csv")
	rows := testkit.CSV(t, path)
	legislation := slices.Index(rows[0], "Legislation")
	windows := [][2]time.Time{
		{time.Date(2020, 8, 1, 0, 0, 0, 0, time.UTC), time.Date(2020, 9, 1, 0, 0, 0, 0, time.UTC)},
		{time.Date(2020, 8, 10, 12, 0, 0, 0, time.UTC), time.Date(2020, 8, 11, 12, 0, 0, 0, time.UTC)},
	}
	want := make([][2]int, len(windows))
	every := make([]int, len(windows))
	for _, r := range rows[1:] {
		when, err := time.Parse(time.RFC3339, r[1])
		if err != nil {
			t.Fatalf("%q: %v", r[1], err)
		}
		for i, w := range windows {
			if !when.Before(w[0]) && when.Before(w[1]) {
				every[i]++
			}
		}
		if r[4] != "" && r[5] != "" {
			continue
		}
		for i, w := range windows {
			if !when.Before(w[0]) && when.Before(w[1]) {
				want[i][0]++
				if strings.Contains(strings.ToLower(r[legislation]), "section 60") {
					want[i][1]++
				}
			}
		}
	}
	if want[0][0] < 1000 || want[0][1] != 1 || want[1][0] == 0 {
		t.Fatalf("the file has changed: %v", want)
	}
	eachStore(t, func(t *testing.T, s *store.Store) {
		if _, err := importFile(t, s, path); err != nil {
			t.Fatal(err)
		}
		for i, w := range windows {
			all, s60, err := s.StopSearchesWithoutLocation(context.Background(), w[0], w[1])
			if err != nil || all != want[i][0] || s60 != want[i][1] {
				t.Errorf("%v: %d without a location, %d under section 60, %v; the CSV has %d, %d", w, all, s60, err, want[i][0], want[i][1])
			}
			if n, err := s.StopSearchCount(context.Background(), w[0], w[1]); err != nil || n != every[i] {
				t.Errorf("%v: %d searches, %v; the CSV has %d", w, n, err, every[i])
			}
		}
	})
}

// TestRawBindingStoresWhatTheDriverStores: a SQLite import binds its values through
// SQLite's API (sqlite_raw.go), reached through fields the pinned driver does not export;
// it must store exactly what binding through the driver stores, every column with its
// storage class, and the pinned driver must let it be reached.
func TestRawBindingStoresWhatTheDriverStores(t *testing.T) {
	ctx := context.Background()
	files := []string{testkit.Data(t, "police/street/2025-01-thames-valley-street.csv"), testkit.Data(t, "police/street/2025-02-thames-valley-street.csv")}
	dump := func(raw bool) []string {
		s := freshSQLite(t)
		s.SetBindRaw(raw)
		if ok, err := s.RawSQLiteReachable(ctx); err != nil || !ok {
			t.Fatalf("the SQLite connection under the driver cannot be reached (%v): did a new modernc.org/sqlite move its fields?", err)
		}
		for _, f := range files {
			if _, err := importFile(t, s, f); err != nil {
				t.Fatal(err)
			}
		}
		rows, err := s.IncidentRows(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return rows
	}
	viaDriver, viaAPI := dump(false), dump(true)
	if len(viaAPI) != 14494+13478 || len(viaDriver) != len(viaAPI) {
		t.Fatalf("%d rows bound through the API, %d through the driver; want %d", len(viaAPI), len(viaDriver), 14494+13478)
	}
	for i := range viaAPI {
		if viaAPI[i] != viaDriver[i] {
			t.Fatalf("row %d differs:\n API    %s\n driver %s", i, viaAPI[i], viaDriver[i])
		}
	}
	t.Logf("e.g. %s", viaAPI[0])
}

// TestIncidentsInABox: the incidents in a box (its edges included), paged in id order, are
// those a count of the stored rows finds, on both stores (PostgreSQL finds them through
// the GiST index, whose boxes are rounded to float4, then tests them exactly); a box whose
// edges pass through incidents keeps them, a period narrows it, an empty box has none.
func TestIncidentsInABox(t *testing.T) {
	path := testkit.Data(t, "police/street/2025-01-thames-valley-street.csv")
	eachStore(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if _, err := importFile(t, s, path); err != nil {
			t.Fatal(err)
		}
		var all []hexbeat.Incident
		if err := s.LoadIncidents(ctx, nil, func(incs []hexbeat.Incident) error { all = append(all, incs...); return nil }); err != nil {
			t.Fatal(err)
		}
		// a box around Milton Keynes whose west and north edges pass through its westmost and
		// northmost incidents
		mk := orb.Bound{Min: orb.Point{-0.80, 52.00}, Max: orb.Point{-0.70, 52.08}}
		var in []hexbeat.Incident
		for _, x := range all {
			if mk.Contains(orb.Point{x.Lon, x.Lat}) {
				in = append(in, x)
			}
		}
		west := slices.MinFunc(in, func(a, b hexbeat.Incident) int { return cmp.Compare(a.Lon, b.Lon) })
		north := slices.MaxFunc(in, func(a, b hexbeat.Incident) int { return cmp.Compare(a.Lat, b.Lat) })
		edged := orb.Bound{Min: orb.Point{west.Lon, 52.00}, Max: orb.Point{-0.70, north.Lat}}
		// and one whose west edge lies a hair (1e-9°, well inside float4's rounding) east of it
		hair := edged
		hair.Min[0] += 1e-9
		for _, c := range []struct {
			name string
			f    hexbeat.IncidentFilter
		}{
			{"edges through incidents", hexbeat.IncidentFilter{BBox: &edged}},
			{"an edge a hair past an incident", hexbeat.IncidentFilter{BBox: &hair}},
			{"a box and a period", hexbeat.IncidentFilter{BBox: &edged, From: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC)}},
			{"a box and a period outside the data", hexbeat.IncidentFilter{BBox: &edged, From: time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC)}},
			{"an empty box", hexbeat.IncidentFilter{BBox: &orb.Bound{Min: orb.Point{10, 10}, Max: orb.Point{10.01, 10.01}}}},
		} {
			want, onEdge := 0, 0
			for _, in := range all {
				if c.f.BBox.Contains(orb.Point{in.Lon, in.Lat}) && (c.f.From.IsZero() || !in.OccurredAt.Before(c.f.From)) {
					want++
					if in.Lon == c.f.BBox.Min[0] || in.Lat == c.f.BBox.Max[1] {
						onEdge++
					}
				}
			}
			got, last := 0, int64(0)
			for f := c.f; ; f.Offset += f.Limit {
				f.Limit = 700
				page, err := s.Incidents(ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range page {
					if !c.f.BBox.Contains(orb.Point{r.Lon, r.Lat}) || r.ID <= last {
						t.Fatalf("%s: incident %d at %v, after %d", c.name, r.ID, orb.Point{r.Lon, r.Lat}, last)
					}
					last = r.ID
				}
				got += len(page)
				if len(page) < f.Limit {
					break
				}
			}
			if got != want || (c.name == "edges through incidents" && (want < 1000 || onEdge < 2)) || (c.name == "an edge a hair past an incident" && onEdge > 1) {
				t.Errorf("%s: %d incidents, a count of the stored rows %d (%d on the edges)", c.name, got, want, onEdge)
			}
		}
	})
}

// TestOpenDoesNotWaitForAnImport: an SQLite import holds the store's one write lock until it
// commits; opening the store meanwhile (a server starting, a backup, a key list) reads that
// the schema is up to date and does not wait for the lock, nor fail after the busy timeout.
func TestOpenDoesNotWaitForAnImport(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "h.db")
	s, err := store.Open(ctx, "sqlite:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	tx, err := s.BeginImport(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback() // the import's transaction holds the write lock from its start
	short, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	other, err := store.Open(short, "sqlite:"+path)
	if err != nil {
		t.Fatalf("opening the store while an import writes: %v", err)
	}
	defer other.Close()
	if n, err := other.Counts(short); err != nil || n["incidents"] != 0 {
		t.Errorf("while the import is open another connection sees %v, %v", n, err)
	}
}

// TestFailedImportGivesBackItsLog: a large SQLite import that fails late leaves its pages in
// the write-ahead log; the store checkpoints and truncates it after the rollback, so that a
// refused file does not keep its size on disk (a 2 GB upload that failed once left a
// 775 MB -wal file).
func TestFailedImportGivesBackItsLog(t *testing.T) {
	// six months three times over, each copy's Crime IDs made its own: more rows than the
	// import's page cache holds, so that its pages spill into the log before the fault
	var data []byte
	for copy := range 3 {
		for m := 1; m <= 6; m++ {
			b, err := os.ReadFile(testkit.Data(t, fmt.Sprintf("police/street/2025-%02d-thames-valley-street.csv", m)))
			if err != nil {
				t.Fatal(err)
			}
			if copy > 0 || m > 1 {
				b = b[bytes.IndexByte(b, '\n')+1:]
			}
			if copy > 0 { // every Crime ID (the first column) of the copy gets a prefix
				tag := []byte(fmt.Sprintf("c%d", copy))
				b = bytes.TrimSuffix(bytes.ReplaceAll(b, []byte("\n"), append([]byte("\n"), tag...)), tag)
				b = append(tag, b...)
			}
			data = append(data, b...)
		}
	}
	dir := t.TempDir()
	bad := filepath.Join(dir, "cut.csv")
	os.WriteFile(bad, append(data, []byte("\"an unterminated,field\n")...), 0o644)
	path := filepath.Join(dir, "h.db")
	s, err := store.Open(context.Background(), "sqlite:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.SetBulkMinRows(1000)
	if _, err := importFile(t, s, bad); err == nil {
		t.Fatal("a file cut in a quoted field was imported")
	}
	wal := func() int64 {
		fi, err := os.Stat(path + "-wal")
		if err != nil {
			return 0
		}
		return fi.Size()
	}
	for i := 0; i < 100 && wal() > 1<<20; i++ { // the checkpoint runs beside the caller
		time.Sleep(50 * time.Millisecond)
	}
	if n := wal(); n > 1<<20 {
		t.Errorf("the write-ahead log holds %d MB after a refused import", n>>20)
	}
}

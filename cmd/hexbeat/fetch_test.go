package main

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hexbeat/hexbeat/internal/store"
	"github.com/hexbeat/hexbeat/internal/testkit"
	"github.com/hexbeat/hexbeat/internal/testkit/policeapi"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/planar"
)

// located counts a street file's rows with coordinates: all of them, and those inside one
// of the polygons of a GeoJSON file (the stand-in's neighbourhoods).
func located(t *testing.T, path, areas string) (all, inside int) {
	t.Helper()
	b, err := os.ReadFile(areas)
	if err != nil {
		t.Fatal(err)
	}
	fc, err := geojson.UnmarshalFeatureCollection(b)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range testkit.CSV(t, path)[1:] {
		if r[4] == "" || r[5] == "" {
			continue
		}
		all++
		lon, _ := strconv.ParseFloat(r[4], 64)
		lat, _ := strconv.ParseFloat(r[5], 64)
		for _, f := range fc.Features {
			if planar.PolygonContains(f.Geometry.(orb.Polygon), orb.Point{lon, lat}) {
				inside++
				break
			}
		}
	}
	return all, inside
}

func counts(t *testing.T, db string) map[string]int {
	t.Helper()
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	n, err := st.Counts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// importReports runs `hexbeat import --json` and returns each file's "added".
func importAdded(t *testing.T, db string, files ...string) []int {
	t.Helper()
	code, out, errs := run(t, append([]string{"import", "--db", db, "--json"}, files...)...)
	if code != 0 {
		t.Fatalf("import: %d %s %s", code, out, errs)
	}
	var added []int
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var line struct{ Report struct{ Added int } }
		json.Unmarshal(sc.Bytes(), &line)
		added = append(added, line.Report.Added)
	}
	return added
}

// TestFetchFromPoliceAPI runs `hexbeat fetch` against a stand-in for data.police.uk built
// from the real Thames Valley files (neighbourhoods: the Milton Keynes wards, which leave
// out one Milton Keynes map point), with 429,
// 500 and 503 answers injected and a month over the API's 10,000-crime limit. What it
// stores is held to counts of the files, and importing the files afterwards adds only what
// the fetch did not cover: fetched and downloaded data key every incident alike.
func TestFetchFromPoliceAPI(t *testing.T) {
	jan, feb := testkit.Data(t, "police/street/2025-01-thames-valley-street.csv"), testkit.Data(t, "police/street/2025-02-thames-valley-street.csv")
	stopsFile := testkit.Data(t, "police/stop-and-search/2023-12-thames-valley-stop-and-search.csv")
	wards := testkit.Data(t, "boundaries/milton-keynes-wards.geojson")
	api, err := policeapi.New("thames-valley", "Thames Valley Police", []string{jan, feb}, []string{stopsFile}, wards, "WD13CD", "WD13NM")
	if err != nil {
		t.Fatal(err)
	}
	defer api.Close()
	var noLocationTries atomic.Int32
	api.Fault = func(n int, w http.ResponseWriter, r *http.Request) int {
		switch {
		case n == 3:
			w.Header().Set("Retry-After", "1")
			return http.StatusTooManyRequests
		case n == 5 || n == 6:
			return http.StatusTooManyRequests
		case n == 8:
			return http.StatusInternalServerError
		case r.URL.Path == "/api/crimes-no-location" && noLocationTries.Add(1) == 1:
			return http.StatusServiceUnavailable // not an area: retried, not split
		}
		return 0
	}
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "f.db")
	fetch := func(args ...string) string {
		t.Helper()
		code, out, errs := run(t, append([]string{"fetch", "--db", db, "--api", api.URL(), "--rate", "500", "--retry-wait", "5ms", "--force", "thames-valley", "--quiet"}, args...)...)
		if code != 0 {
			t.Fatalf("fetch %v: exit %d\n%s\n%s", args, code, out, errs)
		}
		return out
	}

	// The force's neighbourhoods (the Milton Keynes wards), January and February.
	out := fetch("--months", "2025-01..2025-02", "--what", "street")
	janAll, janMK := located(t, jan, wards)
	febAll, febMK := located(t, feb, wards)
	if got := counts(t, db)["incidents"]; got != janMK+febMK || janMK < 2000 {
		t.Fatalf("fetched %d incidents; the files hold %d+%d located in the wards\n%s", got, janMK, febMK, out)
	}
	if !strings.Contains(out, "no coordinates") {
		t.Errorf("the crimes without a location are not reported:\n%s", out)
	}
	// Fetching again adds nothing; importing January's file adds exactly its rows outside
	// the wards (every crime and ASB report inside is already there, keyed alike).
	fetch("--months", "2025-01", "--what", "street")
	if got := counts(t, db)["incidents"]; got != janMK+febMK {
		t.Errorf("a second fetch changed the store to %d", got)
	}
	if added := importAdded(t, db, jan); added[0] != janAll-janMK {
		t.Errorf("importing the January file after the fetch added %d, want %d", added[0], janAll-janMK)
	}

	// February over the whole force in one box: over the limit, so the box is split.
	box := filepath.Join(dir, "box.geojson")
	os.WriteFile(box, []byte(`{"type":"Polygon","coordinates":[[[-1.8,51.2],[-0.3,51.2],[-0.3,52.3],[-1.8,52.3],[-1.8,51.2]]]}`), 0o644)
	fetch("--months", "2025-02", "--what", "street", "--boundary", box)
	if got := counts(t, db)["incidents"]; got != janAll+febAll {
		t.Errorf("after the February box: %d incidents, the files hold %d+%d located", got, janAll, febAll)
	}

	// Stop and search for the force, December 2023; the file then adds nothing.
	fetch("--months", "2023-12", "--what", "stops")
	rows := testkit.CSV(t, stopsFile)
	if got := counts(t, db)["stop_searches"]; got != len(rows)-1 || len(rows) < 100 {
		t.Errorf("fetched %d stops and searches; the file has %d", got, len(rows)-1)
	}
	if added := importAdded(t, db, stopsFile); added[0] != 0 {
		t.Errorf("importing the stop-and-search file after the fetch added %d", added[0])
	}

	// The fetches are audited with what the client met.
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	events, _ := st.AuditLog(context.Background(), 0, 100)
	st.Close()
	var retries, splits int
	for _, ev := range events {
		if ev.Action == "fetch" {
			var d struct{ Retries, Splits int }
			json.Unmarshal([]byte(ev.Detail), &d)
			retries += d.Retries
			splits += d.Splits
		}
	}
	if retries < 5 || splits < 1 {
		t.Errorf("audit: %d retries, %d splits", retries, splits)
	}

	// Usage errors are reported together; an unknown force fails.
	if code, _, errs := run(t, "fetch", "--db", db, "--months", "2025-13", "--what", "everything"); code != 2 || !strings.Contains(errs, "--force") || !strings.Contains(errs, "--months") || !strings.Contains(errs, "--what") {
		t.Errorf("bad flags: exit %d %s", code, errs)
	}
	if code, _, errs := run(t, "fetch", "--db", db, "--api", api.URL(), "--retry-wait", "1ms", "--force", "atlantis", "--months", "2025-01"); code != 1 || !strings.Contains(errs, "atlantis") {
		t.Errorf("unknown force: exit %d %s", code, errs)
	}
}

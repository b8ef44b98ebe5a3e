package ingest

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/hexbeat/hexbeat/internal/testkit"

	"github.com/hexbeat/hexbeat/geodata"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
)

func readAll(t *testing.T, data []byte, opts Options) (*Report, *memSink, error) {
	t.Helper()
	if opts.Taxonomy == nil {
		opts.Taxonomy = geodata.Taxonomy()
	}
	sink := &memSink{}
	rep, err := Read(context.Background(), bytes.NewReader(data), "test.csv", opts, sink)
	return rep, sink, err
}

// wantRejected holds a report to the rejections expected: each reason with exactly its lines.
func wantRejected(t *testing.T, rep *Report, want map[string][]int) {
	t.Helper()
	for reason, lines := range want {
		found := false
		for _, r := range rep.Rejected {
			found = found || (r.Reason == reason && slices.Equal(r.Lines, lines))
		}
		if !found {
			t.Errorf("no %q rejection at lines %v: %+v", reason, lines, rep.Rejected)
		}
	}
}

// TestStreetRealCounts holds the reader to an independent count of the 2025-01 Thames
// Valley file made with encoding/csv, and to the figures counted with Python's csv module
// when the data was set up (14,877 rows, 14,494 with coordinates, 2,406 in Milton Keynes).
func TestStreetRealCounts(t *testing.T) {
	path := testkit.Data(t, "police/street/2025-01-thames-valley-street.csv")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var total, withCoords, mk int
	perCat := map[string]int{}
	for _, r := range rows[1:] {
		total++
		if r[4] == "" || r[5] == "" {
			continue
		}
		withCoords++
		perCat[r[9]]++
		if strings.HasPrefix(r[8], "Milton Keynes") {
			mk++
		}
	}
	if total != 14877 || withCoords != 14494 || mk != 2406 {
		t.Fatalf("independent count %d/%d/%d differs from the figures recorded with Python (14877/14494/2406)", total, withCoords, mk)
	}

	rep, sink, err := readAll(t, data, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Kind != hexbeat.KindStreet || rep.Rows != total {
		t.Errorf("kind %q rows %d, want street %d", rep.Kind, rep.Rows, total)
	}
	if len(sink.Incidents) != withCoords || rep.Accepted != withCoords {
		t.Errorf("accepted %d (sink %d), want %d rows with coordinates", rep.Accepted, len(sink.Incidents), withCoords)
	}
	if rep.Rows != rep.Accepted+rep.InFileDups+rep.RejectedTotal() {
		t.Errorf("rows %d != accepted %d + in-file duplicates %d + rejected %d", rep.Rows, rep.Accepted, rep.InFileDups, rep.RejectedTotal())
	}
	noLoc := 0
	for _, r := range rep.Rejected {
		if r.Reason == ReasonNoLocation {
			noLoc = r.Count
		} else {
			t.Errorf("unexpected rejection %q x%d (lines %v)", r.Reason, r.Count, r.Lines)
		}
	}
	if noLoc != total-withCoords {
		t.Errorf("no-location rejections %d, want %d", noLoc, total-withCoords)
	}
	gotCat, gotMK := map[string]int{}, 0
	keys := map[hexbeat.Key]bool{}
	for _, inc := range sink.Incidents {
		gotCat[inc.Category]++
		if strings.HasPrefix(inc.AreaName, "Milton Keynes") {
			gotMK++
		}
		if keys[inc.Key] {
			t.Fatalf("two incidents share key %x (%+v)", inc.Key, inc)
		}
		keys[inc.Key] = true
	}
	if gotMK != mk {
		t.Errorf("Milton Keynes rows %d, want %d", gotMK, mk)
	}
	for c, n := range perCat {
		if gotCat[c] != n {
			t.Errorf("category %q: %d, want %d", c, gotCat[c], n)
		}
	}
	if len(gotCat) != 14 {
		t.Errorf("%d categories, want police.uk's 14", len(gotCat))
	}
}

// TestStreetKeysStable: the same month under another name, or read twice, yields the same
// keys; identical ASB rows get distinct keys.
func TestStreetKeysStable(t *testing.T) {
	const head = "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type,Last outcome category,Context\n"
	asb := ",2025-01,Thames Valley Police,Thames Valley Police,-0.759,52.04,On or near X,E01,Milton Keynes 001A,Anti-social behaviour,,\n"
	data := []byte(head + asb + asb + "abc,2025-01,TVP,TVP,-0.76,52.05,On or near Y,E01,Milton Keynes 001A,Robbery,Under investigation,\n")
	_, a, err := readAll(t, data, Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, b, err := readAll(t, data, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Incidents) != 3 {
		t.Fatalf("got %d incidents, want 3 (two identical ASB rows are two incidents)", len(a.Incidents))
	}
	if a.Incidents[0].Key == a.Incidents[1].Key {
		t.Error("identical ASB rows share a key")
	}
	for i := range a.Incidents {
		if a.Incidents[i].Key != b.Incidents[i].Key {
			t.Errorf("row %d: key differs between two reads", i)
		}
	}
}

// TestKeptWithoutLocation: stop-and-search and outcome rows without a location are kept
// (a search or an outcome is real without one) and counted as such in the report, as the
// files themselves count them.
func TestKeptWithoutLocation(t *testing.T) {
	for _, rel := range []string{"police/stop-and-search/2020-08-thames-valley-stop-and-search.csv", "police/outcomes/2023-12-thames-valley-outcomes.csv"} {
		path := testkit.Data(t, rel)
		rows := testkit.CSV(t, path)
		iLon, iLat := slices.Index(rows[0], "Longitude"), slices.Index(rows[0], "Latitude")
		unplaced := 0
		for _, r := range rows[1:] {
			if r[iLon] == "" && r[iLat] == "" {
				unplaced++
			}
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		rep, _, err := readAll(t, data, Options{})
		if err != nil || unplaced == 0 || rep.WithoutLocation != unplaced || rep.Accepted != len(rows)-1 || !strings.Contains(rep.Summary(), "kept without a location") {
			t.Errorf("%s: %v; %d kept without a location, %d accepted; the file has %d without, %d rows", rel, err, rep.WithoutLocation, rep.Accepted, unplaced, len(rows)-1)
		}
	}
}

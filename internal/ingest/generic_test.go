package ingest

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hexbeat/hexbeat/internal/hexbeat"
)

// TestGenericCSV: a force's own export, read through the column flags.
func TestGenericCSV(t *testing.T) {
	data := "Ref,Committed,Offence,Lon,Lat,Street\n" +
		"R1,2025-07-01 23:30,robbery,-0.75,52.04,High St\n" + // line 2: BST evening -> 22:30 UTC, slug-case category
		"R2,02/01/2025,County lines,-0.74,52.03,Station Rd\n" + // 3: a day; a force's own category
		"R3,2025-03,Drugs,-0.73,52.02,\n" + // 4: a month
		"R1,2025-07-01 23:30,Robbery,-0.75,52.04,High St\n" + // 5: the same reference again
		"R4,yesterday,Drugs,-0.73,52.02,\n" + // 6: bad time
		"R5,2025-03-01T10:00:00Z,Drugs,,52.02,\n" + // 7: no longitude
		"R6,2025-03-01T10:00:00Z,,-0.73,52.02,\n" // 8: no category
	cols := Columns{Lon: "Lon", Lat: "Lat", Time: "Committed", Category: "Offence", ID: "Ref", Location: "Street"}
	rep, sink, err := readAll(t, []byte(data), Options{Columns: cols})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Kind != hexbeat.KindGeneric || rep.Rows != 7 || rep.Accepted != 3 || rep.InFileDups != 1 || rep.RejectedTotal() != 3 {
		t.Fatalf("report %+v", rep)
	}
	got := sink.Incidents
	want := []struct {
		at   string
		prec hexbeat.Precision
		cat  string
	}{
		{"2025-07-01T22:30:00Z", hexbeat.PrecisionExact, "Robbery"},
		{"2025-01-02T00:00:00Z", hexbeat.PrecisionDay, "County lines"},
		{"2025-03-01T00:00:00Z", hexbeat.PrecisionMonth, "Drugs"},
	}
	for i, w := range want {
		if got[i].OccurredAt.Format(time.RFC3339) != w.at || got[i].Precision != w.prec || got[i].Category != w.cat || got[i].Cell == 0 {
			t.Errorf("row %d: %v %v %q cell %x; want %s %v %q", i, got[i].OccurredAt.Format(time.RFC3339), got[i].Precision, got[i].Category, got[i].Cell, w.at, w.prec, w.cat)
		}
	}
	if got[0].Location != "High St" || got[0].SourceID != "R1" {
		t.Errorf("location %q, reference %q", got[0].Location, got[0].SourceID)
	}
	wantRejected(t, rep, map[string][]int{ReasonBadTime: {6}, ReasonNoLocation: {7}, ReasonNoCategory: {8}})
	// a column flag naming no column is refused before any row is read
	_, _, err = readAll(t, []byte(data), Options{Columns: Columns{Lon: "X", Lat: "Lat", Time: "Committed", Category: "Offence"}})
	var fe *FormatError
	if !errors.As(err, &fe) || fe.Line != 1 || !strings.Contains(fe.Reason, `--lon "X" (no such column)`) {
		t.Errorf("missing column: %v", err)
	}
}

// TestTimeParserOrderFree: which layout the parser tries first (the one that read the last
// time) changes no result: every sample reads the same, and is refused the same, whatever
// came before it.
func TestTimeParserOrderFree(t *testing.T) {
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Skip("no time zone data:", err)
	}
	samples := []string{"2025-07-01T23:30:15.25+01:00", "2025-07-01T23:30:15Z", "2025-07-01T23:30:15", "2025-07-01 23:30:15",
		"2025-07-01T23:30", "2025-07-01 23:30", "01/07/2025 23:30:15", "01/07/2025 23:30", "2025-07-01", "01/07/2025",
		"2025-07", " 2025-03-30 01:30 ", "2025-13-01", "31/02/2025", "yesterday", "2025-07-01 23:30:15 extra", ""}
	if len(samples) < len(flexibleLayouts) {
		t.Fatal("a sample for every layout")
	}
	type read struct {
		at   time.Time
		prec hexbeat.Precision
		ok   bool
	}
	fresh := map[string]read{}
	for _, s := range samples {
		p := timeParser{loc: london}
		at, prec, ok := p.parse(s)
		fresh[s] = read{at, prec, ok}
	}
	matched := map[hexbeat.Precision]bool{}
	for first := range flexibleLayouts {
		for _, s := range samples {
			p := timeParser{loc: london, last: first}
			at, prec, ok := p.parse(s)
			if got, want := (read{at, prec, ok}), fresh[s]; !got.at.Equal(want.at) || got.prec != want.prec || got.ok != want.ok {
				t.Errorf("%q after layout %q: %v %v %v, but %v %v %v fresh", s, flexibleLayouts[first].layout, at, prec, ok, want.at, want.prec, want.ok)
			}
			matched[prec] = matched[prec] || ok
		}
	}
	if !matched[hexbeat.PrecisionExact] || !matched[hexbeat.PrecisionDay] || !matched[hexbeat.PrecisionMonth] {
		t.Errorf("samples read at precisions %v", matched)
	}
	if r := fresh["2025-07-01 23:30"]; !r.ok || r.at.Format(time.RFC3339) != "2025-07-01T22:30:00Z" {
		t.Errorf("a summer evening in London: %v", r)
	}
}

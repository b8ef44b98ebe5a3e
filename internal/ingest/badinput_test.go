package ingest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/hexbeat/hexbeat/geodata"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
)

const streetHead = "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type,Last outcome category,Context\n"

func streetRow(id, lon, lat, typ string) string {
	return id + ",2025-01,Thames Valley Police,Thames Valley Police," + lon + "," + lat + ",On or near X,E01016252,Milton Keynes 001A," + typ + ",,\n"
}

const (
	geoPoint  = `{"type":"Feature","geometry":{"type":"Point","coordinates":[-0.7,52]},"properties":{"time":"2025-01-02","category":"Robbery"}}`
	geoSquare = `{"type":"Feature","id":"b1","geometry":{"type":"Polygon","coordinates":[[[-0.8,52],[-0.7,52],[-0.7,52.1],[-0.8,52]]]},"properties":{"name":"x"}}`
)

// TestRefusedFiles: structurally broken files are refused with the line of the fault.
func TestRefusedFiles(t *testing.T) {
	good := streetRow("a1", "-0.75", "52.04", "Robbery")
	for _, tc := range []struct {
		name, data string
		line       int
		reason     string
	}{
		{"empty file", "", 1, "empty"},
		{"header only blank lines", "\n\n", 1, "empty"},
		{"wrong header", "foo,bar,baz\n1,2,3\n", 1, "unrecognised header"},
		{"truncated last row", streetHead + good + good[:40], 3, "fields where the header has 12"},
		{"extra field", streetHead + strings.TrimSuffix(good, "\n") + ",extra\n", 2, "13 fields"},
		{"non-UTF-8 bytes", streetHead + good + streetRow("b2", "-0.75", "52.04", "Robbery") + "c3,2025-01,TVP,TVP,-0.7,52.0,On or near caf\xe9,E01,MK 001A,Robbery,,\n", 4, "UTF-8"},
		{"unclosed quote", streetHead + good + "\"a2,2025-01\n", 3, "not closed"},
		{"bare quote", streetHead + "a\"b,2025-01,TVP,TVP,-0.7,52.0,X,E01,MK,Robbery,,\n", 2, "quote inside"},
		{"junk after closing quote", streetHead + "\"a\"b,2025-01,TVP,TVP,-0.7,52.0,X,E01,MK,Robbery,,\n", 2, "after a closing quote"},
		// GeoJSON: a "line" is the feature's position; a null member of "features" once
		// crashed the reader (and with it a server taking the file through the API)
		{"GeoJSON null feature", `{"type":"FeatureCollection","features":[null]}`, 1, "feature 1 is null"},
		{"GeoJSON null after a point", `{"type":"FeatureCollection","features":[` + geoPoint + `,null]}`, 2, "feature 2 is null"},
		{"GeoJSON null after a boundary", `{"type":"FeatureCollection","features":[` + geoSquare + `,null]}`, 2, "feature 2 is null"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, sink, err := readAll(t, []byte(tc.data), Options{})
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("want a FormatError, got %v", err)
			}
			if fe.Line != tc.line || !strings.Contains(fe.Reason, tc.reason) {
				t.Errorf("got line %d %q, want line %d containing %q", fe.Line, fe.Reason, tc.line, tc.reason)
			}
			_ = sink
		})
	}
}

// TestRejectedRows: unusable rows are counted by reason with their lines; the rest import.
func TestRejectedRows(t *testing.T) {
	data := streetHead +
		streetRow("a1", "-0.75", "52.04", "Robbery") + // line 2: good
		streetRow("a2", "", "", "Robbery") + // 3: no coordinates
		streetRow("a3", "-0.75", "95.0", "Robbery") + // 4: latitude out of range
		streetRow("a4", "abc", "51.4", "Robbery") + // 5: not a number
		streetRow("a5", "NaN", "51.4", "Robbery") + // 6: NaN
		streetRow("a6", "-0.75", "52.04", "Jaywalking") + // 7: unknown category
		strings.Replace(streetRow("a7", "-0.75", "52.04", "Robbery"), "2025-01", "2025-13", 1) + // 8: bad month
		streetRow("a1", "-0.75", "52.04", "Robbery") // 9: Crime ID repeated: one crime
	rep, sink, err := readAll(t, []byte(data), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(sink.Incidents) != 2 || rep.Accepted != 2 || rep.Rows != 8 {
		t.Fatalf("accepted %d, rows %d; want 2, 8", rep.Accepted, rep.Rows)
	}
	if sink.Incidents[0].Key != sink.Incidents[1].Key {
		t.Errorf("a repeated Crime ID gave two keys: the store would keep two crimes")
	}
	want := map[string][]int{ReasonNoLocation: {3}, ReasonBadLocation: {4, 5, 6}, ReasonBadCategory: {7}, ReasonBadMonth: {8}}
	for _, r := range rep.Rejected {
		w := want[r.Reason]
		if len(w) != r.Count || !equalInts(w, r.Lines) {
			t.Errorf("%s: count %d lines %v, want lines %v", r.Reason, r.Count, r.Lines, w)
		}
		delete(want, r.Reason)
	}
	if len(want) != 0 {
		t.Errorf("reasons not reported: %v", want)
	}
	if s := rep.Summary(); !strings.Contains(s, "coordinates out of range: 3 (lines 4, 5, 6)") {
		t.Errorf("summary does not list the lines:\n%s", s)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestQuotedCommasAndNewlines: quoted fields may hold commas, quotes and newlines; the line
// numbers after such a record stay right.
func TestQuotedCommasAndNewlines(t *testing.T) {
	data := streetHead +
		"a1,2025-01,TVP,TVP,-0.75,52.04,\"On or near \"\"High\"\" Street, Newport\",E01,Milton Keynes 001A,Robbery,,\"two\nlines\"\r\n" +
		streetRow("a2", "-0.75", "", "Robbery")
	rep, sink, err := readAll(t, []byte(data), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(sink.Incidents) != 1 || sink.Incidents[0].Location != `On or near "High" Street, Newport` {
		t.Fatalf("got %+v", sink.Incidents)
	}
	if rep.Rejected[0].Lines[0] != 4 {
		t.Errorf("the row after a two-line record is reported at line %d, want 4", rep.Rejected[0].Lines[0])
	}
}

// longLineReader yields a header and then one line of n bytes without holding it.
type longLineReader struct {
	head []byte
	n    int
}

func (r *longLineReader) Read(p []byte) (int, error) {
	if len(r.head) > 0 {
		k := copy(p, r.head)
		r.head = r.head[k:]
		return k, nil
	}
	if r.n == 0 {
		return 0, io.EOF
	}
	k := min(len(p), r.n)
	for i := range p[:k] {
		p[i] = 'x'
	}
	r.n -= k
	return k, nil
}

// TestAbsurdLineBoundedMemory: a 64 MB line is refused without being held in memory.
func TestAbsurdLineBoundedMemory(t *testing.T) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	r := &longLineReader{head: []byte(streetHead), n: 64 << 20}
	_, err := Read(context.Background(), r, "long.csv", Options{Taxonomy: geodata.Taxonomy()}, &memSink{})
	runtime.ReadMemStats(&after)
	var fe *FormatError
	if !errors.As(err, &fe) || fe.Line != 2 || !strings.Contains(fe.Reason, "longer than") {
		t.Fatalf("want a refusal at line 2 for the long record, got %v", err)
	}
	if grown := after.TotalAlloc - before.TotalAlloc; grown > 16<<20 {
		t.Errorf("reading a 64 MB line allocated %d MB; want it bounded (< 16 MB)", grown>>20)
	}
}

func FuzzRead(f *testing.F) {
	f.Add([]byte(streetHead + streetRow("a1", "-0.75", "52.04", "Robbery")))
	f.Add([]byte(streetHead + "\"a\"\"b\",2025-01,,,1,2,\"x\ny\",,,Drugs,,\n"))
	f.Add([]byte(`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[-0.7,52]},"properties":{"time":"2025-01-02","category":"Robbery"}}]}`))
	f.Add([]byte("Type,Date,Part of a policing operation,Policing operation,Latitude,Longitude,Gender,Age range,Self-defined ethnicity,Officer-defined ethnicity,Legislation,Object of search,Outcome,Outcome linked to object of search,Removal of more than just outer clothing\nPerson search,2023-12-01T00:06:00+00:00,False,,51.7,-1.2,Male,18-24,X,Black,Misuse of Drugs Act 1971 (section 23),Controlled drugs,A no further action disposal,,False\n"))
	f.Add([]byte("camera_id,name,kind,lon,lat,active_from,active_to\nC1,A,fixed,-0.75,52.04,2025-01-01,\nC2,,Rapid deployment,-0.74,52.03,01/02/2025,2025-03-01T10:00:00Z\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		sink := &memSink{}
		rep, err := Read(context.Background(), bytes.NewReader(data), "fuzz", Options{Taxonomy: geodata.Taxonomy(), MaxRecordBytes: 4096}, sink)
		if err != nil {
			return
		}
		if rep.Rows != rep.Accepted+rep.InFileDups+rep.RejectedTotal() {
			t.Fatalf("rows %d != accepted %d + duplicates %d + rejected %d", rep.Rows, rep.Accepted, rep.InFileDups, rep.RejectedTotal())
		}
		for _, inc := range sink.Incidents {
			if inc.Lon < -180 || inc.Lon > 180 || inc.Lat < -90 || inc.Lat > 90 || inc.Cell == 0 {
				t.Fatalf("accepted an unusable incident %+v", inc)
			}
		}
		for _, c := range sink.Cameras {
			if !hexbeat.ValidLonLat(c.Lon, c.Lat) || (c.Kind != hexbeat.CameraFixed && c.Kind != hexbeat.CameraMobile) || c.ID == "" ||
				(!c.ActiveFrom.IsZero() && !c.ActiveTo.IsZero() && c.ActiveTo.Before(c.ActiveFrom)) {
				t.Fatalf("accepted an unusable camera %+v", c)
			}
		}
	})
}

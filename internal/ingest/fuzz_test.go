package ingest

import (
	"bytes"
	"context"
	"testing"

	"github.com/hexbeat/hexbeat/geodata"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/hexbeat/hexbeat/internal/testkit"
)

// Fuzz targets for every reader besides FuzzRead (which recognises the kind itself). Each
// is seeded from the real files where ../shared is present; none may panic, accept an
// unusable row, or lose count of rows.

// FuzzReadGeneric: a force's CSV with named columns.
func FuzzReadGeneric(f *testing.F) {
	f.Add([]byte("Ref,X,Y,When,Offence\nA1,-0.75,52.04,2025-01-02 13:45,Robbery\nA1,-0.75,52.04,2025-01-02 13:45,Robbery\nA2,,,02/01/2025,Knife\n"))
	f.Add([]byte("Ref,X,Y,When,Offence\n\"q,\"\"x\",1e3,NaN,2025-13-45,\xff\n"))
	cols := Columns{Lon: "X", Lat: "Y", Time: "When", Category: "Offence", ID: "Ref"}
	f.Fuzz(func(t *testing.T, data []byte) {
		sink := &memSink{}
		rep, err := Read(context.Background(), bytes.NewReader(data), "fuzz.csv", Options{Taxonomy: geodata.Taxonomy(), Columns: cols, MaxRecordBytes: 4096}, sink)
		if err != nil {
			return
		}
		checkReport(t, rep, sink)
	})
}

// FuzzReadGeoJSON: point collections and boundary polygons.
func FuzzReadGeoJSON(f *testing.F) {
	f.Add([]byte(`{"type":"FeatureCollection","features":[{"type":"Feature","id":"b1","geometry":{"type":"Polygon","coordinates":[[[-0.8,52],[-0.7,52],[-0.7,52.1],[-0.8,52]]]},"properties":{"name":"x"}}]}`))
	f.Add([]byte(`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]],[[0.1,0.1],[0.2,0.1],[0.2,0.2],[0.1,0.1]]]]},"properties":{"LAD13CD":"E1","LAD13NM":"N"}}]}`))
	f.Add([]byte(`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[-0.7,52]},"properties":{"time":"2025-01-02","category":"Robbery"}}]}`))
	// shapes that once panicked: a null feature, a null member of a geometry collection
	f.Add([]byte(`{"type":"FeatureCollection","features":[null]}`))
	f.Add([]byte(`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]},"properties":{"name":"x"}},{"type":"Feature","geometry":{"type":"GeometryCollection","geometries":[null]},"properties":{}}]}`))
	if b := testkit.SharedHead("data/boundaries/milton-keynes-boundary.geojson", 1<<20); b != nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		sink := &memSink{}
		rep, err := Read(context.Background(), bytes.NewReader(data), "fuzz.geojson", Options{Taxonomy: geodata.Taxonomy(), MaxRecordBytes: 1 << 20}, sink)
		if err != nil {
			return
		}
		checkReport(t, rep, sink)
		for _, b := range sink.Boundaries {
			if b.ID == "" || b.Geometry == nil {
				t.Fatalf("accepted a boundary without id or geometry: %+v", b)
			}
		}
	})
}

// FuzzReadPoliceUK: the three police.uk CSVs, seeded from the real files.
func FuzzReadPoliceUK(f *testing.F) {
	for _, rel := range []string{"data/police/street/2025-01-thames-valley-street.csv", "data/police/stop-and-search/2023-12-thames-valley-stop-and-search.csv", "data/police/outcomes/2023-12-thames-valley-outcomes.csv"} {
		if b := testkit.SharedHead(rel, 4096); b != nil {
			f.Add(b)
		}
	}
	f.Add([]byte(streetHead + streetRow("a1", "-0.75", "52.04", "Robbery")))
	f.Fuzz(func(t *testing.T, data []byte) {
		sink := &memSink{}
		rep, err := Read(context.Background(), bytes.NewReader(data), "fuzz.csv", Options{Taxonomy: geodata.Taxonomy(), MaxRecordBytes: 4096}, sink)
		if err != nil {
			return
		}
		checkReport(t, rep, sink)
	})
}

func checkReport(t *testing.T, rep *Report, sink *memSink) {
	t.Helper()
	if rep.Rows != rep.Accepted+rep.InFileDups+rep.RejectedTotal() {
		t.Fatalf("rows %d != accepted %d + duplicates %d + rejected %d", rep.Rows, rep.Accepted, rep.InFileDups, rep.RejectedTotal())
	}
	for _, inc := range sink.Incidents {
		if !hexbeat.ValidLonLat(inc.Lon, inc.Lat) || inc.Cell == 0 || inc.OccurredAt.IsZero() || inc.Category == "" {
			t.Fatalf("accepted an unusable incident %+v", inc)
		}
	}
}

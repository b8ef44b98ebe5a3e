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

// FuzzReadGrid: a force's CSV in British National Grid, by eastings and northings (with the
// clock in its own column, in Windows-1252) or by grid references.
func FuzzReadGrid(f *testing.F) {
	f.Add([]byte("Ref,Date,Time,Kind,Easting,Northing,Ref2\nA1,20160106,725,Slight,539615.1862,263046.6829,SP 85402 38801\nA2,20160106,,Slight,-0.75,52.04,SI 1234\n"), false)
	f.Add([]byte("Ref,Date,Time,Kind,Easting,Northing,Ref2\nA1,20160106,2575,Slight,800000,1,nn166712\nA2,0001-01,0,\xc9,1e300,NaN,SP\n"), true)
	if b := testkit.SharedHead("data/bng/cambridgeshire-road-collisions-2012-2017.csv", 4096); b != nil {
		f.Add(bytes.ReplaceAll(bytes.ReplaceAll(b, []byte("Severity"), []byte("Kind")), []byte("Reference"), []byte("Ref")), false)
	}
	f.Fuzz(func(t *testing.T, data []byte, byRef bool) {
		cols := Columns{X: "Easting", Y: "Northing", Time: "Date", TimeOfDay: "Time", Category: "Kind", ID: "Ref"}
		if byRef {
			cols.X, cols.Y, cols.GridRef = "", "", "Ref2"
		}
		sink := &memSink{}
		rep, err := Read(context.Background(), bytes.NewReader(data), "fuzz.csv", Options{Taxonomy: geodata.Taxonomy(), Columns: cols, CRS: "EPSG:27700", Encoding: "windows-1252", MaxRecordBytes: 4096}, sink)
		if err != nil {
			return
		}
		checkReport(t, rep, sink)
		for _, inc := range sink.Incidents {
			// the grid reaches from 49.7 to 61 N (with a margin for its corners at sea)
			if inc.Lat < 48 || inc.Lat > 62 || inc.Lon < -10 || inc.Lon > 4 {
				t.Fatalf("a point of the grid placed at %v,%v", inc.Lat, inc.Lon)
			}
		}
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

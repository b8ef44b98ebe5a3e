package ingest

import (
	"archive/zip"
	"bytes"
	"context"
	"os"
	"path/filepath"
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

// FuzzReadShapefile: a zipped Shapefile whose .shp, .dbf and .prj are mutated (the archive
// is made around them, so that its checksums do not stop the fuzzer at the door); seeded
// with GDAL's writing of two squares on the grid.
func FuzzReadShapefile(f *testing.F) {
	dir := f.TempDir()
	square := filepath.Join(dir, "sq.geojson")
	os.WriteFile(square, []byte(`{"type":"FeatureCollection","features":[`+
		`{"type":"Feature","properties":{"WD22CD":"E05000001","WD22NM":"A"},"geometry":{"type":"Polygon","coordinates":[[[-0.76,52.03],[-0.74,52.03],[-0.74,52.04],[-0.76,52.03]]]}},`+
		`{"type":"Feature","properties":{"WD22CD":"E05000002","WD22NM":"B"},"geometry":{"type":"MultiPolygon","coordinates":[[[[-0.8,52],[-0.7,52],[-0.7,52.1],[-0.8,52]],[[-0.75,52.01],[-0.74,52.01],[-0.74,52.02],[-0.75,52.01]]]]}}]}`), 0o644)
	testkit.OGR2OGR(f, "-f", "ESRI Shapefile", "-t_srs", "EPSG:27700", filepath.Join(dir, "sq.shp"), square)
	read := func(ext string) []byte {
		b, err := os.ReadFile(filepath.Join(dir, "sq"+ext))
		if err != nil {
			f.Fatal(err)
		}
		return b
	}
	f.Add(read(".shp"), read(".dbf"), string(read(".prj")))
	f.Fuzz(func(t *testing.T, shp, dbf []byte, prj string) {
		var zb bytes.Buffer
		zw := zip.NewWriter(&zb)
		for name, b := range map[string][]byte{"sq.shp": shp, "sq.dbf": dbf, "sq.prj": []byte(prj)} {
			w, _ := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store})
			w.Write(b)
		}
		zw.Close()
		sink := &memSink{}
		rep, err := Read(context.Background(), &zb, "fuzz.zip", Options{Taxonomy: geodata.Taxonomy(), MaxFeatureBytes: 1 << 20}, sink)
		if err != nil {
			return
		}
		checkReport(t, rep, sink)
		for _, b := range sink.Boundaries {
			if b.ID == "" || !usablePolygons(b.Geometry) {
				t.Fatalf("accepted an unusable boundary: %+v", b)
			}
		}
	})
}

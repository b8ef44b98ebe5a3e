package ingest

import (
	"errors"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/hexbeat/hexbeat/internal/testkit"
)

// TestGenericBNG: a force's export in British National Grid, read through --crs/--x/--y,
// lands where PROJ puts it (cs2cs EPSG:27700 EPSG:4326, values below); degrees given for
// metres and points off the grid are refused with their line; a day and a separate clock
// column make an exact time in London's zone; Windows-1252 text is read when asked for and
// refused with the way to read it when not.
func TestGenericBNG(t *testing.T) {
	data := "Ref,Date,Time,Severity,Easting,Northing,Location\n" +
		"A1,20160106,725,Slight,539615.1862,263046.6829,DRY DRAYTON RD\n" + // line 2: winter, 07:25 GMT
		"A2,20140708,1700,Serious,485402,238801,CAF\xc9 ROUGE\n" + // 3: summer, 17:00 BST; É in Windows-1252
		"A3,20140708,,Slight,485402,238801,\n" + // 4: no clock: the day alone
		"A4,20140708,930,Slight,-0.75,52.04,\n" + // 5: longitude and latitude given for metres
		"A5,20140708,930,Slight,800000,238801,\n" + // 6: east of the grid
		"A6,20140708,2575,Slight,485402,238801,\n" // 7: no such clock time
	cols := Columns{X: "Easting", Y: "Northing", Time: "Date", TimeOfDay: "Time", Category: "Severity", ID: "Ref", Location: "Location"}
	_, _, err := readAll(t, []byte(data), Options{Columns: cols, CRS: "EPSG:27700"})
	var fe *FormatError
	if !errors.As(err, &fe) || fe.Line != 3 || !strings.Contains(fe.Reason, "--encoding windows-1252") {
		t.Fatalf("Windows-1252 text read as UTF-8: %v", err)
	}
	rep, sink, err := readAll(t, []byte(data), Options{Columns: cols, CRS: "EPSG:27700", Encoding: "windows-1252"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Kind != hexbeat.KindGeneric || rep.Accepted != 3 || rep.RejectedTotal() != 3 {
		t.Fatalf("report %+v", rep)
	}
	wantRejected(t, rep, map[string][]int{ReasonLooksLonLat: {5}, ReasonOffGrid: {6}, ReasonBadTime: {7}})
	want := []struct {
		lat, lon float64 // cs2cs -f %.9f EPSG:27700 EPSG:4326
		at       string
		prec     hexbeat.Precision
		loc      string
	}{
		{52.247895382, 0.043651758, "2016-01-06T07:25:00Z", hexbeat.PrecisionExact, "DRY DRAYTON RD"},
		{52.041040505, -0.756275446, "2014-07-08T16:00:00Z", hexbeat.PrecisionExact, "CAFÉ ROUGE"},
		{52.041040505, -0.756275446, "2014-07-08T00:00:00Z", hexbeat.PrecisionDay, ""},
	}
	for i, w := range want {
		g := sink.Incidents[i]
		if math.Abs(g.Lat-w.lat) > 1e-8 || math.Abs(g.Lon-w.lon) > 1e-8 || g.OccurredAt.Format(time.RFC3339) != w.at || g.Precision != w.prec || g.Location != w.loc || g.Cell == 0 {
			t.Errorf("row %d: %v,%v %s %v %q; want %v,%v %s %v %q", i, g.Lat, g.Lon, g.OccurredAt.Format(time.RFC3339), g.Precision, g.Location, w.lat, w.lon, w.at, w.prec, w.loc)
		}
	}
	// x/y and lon/lat together, or a CRS hexbeat does not read, are refused before any row
	for _, o := range []Options{
		{Columns: Columns{X: "Easting", Y: "Northing", Lon: "Easting", Lat: "Northing", Time: "Date", Category: "Severity"}},
		{Columns: Columns{X: "Easting", Y: "Northing", Time: "Date", Category: "Severity"}, CRS: "EPSG:3857"},
	} {
		o.Encoding = "windows-1252"
		if _, _, err := readAll(t, []byte(data), o); !errors.As(err, &fe) || fe.Line != 1 {
			t.Errorf("%+v: %v", o, err)
		}
	}
}

// TestRealBNGExport reads the Cambridgeshire road collisions, a police-recorded export in
// eastings and northings with the date as 20160106, the clock as 725 and Windows-1252 text,
// as a force would import it: all 12,108 rows (the data's own count), none refused.
func TestRealBNGExport(t *testing.T) {
	data, err := os.ReadFile(testkit.Data(t, "bng/cambridgeshire-road-collisions-2012-2017.csv"))
	if err != nil {
		t.Fatal(err)
	}
	cols := Columns{X: "Easting", Y: "Northing", Time: "Date", TimeOfDay: "Time", Category: "Severity", ID: "Reference", Location: "Location"}
	rep, sink, err := readAll(t, data, Options{Columns: cols, Encoding: "windows-1252"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Rows != 12108 || rep.Accepted != 12108 || rep.RejectedTotal() != 0 {
		t.Fatalf("report %+v", rep)
	}
	exact, cafe := 0, 0
	for _, inc := range sink.Incidents {
		if inc.Precision == hexbeat.PrecisionExact {
			exact++
		}
		if strings.Contains(inc.Location, "CAFÉ") {
			cafe++
		}
		if inc.SourceID == "171614" { // 20141014, 1700, "REGENT ST OUTSIDE 59 CAFÉ SCILLIA CAMBRIDGE": BST
			if got := inc.OccurredAt.Format(time.RFC3339); got != "2014-10-14T16:00:00Z" || !strings.Contains(inc.Location, "CAFÉ SCILLIA") {
				t.Errorf("171614: %s %q", got, inc.Location)
			}
		}
	}
	if exact != 12108 || cafe == 0 {
		t.Errorf("%d of 12108 with their clock time, %d locations with CAFÉ read from Windows-1252", exact, cafe)
	}
}

// TestGenericGridRef: a column of Ordnance Survey grid references (--gridref) places each
// row at the centre of the square named, where PROJ puts that easting and northing (cs2cs
// values below); a bad letter pair or an odd number of figures is a rejected row with its
// line, never a point in the sea; coordinates and a grid reference together are refused.
func TestGenericGridRef(t *testing.T) {
	data := "Ref,When,What,Where\n" +
		"G1,2024-03-10 09:00,Burglary,SP 85402 38801\n" + // line 2: to the metre, Milton Keynes
		"G2,2024-03-10 09:00,Burglary,nn166712\n" + // 3: 100 m square on Ben Nevis, no spaces
		"G3,2024-03-10 09:00,Burglary,SI 1234\n" + // 4: no square SI
		"G4,2024-03-10 09:00,Burglary,SP 123 45\n" + // 5: odd number of figures
		"G5,2024-03-10 09:00,Burglary,\n" + // 6: none
		"G6,2024-03-10 09:00,Burglary,SV 0000 0000\n" // 7: by the grid's origin: metres, not degrees
	cols := Columns{GridRef: "Where", Time: "When", Category: "What", ID: "Ref"}
	rep, sink, err := readAll(t, []byte(data), Options{Columns: cols})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Accepted != 3 || rep.RejectedTotal() != 3 {
		t.Fatalf("report %+v", rep)
	}
	wantRejected(t, rep, map[string][]int{ReasonBadGridRef: {4, 5}, ReasonNoLocation: {6}})
	if g := sink.Incidents[2]; math.Abs(g.Lat-49.767) > 0.001 || math.Abs(g.Lon+7.557) > 0.001 { // cs2cs: 49.767 -7.557
		t.Errorf("SV 0000 0000 placed at %v,%v", g.Lat, g.Lon)
	}
	for i, w := range [][2]float64{{52.041044922, -0.756268033}, {56.796556478, -5.003930351}} { // cs2cs EPSG:27700 EPSG:4326 of 485402.5 238801.5 and 216650 771250
		if g := sink.Incidents[i]; math.Abs(g.Lat-w[0]) > 1e-8 || math.Abs(g.Lon-w[1]) > 1e-8 {
			t.Errorf("row %d at %v,%v; want %v", i, g.Lat, g.Lon, w)
		}
	}
	// each keeps the side of its square: 10 figures 1 m, 6 figures 100 m, 8 figures 10 m
	for i, want := range []int{1, 100, 10} {
		if g := sink.Incidents[i].GridSquare; g != want {
			t.Errorf("row %d: grid square %d m, want %d", i, g, want)
		}
	}
	cols.Lon, cols.Lat = "Where", "Where"
	var fe *FormatError
	if _, _, err := readAll(t, []byte(data), Options{Columns: cols}); !errors.As(err, &fe) || fe.Line != 1 {
		t.Errorf("lon/lat and a grid reference together: %v", err)
	}
}

// TestGridColumnsByName: columns called Easting and Northing (any case, plural, or after a
// "Grid Ref:" prefix) are read as British National Grid without --x/--y; a file with no
// coordinates named or found is refused at its header, saying how to name them.
func TestGridColumnsByName(t *testing.T) {
	for _, head := range []string{"Easting,Northing", "EASTINGS,NORTHINGS", "Grid Ref: Easting,Grid Ref: Northing"} {
		data := "Ref,When,What," + head + "\nR1,2024-03-10,Burglary,485402,238801\n"
		rep, sink, err := readAll(t, []byte(data), Options{Columns: Columns{Time: "When", Category: "What", ID: "Ref"}})
		if err != nil || rep.Accepted != 1 || math.Abs(sink.Incidents[0].Lat-52.041040505) > 1e-8 || math.Abs(sink.Incidents[0].Lon+0.756275446) > 1e-8 {
			t.Errorf("%s: %v %+v", head, err, rep)
		}
	}
	_, _, err := readAll(t, []byte("Ref,When,What,A,B\nR1,2024-03-10,Burglary,485402,238801\n"), Options{Columns: Columns{Time: "When", Category: "What"}})
	var fe *FormatError
	if !errors.As(err, &fe) || fe.Line != 1 || !strings.Contains(fe.Reason, "no coordinates") {
		t.Errorf("no coordinate columns: %v", err)
	}
}

// TestGeoJSONInBNG: GeoJSON whose crs member names British National Grid (as ONS and OS
// publish boundaries, and GDAL writes them) is read in eastings and northings: points and a
// boundary's vertices land where PROJ puts them (cs2cs EPSG:27700 EPSG:4326, values below);
// a point off the grid is a rejected row.
func TestGeoJSONInBNG(t *testing.T) {
	const crs27700 = `"crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::27700"}}`
	points := `{"type":"FeatureCollection",` + crs27700 + `,"features":[` +
		pointFeature(`{"type":"Point","coordinates":[539615.1862,263046.6829]}`, `{"time":"2025-01-02","category":"robbery"}`) + `,` +
		pointFeature(`{"type":"Point","coordinates":[800000,100]}`, `{"time":"2025-01-02","category":"robbery"}`) + `]}`
	rep, sink, err := readAll(t, []byte(points), Options{})
	if err != nil || rep.Accepted != 1 || rep.RejectedTotal() != 1 {
		t.Fatalf("%v %+v", err, rep)
	}
	if g := sink.Incidents[0]; math.Abs(g.Lat-52.247895382) > 1e-8 || math.Abs(g.Lon-0.043651758) > 1e-8 {
		t.Errorf("point at %v,%v", g.Lat, g.Lon)
	}
	square := `{"type":"FeatureCollection",` + crs27700 + `,"features":[{"type":"Feature","id":"sq","properties":{"name":"a square km of Milton Keynes"},` +
		`"geometry":{"type":"Polygon","coordinates":[[[485000,238000],[486000,238000],[486000,239000],[485000,239000],[485000,238000]]]}}]}`
	rep, sink, err = readAll(t, []byte(square), Options{})
	if err != nil || rep.Accepted != 1 || len(sink.Boundaries) != 1 {
		t.Fatalf("%v %+v", err, rep)
	}
	want := [][2]float64{{-0.762333836, 52.033902380}, {-0.747760192, 52.033748414}, {-0.747509031, 52.042736900}, {-0.762085597, 52.042890916}}
	ring := sink.Boundaries[0].Geometry[0][0]
	for _, w := range want {
		found := false
		for _, p := range ring {
			found = found || (math.Abs(p[0]-w[0]) < 1e-8 && math.Abs(p[1]-w[1]) < 1e-8)
		}
		if !found {
			t.Errorf("no vertex at %v in %v", w, ring)
		}
	}
}

// TestRegistersInBNG: camera and retailer registers kept in eastings and northings, or by
// grid reference, are recognised by their headers and placed where PROJ puts them; a row off
// the grid or with a bad reference is rejected with its line.
func TestRegistersInBNG(t *testing.T) {
	cams := "camera_id,camera_name,kind,Easting,Northing\n" +
		"C1,Station Rd,fixed,485402,238801\n" +
		"C2,Off the grid,fixed,900000,238801\n"
	rep, sink, err := readAll(t, []byte(cams), Options{})
	if err != nil || rep.Kind != hexbeat.KindCameras || rep.Accepted != 1 {
		t.Fatalf("cameras: %v %+v", err, rep)
	}
	wantRejected(t, rep, map[string][]int{ReasonOffGrid: {3}})
	if c := sink.Cameras[0]; math.Abs(c.Lat-52.041040505) > 1e-8 || math.Abs(c.Lon+0.756275446) > 1e-8 {
		t.Errorf("camera at %v,%v", c.Lat, c.Lon)
	}
	// X and Y are longitude and latitude, or metres of the grid where only they can be
	xy := "camera_id,X,Y\nC1,-0.756275446,52.041040505\nC2,485402,238801\nC3,900000,238801\n"
	rep, sink, err = readAll(t, []byte(xy), Options{})
	if err != nil || rep.Accepted != 2 {
		t.Fatalf("X/Y: %v %+v", err, rep)
	}
	wantRejected(t, rep, map[string][]int{ReasonBadLocation: {4}})
	if a, b := sink.Cameras[0], sink.Cameras[1]; math.Abs(a.Lat-b.Lat) > 1e-8 || math.Abs(a.Lon-b.Lon) > 1e-8 {
		t.Errorf("X/Y in degrees %v,%v and in metres %v,%v", a.Lat, a.Lon, b.Lat, b.Lon)
	}
	shops := "id,name,grid_ref\nS1,Corner shop,SP 85402 38801\nS2,Nowhere,SI 1234\n"
	rep, sink, err = readAll(t, []byte(shops), Options{})
	if err != nil || rep.Kind != hexbeat.KindRetailers || rep.Accepted != 1 {
		t.Fatalf("retailers: %v %+v", err, rep)
	}
	wantRejected(t, rep, map[string][]int{ReasonBadGridRef: {3}})
	if r := sink.Retailers[0]; math.Abs(r.Lat-52.041044922) > 1e-8 || math.Abs(r.Lon+0.756268033) > 1e-8 || r.GridSquare != 1 {
		t.Errorf("retailer at %v,%v in a square of %d m", r.Lat, r.Lon, r.GridSquare)
	}
	cams = "camera_id,kind,grid_ref\nC1,fixed,SP 854 388\nC2,fixed,TL 1234 5678\n"
	if rep, sink, err = readAll(t, []byte(cams), Options{}); err != nil || len(sink.Cameras) != 2 || sink.Cameras[0].GridSquare != 100 || sink.Cameras[1].GridSquare != 10 {
		t.Errorf("cameras by grid reference: %v %+v %+v", err, rep, sink.Cameras)
	}
}

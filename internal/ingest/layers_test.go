package ingest

import (
	"archive/zip"
	"bytes"
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/hexbeat/hexbeat/internal/testkit"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

func zipFiles(t *testing.T, path string, files ...string) {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		w, err := zw.Create(filepath.Base(f))
		if err != nil {
			t.Fatal(err)
		}
		w.Write(b)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// readSource reads one import source as ImportSource would.
func readSource(t *testing.T, src Source, opts Options) (*Report, *testkit.Collector, error) {
	t.Helper()
	r, _, err := src.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	sink := &testkit.Collector{}
	rep, err := Read(context.Background(), r, src.Short(), opts, sink)
	return rep, sink, err
}

// sameBoundaries holds boundaries read from another format to those read from the GeoJSON
// they were made from: the same codes, names and kinds, and every ring the same vertices
// (in either direction: a Shapefile's outer rings turn clockwise) within tol degrees.
func sameBoundaries(t *testing.T, what string, got, want []hexbeat.Boundary, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d boundaries, want %d", what, len(got), len(want))
	}
	byID := map[string]hexbeat.Boundary{}
	for _, b := range want {
		byID[b.ID] = b
	}
	worst := 0.0
	for _, g := range got {
		w, ok := byID[g.ID]
		if !ok || g.Name != w.Name || g.Kind != w.Kind {
			t.Fatalf("%s: boundary %q %q %q, not in the GeoJSON as such (%+v)", what, g.ID, g.Name, g.Kind, w.Name)
		}
		if len(g.Geometry) != len(w.Geometry) {
			t.Fatalf("%s %s: %d polygons, want %d", what, g.ID, len(g.Geometry), len(w.Geometry))
		}
		for i := range g.Geometry {
			if len(g.Geometry[i]) != len(w.Geometry[i]) {
				t.Fatalf("%s %s: polygon %d has %d rings, want %d", what, g.ID, i, len(g.Geometry[i]), len(w.Geometry[i]))
			}
			for j := range g.Geometry[i] {
				a, b := g.Geometry[i][j], w.Geometry[i][j]
				if len(a) != len(b) {
					t.Fatalf("%s %s: ring %d.%d has %d vertices, want %d", what, g.ID, i, j, len(a), len(b))
				}
				if planar.Area(a)*planar.Area(b) < 0 {
					a = append(orb.Ring(nil), a...)
					a.Reverse()
				}
				// the same closed ring may start at another vertex
				start := -1
				for k := range a {
					if math.Abs(a[k][0]-b[0][0]) <= tol && math.Abs(a[k][1]-b[0][1]) <= tol {
						start = k
						break
					}
				}
				if start < 0 {
					t.Fatalf("%s %s: ring %d.%d has no vertex at %v", what, g.ID, i, j, b[0])
				}
				n := len(a) - 1
				for k := 0; k < n; k++ {
					p, q := a[(start+k)%n], b[k]
					worst = max(worst, math.Abs(p[0]-q[0]), math.Abs(p[1]-q[1]))
				}
			}
		}
	}
	if worst > tol {
		t.Errorf("%s: a vertex %.2g degrees from the GeoJSON's, more than %.2g", what, worst, tol)
	}
	t.Logf("%s: %d boundaries, vertices at most %.2g degrees from the GeoJSON's", what, len(got), worst)
}

// TestShapefileAndGeoPackage: Milton Keynes's LSOAs, written by GDAL as a zipped Shapefile
// and a GeoPackage in British National Grid and in WGS 84, import as the same boundaries as
// the GeoJSON they were made from: the same ONS codes, names and kinds, every vertex within
// 1e-7 degrees (1 cm; GDAL's transformation is PROJ's, which internal/crs equals to 0.01 mm).
// A Shapefile is found beside its .shp on disk, in a ZIP with other files, and in a
// directory; a GeoPackage by its content whatever its name.
func TestShapefileAndGeoPackage(t *testing.T) {
	dir := t.TempDir()
	src := testkit.Data(t, "boundaries/milton-keynes-lsoa-2011.geojson")
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	rep, want, err := readAll(t, b, Options{})
	if err != nil || rep.Accepted != 152 {
		t.Fatalf("the GeoJSON: %v %+v", err, rep)
	}
	at := func(name string) string { return filepath.Join(dir, name) }
	testkit.OGR2OGR(t, "-f", "ESRI Shapefile", "-t_srs", "EPSG:27700", at("bng.shp"), src)
	testkit.OGR2OGR(t, "-f", "ESRI Shapefile", at("wgs.shp"), src)
	testkit.OGR2OGR(t, "-f", "GPKG", "-t_srs", "EPSG:27700", "-nln", "lsoa", at("bng.gpkg"), src)
	testkit.OGR2OGR(t, "-f", "GPKG", "-nln", "lsoa", at("wgs.bin"), src) // a GeoPackage by any name
	parts := func(base string) []string {
		return []string{at(base + ".shp"), at(base + ".shx"), at(base + ".dbf"), at(base + ".prj")}
	}
	zipFiles(t, at("bng.zip"), parts("bng")...)
	zipFiles(t, at("wgs.zip"), append(parts("wgs"), src)...) // a GeoJSON beside: the archive is its Shapefile
	for _, c := range []struct{ what, path string }{
		{"zipped Shapefile in EPSG:27700", at("bng.zip")},
		{"zipped Shapefile in WGS 84", at("wgs.zip")},
		{"Shapefile named by its .shp", at("bng.shp")},
		{"GeoPackage in EPSG:27700", at("bng.gpkg")},
		{"GeoPackage in WGS 84", at("wgs.bin")},
	} {
		srcs, err := Sources([]string{c.path})
		if err != nil || len(srcs) != 1 {
			t.Fatalf("%s: %d sources, %v", c.what, len(srcs), err)
		}
		rep, got, err := readSource(t, srcs[0], Options{})
		if err != nil || rep.Kind != hexbeat.KindBoundaries || rep.Accepted != 152 || rep.RejectedTotal() != 0 {
			t.Fatalf("%s: %v %+v", c.what, err, rep)
		}
		sameBoundaries(t, c.what, got.Boundaries, want.Boundaries, 1e-7)
	}
	// a directory: each Shapefile once (not its parts) and each GeoPackage
	srcs, err := Sources([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range srcs {
		names = append(names, s.Short())
	}
	if got := strings.Join(names, " "); got != "bng.gpkg bng.shp bng.zip wgs.shp wgs.zip" {
		t.Errorf("the directory's sources: %s", got)
	}
	// an upload of the archive is one source, its Shapefile
	zb, _ := os.ReadFile(at("wgs.zip"))
	up, err := BytesSources("wgs.zip", zb, UploadLimits{MaxBytes: 64 << 20})
	if err != nil || len(up) != 1 {
		t.Fatalf("upload: %d sources, %v", len(up), err)
	}
	if rep, _, err := readSource(t, up[0], Options{}); err != nil || rep.Accepted != 152 {
		t.Fatalf("upload: %v %+v", err, rep)
	}
	if _, err := BytesSources("wgs.zip", zb, UploadLimits{MaxBytes: 1 << 10}); err == nil {
		t.Error("an upload unpacking beyond its bound was taken")
	}
}

// TestLayerRefusals: a Shapefile or GeoPackage hexbeat cannot place is refused, saying why:
// a CRS it does not read (named), a Shapefile without a .prj unless the import says its CRS,
// a .shp alone, an SQLite file that is not a GeoPackage, heights it does not read; a feature
// off the grid is a rejected row.
func TestLayerRefusals(t *testing.T) {
	dir := t.TempDir()
	at := func(name string) string { return filepath.Join(dir, name) }
	square := at("square.geojson")
	os.WriteFile(square, []byte(`{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::27700"}},"features":[`+
		`{"type":"Feature","properties":{"WD22CD":"E05000001","WD22NM":"A square km"},"geometry":{"type":"Polygon","coordinates":[[[485000,238000,5],[486000,238000,5],[486000,239000,5],[485000,239000,5],[485000,238000,5]]]}},`+
		`{"type":"Feature","properties":{"WD22CD":"E05000002","WD22NM":"Off the grid"},"geometry":{"type":"Polygon","coordinates":[[[900000,238000],[901000,238000],[901000,239000],[900000,239000],[900000,238000]]]}}]}`), 0o644)
	refused := func(what, path string, opts Options, want string) {
		t.Helper()
		srcs, err := Sources([]string{path})
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		_, _, err = readSource(t, srcs[0], opts)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want an error saying %q", what, err, want)
		}
	}
	testkit.OGR2OGR(t, "-f", "ESRI Shapefile", "-dim", "XY", "-t_srs", "EPSG:29903", at("irish.shp"), square)
	refused("a Shapefile in the Irish Grid", at("irish.shp"), Options{}, `"TM75_Irish_Grid" (the .prj)`)
	testkit.OGR2OGR(t, "-f", "GPKG", "-dim", "XY", "-t_srs", "EPSG:3857", at("web.gpkg"), square)
	refused("a GeoPackage in Web Mercator", at("web.gpkg"), Options{}, `"WGS 84 / Pseudo-Mercator" (EPSG:3857)`)
	testkit.OGR2OGR(t, "-f", "GPKG", at("heights.gpkg"), square)
	refused("a GeoPackage with heights", at("heights.gpkg"), Options{}, "ogr2ogr -dim XY")

	testkit.OGR2OGR(t, "-f", "ESRI Shapefile", "-dim", "XY", at("noprj.shp"), square)
	os.Remove(at("noprj.prj"))
	refused("a Shapefile without a .prj", at("noprj.shp"), Options{}, "--crs EPSG:27700")
	srcs, _ := Sources([]string{at("noprj.shp")})
	rep, got, err := readSource(t, srcs[0], Options{CRS: "EPSG:27700"})
	if err != nil || rep.Accepted != 1 {
		t.Fatalf("a Shapefile without a .prj, declared in EPSG:27700: %v %+v", err, rep)
	}
	wantRejected(t, rep, map[string][]int{ReasonBadGeometry: {2}})
	if b := got.Boundaries[0]; b.ID != "E05000001" || b.Kind != "ward" || math.Abs(b.Geometry[0][0][0][0]+0.762333836) > 1e-8 {
		t.Errorf("the square: %+v", b)
	}

	shp, _ := os.ReadFile(at("noprj.shp"))
	if _, _, err := readAll(t, shp, Options{}); err == nil || !strings.Contains(err.Error(), "import the ZIP") {
		t.Errorf("a .shp alone: %v", err)
	}
	os.Remove(at("noprj.dbf"))
	refused("a Shapefile without its .dbf", at("noprj.shp"), Options{CRS: "EPSG:27700"}, "no noprj.dbf")
	refused("a Shapefile as stop and search", at("irish.shp"), Options{Kind: hexbeat.KindStopSearch}, "boundaries, points or centroids, not stop-search")
	// an SQLite database that is not a GeoPackage: hexbeat's own store
	db, err := os.ReadFile(at("web.gpkg"))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := readAll(t, db[:4096], Options{}); err == nil {
		t.Error("a torn GeoPackage was read")
	}
	testkit.OGR2OGR(t, "-f", "SQLite", at("plain.sqlite"), square)
	refused("an SQLite database", at("plain.sqlite"), Options{}, "not a GeoPackage")
}

// TestCPGCharset: a .cpg's names and ESRI's code page numbers.
func TestCPGCharset(t *testing.T) {
	for in, want := range map[string]string{"UTF-8": "UTF-8", "1252": "windows-1252", "65001": "utf-8", "88591": "iso-8859-1", " 1250\n": "windows-1250"} {
		if got := cpgCharset(in); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}

package api_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/hexbeat/hexbeat/internal/api"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/hexbeat/hexbeat/internal/testkit"
)

// upload posts a file as the body of POST /api/v1/imports.
func upload(t *testing.T, s *api.Server, query, key string, body []byte) (int, []byte) {
	t.Helper()
	req := httptest.NewRequest("POST", "/api/v1/imports?"+query, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/octet-stream")
	req.Header.Set("Authorization", "Bearer "+key)
	res, err := s.App().Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(res.Body)
	return res.StatusCode, b.Bytes()
}

type importAnswer struct {
	Files []struct {
		File, Kind, Refused string
		Rows, Added         int
		Duplicates          int
	}
	Added, Refused, Incidents int
}

// TestImportThroughTheAPI: an analyst uploads a month's police.uk file, then a
// data.police.uk ZIP holding the next month and a file cut off mid-row. Each file is
// imported whole or not at all, the index follows before the answer, a second upload adds
// nothing, and every import is audited under the key's name. A viewer may not import.
func TestImportThroughTheAPI(t *testing.T) {
	jan, err := os.ReadFile(testkit.Data(t, "police/street/2025-01-thames-valley-street.csv"))
	if err != nil {
		t.Fatal(err)
	}
	feb, err := os.ReadFile(testkit.Data(t, "police/street/2025-02-thames-valley-street.csv"))
	if err != nil {
		t.Fatal(err)
	}
	s, svc, keys := keyedServer(t, api.Config{RateLimit: -1})
	analyst := keys[hexbeat.RoleAnalyst]

	if code, b := upload(t, s, "name=2025-01-thames-valley-street.csv", keys[hexbeat.RoleViewer], jan); code != 403 {
		t.Fatalf("a viewer's upload: %d %s", code, b)
	}
	code, b := upload(t, s, "name=2025-01-thames-valley-street.csv", analyst, jan)
	var a importAnswer
	if json.Unmarshal(b, &a); code != 200 || a.Added != 14494 || a.Incidents != 14494 || len(a.Files) != 1 || a.Files[0].Rows != 14877 || a.Files[0].Kind != "street" {
		t.Fatalf("January: %d %s", code, b)
	}
	// the index has it: the cells layer counts it at once
	if _, cb, _ := call(t, s, "GET", "/api/v1/status", analyst, ""); !strings.Contains(string(cb), `"incidents":14494`) {
		t.Errorf("status after the upload: %s", cb)
	}

	var zb bytes.Buffer
	zw := zip.NewWriter(&zb)
	cut := jan[:bytes.IndexByte(jan[5000:], ',')+5000]
	for _, m := range []struct {
		name string
		body []byte
	}{{"2025-02/2025-02-thames-valley-street.csv", feb}, {"2025-01/2025-01-cut-street.csv", cut}, {"README.txt", []byte("not data")}} {
		w, _ := zw.Create(m.name)
		w.Write(m.body)
	}
	zw.Close()
	code, b = upload(t, s, "name=police-download.zip", analyst, zb.Bytes())
	a = importAnswer{}
	if json.Unmarshal(b, &a); code != 200 || len(a.Files) != 2 || a.Refused != 1 || a.Added != 13478 || a.Incidents != 14494+13478 ||
		a.Files[0].File != "police-download.zip:2025-01/2025-01-cut-street.csv" || !strings.Contains(a.Files[0].Refused, "refused, nothing imported: line ") ||
		a.Files[1].File != "police-download.zip:2025-02/2025-02-thames-valley-street.csv" || a.Files[1].Added != 13478 {
		t.Fatalf("the archive: %d %s", code, b)
	}
	code, b = upload(t, s, "name=police-download.zip", analyst, zb.Bytes())
	if json.Unmarshal(b, &a); code != 200 || a.Added != 0 || a.Files[1].Duplicates != 13478 {
		t.Errorf("the archive again: %d %s", code, b)
	}

	// one file refused: a problem naming the line; bad parameters: every field at once
	code, b = upload(t, s, "name=x.csv", analyst, []byte("what,is,this\n1,2,3\n"))
	if code != 422 || !strings.Contains(string(b), "x.csv refused, nothing imported: line 1: unrecognised header") {
		t.Errorf("a refused file: %d %s", code, b)
	}
	// a GeoJSON with a null feature once crashed the reader's goroutine, and the server with it
	nullFeature := `{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[-0.7,52]},"properties":{"time":"2025-01-02","category":"Robbery"}},null]}`
	code, b = upload(t, s, "name=points.geojson", analyst, []byte(nullFeature))
	if code != 422 || !strings.Contains(string(b), "points.geojson refused, nothing imported: line 2: feature 2 is null") {
		t.Errorf("a null feature: %d %s", code, b)
	}
	code, b = upload(t, s, "kind=spreadsheet&tz=Mars%2FBase", analyst, nil)
	for _, field := range []string{`"field":"kind"`, `"field":"tz"`, `"field":"body"`} {
		if code != 400 || !strings.Contains(string(b), field) {
			t.Errorf("bad parameters: %d %s (want %s)", code, b, field)
		}
	}
	// a name is never a path: the batch is called by the file's name alone
	if code, b = upload(t, s, "name=..%2F..%2Fetc%2Fcrimes.csv", analyst, jan); code != 200 || !strings.Contains(string(b), `"file":"crimes.csv"`) {
		t.Errorf("a name with a path: %d %.300s", code, b)
	}

	events, err := svc.AuditLog(context.Background(), 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ev := range events {
		if strings.HasPrefix(ev.Action, "import") {
			who, _, _ := strings.Cut(ev.Actor, " (")
			got = append(got, who+" "+ev.Action+" "+ev.Subject)
		}
	}
	want := []string{
		"test analyst import upload 2025-01-thames-valley-street.csv",
		"test analyst import.refused upload police-download.zip:2025-01/2025-01-cut-street.csv",
		"test analyst import upload police-download.zip:2025-02/2025-02-thames-valley-street.csv",
		"test analyst import.refused upload police-download.zip:2025-01/2025-01-cut-street.csv",
		"test analyst import upload police-download.zip:2025-02/2025-02-thames-valley-street.csv",
		"test analyst import.refused upload x.csv",
		"test analyst import.refused upload points.geojson",
		"test analyst import upload crimes.csv",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("imports in the audit log:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestWithdrawThroughTheAPI: an analyst lists the imports; an admin withdraws January's
// street file. The answer counts the file's located rows (counted again from the CSV), the
// index drops them before the answer (no cached layer survives), February's layer is as
// it was, and the withdrawal is audited. An analyst may list but not withdraw; a register
// import is refused with 409; an id withdrawn already is 404.
func TestWithdrawThroughTheAPI(t *testing.T) {
	located := map[string]int{}
	files := map[string][]byte{}
	for _, m := range []string{"2025-01", "2025-02"} {
		path := testkit.Data(t, "police/street/"+m+"-thames-valley-street.csv")
		for _, r := range testkit.CSV(t, path)[1:] {
			if r[4] != "" && r[5] != "" {
				located[m]++
			}
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		files[m] = b
	}
	boundary, err := os.ReadFile(testkit.Data(t, "boundaries/milton-keynes-boundary.geojson"))
	if err != nil {
		t.Fatal(err)
	}
	s, svc, keys := keyedServer(t, api.Config{RateLimit: -1})
	analyst, admin := keys[hexbeat.RoleAnalyst], keys[hexbeat.RoleAdmin]
	for _, f := range []struct {
		name string
		body []byte
	}{{"2025-01-thames-valley-street.csv", files["2025-01"]}, {"2025-02-thames-valley-street.csv", files["2025-02"]}, {"mk.geojson", boundary}} {
		if code, b := upload(t, s, "name="+f.name, analyst, f.body); code != 200 {
			t.Fatalf("%s: %d %s", f.name, code, b)
		}
	}
	type imp struct {
		ID     int64
		Kind   string
		Source string
		Added  int
	}
	list := func() []imp {
		code, b, _ := call(t, s, "GET", "/api/v1/imports", analyst, "")
		var l struct{ Imports []imp }
		if err := json.Unmarshal(b, &l); code != 200 || err != nil {
			t.Fatalf("GET /api/v1/imports: %d %s", code, b)
		}
		return l.Imports
	}
	imps := list()
	if len(imps) != 3 || imps[2].Source != "2025-01-thames-valley-street.csv" || imps[2].Added != located["2025-01"] || imps[1].Kind != "street" || imps[0].Kind != "boundaries" {
		t.Fatalf("imports, newest first: %+v", imps)
	}
	jan, mk := imps[2].ID, imps[0].ID
	layer := func(month string) string {
		_, _, b := get2(t, s, "/api/v1/hotspots?method=count&res=9&area=E06000042&from="+month+"&to="+month, analyst)
		return string(b)
	}
	janBefore, febBefore := layer("2025-01"), layer("2025-02") // both now in the response cache
	if strings.Contains(janBefore, `"total":0,`) || !strings.Contains(janBefore, `"total":`) {
		t.Fatalf("January's layer before: %.300s", janBefore)
	}

	path := "/api/v1/imports/" + strconv.FormatInt(jan, 10)
	if code, b, _ := call(t, s, "DELETE", path, analyst, ""); code != 403 {
		t.Errorf("an analyst's withdrawal: %d %s", code, b)
	}
	code, b, _ := call(t, s, "DELETE", path, admin, "")
	var w struct {
		Withdrawn     imp
		Incidents     int
		IncidentsHeld int `json:"incidents_held"`
	}
	if err := json.Unmarshal(b, &w); code != 200 || err != nil || w.Withdrawn.ID != jan || w.Incidents != located["2025-01"] || w.IncidentsHeld != located["2025-02"] {
		t.Fatalf("withdrawing January: %d %s (located rows: %v)", code, b, located)
	}
	if st := svc.Status(context.Background()); st.Incidents != located["2025-02"] {
		t.Errorf("the index holds %d incidents, want February's %d", st.Incidents, located["2025-02"])
	}
	if after := layer("2025-01"); !strings.Contains(after, `"total":0,`) || !strings.Contains(after, "lies outside the data held (2025-02 to 2025-02)") {
		t.Errorf("January's layer after the withdrawal: %.400s", after)
	}
	if after := layer("2025-02"); after != febBefore {
		t.Errorf("February's layer changed with January's withdrawal")
	}
	if got := list(); len(got) != 2 || got[1].ID == jan {
		t.Errorf("imports after the withdrawal: %+v", got)
	}
	if code, b, _ := call(t, s, "DELETE", path, admin, ""); code != 404 || !strings.Contains(string(b), "was withdrawn at") {
		t.Errorf("withdrawing it again: %d %s", code, b)
	}
	if code, b, _ := call(t, s, "DELETE", "/api/v1/imports/"+strconv.FormatInt(mk, 10), admin, ""); code != 409 || !strings.Contains(string(b), "cannot be withdrawn") {
		t.Errorf("withdrawing a boundary import: %d %s", code, b)
	}
	events, err := svc.AuditLog(context.Background(), 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	last := events[len(events)-1]
	if last.Action != "import.withdraw" || last.Subject != "import/"+strconv.FormatInt(jan, 10) || !strings.HasPrefix(last.Actor, "test admin") ||
		!strings.Contains(last.Detail, `"incidents":`+strconv.Itoa(located["2025-01"])) {
		t.Errorf("the audit log's last event: %+v", last)
	}
}

// get2 is get with a key.
func get2(t *testing.T, s *api.Server, url, key string) (int, map[string]string, []byte) {
	t.Helper()
	code, b, h := call(t, s, "GET", url, key, "")
	return code, h, b
}

// TestBoundaryFilesThroughTheAPI: Milton Keynes's wards, written by GDAL as a zipped
// Shapefile and a GeoPackage in British National Grid, upload as boundaries and are served
// back in WGS 84 with their ONS codes; a GeoPackage in a CRS hexbeat does not read is a 422
// naming it.
func TestBoundaryFilesThroughTheAPI(t *testing.T) {
	wards := testkit.Data(t, "boundaries/milton-keynes-wards.geojson")
	dir := t.TempDir()
	at := func(n string) string { return filepath.Join(dir, n) }
	testkit.OGR2OGR(t, "-f", "ESRI Shapefile", "-t_srs", "EPSG:27700", at("wards.shp"), wards)
	testkit.OGR2OGR(t, "-f", "GPKG", "-t_srs", "EPSG:27700", at("wards.gpkg"), wards)
	testkit.OGR2OGR(t, "-f", "GPKG", "-t_srs", "EPSG:3857", at("mercator.gpkg"), wards)
	var zb bytes.Buffer
	zw := zip.NewWriter(&zb)
	for _, ext := range []string{".shp", ".shx", ".dbf", ".prj"} {
		b, err := os.ReadFile(at("wards" + ext))
		if err != nil {
			t.Fatal(err)
		}
		w, _ := zw.Create("wards/wards" + ext)
		w.Write(b)
	}
	zw.Close()
	s, _, keys := keyedServer(t, api.Config{RateLimit: -1})
	admin := keys[hexbeat.RoleAdmin]
	code, b := upload(t, s, "name=wards.zip", admin, zb.Bytes())
	var a importAnswer
	if json.Unmarshal(b, &a); code != 200 || len(a.Files) != 1 || a.Files[0].Kind != hexbeat.KindBoundaries || a.Files[0].File != "wards.zip" || a.Added == 0 {
		t.Fatalf("the zipped Shapefile: %d %s", code, b)
	}
	n := a.Added
	gp, _ := os.ReadFile(at("wards.gpkg"))
	if code, b = upload(t, s, "name=wards.gpkg", admin, gp); json.Unmarshal(b, &a) != nil || code != 200 || a.Files[0].Kind != hexbeat.KindBoundaries || a.Files[0].Rows != n {
		t.Fatalf("the GeoPackage: %d %s", code, b)
	}
	code, body, _ := call(t, s, "GET", "/api/v1/boundaries?kind=ward", admin, "")
	var fc struct {
		Features []struct {
			ID       string `json:"id"`
			Geometry struct {
				Coordinates json.RawMessage `json:"coordinates"`
			} `json:"geometry"`
		} `json:"features"`
	}
	if err := json.Unmarshal(body, &fc); err != nil || code != 200 || len(fc.Features) != n {
		t.Fatalf("the wards served: %d %v %.300s", code, err, body)
	}
	for _, f := range fc.Features {
		if !strings.HasPrefix(f.ID, "E05") || !bytes.HasPrefix(bytes.TrimLeft(f.Geometry.Coordinates, "["), []byte("-0.")) {
			t.Errorf("ward %s at %.60s: not an ONS ward code in Milton Keynes's longitudes", f.ID, f.Geometry.Coordinates)
		}
	}
	merc, _ := os.ReadFile(at("mercator.gpkg"))
	if code, b = upload(t, s, "name=mercator.gpkg", admin, merc); code != 422 || !strings.Contains(string(b), "WGS 84 / Pseudo-Mercator") {
		t.Errorf("a GeoPackage in Web Mercator: %d %s", code, b)
	}
}

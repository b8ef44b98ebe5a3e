package api_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/hexbeat/hexbeat/internal/api"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
)

// TestOGCInBritishNationalGrid: an analyst uploads a force's export in eastings and
// northings; the OGC API gives the incidents back in EPSG:27700 at exactly the imported
// eastings and northings (to the metre and to four decimals), says so in Content-Crs,
// takes a bbox in the grid, offers the CRS in the collection's description, answers
// EPSG:4326 latitude first, writes CSV downloads in the grid (easting, northing, WKT), and
// refuses a CRS it does not offer as a field error.
func TestOGCInBritishNationalGrid(t *testing.T) {
	s, _, keys := keyedServer(t, api.Config{RateLimit: -1})
	rows := [][2]string{{"539615.1862", "263046.6829"}, {"485402", "238801"}, {"91492.146", "11318.8"}, {"395999.668", "1138728.951"}}
	var file strings.Builder
	file.WriteString("Ref,Date,Time,Severity,Easting,Northing\n")
	for i, r := range rows {
		fmt.Fprintf(&file, "R%d,20240310,%d,Slight,%s,%s\n", i, 900+i, r[0], r[1])
	}
	q := "name=force.csv&crs=EPSG:27700&x=Easting&y=Northing&time=Date&time_of_day=Time&category=Severity&id=Ref"
	if code, b := upload(t, s, q, keys[hexbeat.RoleAnalyst], []byte(file.String())); code != 200 && code != 201 {
		t.Fatalf("import: %d %s", code, b)
	}
	admin := keys[hexbeat.RoleAdmin]
	items := func(query string) ([][2]float64, map[string]string) {
		t.Helper()
		code, b, h := call(t, s, "GET", "/ogc/collections/incidents/items?"+query, admin, "")
		if code != 200 {
			t.Fatalf("%s: %d %s", query, code, b)
		}
		var fc struct {
			Features []struct {
				Geometry struct{ Coordinates [2]float64 }
			}
		}
		if err := json.Unmarshal(b, &fc); err != nil {
			t.Fatal(err)
		}
		var out [][2]float64
		for _, f := range fc.Features {
			out = append(out, f.Geometry.Coordinates)
		}
		return out, h
	}
	bng := url.QueryEscape("http://www.opengis.net/def/crs/EPSG/0/27700")
	got, h := items("crs=" + bng)
	if h["Content-Crs"] != "<http://www.opengis.net/def/crs/EPSG/0/27700>" {
		t.Errorf("Content-Crs %q", h["Content-Crs"])
	}
	var text []string
	for _, p := range got {
		text = append(text, strconv.FormatFloat(p[0], 'f', -1, 64)+" "+strconv.FormatFloat(p[1], 'f', -1, 64))
	}
	for _, r := range rows {
		if !slices.Contains(text, r[0]+" "+r[1]) {
			t.Errorf("%s %s not given back as imported; got %v", r[0], r[1], text)
		}
	}
	if _, h := items(""); h["Content-Crs"] != "<http://www.opengis.net/def/crs/OGC/1.3/CRS84>" {
		t.Errorf("default Content-Crs %q", h["Content-Crs"])
	}
	// a box in the grid round Milton Keynes picks the one incident there
	if got, _ := items("crs=" + bng + "&bbox-crs=" + bng + "&bbox=485000,238000,486000,239000"); len(got) != 1 || got[0] != [2]float64{485402, 238801} {
		t.Errorf("bbox in EPSG:27700: %v", got)
	}
	// EPSG:4326 orders its axes latitude first
	if got, _ := items("crs=EPSG:4326&bbox-crs=" + bng + "&bbox=485000,238000,486000,239000"); len(got) != 1 || got[0][0] < 52 || got[0][0] > 52.1 || got[0][1] > -0.7 {
		t.Errorf("EPSG:4326: %v", got)
	}
	// one item, asked for by its id, is as exact as a page
	for id := 1; id <= len(rows); id++ {
		code, b, h := call(t, s, "GET", fmt.Sprintf("/ogc/collections/incidents/items/%d?crs=%s", id, bng), admin, "")
		var f struct {
			Geometry struct{ Coordinates [2]float64 }
		}
		json.Unmarshal(b, &f)
		e, n := strconv.FormatFloat(f.Geometry.Coordinates[0], 'f', -1, 64), strconv.FormatFloat(f.Geometry.Coordinates[1], 'f', -1, 64)
		if code != 200 || !slices.Contains(text, e+" "+n) || !strings.Contains(h["Content-Crs"], "27700") {
			t.Errorf("item %d: %d %s %s %v", id, code, e, n, h["Content-Crs"])
		}
	}
	// a CSV download in the grid: easting, northing and WKT as imported; cells' outlines in metres
	code, b, _ := call(t, s, "GET", "/api/v1/export/incidents?format=csv&crs=EPSG:27700", admin, "")
	recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if code != 200 || err != nil || len(recs) != len(rows)+1 || recs[0][1] != "easting" || recs[0][2] != "northing" || recs[0][len(recs[0])-1] != "wkt" {
		t.Fatalf("CSV in EPSG:27700: %d %v %s", code, err, b)
	}
	for _, r := range recs[1:] {
		if !slices.Contains(text, r[1]+" "+r[2]) || r[len(r)-1] != "POINT("+r[1]+" "+r[2]+")" {
			t.Errorf("CSV row %v is not an imported easting/northing", r)
		}
	}
	code, b, _ = call(t, s, "GET", "/api/v1/export/cells?res=7&format=csv&crs=http://www.opengis.net/def/crs/EPSG/0/27700", admin, "")
	if recs, err = csv.NewReader(bytes.NewReader(b)).ReadAll(); code != 200 || err != nil || len(recs) < 2 {
		t.Fatalf("cells CSV in EPSG:27700: %d %v %s", code, err, b)
	}
	for _, r := range recs[1:] {
		e, _ := strconv.ParseFloat(r[1], 64)
		if !strings.HasPrefix(r[len(r)-1], "POLYGON((") || e < 0 || e > 700_000 || strings.Contains(r[len(r)-1], "52.") {
			t.Errorf("cell row %v is not in metres of the grid", r)
		}
	}
	for _, q := range []string{"format=geojson&crs=EPSG:27700", "format=csv&crs=EPSG:3857"} {
		if code, b, _ := call(t, s, "GET", "/api/v1/export/incidents?"+q, admin, ""); code != 400 || !strings.Contains(string(b), `"crs"`) {
			t.Errorf("%s: %d %s", q, code, b)
		}
	}
	code, b, _ = call(t, s, "GET", "/ogc/collections/incidents/items?crs=EPSG:3857", admin, "")
	if code != 400 || !strings.Contains(string(b), `"crs"`) {
		t.Errorf("a CRS not offered: %d %s", code, b)
	}
	_, b, _ = call(t, s, "GET", "/ogc/collections/incidents", admin, "")
	var coll struct {
		CRS        []string
		StorageCrs string
	}
	json.Unmarshal(b, &coll)
	if !slices.Contains(coll.CRS, "http://www.opengis.net/def/crs/EPSG/0/27700") || coll.StorageCrs == "" {
		t.Errorf("collection: %s", b)
	}
	_, b, _ = call(t, s, "GET", "/ogc/conformance", admin, "")
	if !strings.Contains(string(b), "ogcapi-features-2/1.0/conf/crs") {
		t.Errorf("conformance: %s", b)
	}
}

package api_test

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hexbeat/hexbeat/internal/testkit"
)

// TestCameraRegister: a camera register imported beside the data is served as GeoJSON
// (all of it, by kind, or in service on a day) and as an OGC collection; a camera plan
// given no existing cameras counts the register's fixed cameras in service today as cover
// already there. Its by_existing equals the incidents within the radius of those cameras,
// counted again here from the CSV rows, and its sites are those of a plan given the same
// points; given none ([]), the plan ignores the register.
func TestCameraRegister(t *testing.T) {
	// cameras at the five busiest labelled map points of Milton Keynes
	lp, err := os.ReadFile(testkit.Data(t, "poi/milton-keynes-labelled-map-points.csv"))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := csv.NewReader(strings.NewReader(string(lp))).ReadAll()
	lo, la, n := slices.Index(rows[0], "longitude"), slices.Index(rows[0], "latitude"), slices.Index(rows[0], "crime_rows_all_collected_months")
	pts := rows[1:]
	slices.SortStableFunc(pts, func(a, b []string) int { x, _ := strconv.Atoi(a[n]); y, _ := strconv.Atoi(b[n]); return y - x })
	at := func(i int) [2]float64 {
		lon, _ := strconv.ParseFloat(pts[i][lo], 64)
		lat, _ := strconv.ParseFloat(pts[i][la], 64)
		return [2]float64{lon, lat}
	}
	register := "camera_id,camera_name,kind,longitude,latitude,active_from,active_to\n"
	for i, c := range []struct{ id, kind, from, to string }{
		{"F1", "fixed", "2020-01-01", ""},           // in service
		{"F2", "fixed", "", ""},                     // in service
		{"F3", "fixed", "2020-01-01", "2024-12-31"}, // taken out
		{"F4", "fixed", "2099-01-01", ""},           // not yet
		{"M1", "mobile", "2020-01-01", ""},          // a mobile unit: what plans place, not cover already there
	} {
		p := at(i)
		register += fmt.Sprintf("%s,Camera %s,%s,%g,%g,%s,%s\n", c.id, c.id, c.kind, p[0], p[1], c.from, c.to)
	}
	file := filepath.Join(t.TempDir(), "cameras.csv")
	os.WriteFile(file, []byte(register), 0o644)
	s := newServer(t, testkit.Data(t, "boundaries/milton-keynes-boundary.geojson"), file,
		testkit.Data(t, "police/street/2025-05-thames-valley-street.csv"), testkit.Data(t, "police/street/2025-06-thames-valley-street.csv"))

	type feature struct {
		ID         any // a camera's id; a planned site's rank
		Geometry   struct{ Coordinates []float64 }
		Properties map[string]any
	}
	ids := func(url string) []string {
		t.Helper()
		code, _, b := get(t, s, url)
		checkRFC7946(t, b)
		var fc struct{ Features []feature }
		if json.Unmarshal(b, &fc); code != 200 {
			t.Fatalf("%s: %d %s", url, code, b)
		}
		var out []string
		for _, f := range fc.Features {
			if f.Properties["id"] != f.ID {
				t.Errorf("%s: feature %s has properties %v", url, f.ID, f.Properties)
			}
			out = append(out, f.ID.(string))
		}
		return out
	}
	for url, want := range map[string][]string{
		"/api/v1/cameras":                                {"F1", "F2", "F3", "F4", "M1"},
		"/api/v1/cameras?kind=mobile":                    {"M1"},
		"/api/v1/cameras?kind=fixed&on=2024-06-01":       {"F1", "F2", "F3"},
		"/api/v1/cameras?on=2099-01-01":                  {"F1", "F2", "F4", "M1"},
		"/ogc/collections/camera-register/items?limit=3": {"F1", "F2", "F3"},
	} {
		if got := ids(url); !slices.Equal(got, want) {
			t.Errorf("%s: %v, want %v", url, got, want)
		}
	}
	if code, _, b := get(t, s, "/api/v1/cameras?kind=ptz&on=tomorrow"); code != 400 || !strings.Contains(string(b), `"field":"kind"`) || !strings.Contains(string(b), `"field":"on"`) {
		t.Errorf("bad kind and day: %d %s", code, b)
	}

	type plan struct {
		Existing        int
		ExistingSource  string   `json:"existing_source"`
		ExistingCameras []string `json:"existing_cameras"`
		ByExisting      float64  `json:"by_existing"`
		Features        []feature
	}
	planOf := func(existing string) plan {
		t.Helper()
		body := `{"k":5,"radius_m":250,"from":"2025-05","to":"2025-06","area":"E06000042"` + existing + `}`
		code, b := post(t, s, "/api/v1/cameras/plan", body)
		var p plan
		if err := json.Unmarshal(b, &p); err != nil || code != 200 || len(p.Features) != 5 {
			t.Fatalf("plan %s: %d %.300s", body, code, b)
		}
		return p
	}
	reg := planOf("")
	if reg.Existing != 2 || !slices.Equal(reg.ExistingCameras, []string{"F1", "F2"}) || !strings.HasPrefix(reg.ExistingSource, "the register's fixed cameras in service on ") {
		t.Errorf("from the register: %d existing %v (%s)", reg.Existing, reg.ExistingCameras, reg.ExistingSource)
	}
	// the incidents within 250 m of F1 or F2, from the CSV rows of Milton Keynes (LSOA name)
	covered := 0
	for m := 5; m <= 6; m++ {
		fh, _ := os.Open(testkit.Data(t, fmt.Sprintf("police/street/2025-%02d-thames-valley-street.csv", m)))
		rows, _ := csv.NewReader(fh).ReadAll()
		fh.Close()
		for _, r := range rows[1:] {
			if r[4] == "" || !strings.HasPrefix(r[8], "Milton Keynes") {
				continue
			}
			lon, _ := strconv.ParseFloat(r[4], 64)
			lat, _ := strconv.ParseFloat(r[5], 64)
			if haversineM(at(0), [2]float64{lon, lat}) <= 250 || haversineM(at(1), [2]float64{lon, lat}) <= 250 {
				covered++
			}
		}
	}
	if covered == 0 || reg.ByExisting != float64(covered) {
		t.Errorf("the register's cameras cover %v incidents; counted from the CSVs: %d", reg.ByExisting, covered)
	}
	given := planOf(fmt.Sprintf(`,"existing":{"type":"MultiPoint","coordinates":[[%g,%g],[%g,%g]]}`, at(0)[0], at(0)[1], at(1)[0], at(1)[1]))
	if given.ExistingSource != "given" || given.Existing != 2 || given.ByExisting != reg.ByExisting {
		t.Errorf("given the same points: %+v", given)
	}
	none := planOf(`,"existing":[]`)
	if none.Existing != 0 || none.ByExisting != 0 || none.ExistingCameras != nil {
		t.Errorf("given none: %+v", none)
	}
	for i := range reg.Features {
		if !slices.Equal(reg.Features[i].Geometry.Coordinates, given.Features[i].Geometry.Coordinates) {
			t.Errorf("site %d: %v from the register, %v given the same points", i+1, reg.Features[i].Geometry.Coordinates, given.Features[i].Geometry.Coordinates)
		}
	}
	// the register as it stood on a past day: F3 was still in service then, F4 not yet
	if past := planOf(`,"existing_on":"2024-06-01"`); !slices.Equal(past.ExistingCameras, []string{"F1", "F2", "F3"}) || past.ExistingSource != "the register's fixed cameras in service on 2024-06-01" {
		t.Errorf("on 2024-06-01: %v (%s)", past.ExistingCameras, past.ExistingSource)
	}
	if code, b := post(t, s, "/api/v1/cameras/plan", `{"k":5,"radius_m":250,"existing":[],"existing_on":"2024-06-01"}`); code != 400 || !strings.Contains(string(b), `"field":"existing_on"`) {
		t.Errorf("existing_on with existing given: %d %s", code, b)
	}

	// F2 taken out of service by hand, its last day yesterday: the register says so and a
	// plan counts F1 alone; a camera recorded with faults is refused, field by field
	yesterday := time.Now().UTC().AddDate(0, 0, -1).Format("2006-01-02")
	code, b := post(t, s, "/api/v1/cameras", fmt.Sprintf(`{"id":"F2","name":"Camera F2","kind":"fixed","lon":%g,"lat":%g,"active_to":%q}`, at(1)[0], at(1)[1], yesterday))
	if code != 200 || !strings.Contains(string(b), `"in_service":false`) || !strings.Contains(string(b), `"active_to":"`+yesterday+`"`) {
		t.Errorf("F2 taken out: %d %s", code, b)
	}
	if after := planOf(""); !slices.Equal(after.ExistingCameras, []string{"F1"}) || after.ByExisting >= reg.ByExisting {
		t.Errorf("after F2 was taken out: %v, covering %v (before %v)", after.ExistingCameras, after.ByExisting, reg.ByExisting)
	}
	code, b = post(t, s, "/api/v1/cameras", `{"id":" ","kind":"ptz","lat":52,"active_from":"2025-13-01"}`)
	for _, f := range []string{"id", "kind", "lon", "active_from"} {
		if code != 400 || !strings.Contains(string(b), `"field":"`+f+`"`) {
			t.Errorf("a faulty camera: %d %s (no %s)", code, b, f)
		}
	}
	if got := ids("/api/v1/cameras"); len(got) != 5 {
		t.Errorf("the register after a refused camera: %v", got)
	}

	// the best site alone covers at least what any site adds to the cameras already there
	if g0, r0 := none.Features[0].Properties["gain"].(float64), reg.Features[0].Properties["gain"].(float64); g0 < r0 || slices.Equal(none.Features[0].Geometry.Coordinates, reg.Features[0].Geometry.Coordinates) && g0 == r0 {
		t.Errorf("first site: %v without the register, %v with it at the same place", g0, r0)
	}
}

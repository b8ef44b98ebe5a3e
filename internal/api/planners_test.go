package api_test

// Tests of the deployment planners over HTTP on the real data: the Section 60 register and
// scrutiny, proposals, camera plans and test-purchase targets.

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hexbeat/hexbeat/internal/api"
	"github.com/hexbeat/hexbeat/internal/grid"
	"github.com/hexbeat/hexbeat/internal/testkit"
)

func post(t *testing.T, s *api.Server, url, body string) (int, []byte) {
	t.Helper()
	req := httptest.NewRequest("POST", url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	res, err := s.App().Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b
}

// TestSection60RegisterAndScrutiny: an authorisation over central Oxford on 1 December
// 2023, extended by a superintendent; its scrutiny report equals counts made straight from
// the real stop-and-search CSV (rows inside the rectangle and the extended period).
func TestSection60RegisterAndScrutiny(t *testing.T) {
	path := testkit.Data(t, "police/stop-and-search/2023-12-thames-valley-stop-and-search.csv")
	s := newServer(t, path)
	// drawn clockwise, to the 10th decimal: the register answers counter-clockwise, to the 7th
	area := `{"type":"Polygon","coordinates":[[[-1.30,51.70],[-1.30,51.79],[-1.2000000001,51.79],[-1.20,51.70],[-1.30,51.70]]]}`
	code, body := post(t, s, "/api/v1/section60/authorisations",
		`{"area":`+area+`,"grounds":"test","officer":"Insp 1","rank":"Inspector","start":"2023-12-01T00:00:00Z","end":"2023-12-02T00:00:00Z"}`)
	if code != 201 {
		t.Fatalf("authorise: %d %s", code, body)
	}
	var f struct {
		ID         float64
		Properties map[string]any
	}
	json.Unmarshal(body, &f)
	id := fmt.Sprint(int(f.ID))
	if f.Properties["status"] != "expired" || f.Properties["hours"].(float64) != 24 {
		t.Errorf("created: %s", body)
	}
	code, body = post(t, s, "/api/v1/section60/authorisations/"+id+"/extend", `{"officer":"Supt 2","rank":"inspector","end":"2023-12-02T20:00:00Z","at":"2023-12-01T20:00:00Z"}`)
	if code != 422 || !strings.Contains(string(body), "superintendent") {
		t.Errorf("extension by an inspector: %d %s", code, body)
	}
	code, body = post(t, s, "/api/v1/section60/authorisations/"+id+"/extend", `{"officer":"Supt 2","rank":"Superintendent","end":"2023-12-02T20:00:00Z","at":"2023-12-01T20:00:00Z"}`)
	if code != 200 {
		t.Fatalf("extension: %d %s", code, body)
	}
	for url, want := range map[string]int{"/api/v1/section60/authorisations/999": 404, "/api/v1/section60/authorisations/x/scrutiny": 404, "/api/v1/section60/authorisations?status=soon": 400} {
		if code, _, b := get(t, s, url); code != want {
			t.Errorf("%s: %d %s, want %d", url, code, b, want)
		}
	}
	if code, b := post(t, s, "/api/v1/section60/authorisations", `{"area":`+area+`,"colour":"red"}`); code != 400 || !strings.Contains(string(b), "colour") {
		t.Errorf("unknown member: %d %s", code, b)
	}
	code, _, body = get(t, s, "/api/v1/section60/authorisations?status=past")
	if fc := checkRFC7946(t, body); code != 200 || len(fc.Features) != 1 {
		t.Fatalf("past authorisations: %d %s", code, body)
	}

	// The independent count.
	rows := testkit.CSV(t, path)
	from, to := time.Date(2023, 12, 1, 0, 0, 0, 0, time.UTC), time.Date(2023, 12, 2, 20, 0, 0, 0, time.UTC)
	var n, arrests, finds, unplaced int
	officer := map[string]int{}
	for _, r := range rows[1:] {
		when, _ := time.Parse(time.RFC3339, r[1])
		if (r[4] == "" || r[5] == "") && !when.Before(from) && when.Before(to) {
			unplaced++
		}
		lat, err1 := strconv.ParseFloat(r[4], 64)
		lon, err2 := strconv.ParseFloat(r[5], 64)
		if err1 != nil || err2 != nil || when.Before(from) || !when.Before(to) || lon < -1.30 || lon > -1.20 || lat < 51.70 || lat > 51.79 {
			continue
		}
		n++
		if r[12] == "Arrest" {
			arrests++
		}
		if r[13] == "True" {
			finds++
		}
		officer[r[9]]++
	}
	code, _, body = get(t, s, "/api/v1/section60/authorisations/"+id+"/scrutiny")
	if code != 200 {
		t.Fatalf("scrutiny: %d %s", code, body)
	}
	var rep struct {
		Searches, Arrests, Finds int
		FindRate                 float64 `json:"find_rate"`
		Unplaced                 int     `json:"without_location"`
		Note                     string
		Months                   []struct {
			Month    string
			Searches int
		} `json:"stop_search_months"`
		Officer []struct {
			Value string
			N     int
		} `json:"officer_defined_ethnicity"`
	}
	json.Unmarshal(body, &rep)
	if n < 10 || rep.Searches != n || rep.Arrests != arrests || rep.Finds != finds || math.Abs(rep.FindRate-float64(finds)/float64(n)) > 1e-12 {
		t.Errorf("scrutiny %+v; the CSV has %d searches, %d arrests, %d finds", rep, n, arrests, finds)
	}
	if unplaced == 0 || rep.Unplaced != unplaced || !strings.Contains(rep.Note, fmt.Sprintf("%d more searches recorded in these hours have no location", unplaced)) {
		t.Errorf("searches without a location: %d, note %q; the CSV has %d", rep.Unplaced, rep.Note, unplaced)
	}
	if len(rep.Months) != 1 || rep.Months[0].Month != "2023-12" || rep.Months[0].Searches != len(rows)-1 || strings.Contains(rep.Note, "No stop-and-search data") {
		t.Errorf("months of data for the hours: %+v (the file has %d searches); note %q", rep.Months, len(rows)-1, rep.Note)
	}
	// Hours across the turn of the year: December is held, January not; a month later
	// still, none is, and the report says its counts are no data.
	for start, want := range map[string]string{
		"2023-12-31T20:00:00Z": "No stop-and-search data for 2024-01 has been imported, so the counts are too low.",
		"2024-02-10T20:00:00Z": "No stop-and-search data for 2024-02 has been imported, so the counts are no data, not no searches",
	} {
		end := strings.Replace(start, "T20:", "T23:", 1)
		if start[:7] == "2023-12" {
			end = "2024-01-01T08:00:00Z"
		}
		code, body := post(t, s, "/api/v1/section60/authorisations", `{"area":`+area+`,"grounds":"test","officer":"Insp 1","rank":"Inspector","start":"`+start+`","end":"`+end+`"}`)
		var g struct{ ID float64 }
		if json.Unmarshal(body, &g); code != 201 {
			t.Fatalf("authorise from %s: %d %s", start, code, body)
		}
		_, _, body = get(t, s, fmt.Sprintf("/api/v1/section60/authorisations/%d/scrutiny", int(g.ID)))
		var r struct{ Note string }
		if json.Unmarshal(body, &r); !strings.Contains(r.Note, want) {
			t.Errorf("from %s: note %q, want it to say %q", start, r.Note, want)
		}
	}
	for _, c := range rep.Officer {
		if officer[c.Value] != c.N {
			t.Errorf("officer-defined ethnicity %q: %d, CSV %d", c.Value, c.N, officer[c.Value])
		}
	}
	code, ctype, body := get(t, s, "/api/v1/section60/authorisations/"+id+"/scrutiny?format=html")
	if code != 200 || !strings.HasPrefix(ctype, "text/html") || !strings.Contains(string(body), "Section 60 scrutiny report") || !strings.Contains(string(body), "Insp 1, Inspector") ||
		!strings.Contains(string(body), fmt.Sprintf(`with no location (not counted above)</th><td class="n">%d</td>`, unplaced)) {
		t.Errorf("html: %d %q", code, ctype)
	}
}

// TestPlannersOnRealData: Section 60 proposals and test-purchase targets on Milton Keynes
// 2025-04..06, held to the cells and hotspots layers and to counts made from the CSVs.
func TestPlannersOnRealData(t *testing.T) {
	files := []string{testkit.Data(t, "boundaries/milton-keynes-boundary.geojson"), testkit.Data(t, "poi/milton-keynes-grocery-retailers.csv")}
	for m := 4; m <= 6; m++ {
		files = append(files, testkit.Data(t, fmt.Sprintf("police/street/2025-%02d-thames-valley-street.csv", m)))
	}
	s := newServer(t, files...)

	code, body := post(t, s, "/api/v1/section60/proposals", `{"from":"2025-04","to":"2025-06","area":"E06000042","max_area_km2":2}`)
	if code != 200 {
		t.Fatalf("proposals: %d %s", code, body)
	}
	fc := checkRFC7946(t, body)
	if len(fc.Features) == 0 {
		t.Fatal("no proposals")
	}
	cats := "category=Violence+and+sexual+offences&category=Possession+of+weapons&category=Robbery"
	_, _, cb := get(t, s, "/api/v1/cells?res=9&from=2025-04&to=2025-06&area=E06000042&"+cats)
	counts := map[string]int{}
	for _, f := range checkRFC7946(t, cb).Features {
		counts[f.Properties["cell"].(string)] = int(f.Properties["count"].(float64))
	}
	_, _, hb := get(t, s, "/api/v1/hotspots?method=gistar&weight=harm&res=9&from=2025-04&to=2025-06&area=E06000042&"+cats)
	hot := map[string]bool{}
	for _, f := range checkRFC7946(t, hb).Features {
		hot[f.Properties["cell"].(string)] = f.Properties["z"].(float64) > 0 && f.Properties["p_fdr"].(float64) < 0.05
	}
	prevRank := 0.0
	for _, f := range fc.Features {
		p := f.Properties
		if p["rank"].(float64) != prevRank+1 || p["area_km2"].(float64) > 2 || p["grounds"] == "" {
			t.Errorf("proposal %v: rank %v, %v km², grounds %q", f.ID, p["rank"], p["area_km2"], p["grounds"])
		}
		prevRank = p["rank"].(float64)
		sum := 0
		for _, c := range p["cells"].([]any) {
			sum += counts[c.(string)]
			if !hot[c.(string)] {
				t.Errorf("proposal %v holds cell %s, which is not a significant hot spot in the Gi* layer", f.ID, c)
			}
		}
		if int(p["incidents"].(float64)) != sum {
			t.Errorf("proposal %v: %v incidents, its cells hold %d", f.ID, p["incidents"], sum)
		}
	}

	// A camera plan over the labelled map points, its coverage counted again here.
	lp, err := os.ReadFile(testkit.Data(t, "poi/milton-keynes-labelled-map-points.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lrows, _ := csv.NewReader(strings.NewReader(string(lp))).ReadAll()
	var feats []string
	li, lo, la := slices.Index(lrows[0], "poi_label"), slices.Index(lrows[0], "longitude"), slices.Index(lrows[0], "latitude")
	for _, r := range lrows[1:] {
		feats = append(feats, fmt.Sprintf(`{"type":"Feature","properties":{"label":%q},"geometry":{"type":"Point","coordinates":[%s,%s]}}`, r[li], r[lo], r[la]))
	}
	code, body = post(t, s, "/api/v1/cameras/plan", `{"k":20,"radius_m":300,"from":"2025-04","to":"2025-06","area":"E06000042","candidates":{"type":"FeatureCollection","features":[`+strings.Join(feats, ",")+`]}}`)
	if code != 200 {
		t.Fatalf("camera plan: %d %.300s", code, body)
	}
	var cp struct {
		Covered  float64
		Curve    []struct{ Covered float64 }
		Features []struct {
			Geometry   struct{ Coordinates []float64 }
			Properties map[string]any
		}
	}
	json.Unmarshal(body, &cp)
	if len(cp.Features) != 20 || len(cp.Curve) != 20 || cp.Curve[19].Covered != cp.Covered || cp.Features[0].Properties["candidate_properties"] == nil {
		t.Fatalf("camera plan: %d sites, %d curve points, covered %v", len(cp.Features), len(cp.Curve), cp.Covered)
	}
	var all [][2]float64
	for m := 4; m <= 6; m++ {
		fh, _ := os.Open(testkit.Data(t, fmt.Sprintf("police/street/2025-%02d-thames-valley-street.csv", m)))
		rows, _ := csv.NewReader(fh).ReadAll()
		fh.Close()
		for _, r := range rows[1:] {
			if r[4] != "" && strings.HasPrefix(r[8], "Milton Keynes") {
				lon, _ := strconv.ParseFloat(r[4], 64)
				lat, _ := strconv.ParseFloat(r[5], 64)
				all = append(all, [2]float64{lon, lat})
			}
		}
	}
	covered := 0
	for _, p := range all {
		for _, f := range cp.Features {
			if haversineM([2]float64{f.Geometry.Coordinates[0], f.Geometry.Coordinates[1]}, p) <= 300 {
				covered++
				break
			}
		}
	}
	if float64(covered) != cp.Covered {
		t.Errorf("camera plan claims %v incidents covered; counted from the CSVs: %d", cp.Covered, covered)
	}

	// Test-purchase exposure against an independent count: weighted incidents within 300 m
	// of each shop, from the CSV rows of Milton Keynes (LSOA name) in the three categories.
	code, body = post(t, s, "/api/v1/retailers/1010001490/tests", `{"date":"2025-06-20","result":"fail","notes":"sold a knife to a 16-year-old"}`)
	if code != 201 {
		t.Fatalf("record test: %d %s", code, body)
	}
	if code, b := post(t, s, "/api/v1/retailers/nope/tests", `{"date":"2025-06-20","result":"fail"}`); code != 404 {
		t.Errorf("test at an unknown retailer: %d %s", code, b)
	}
	if code, b := post(t, s, "/api/v1/retailers/1010001490/tests", `{"date":"20/06/2025","result":"maybe"}`); code != 400 {
		t.Errorf("bad test result: %d %s", code, b)
	}
	code, _, body = get(t, s, "/api/v1/test-purchase/targets?limit=10&radius_m=300&window=91d&weight=count&cooldown_days=3650")
	if code != 200 {
		t.Fatalf("targets: %d %s", code, body)
	}
	var tp struct {
		Features []struct {
			Geometry   struct{ Coordinates []float64 }
			Properties map[string]any
		}
		Excluded []map[string]any
		Notes    []string
	}
	json.Unmarshal(body, &tp)
	checkRFC7946(t, body)
	if len(tp.Notes) != 0 { // 91 days back from July: April to June, the months held
		t.Errorf("a window inside the data: notes %v", tp.Notes)
	}
	// the default window, a year, reaches back before April: the answer says so
	_, _, yb := get(t, s, "/api/v1/test-purchase/targets?limit=1")
	var year struct{ Notes []string }
	if json.Unmarshal(yb, &year); len(year.Notes) != 1 || !strings.Contains(year.Notes[0], "the window (2024-07-01 to 2025-06-30) reaches beyond the data held (2025-04 to 2025-06)") {
		t.Errorf("a year's window over three months: notes %v", year.Notes)
	}
	bands := map[string]string{} // the register's size bands, read here
	for _, r := range testkit.CSV(t, testkit.Data(t, "poi/milton-keynes-grocery-retailers.csv"))[1:] {
		bands[r[0]] = r[2]
	}
	for _, f := range tp.Features {
		if id := f.Properties["id"].(string); f.Properties["size_band"] != bands[id] || bands[id] == "" {
			t.Errorf("target %s: size band %v, the register %q", id, f.Properties["size_band"], bands[id])
		}
	}
	if len(tp.Features) != 10 || len(tp.Excluded) != 1 || tp.Excluded[0]["id"] != "1010001490" {
		t.Fatalf("targets: %d ranked, excluded %v", len(tp.Features), tp.Excluded)
	}
	var pts [][2]float64
	for m := 4; m <= 6; m++ {
		fh, _ := os.Open(testkit.Data(t, fmt.Sprintf("police/street/2025-%02d-thames-valley-street.csv", m)))
		rows, _ := csv.NewReader(fh).ReadAll()
		fh.Close()
		for _, r := range rows[1:] {
			if r[4] == "" || !strings.HasPrefix(r[8], "Milton Keynes") || (r[9] != "Violence and sexual offences" && r[9] != "Possession of weapons" && r[9] != "Robbery") {
				continue
			}
			lon, _ := strconv.ParseFloat(r[4], 64)
			lat, _ := strconv.ParseFloat(r[5], 64)
			pts = append(pts, [2]float64{lon, lat})
		}
	}
	prev := math.Inf(1)
	for _, f := range tp.Features {
		shop := [2]float64{f.Geometry.Coordinates[0], f.Geometry.Coordinates[1]}
		n := 0
		for _, p := range pts {
			if haversineM(shop, p) <= 300 {
				n++
			}
		}
		if int(f.Properties["incidents"].(float64)) != n || f.Properties["exposure"].(float64) != float64(n) {
			t.Errorf("%s: %v incidents within 300 m, the CSVs give %d", f.Properties["name"], f.Properties["incidents"], n)
		}
		if sc := f.Properties["score"].(float64); sc > prev {
			t.Errorf("ranking not by score: %v after %v", sc, prev)
		} else {
			prev = sc
		}
	}
	// Exposure by cells: the shop's res-9 cell and its six neighbours, against the cells layer.
	code, _, body = get(t, s, "/api/v1/test-purchase/targets?limit=5&res=9&window=91d&weight=count&cooldown_days=3650")
	var byCell struct {
		ExposureBy string `json:"exposure_by"`
		Features   []struct {
			Geometry   struct{ Coordinates []float64 }
			Properties map[string]any
		}
	}
	json.Unmarshal(body, &byCell)
	if code != 200 || len(byCell.Features) != 5 || !strings.Contains(byCell.ExposureBy, "cell") {
		t.Fatalf("targets by cells: %d %.300s", code, body)
	}
	for _, f := range byCell.Features {
		home, _ := grid.FromLonLat(f.Geometry.Coordinates[0], f.Geometry.Coordinates[1], 9)
		disk, _ := grid.Disk(home, 1)
		n := 0
		for _, c := range disk {
			n += counts[grid.String(c)]
		}
		if int(f.Properties["incidents"].(float64)) != n {
			t.Errorf("%s by cells: %v incidents, the cells layer holds %d in its cell and neighbours", f.Properties["name"], f.Properties["incidents"], n)
		}
	}

	// With the default 90-day cool-down the June 2025 test is long over (the clock is today's): no exclusion.
	_, ctype, body := get(t, s, "/api/v1/test-purchase/targets?limit=5&format=csv")
	if rows, err := csv.NewReader(strings.NewReader(string(body))).ReadAll(); err != nil || !strings.HasPrefix(ctype, "text/csv") || len(rows) != 1+5 || rows[0][0] != "rank" {
		t.Errorf("targets csv: %v %q %d rows", err, ctype, len(rows))
	}
}

// haversineM is the great-circle distance in metres, written here apart from the product's.
func haversineM(a, b [2]float64) float64 {
	la1, la2 := a[1]*math.Pi/180, b[1]*math.Pi/180
	h := math.Pow(math.Sin((la2-la1)/2), 2) + math.Cos(la1)*math.Cos(la2)*math.Pow(math.Sin((b[0]-a[0])*math.Pi/360), 2)
	return 2 * 6371008.8 * math.Asin(math.Sqrt(h))
}

// TestStopSearchOverTime: stop and search month by month, as a scrutiny group reads it,
// held to counts made straight from two real police.uk files (August 2020, which has
// section 60 searches and mostly no locations, and December 2023): every month's
// searches, finds, arrests and officer-defined ethnicity; section 60 alone; an area (a
// rectangle over Oxford) counting only the searches placed inside it; the months between
// the two files reported as not imported. police.uk's months are UK months: the August
// 2020 file starts at 2020-07-31T23:00Z, and its first hour is August's, not July's.
func TestStopSearchOverTime(t *testing.T) {
	files := []string{testkit.Data(t, "police/stop-and-search/2020-08-thames-valley-stop-and-search.csv"), testkit.Data(t, "police/stop-and-search/2023-12-thames-valley-stop-and-search.csv")}
	box := filepath.Join(t.TempDir(), "box.geojson")
	os.WriteFile(box, []byte(`{"type":"FeatureCollection","features":[{"type":"Feature","id":"oxford-box","properties":{"name":"Oxford box"},
"geometry":{"type":"Polygon","coordinates":[[[-1.30,51.70],[-1.20,51.70],[-1.20,51.79],[-1.30,51.79],[-1.30,51.70]]]}}]}`), 0o644)
	s := newServer(t, append(slices.Clone(files), box)...)

	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	type tally struct {
		searches, s60, finds, arrests, unplaced int
		officer                                 map[string]int
	}
	// count tallies the rows that legal keeps and placed places; a row legal keeps without a
	// location is counted apart (unplaced)
	count := func(legal func(r []string) bool, placed func(lon, lat float64, located bool) bool) map[string]*tally {
		out := map[string]*tally{}
		for _, f := range files {
			rows := testkit.CSV(t, f)
			leg := slices.Index(rows[0], "Legislation")
			for _, r := range rows[1:] {
				when, err := time.Parse(time.RFC3339, r[1])
				if err != nil {
					t.Fatal(err)
				}
				lat, err1 := strconv.ParseFloat(r[4], 64)
				lon, err2 := strconv.ParseFloat(r[5], 64)
				located := err1 == nil && err2 == nil
				m := when.In(london).Format("2006-01") // police.uk's months are UK months
				if out[m] == nil {
					out[m] = &tally{officer: map[string]int{}}
				}
				if !legal(r) {
					continue
				}
				if !located {
					out[m].unplaced++
				}
				if !placed(lon, lat, located) {
					continue
				}
				tl := out[m]
				tl.searches++
				if strings.Contains(strings.ToLower(r[leg]), "section 60") {
					tl.s60++
				}
				if r[12] == "Arrest" {
					tl.arrests++
				}
				if r[13] == "True" {
					tl.finds++
				}
				eth := r[9]
				if eth == "" {
					eth = "not recorded"
				}
				tl.officer[eth]++
			}
		}
		return out
	}
	type figures struct {
		Searches  int
		Section60 int `json:"under_section_60"`
		Finds     int
		Arrests   int
		Unplaced  int `json:"without_location"`
		Officer   []struct {
			Value string
			N     int
		} `json:"officer_defined_ethnicity"`
	}
	var summary struct {
		From, To    string
		Total       figures
		NotImported []string `json:"months_not_imported"`
		Months      []struct {
			Month    string
			Imported bool
			figures
		}
		Note string
	}
	check := func(url string, want map[string]*tally) {
		t.Helper()
		code, _, body := get(t, s, url)
		summary.Months, summary.NotImported = nil, nil
		if err := json.Unmarshal(body, &summary); code != 200 || err != nil {
			t.Fatalf("%s: %d %v %.300s", url, code, err, body)
		}
		if summary.From != "2020-08" || summary.To != "2023-12" || len(summary.Months) != 41 || len(summary.NotImported) != 39 || !strings.Contains(summary.Note, "2020-09, 2020-10") {
			t.Errorf("%s: %s to %s, %d months, %d not imported; note %q", url, summary.From, summary.To, len(summary.Months), len(summary.NotImported), summary.Note)
		}
		var total tally
		for _, m := range summary.Months {
			w := want[m.Month]
			if w == nil {
				if m.Imported || m.Searches != 0 {
					t.Errorf("%s: %s is not in the files but reads %+v", url, m.Month, m)
				}
				continue
			}
			if !m.Imported || m.Searches != w.searches || m.Section60 != w.s60 || m.Finds != w.finds || m.Arrests != w.arrests || m.Unplaced != w.unplaced {
				t.Errorf("%s: %s: %d searches, %d s60, %d finds, %d arrests, %d without a location; the files: %+v", url, m.Month, m.Searches, m.Section60, m.Finds, m.Arrests, m.Unplaced, *w)
			}
			for _, c := range m.Officer {
				if w.officer[c.Value] != c.N {
					t.Errorf("%s: %s: officer-defined %q %d, the files %d", url, m.Month, c.Value, c.N, w.officer[c.Value])
				}
			}
			total.searches += w.searches
			total.s60 += w.s60
		}
		if summary.Total.Searches != total.searches || summary.Total.Section60 != total.s60 || total.searches == 0 {
			t.Errorf("%s: total %d searches, %d s60; months add up to %d, %d", url, summary.Total.Searches, summary.Total.Section60, total.searches, total.s60)
		}
	}
	every := func([]string) bool { return true }
	anywhere := func(float64, float64, bool) bool { return true }
	check("/api/v1/stop-search", count(every, anywhere))
	if summary.Total.Section60 == 0 || summary.Total.Unplaced < 1000 {
		t.Errorf("the files have section 60 searches and over a thousand without a location: %+v", summary.Total)
	}
	check("/api/v1/stop-search?legislation=section60", count(func(r []string) bool { return strings.Contains(strings.ToLower(r[10]), "section 60") }, anywhere))
	if summary.Total.Searches != summary.Total.Section60 {
		t.Errorf("section 60 alone: %d searches, %d under section 60", summary.Total.Searches, summary.Total.Section60)
	}
	check("/api/v1/stop-search?area=oxford-box", count(every, func(lon, lat float64, located bool) bool {
		return located && lon >= -1.30 && lon <= -1.20 && lat >= 51.70 && lat <= 51.79
	}))
	if !strings.Contains(summary.Note, "lower bound") {
		t.Errorf("an area's note: %q", summary.Note)
	}
	for url, field := range map[string]string{"/api/v1/stop-search?legislation=pace": "legislation", "/api/v1/stop-search?from=2020-08-15": "from",
		"/api/v1/stop-search?area=nowhere": "area", "/api/v1/stop-search?from=2023-01&to=2020-01": "to", "/api/v1/stop-search?format=xml": "format"} {
		if code, _, body := get(t, s, url); code != 400 || !strings.Contains(string(body), `"field":"`+field+`"`) {
			t.Errorf("%s: %d %s", url, code, body)
		}
	}
	code, ctype, body := get(t, s, "/api/v1/stop-search?format=html&legislation=section60")
	page := string(body)
	if code != 200 || !strings.HasPrefix(ctype, "text/html") || !strings.Contains(page, "<h1>Stop and search under section 60</h1>") ||
		!strings.Contains(page, `<tr><td>2020-08</td><td class="n">5</td><td class="n">5</td>`) || !strings.Contains(page, "<td>2020-09</td><td colspan=\"6\">not imported") {
		t.Errorf("printable summary: %d %q %.600s", code, ctype, page)
	}
	code, ctype, body = get(t, s, "/api/v1/stop-search?format=csv&from=2020-08&to=2020-09")
	recs, err := csv.NewReader(strings.NewReader(string(body))).ReadAll()
	if code != 200 || !strings.HasPrefix(ctype, "text/csv") || err != nil || len(recs) != 4 || recs[1][0] != "2020-08" || recs[3][0] != "total" || recs[1][2] != recs[3][2] {
		t.Errorf("CSV: %d %q %v %q", code, ctype, err, recs)
	}
}

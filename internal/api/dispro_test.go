package api_test

import (
	"encoding/json"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hexbeat/hexbeat/internal/api"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/hexbeat/hexbeat/internal/testkit"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/planar"
)

type disproGroup struct {
	Group        string   `json:"group"`
	Searches     int      `json:"searches"`
	Population   int      `json:"population"`
	RatePer1000  *float64 `json:"rate_per_1000"`
	RatioToWhite *float64 `json:"ratio_to_white"`
	CILow        *float64 `json:"ratio_ci_low"`
	CIHigh       *float64 `json:"ratio_ci_high"`
	SmallNumbers bool     `json:"small_numbers"`
	Finds        int      `json:"finds"`
	Arrests      int      `json:"arrests"`
}

type disproAnswer struct {
	Groups          []disproGroup `json:"groups"`
	NotStated       int           `json:"not_stated"`
	WithoutLocation int           `json:"without_location"`
	LSOAs           int           `json:"lsoas"`
	PopulationTotal int           `json:"population_total"`
	Census          int           `json:"census"`
	Notes           []string      `json:"notes"`
}

// TestDisproportionalityThroughTheAPI: with Milton Keynes's boundary, December 2023's
// searches, TS021 by LSOA and the centroids uploaded, a viewer's report equals a count
// made here from the raw CSVs (the searches inside by their self-defined prefix; the
// residents of the 166 LSOAs the census names Milton Keynes): searches and residents
// exactly, rates and ratios to 1e-12; each ratio inside its interval, small numbers
// flagged. Without the census or the centroids it is a 409 saying which; bad parameters
// are a 400 naming each; officer-defined ethnicity has no Mixed group; CSV is an analyst's.
func TestDisproportionalityThroughTheAPI(t *testing.T) {
	s, _, keys := keyedServer(t, api.Config{RateLimit: -1})
	admin, viewer := keys[hexbeat.RoleAdmin], keys[hexbeat.RoleViewer]
	put := func(rel string) {
		t.Helper()
		b, err := os.ReadFile(testkit.Data(t, rel))
		if err != nil {
			t.Fatal(err)
		}
		name := rel[strings.LastIndexByte(rel, '/')+1:]
		if code, body := upload(t, s, "name="+name, admin, b); code != 200 {
			t.Fatalf("%s: %d %s", rel, code, body)
		}
	}
	const url = "/api/v1/stop-search/disproportionality?area=E06000042&from=2023-12&to=2023-12"
	put("boundaries/milton-keynes-boundary.geojson")
	put("police/stop-and-search/2023-12-thames-valley-stop-and-search.csv")
	if code, b, _ := call(t, s, "GET", url, viewer, ""); code != 409 || !strings.Contains(string(b), "TS021 by LSOA (0 held)") {
		t.Fatalf("without the census: %d %s", code, b)
	}
	put("census/census2021-ts021-lsoa-broad.csv")
	if code, b, _ := call(t, s, "GET", url, viewer, ""); code != 409 || !strings.Contains(string(b), "centroids of LSOAs (0 held)") {
		t.Fatalf("without the centroids: %d %s", code, b)
	}
	put("census/lsoa21-population-weighted-centroids-bng.csv")
	code, b, _ := call(t, s, "GET", url, viewer, "")
	var got disproAnswer
	if err := json.Unmarshal(b, &got); err != nil || code != 200 {
		t.Fatalf("%d %v %s", code, err, b)
	}

	// the count made here
	raw, _ := os.ReadFile(testkit.Data(t, "boundaries/milton-keynes-boundary.geojson"))
	fc, err := geojson.UnmarshalFeatureCollection(raw)
	if err != nil {
		t.Fatal(err)
	}
	mk, ok := fc.Features[0].Geometry.(orb.MultiPolygon)
	if p, isPolygon := fc.Features[0].Geometry.(orb.Polygon); isPolygon {
		mk, ok = orb.MultiPolygon{p}, true
	}
	if !ok {
		t.Fatalf("the boundary is a %T", fc.Features[0].Geometry)
	}
	searches, pop := map[string]int{}, map[string]int{}
	notStated := 0
	uk, _ := time.LoadLocation("Europe/London")
	rows := testkit.CSV(t, testkit.Data(t, "police/stop-and-search/2023-12-thames-valley-stop-and-search.csv"))
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	for _, r := range rows[1:] {
		lon, err1 := strconv.ParseFloat(r[col["Longitude"]], 64)
		lat, err2 := strconv.ParseFloat(r[col["Latitude"]], 64)
		at, err3 := time.Parse(time.RFC3339, r[col["Date"]])
		if err1 != nil || err2 != nil || err3 != nil || at.In(uk).Format("2006-01") != "2023-12" || !planar.MultiPolygonContains(mk, orb.Point{lon, lat}) {
			continue
		}
		eth := r[col["Self-defined ethnicity"]]
		group := ""
		for _, p := range []string{"Asian", "Black", "Mixed", "White", "Other"} {
			if strings.HasPrefix(eth, p) {
				group = p
			}
		}
		if group == "" || strings.Contains(eth, "Not stated") {
			notStated++
			continue
		}
		searches[group]++
	}
	census := testkit.CSV(t, testkit.Data(t, "census/census2021-ts021-lsoa-broad.csv"))
	lsoas := 0
	for _, r := range census[1:] {
		if strings.HasPrefix(r[1], "Milton Keynes ") {
			lsoas++
			for g, name := range []string{"Asian", "Black", "Mixed", "White", "Other"} {
				n, _ := strconv.Atoi(r[4+g])
				pop[name] += n
			}
		}
	}
	if got.LSOAs != lsoas || got.NotStated != notStated || got.Census != 2021 || got.PopulationTotal != 287053 || len(got.Groups) != 5 {
		t.Fatalf("lsoas %d (want %d), not stated %d (want %d), census %d, residents %d, %d groups", got.LSOAs, lsoas, got.NotStated, notStated, got.Census, got.PopulationTotal, len(got.Groups))
	}
	whiteRate := float64(searches["White"]) / float64(pop["White"])
	for _, g := range got.Groups {
		rate := float64(searches[g.Group]) / float64(pop[g.Group]) * 1000
		ratio := float64(searches[g.Group]) / float64(pop[g.Group]) / whiteRate
		if g.Searches != searches[g.Group] || g.Population != pop[g.Group] || g.RatePer1000 == nil || math.Abs(*g.RatePer1000-rate) > 1e-12 ||
			g.RatioToWhite == nil || math.Abs(*g.RatioToWhite-ratio) > 1e-12 || g.SmallNumbers != (g.Searches < 10) {
			t.Errorf("%s: %+v; want %d searches, %d residents, rate %v, ratio %v", g.Group, g, searches[g.Group], pop[g.Group], rate, ratio)
		}
		if g.Group != "White" && (g.CILow == nil || g.CIHigh == nil || *g.CILow > ratio || *g.CIHigh < ratio) {
			t.Errorf("%s: interval %v..%v around %v", g.Group, g.CILow, g.CIHigh, ratio)
		}
		if g.Finds > g.Searches || g.Arrests > g.Searches {
			t.Errorf("%s: %d finds and %d arrests of %d searches", g.Group, g.Finds, g.Arrests, g.Searches)
		}
	}
	if !strings.Contains(strings.Join(got.Notes, " "), "not the people present") {
		t.Errorf("notes: %v", got.Notes)
	}

	code, b, _ = call(t, s, "GET", "/api/v1/population?area=E06000042", viewer, "")
	var pa struct {
		Total  int            `json:"population_total"`
		Groups map[string]int `json:"groups"`
		LSOAs  int            `json:"lsoas"`
		Own    map[string]any `json:"own_census_row"`
	}
	if json.Unmarshal(b, &pa); code != 200 || pa.Total != 287053 || pa.LSOAs != lsoas || pa.Groups["Black"] != pop["Black"] || pa.Groups["White"] != pop["White"] || pa.Own != nil {
		t.Errorf("population: %d %.300s", code, b)
	}
	// with Milton Keynes's own row (a local authority's; ONS perturbs small counts, so it
	// need not equal the sum of its LSOAs), it is given beside the sum
	own := "date,geography,geography code,Ethnic group: Total: All usual residents,\"Ethnic group: Asian, Asian British or Asian Welsh\",\"Ethnic group: Black, Black British, Black Welsh, Caribbean or African\",Ethnic group: Mixed or Multiple ethnic groups,Ethnic group: White,Ethnic group: Other ethnic group\n" +
		"2021,Milton Keynes,E06000042,287060,35640,27850,11720,206120,5730\n"
	if code, body := upload(t, s, "name=ts021-lad.csv", admin, []byte(own)); code != 200 {
		t.Fatalf("the local authority's row: %d %s", code, body)
	}
	code, b, _ = call(t, s, "GET", "/api/v1/population?area=E06000042", viewer, "")
	pa.Own = nil
	if json.Unmarshal(b, &pa); code != 200 || pa.Total != 287053 || pa.Own == nil || pa.Own["population_total"] != 287060.0 || pa.Own["level"] != "lad" {
		t.Errorf("population with the area's own row: %d %.400s", code, b)
	}
	// the map's layer: Milton Keynes's LSOAs with a 2011 outline, the 23 2021 codes without one listed
	put("boundaries/milton-keynes-lsoa-2011.geojson")
	code, b, _ = call(t, s, "GET", "/api/v1/stop-search/disproportionality/lsoas?area=E06000042&from=2023-12&to=2023-12&group=Black", viewer, "")
	var layer struct {
		Features []struct {
			ID         string         `json:"id"`
			Properties map[string]any `json:"properties"`
		} `json:"features"`
		Without []string `json:"without_outline"`
		Group   string   `json:"group"`
	}
	if err := json.Unmarshal(b, &layer); err != nil || code != 200 || layer.Group != "Black" || len(layer.Without) != 23 || len(layer.Features) != lsoas-23 {
		t.Fatalf("the LSOA layer: %d %v, %d features, %d without outline", code, err, len(layer.Features), len(layer.Without))
	}
	drawn, residents := 0, 0
	for _, f := range layer.Features {
		drawn += int(f.Properties["searches"].(float64))
		residents += int(f.Properties["population"].(float64))
		if r, ok := f.Properties["rate_per_1000"].(float64); ok && math.Abs(r-f.Properties["searches"].(float64)/f.Properties["population"].(float64)*1000) > 1e-12 {
			t.Errorf("%s: rate %v", f.ID, r)
		}
	}
	if drawn > searches["Black"] || residents >= pop["Black"] || residents == 0 {
		t.Errorf("the layer draws %d searches of %d and %d residents of %d", drawn, searches["Black"], residents, pop["Black"])
	}
	if code, b, _ := call(t, s, "GET", "/api/v1/stop-search/disproportionality/lsoas?area=E06000042&group=Purple", viewer, ""); code != 400 || !strings.Contains(string(b), `"field":"group"`) {
		t.Errorf("an unknown group: %d %s", code, b)
	}

	// the same for the boundary drawn by hand
	geom, _ := json.Marshal(geojson.NewGeometry(fc.Features[0].Geometry))
	code, b, _ = call(t, s, "POST", "/api/v1/stop-search/disproportionality", viewer, `{"area":`+string(geom)+`,"from":"2023-12","to":"2023-12"}`)
	var byHand disproAnswer
	if json.Unmarshal(b, &byHand); code != 200 || byHand.LSOAs != got.LSOAs || byHand.PopulationTotal != got.PopulationTotal || len(byHand.Groups) != 5 ||
		byHand.Groups[1].Searches != got.Groups[1].Searches || *byHand.Groups[1].RatioToWhite != *got.Groups[1].RatioToWhite {
		t.Errorf("drawn: %d %.300s", code, b)
	}
	if code, b, _ = call(t, s, "POST", "/api/v1/population", viewer, `{"area":`+string(geom)+`}`); code != 200 || !strings.Contains(string(b), `"population_total":287053`) || !strings.Contains(string(b), `"area":"drawn"`) {
		t.Errorf("population drawn: %d %.300s", code, b)
	}
	if code, b, _ = call(t, s, "POST", "/api/v1/population", viewer, `{"area":{"type":"Point","coordinates":[0,51]}}`); code != 400 || !strings.Contains(string(b), `"field":"area"`) {
		t.Errorf("a point drawn: %d %s", code, b)
	}
	if code, b, _ = call(t, s, "POST", "/api/v1/stop-search/disproportionality", viewer, `{"from":"2023-13"}`); code != 400 || !strings.Contains(string(b), `"field":"from"`) || !strings.Contains(string(b), `"field":"area"`) {
		t.Errorf("nothing drawn: %d %s", code, b)
	}

	code, b, _ = call(t, s, "GET", url+"&ethnicity=officer&legislation=section60", viewer, "")
	var off disproAnswer
	if json.Unmarshal(b, &off); code != 200 || len(off.Groups) != 4 || strings.Contains(string(b), `"Mixed"`) {
		t.Errorf("officer-defined: %d %.300s", code, b)
	}
	if code, b, _ := call(t, s, "GET", url+"&format=csv", viewer, ""); code != 403 {
		t.Errorf("a viewer's CSV: %d %s", code, b)
	}
	if code, b, _ := call(t, s, "GET", url+"&format=csv", keys[hexbeat.RoleAnalyst], ""); code != 200 || strings.Count(string(b), "\n") != 6 || !strings.HasPrefix(string(b), "area,from,to,") {
		t.Errorf("an analyst's CSV: %d %s", code, b)
	}
	code, b, _ = call(t, s, "GET", "/api/v1/stop-search/disproportionality?area=nowhere&from=2023-12-05&ethnicity=x&legislation=y", viewer, "")
	for _, f := range []string{`"field":"area"`, `"field":"from"`, `"field":"ethnicity"`, `"field":"legislation"`} {
		if code != 400 || !strings.Contains(string(b), f) {
			t.Errorf("bad parameters: %d %s (want %s)", code, b, f)
		}
	}
	if code, b, _ := call(t, s, "GET", "/api/v1/stop-search/disproportionality?from=2023-12", viewer, ""); code != 400 || !strings.Contains(string(b), `"field":"area"`) {
		t.Errorf("no area: %d %s", code, b)
	}
}

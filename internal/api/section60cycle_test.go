package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
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

// TestSection60Cycle: an inspector's authorisation is pending until the record that a
// superintendent was informed (s60(3A)), in the register and in the metric; the record
// refuses a rank below superintendent, a time before the authorisation, a second record,
// and an authorisation a superintendent gave. Community notices are recorded in order,
// each stage holding to the authorisation's hours; both are audited with who recorded
// them, and a viewer may not record either.
func TestSection60Cycle(t *testing.T) {
	s, svc, keys := keyedServer(t, api.Config{RateLimit: -1})
	cmd, viewer := keys[hexbeat.RoleCommander], keys[hexbeat.RoleViewer]
	start := time.Now().UTC().Add(-2 * time.Hour).Truncate(time.Second)
	area := `{"type":"Polygon","coordinates":[[[-0.80,52.03],[-0.74,52.03],[-0.74,52.06],[-0.80,52.06],[-0.80,52.03]]]}`
	authorise := func(rank string) string {
		t.Helper()
		code, b, _ := call(t, s, "POST", "/api/v1/section60/authorisations", cmd, fmt.Sprintf(
			`{"area":%s,"grounds":"a stabbing in Central Milton Keynes","officer":"J Smith","rank":%q,"start":%q,"end":%q}`,
			area, rank, start.Format(time.RFC3339), start.Add(15*time.Hour).Format(time.RFC3339)))
		if code != 201 {
			t.Fatalf("authorise by %s: %d %s", rank, code, b)
		}
		var f struct{ ID int64 }
		json.Unmarshal(b, &f)
		return fmt.Sprint(f.ID)
	}
	props := func(id string) map[string]any {
		t.Helper()
		_, b, _ := call(t, s, "GET", "/api/v1/section60/authorisations/"+id, viewer, "")
		var f struct{ Properties map[string]any }
		if err := json.Unmarshal(b, &f); err != nil {
			t.Fatalf("%v %s", err, b)
		}
		return f.Properties
	}
	pendingMetric := func() string {
		t.Helper()
		_, b, _ := call(t, s, "GET", "/metrics", keys[hexbeat.RoleAdmin], "")
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "hexbeat_section60_pending_superintendent ") {
				return strings.TrimPrefix(l, "hexbeat_section60_pending_superintendent ")
			}
		}
		return "absent"
	}
	id := authorise("Inspector")
	if p := props(id); p["pending_superintendent"] != true || p["superintendent_required"] != true || p["informed"] != nil {
		t.Fatalf("an inspector's authorisation: %v", p)
	}
	if m := pendingMetric(); m != "1" {
		t.Errorf("pending metric %s, want 1", m)
	}
	informed := "/api/v1/section60/authorisations/" + id + "/informed"
	for body, want := range map[string]string{
		`{"officer":"A Jones","rank":"Chief Inspector","at":"` + start.Add(time.Hour).Format(time.RFC3339) + `"}`: `422`,
		`{"officer":"A Jones","rank":"Superintendent","at":"` + start.Add(-time.Hour).Format(time.RFC3339) + `"}`: `422`,
		`{"officer":"","rank":"Major","at":"soon"}`:                                                               `400`,
	} {
		if code, b, _ := call(t, s, "POST", informed, cmd, body); fmt.Sprint(code) != want {
			t.Errorf("%s: %d %s, want %s", body, code, b, want)
		}
	}
	if code, b, _ := call(t, s, "POST", informed, viewer, `{"officer":"A Jones","rank":"Superintendent","at":"`+start.Format(time.RFC3339)+`"}`); code != 403 {
		t.Errorf("a viewer's record: %d %s", code, b)
	}
	at := start.Add(30 * time.Minute).Format(time.RFC3339)
	if code, b, _ := call(t, s, "POST", informed, cmd, `{"officer":"A Jones","rank":"Superintendent","at":"`+at+`"}`); code != 200 {
		t.Fatalf("the record: %d %s", code, b)
	}
	p := props(id)
	inf, _ := p["informed"].(map[string]any)
	if p["pending_superintendent"] != false || inf["officer"] != "A Jones" || inf["at"] != at || inf["hours_after_start"] != 0.5 || !strings.HasPrefix(fmt.Sprint(inf["recorded_by"]), "test commander") {
		t.Errorf("after the record: %v", p)
	}
	if m := pendingMetric(); m != "0" {
		t.Errorf("pending metric %s, want 0", m)
	}
	if code, b, _ := call(t, s, "POST", informed, cmd, `{"officer":"B Brown","rank":"Chief Superintendent","at":"`+at+`"}`); code != 409 || !strings.Contains(string(b), "already recorded") {
		t.Errorf("a second record: %d %s", code, b)
	}
	supt := authorise("Superintendent")
	if p := props(supt); p["pending_superintendent"] != false || p["superintendent_required"] != false {
		t.Errorf("a superintendent's authorisation: %v", p)
	}
	if code, b, _ := call(t, s, "POST", "/api/v1/section60/authorisations/"+supt+"/informed", cmd, `{"officer":"A Jones","rank":"Superintendent","at":"`+at+`"}`); code != 409 || !strings.Contains(string(b), "applies only") {
		t.Errorf("s60(3A) on a superintendent's authorisation: %d %s", code, b)
	}

	notices := "/api/v1/section60/authorisations/" + id + "/notices"
	during := `{"at":"` + start.Add(time.Hour).Format(time.RFC3339) + `","stage":"during","how":"email","to":"Milton Keynes IAG","text":"A section 60 is in force in CMK until 03:00."}`
	for body, want := range map[string]int{
		`{"at":"` + start.Add(time.Hour).Format(time.RFC3339) + `","stage":"before","how":"email","to":"IAG"}`: 422, // after it started
		`{"at":"` + start.Add(time.Hour).Format(time.RFC3339) + `","stage":"after","how":"email","to":"IAG"}`:  422, // while in force
		`{"at":"` + start.Add(time.Hour).Format(time.RFC3339) + `","stage":"soon","how":"","to":""}`:           400,
		during: 200,
		`{"at":"` + start.Add(-time.Hour).Format(time.RFC3339) + `","stage":"before","how":"meeting","to":"ward panel"}`: 200,
	} {
		if code, b, _ := call(t, s, "POST", notices, cmd, body); code != want {
			t.Errorf("notice %s: %d %s, want %d", body, code, b, want)
		}
	}
	ns, _ := props(id)["notices"].([]any)
	if len(ns) != 2 {
		t.Fatalf("notices: %v", ns)
	}
	stages := []string{}
	for _, n := range ns {
		stages = append(stages, fmt.Sprint(n.(map[string]any)["stage"]))
	}
	if strings.Join(stages, ",") != "during,before" && strings.Join(stages, ",") != "before,during" {
		t.Errorf("stages %v", stages)
	}
	events, err := svc.AuditLog(context.Background(), 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, ev := range events {
		if strings.HasPrefix(ev.Action, "section60.") && ev.Subject == "authorisation/"+id {
			got[ev.Action]++
		}
	}
	if got["section60.informed"] != 1 || got["section60.notice"] != 2 || got["section60.authorise"] != 1 {
		t.Errorf("audit: %v", got)
	}
}

// TestSection60Evaluation: an authorisation over Central Milton Keynes in March 2025,
// evaluated once ended: the crimes of its categories in the area and in the rest of
// Milton Keynes in February, March and April (police.uk's months) equal a count of the
// street files made here; the report says they are dated by month, gives the searches
// (none held for 2025) and the residents' groups, is printable and audited. Before it
// ends there is no evaluation; with a force's own exact times, the windows are the
// authorisation's own hours and as long again either side.
func TestSection60Evaluation(t *testing.T) {
	s, svc, keys := keyedServer(t, api.Config{RateLimit: -1})
	admin, cmd, viewer := keys[hexbeat.RoleAdmin], keys[hexbeat.RoleCommander], keys[hexbeat.RoleViewer]
	for _, rel := range []string{"boundaries/milton-keynes-boundary.geojson", "police/street/2025-02-thames-valley-street.csv",
		"police/street/2025-03-thames-valley-street.csv", "police/street/2025-04-thames-valley-street.csv",
		"census/census2021-ts021-lsoa-broad.csv", "census/lsoa21-population-weighted-centroids-bng.csv"} {
		b, err := os.ReadFile(testkit.Data(t, rel))
		if err != nil {
			t.Fatal(err)
		}
		if code, body := upload(t, s, "name="+filepath.Base(rel), admin, b); code != 200 {
			t.Fatalf("%s: %d %s", rel, code, body)
		}
	}
	rect := orb.Polygon{{{-0.78, 52.03}, {-0.74, 52.03}, {-0.74, 52.05}, {-0.78, 52.05}, {-0.78, 52.03}}}
	area := `{"type":"Polygon","coordinates":[[[-0.78,52.03],[-0.74,52.03],[-0.74,52.05],[-0.78,52.05],[-0.78,52.03]]]}`
	code, b, _ := call(t, s, "POST", "/api/v1/section60/authorisations", cmd,
		`{"area":`+area+`,"grounds":"a stabbing","officer":"J Smith","rank":"Chief Inspector","start":"2025-03-14T18:00:00Z","end":"2025-03-15T09:00:00Z"}`)
	if code != 201 {
		t.Fatalf("authorise: %d %s", code, b)
	}
	var f struct{ ID int64 }
	json.Unmarshal(b, &f)
	url := fmt.Sprintf("/api/v1/section60/authorisations/%d/evaluation", f.ID)
	code, b, _ = call(t, s, "GET", url, viewer, "")
	var ev struct {
		LPA        *string  `json:"lpa"`
		AreaInLPA  bool     `json:"area_within_lpa"`
		MonthDated bool     `json:"month_dated"`
		Categories []string `json:"categories"`
		Crimes     []struct {
			Window, From, To string
			Area             int  `json:"area"`
			Rest             *int `json:"rest_of_lpa"`
		} `json:"crimes"`
		Searches struct {
			Searches int `json:"searches"`
		} `json:"searches"`
		Dispro struct {
			Groups  []map[string]any `json:"groups"`
			Missing string           `json:"missing"`
		} `json:"disproportionality"`
		Notes []string `json:"notes"`
	}
	if err := json.Unmarshal(b, &ev); err != nil || code != 200 {
		t.Fatalf("%d %v %s", code, err, b)
	}
	if ev.LPA == nil || *ev.LPA != "E06000042" || !ev.AreaInLPA || !ev.MonthDated || len(ev.Crimes) != 3 || ev.Searches.Searches != 0 || len(ev.Dispro.Groups) != 5 {
		t.Fatalf("evaluation: %s", b)
	}
	raw, _ := os.ReadFile(testkit.Data(t, "boundaries/milton-keynes-boundary.geojson"))
	fc, _ := geojson.UnmarshalFeatureCollection(raw)
	mk := fc.Features[0].Geometry
	cats := map[string]bool{}
	for _, c := range ev.Categories {
		cats[c] = true
	}
	for i, month := range []string{"2025-02", "2025-03", "2025-04"} {
		rows := testkit.CSV(t, testkit.Data(t, "police/street/"+month+"-thames-valley-street.csv"))
		inArea, inMK := 0, 0
		for _, r := range rows[1:] {
			lon, err1 := strconv.ParseFloat(r[4], 64)
			lat, err2 := strconv.ParseFloat(r[5], 64)
			if err1 != nil || err2 != nil || !cats[r[9]] {
				continue
			}
			pt := orb.Point{lon, lat}
			if planar.PolygonContains(rect, pt) {
				inArea++
			}
			if contains(mk, pt) {
				inMK++
			}
		}
		w := ev.Crimes[i]
		if w.From != month || w.To != month || w.Area != inArea || w.Rest == nil || *w.Rest != inMK-inArea || inArea == 0 {
			t.Errorf("%s: %+v (rest %v); want %d in the area, %d in the rest", month, w, *w.Rest, inArea, inMK-inArea)
		}
	}
	if !strings.Contains(strings.Join(ev.Notes, " "), "dated by month") {
		t.Errorf("notes: %v", ev.Notes)
	}
	code, b, _ = call(t, s, "GET", url+"?format=html", viewer, "")
	for _, want := range []string{"Section 60 evaluation", "PENDING", "In proportion to who lives there", "Recorded crime", "No notice to the community"} {
		if code != 200 || !strings.Contains(string(b), want) {
			t.Errorf("printable: %d, no %q", code, want)
		}
	}
	events, _ := svc.AuditLog(context.Background(), 0, 200)
	n := 0
	for _, e := range events {
		if e.Action == "section60.evaluate" && e.Subject == fmt.Sprintf("authorisation/%d", f.ID) {
			n++
		}
	}
	if n != 2 {
		t.Errorf("%d evaluations audited, want 2", n)
	}

	// the scrutiny report gives the residents' groups too, printable
	code, b, _ = call(t, s, "GET", fmt.Sprintf("/api/v1/section60/authorisations/%d/scrutiny", f.ID), viewer, "")
	var sc struct {
		Dispro struct {
			Groups []map[string]any `json:"groups"`
			LSOAs  int              `json:"lsoas"`
		} `json:"disproportionality"`
	}
	if json.Unmarshal(b, &sc); code != 200 || len(sc.Dispro.Groups) != 5 || sc.Dispro.LSOAs == 0 {
		t.Errorf("scrutiny: %d %.400s", code, b)
	}
	if code, b, _ = call(t, s, "GET", fmt.Sprintf("/api/v1/section60/authorisations/%d/scrutiny?format=html", f.ID), viewer, ""); code != 200 || !strings.Contains(string(b), "<th scope=\"row\">Black") {
		t.Errorf("printable scrutiny: %d %.300s", code, b)
	}

	// in force: no evaluation yet
	now := time.Now().UTC().Truncate(time.Second)
	code, b, _ = call(t, s, "POST", "/api/v1/section60/authorisations", cmd, fmt.Sprintf(`{"area":%s,"grounds":"g","officer":"J Smith","rank":"Superintendent","start":%q,"end":%q}`,
		area, now.Add(-time.Hour).Format(time.RFC3339), now.Add(5*time.Hour).Format(time.RFC3339)))
	json.Unmarshal(b, &f)
	if code, b, _ := call(t, s, "GET", fmt.Sprintf("/api/v1/section60/authorisations/%d/evaluation", f.ID), viewer, ""); code != 409 || !strings.Contains(string(b), "once it has ended") {
		t.Errorf("in force: %d %s", code, b)
	}
}

func contains(g orb.Geometry, pt orb.Point) bool {
	switch v := g.(type) {
	case orb.Polygon:
		return planar.PolygonContains(v, pt)
	case orb.MultiPolygon:
		return planar.MultiPolygonContains(v, pt)
	}
	return false
}

// TestSection60EvaluationExactTimes: with a force's own records, timed to the minute, the
// evaluation's windows are the authorisation's ten hours and ten hours either side, and
// the crimes are counted in each as written here.
func TestSection60EvaluationExactTimes(t *testing.T) {
	s, _, keys := keyedServer(t, api.Config{RateLimit: -1})
	admin, cmd := keys[hexbeat.RoleAdmin], keys[hexbeat.RoleCommander]
	lpa := `{"type":"FeatureCollection","features":[{"type":"Feature","id":"lpa-1","properties":{"name":"Test LPA"},"geometry":{"type":"Polygon","coordinates":[[[-0.9,52.0],[-0.6,52.0],[-0.6,52.1],[-0.9,52.1],[-0.9,52.0]]]}}]}`
	if code, b := upload(t, s, "name=lpa.geojson&boundary_kind=lpa", admin, []byte(lpa)); code != 200 {
		t.Fatalf("LPA: %d %s", code, b)
	}
	csv := "Ref,When,What,Lon,Lat\n" +
		"B1,2025-05-10T05:00:00Z,Possession of weapons,-0.76,52.04\nB2,2025-05-10T09:59:00Z,Robbery,-0.76,52.04\n" + // before
		"D1,2025-05-10T10:00:00Z,Robbery,-0.76,52.04\nD2,2025-05-10T12:00:00Z,Robbery,-0.76,52.04\nD3,2025-05-10T19:59:00Z,Robbery,-0.76,52.04\n" + // during
		"D4,2025-05-10T12:00:00Z,Robbery,-0.65,52.09\n" + // during, in the LPA outside the area
		"D5,2025-05-10T12:00:00Z,Burglary,-0.76,52.04\n" + // another category
		"A1,2025-05-11T05:59:00Z,Robbery,-0.76,52.04\nA2,2025-05-11T06:00:00Z,Robbery,-0.76,52.04\n" // after, and beyond it
	if code, b := upload(t, s, "name=force.csv&lon=Lon&lat=Lat&time=When&category=What&id=Ref", admin, []byte(csv)); code != 200 {
		t.Fatalf("records: %d %s", code, b)
	}
	area := `{"type":"Polygon","coordinates":[[[-0.78,52.03],[-0.74,52.03],[-0.74,52.05],[-0.78,52.05],[-0.78,52.03]]]}`
	code, b, _ := call(t, s, "POST", "/api/v1/section60/authorisations", cmd,
		`{"area":`+area+`,"grounds":"g","officer":"J Smith","rank":"Superintendent","start":"2025-05-10T10:00:00Z","end":"2025-05-10T20:00:00Z"}`)
	if code != 201 {
		t.Fatalf("authorise: %d %s", code, b)
	}
	var f struct{ ID int64 }
	json.Unmarshal(b, &f)
	code, b, _ = call(t, s, "GET", fmt.Sprintf("/api/v1/section60/authorisations/%d/evaluation", f.ID), cmd, "")
	var ev struct {
		LPA        *string `json:"lpa"`
		MonthDated bool    `json:"month_dated"`
		Crimes     []struct {
			Window, From, To string
			Area             int  `json:"area"`
			Rest             *int `json:"rest_of_lpa"`
		} `json:"crimes"`
		Dispro struct {
			Missing string `json:"missing"`
		} `json:"disproportionality"`
	}
	if err := json.Unmarshal(b, &ev); err != nil || code != 200 || ev.MonthDated || ev.LPA == nil || *ev.LPA != "lpa-1" || len(ev.Crimes) != 3 {
		t.Fatalf("%d %v %s", code, err, b)
	}
	want := []struct {
		from       string
		area, rest int
	}{{"2025-05-10T00:00:00Z", 2, 0}, {"2025-05-10T10:00:00Z", 3, 1}, {"2025-05-10T20:00:00Z", 1, 0}}
	for i, w := range want {
		if c := ev.Crimes[i]; c.From != w.from || c.Area != w.area || *c.Rest != w.rest {
			t.Errorf("%s: %+v, want from %s, %d in the area, %d in the rest", c.Window, c, w.from, w.area, w.rest)
		}
	}
	if !strings.Contains(ev.Dispro.Missing, "TS021") {
		t.Errorf("without a census: %q", ev.Dispro.Missing)
	}
}

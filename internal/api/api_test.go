package api_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hexbeat/hexbeat/internal/testkit"

	"github.com/hexbeat/hexbeat/geodata"
	"github.com/hexbeat/hexbeat/internal/api"
	"github.com/hexbeat/hexbeat/internal/ingest"
	"github.com/hexbeat/hexbeat/internal/service"
	"github.com/hexbeat/hexbeat/internal/store"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// newServer imports real files into a fresh SQLite store and serves them in-process.
func newServer(t testing.TB, files ...string) *api.Server {
	t.Helper()
	return newServerWith(t, api.Config{}, files...)
}

func newServerWith(t testing.TB, cfg api.Config, files ...string) *api.Server {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "h.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	for _, f := range files {
		if _, _, err := ingest.ImportFile(ctx, st, f, ingest.Options{Taxonomy: geodata.Taxonomy()}, nil); err != nil {
			t.Fatal(err)
		}
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := service.New(st, geodata.Taxonomy(), log)
	if err := svc.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	return api.New(svc, log, cfg, nil)
}

func get(t testing.TB, s *api.Server, url string) (int, string, []byte) {
	t.Helper()
	res, err := s.App().Test(httptest.NewRequest("GET", url, nil), -1)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header.Get("Content-Type"), body
}

// checkRFC7946 holds a FeatureCollection of polygons to RFC 7946: no crs member, every
// feature with a properties object, closed rings of at least four positions, outer rings
// counter-clockwise, coordinates [lon,lat] in range and of at most 7 decimals (docs/architecture.md, "API conventions").
func checkRFC7946(t *testing.T, body []byte) *geojson.FeatureCollection {
	t.Helper()
	var raw map[string]any
	if err := json.Unmarshal(body, &raw); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if _, has := raw["crs"]; has {
		t.Error("RFC 7946 has no crs member")
	}
	for i, f := range raw["features"].([]any) {
		if _, ok := f.(map[string]any)["properties"].(map[string]any); !ok {
			t.Fatalf("feature %d has no properties object", i)
		}
		if g, ok := f.(map[string]any)["geometry"].(map[string]any); ok {
			if v, ok := overPrecise(g["coordinates"]); ok {
				t.Fatalf("feature %d: coordinate %v has more than 7 decimals", i, v)
			}
		}
	}
	fc, err := geojson.UnmarshalFeatureCollection(body)
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range fc.Features {
		var polys orb.MultiPolygon
		switch g := f.Geometry.(type) {
		case orb.Polygon:
			polys = orb.MultiPolygon{g}
		case orb.MultiPolygon:
			polys = g
		case orb.Point:
			if g[0] < -180 || g[0] > 180 || g[1] < -90 || g[1] > 90 {
				t.Fatalf("feature %d: position %v out of range", i, g)
			}
		default:
			t.Fatalf("feature %d is a %T", i, f.Geometry)
		}
		for _, p := range polys {
			for r, ring := range p {
				if len(ring) < 4 || ring[0] != ring[len(ring)-1] {
					t.Fatalf("feature %d ring %d not closed: %v", i, r, ring)
				}
				want := orb.CCW
				if r > 0 {
					want = orb.CW
				}
				if ring.Orientation() != want {
					t.Fatalf("feature %d ring %d has the wrong winding", i, r)
				}
				for _, pt := range ring {
					if pt[0] < -180 || pt[0] > 180 || pt[1] < -90 || pt[1] > 90 {
						t.Fatalf("feature %d: position %v out of range", i, pt)
					}
				}
			}
		}
	}
	return fc
}

// overPrecise finds a number in GeoJSON coordinates with more than 7 decimals.
func overPrecise(coords any) (float64, bool) {
	switch x := coords.(type) {
	case float64:
		return x, math.Abs(x*1e7-math.Round(x*1e7)) > 1e-6
	case []any:
		for _, c := range x {
			if v, bad := overPrecise(c); bad {
				return v, true
			}
		}
	}
	return 0, false
}

func TestCellsLayer(t *testing.T) {
	s := newServer(t, testkit.Data(t, "police/street/2025-01-thames-valley-street.csv"), testkit.Data(t, "boundaries/milton-keynes-boundary.geojson"))
	code, ctype, body := get(t, s, "/api/v1/cells?res=9&from=2025-01&to=2025-01")
	if code != 200 || ctype != "application/geo+json" {
		t.Fatalf("status %d, content type %q: %s", code, ctype, body)
	}
	fc := checkRFC7946(t, body)
	sum := 0
	for _, f := range fc.Features {
		sum += int(f.Properties["count"].(float64))
		if f.Properties["cell"] != f.ID {
			t.Fatalf("feature id %v and cell %v differ", f.ID, f.Properties["cell"])
		}
	}
	if sum != 14494 {
		t.Errorf("counts sum to %d, the file has 14,494 located rows", sum)
	}
	const outside = "the period (2025-02-01 to 2025-02-28) lies outside the data held (2025-01 to 2025-01): its counts are no data, not no crime"
	for _, tc := range []struct {
		name, query string
		want        int
		note        string
	}{
		{"Milton Keynes by boundary", "res=9&area=E06000042", 2406, ""},
		{"robbery, slug spelling", "res=8&category=robbery", 126, ""},
		{"robbery and weapons, repeated", "res=7&category=Robbery&category=Possession%20of%20weapons", 245, ""},
		{"comma list", "res=7&category=Robbery,Possession%20of%20weapons", 245, ""},
		{"a month with no data", "res=9&from=2025-02&to=2025-02", 0, outside},
		{"bbox around Milton Keynes", "res=6&bbox=-0.95,51.95,-0.55,52.2", -1, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, body := get(t, s, "/api/v1/cells?"+tc.query)
			if code != 200 {
				t.Fatalf("status %d: %s", code, body)
			}
			var fc struct {
				Total    int      `json:"total"`
				Notes    []string `json:"notes"`
				Features []struct {
					Properties struct{ Count int } `json:"properties"`
				} `json:"features"`
			}
			json.Unmarshal(body, &fc)
			sum := 0
			for _, f := range fc.Features {
				sum += f.Properties.Count
			}
			if sum != fc.Total || (tc.want >= 0 && sum != tc.want) || (tc.want < 0 && (sum < 2406 || sum >= 14494)) {
				t.Errorf("sum %d total %d, want %d", sum, fc.Total, tc.want)
			}
			if fc.Notes == nil || strings.Join(fc.Notes, "|") != tc.note {
				t.Errorf("notes %q, want %q", fc.Notes, tc.note)
			}
		})
	}
	// the hot spot layer (and its summary for the map) says the same
	for _, q := range []string{"res=9&from=2025-02&to=2025-02", "res=9&from=2025-02&to=2025-02&summary=true"} {
		_, _, body := get(t, s, "/api/v1/hotspots?"+q)
		var h struct{ Notes []string }
		if json.Unmarshal(body, &h); len(h.Notes) != 1 || h.Notes[0] != outside {
			t.Errorf("hotspots?%s: notes %q", q, h.Notes)
		}
	}
}

// TestRequestTimeLimit: an analysis that runs past the request's time limit stops and
// answers 503 with a problem naming the limit (a 1 ms limit here: a month of Thames Valley
// at res 11 takes far longer to analyse), while light routes still answer.
func TestRequestTimeLimit(t *testing.T) {
	s := newServerWith(t, api.Config{RequestTimeout: time.Millisecond}, testkit.Data(t, "police/street/2025-01-thames-valley-street.csv"))
	for _, url := range []string{"/api/v1/hotspots?method=kde&res=11", "/api/v1/hotspots?method=gistar&res=11&k=3"} {
		code, ctype, body := get(t, s, url)
		var p struct{ Code, Detail string }
		json.Unmarshal(body, &p)
		if code != 503 || ctype != "application/problem+json" || p.Code != "unavailable" || !strings.Contains(p.Detail, "time limit") {
			t.Errorf("%s: %d %s %s", url, code, ctype, body)
		}
	}
	if code, _, body := get(t, s, "/healthz"); code != 200 {
		t.Errorf("healthz: %d %s", code, body)
	}
}

func TestBadParametersAreProblems(t *testing.T) {
	s := newServer(t, testkit.Data(t, "boundaries/milton-keynes-boundary.geojson"))
	for _, tc := range []struct {
		name, url string
		status    int
		fields    []string
	}{
		{"everything wrong at once", "/api/v1/cells?res=16&from=2025-13&catgory=x&bbox=1,2,3", 400, []string{"catgory", "from", "bbox", "res"}},
		{"res not a number", "/api/v1/cells?res=nine", 400, []string{"res"}},
		{"to before from", "/api/v1/cells?from=2025-06&to=2025-01", 400, []string{"to"}},
		{"unknown category", "/api/v1/cells?category=Jaywalking", 400, []string{"category"}},
		{"unknown area", "/api/v1/cells?area=nowhere", 400, []string{"area"}},
		{"repeated res", "/api/v1/cells?res=7&res=8", 400, []string{"res"}},
		{"bbox inverted", "/api/v1/cells?bbox=0,10,-1,5", 400, []string{"bbox"}},
		{"hotspots: bad method, k, alpha, weight", "/api/v1/hotspots?method=lisa&k=99&alpha=2&weight=pain&half_life_days=-1&fdr=maybe", 400, []string{"method", "k", "alpha", "weight", "half_life_days", "fdr"}},
		{"hotspots: unknown parameter", "/api/v1/hotspots?methd=gistar", 400, []string{"methd"}},
		{"hotspots: k neither a radius nor auto", "/api/v1/hotspots?k=automatic", 400, []string{"k"}},
		{"hotspots: k zero", "/api/v1/hotspots?k=0", 400, []string{"k"}},
		{"hotspots: bad format", "/api/v1/hotspots?format=xlsx", 400, []string{"format"}},
		{"hotspots: bad limit", "/api/v1/hotspots?limit=0", 400, []string{"limit"}},
		{"hotspots: unknown area", "/api/v1/hotspots?area=nowhere", 400, []string{"area"}},
		{"emerging: bad slice", "/api/v1/emerging?slice=fortnight", 400, []string{"slice"}},
		{"change: half a period", "/api/v1/change?a_from=2025-01", 400, []string{"a_from", "b_from"}},
		{"change: period backwards", "/api/v1/change?a_from=2025-03&a_to=2025-01&b_from=2025-04&b_to=2025-06", 400, []string{"a_to"}},
		{"evaluate: bad methods and coverage", "/api/v1/evaluate?methods=magic&coverage=2,abc&train_months=0", 400, []string{"methods", "coverage", "coverage", "train_months"}},
		{"evaluate: no data", "/api/v1/evaluate", 422, nil},
		{"unknown boundary", "/api/v1/boundaries/nowhere", 404, nil},
		{"unknown route", "/api/v1/nothing", 404, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, ctype, body := get(t, s, tc.url)
			if code != tc.status || ctype != "application/problem+json" {
				t.Fatalf("status %d %q, want %d problem+json: %s", code, ctype, tc.status, body)
			}
			var p struct {
				Type, Title, Detail, Code string
				Status                    int
				Errors                    []struct{ Field, Message string }
			}
			if err := json.Unmarshal(body, &p); err != nil || p.Status != code || p.Type == "" || p.Detail == "" {
				t.Fatalf("not a problem document: %s", body)
			}
			got := map[string]int{}
			for _, e := range p.Errors {
				got[e.Field]++
			}
			for _, f := range tc.fields {
				if got[f] == 0 {
					t.Errorf("no error for field %q in %s", f, body)
				}
			}
			// one problem, one message: the parser and the domain check do not both
			// report the same bad value (a field listed twice has two bad values)
			for f, n := range got {
				want := 0
				for _, g := range tc.fields {
					if g == f {
						want++
					}
				}
				if n != max(1, want) {
					t.Errorf("field %q reported %d times, want %d, in %s", f, n, max(1, want), body)
				}
			}
		})
	}
}

func TestBoundariesAndStatus(t *testing.T) {
	s := newServer(t, testkit.Data(t, "boundaries/milton-keynes-wards.geojson"), testkit.Data(t, "police/street/2025-01-thames-valley-street.csv"))
	code, _, body := get(t, s, "/api/v1/boundaries")
	if code != 200 {
		t.Fatal(code)
	}
	fc := checkRFC7946(t, body)
	if len(fc.Features) != 23 || fc.Features[0].ID == nil || fc.Features[0].Properties["kind"] != "ward" {
		t.Fatalf("%d boundaries, first %+v", len(fc.Features), fc.Features[0].Properties)
	}
	id := fc.Features[0].ID.(string)
	if code, _, _ := get(t, s, "/api/v1/boundaries/"+id); code != 200 {
		t.Errorf("boundary %s: %d", id, code)
	}
	code, _, body = get(t, s, "/api/v1/status")
	var st struct {
		Demo          bool
		Incidents     int
		First         string
		TimePrecision string `json:"time_precision"`
	}
	json.Unmarshal(body, &st)
	if code != 200 || st.Demo || st.Incidents != 14494 || !strings.HasPrefix(st.First, "2025-01") || st.TimePrecision != "month" {
		t.Errorf("status %d: %s", code, body)
	}
	for _, p := range []string{"/healthz", "/readyz"} {
		if code, _, body := get(t, s, p); code != 200 {
			t.Errorf("%s: %d %s", p, code, body)
		}
	}
	if code, ctype, _ := get(t, s, "/"); code != 200 || !strings.HasPrefix(ctype, "text/html") {
		t.Errorf("/: %d %s", code, ctype)
	}
}

// TestCellsEqualPeerFixture: through the whole path (six real months and the boundary
// imported into a store, the boundary looked up by id, GeoJSON over HTTP), the Milton Keynes
// res-9 counts for 2025-01..06 equal the count column of the peer's fixture for every cell.
// TestAnalysesEqualPeerFixture: on the six 2025 months, the cells layer's counts and the
// Gi* hotspot layer's z and FDR-adjusted p equal the peer's fixture over HTTP, and the
// other analysis endpoints answer with well-formed documents.
func TestAnalysesEqualPeerFixture(t *testing.T) {
	files := []string{testkit.Data(t, "boundaries/milton-keynes-boundary.geojson")}
	for m := 1; m <= 6; m++ {
		files = append(files, testkit.Data(t, fmt.Sprintf("police/street/2025-%02d-thames-valley-street.csv", m)))
	}
	s := newServer(t, files...)
	code, _, body := get(t, s, "/api/v1/cells?res=9&from=2025-01&to=2025-06&area=E06000042")
	if code != 200 {
		t.Fatalf("status %d: %s", code, body)
	}
	fc := checkRFC7946(t, body)
	got := map[string]int{}
	for _, f := range fc.Features {
		got[f.Properties["cell"].(string)] = int(f.Properties["count"].(float64))
	}
	fh, err := os.Open(testkit.Shared(t, "fixtures/gistar/mk-2025h1-res9-all.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	rows, err := csv.NewReader(fh).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	nonEmpty := 0
	for _, r := range rows[1:] {
		want, _ := strconv.Atoi(r[1])
		if want > 0 {
			nonEmpty++
		}
		if got[r[0]] != want {
			t.Errorf("cell %s: %d, peer %d", r[0], got[r[0]], want)
		}
		delete(got, r[0])
	}
	if len(got) != 0 || nonEmpty != len(fc.Features) {
		t.Errorf("%d cells outside the fixture's study area; %d features vs %d non-empty fixture cells", len(got), len(fc.Features), nonEmpty)
	}

	code, _, body = get(t, s, "/api/v1/hotspots?method=gistar&res=9&from=2025-01&to=2025-06&area=E06000042&k=1")
	if code != 200 {
		t.Fatalf("hotspots: status %d: %s", code, body)
	}
	fc = checkRFC7946(t, body)
	if len(fc.Features) != len(rows)-1 {
		t.Fatalf("hotspots: %d features, fixture study area %d cells", len(fc.Features), len(rows)-1)
	}
	hot := map[string]map[string]any{}
	for i, f := range fc.Features {
		hot[f.Properties["cell"].(string)] = f.Properties
		if r := f.Properties["rank"].(float64); r != float64(i+1) { // hottest first
			t.Fatalf("hotspots: feature %d has rank %v", i, r)
		}
	}
	var maxZ, maxP float64
	for _, r := range rows[1:] {
		z, _ := strconv.ParseFloat(r[2], 64)
		p, _ := strconv.ParseFloat(r[4], 64)
		h := hot[r[0]]
		if h == nil {
			t.Fatalf("hotspots: fixture cell %s missing", r[0])
		}
		maxZ = math.Max(maxZ, math.Abs(h["z"].(float64)-z))
		maxP = math.Max(maxP, math.Abs(h["p_fdr"].(float64)-p))
	}
	if maxZ > 1e-6 || maxP > 1e-6 {
		t.Errorf("hotspots over HTTP: max |z - peer| %g, max |p_fdr - peer| %g", maxZ, maxP)
	}
	// limit: the first cells of the same ranking, every property as in the whole layer,
	// and the layer's own figures (cells, significant) still those of the study area
	full := fc
	code, _, body = get(t, s, "/api/v1/hotspots?method=gistar&res=9&from=2025-01&to=2025-06&area=E06000042&k=1&limit=25")
	if code != 200 {
		t.Fatalf("hotspots, limit 25: status %d: %s", code, body)
	}
	top := checkRFC7946(t, body)
	if len(top.Features) != 25 || top.ExtraMembers["cells"] != full.ExtraMembers["cells"] || fmt.Sprint(top.ExtraMembers["significant"]) != fmt.Sprint(full.ExtraMembers["significant"]) {
		t.Errorf("hotspots, limit 25: %d features, cells %v (whole layer %v), significant %v (%v)", len(top.Features),
			top.ExtraMembers["cells"], full.ExtraMembers["cells"], top.ExtraMembers["significant"], full.ExtraMembers["significant"])
	}
	for i, f := range top.Features {
		if want := full.Features[i]; fmt.Sprint(f.Properties) != fmt.Sprint(want.Properties) || !orb.Equal(f.Geometry, want.Geometry) {
			t.Fatalf("hotspots, limit 25: feature %d is %v, the whole layer's is %v", i, f.Properties, want.Properties)
		}
	}

	_, _, body = get(t, s, "/api/v1/hotspots?res=9&from=2025-01&to=2025-03&area=E06000042&format=csv&limit=10")
	if rows, err := csv.NewReader(strings.NewReader(string(body))).ReadAll(); err != nil || len(rows) != 11 || rows[10][11] != "10" {
		t.Errorf("hotspots csv, limit 10: %v, %d rows: %s", err, len(rows), body)
	}
	code, ctype, body := get(t, s, "/api/v1/hotspots?res=9&from=2025-01&to=2025-03&area=E06000042&format=csv")
	lines := strings.Split(strings.TrimSpace(string(body)), "\n")
	if code != 200 || !strings.HasPrefix(ctype, "text/csv") || !strings.HasPrefix(lines[0], "cell,res,lon,lat,count,") || len(lines) < 1000 {
		t.Errorf("hotspots csv: %d %q, %d lines, header %q", code, ctype, len(lines), lines[0])
	}
	if rows, err := csv.NewReader(strings.NewReader(string(body))).ReadAll(); err != nil || !strings.HasPrefix(rows[1][13], "POLYGON((") {
		t.Errorf("hotspots csv does not parse as CSV with WKT: %v", err)
	} else {
		for i, r := range rows[1:] {
			if r[11] != strconv.Itoa(i+1) {
				t.Fatalf("hotspots csv: row %d has rank %s", i+1, r[11])
			}
		}
	}

	code, _, body = get(t, s, "/api/v1/emerging?res=9&area=E06000042")
	if code != 200 {
		t.Fatalf("emerging: %d %s", code, body)
	}
	fc = checkRFC7946(t, body)
	if fc.ExtraMembers["slice"] != "month" || fc.ExtraMembers["slices"].(float64) != 6 {
		t.Errorf("emerging on monthly data: slice %v, %v slices", fc.ExtraMembers["slice"], fc.ExtraMembers["slices"])
	}
	code, _, body = get(t, s, "/api/v1/emerging?res=9&area=E06000042&slice=week")
	if code != 400 || !strings.Contains(string(body), "month") {
		t.Errorf("weekly slices on monthly data: %d %s", code, body)
	}

	code, _, body = get(t, s, "/api/v1/change?area=E06000042&a_from=2025-01&a_to=2025-03&b_from=2025-04&b_to=2025-06")
	if code != 200 {
		t.Fatalf("change: %d %s", code, body)
	}
	fc = checkRFC7946(t, body)
	total := fc.ExtraMembers["total"].(map[string]any)
	if total["a"].(float64)+total["b"].(float64) != 14867 || !strings.HasPrefix(total["text"].(string), "All crime types: ") {
		t.Errorf("change total %v: the two halves must add up to the fixture's 14,867", total)
	}
	if notes := fc.ExtraMembers["notes"].([]any); len(notes) != 0 {
		t.Errorf("periods inside the data: notes %v", notes)
	}
	// the default, year to date against a year earlier, has no data for its first period
	// here, and says so rather than calling every crime type new
	code, _, body = get(t, s, "/api/v1/change?area=E06000042")
	if code != 200 {
		t.Fatalf("change, default periods: %d %s", code, body)
	}
	fc = checkRFC7946(t, body)
	notes := fc.ExtraMembers["notes"].([]any)
	if len(notes) != 1 || !strings.HasPrefix(notes[0].(string), "period A (2024-01-01 to 2024-06-30) lies outside the data held (2025-01 to 2025-06)") {
		t.Errorf("change, default periods: notes %v", notes)
	}

	code, _, body = get(t, s, "/api/v1/evaluate?area=E06000042&methods=count,gistar&coverage=5%")
	if code != 200 {
		t.Fatalf("evaluate: %d %s", code, body)
	}
	var ev struct {
		Summary []struct {
			Method string
			PAI    float64
			Months int
		}
		Verdict []string
	}
	if err := json.Unmarshal(body, &ev); err != nil || len(ev.Summary) != 3 || ev.Summary[0].Method != "naive" || ev.Summary[0].Months != 3 || len(ev.Verdict) < 3 {
		t.Errorf("evaluate: %v %s", err, body)
	}
}

// TestMonthOnlyDataWantsWholeMonths: police.uk dates incidents by month only, so they all
// fall on the 1st; a period from the 15th of one month to the 3rd of the next would count the
// whole second month and none of the first. Such a period is refused, naming the months to
// ask for; whole months are answered; data dated to the day takes any period.
func TestMonthOnlyDataWantsWholeMonths(t *testing.T) {
	s := newServer(t, testkit.Data(t, "police/street/2025-01-thames-valley-street.csv"), testkit.Data(t, "police/street/2025-02-thames-valley-street.csv"))
	for _, tc := range []struct {
		url  string
		want map[string]string // field: text its message must hold
	}{
		{"/api/v1/cells?res=7&from=2025-01-15&to=2025-02-03", map[string]string{"from": "from=2025-01 starts with January 2025", "to": "to=2025-02 ends with February 2025"}},
		{"/api/v1/hotspots?res=7&from=2025-01-02", map[string]string{"from": "from=2025-01"}},
		{"/api/v1/change?res=7&a_from=2025-02&a_to=2025-02-14&b_from=2025-01&b_to=2025-01", map[string]string{"a_to": "a_to=2025-02 ends with February 2025"}},
	} {
		code, _, body := get(t, s, tc.url)
		var p struct {
			Errors []struct{ Field, Message string }
		}
		json.Unmarshal(body, &p)
		got := map[string]string{}
		for _, e := range p.Errors {
			got[e.Field] = e.Message
		}
		if code != 400 || len(got) != len(tc.want) {
			t.Errorf("%s: %d %s", tc.url, code, body)
			continue
		}
		for f, text := range tc.want {
			if !strings.Contains(got[f], text) || !strings.Contains(got[f], "dated by month only") {
				t.Errorf("%s: %s: %q, want it to say %q", tc.url, f, got[f], text)
			}
		}
	}
	for _, url := range []string{"/api/v1/cells?res=7&from=2025-02&to=2025-02", "/api/v1/cells?res=7&from=2025-01-01T00:00:00Z&to=2025-02-01T00:00:00Z",
		"/api/v1/change?res=7&a_from=2025-02&a_to=2025-02&b_from=2025-01&b_to=2025-01"} {
		if code, _, body := get(t, s, url); code != 200 {
			t.Errorf("%s: %d %s", url, code, body)
		}
	}

	points := filepath.Join(t.TempDir(), "points.geojson")
	os.WriteFile(points, []byte(`{"type":"FeatureCollection","features":[
{"type":"Feature","geometry":{"type":"Point","coordinates":[-0.76,52.04]},"properties":{"time":"2025-01-16T10:30:00Z","category":"Robbery"}},
{"type":"Feature","geometry":{"type":"Point","coordinates":[-0.75,52.04]},"properties":{"time":"2025-02-10T22:00:00Z","category":"Robbery"}}]}`), 0o644)
	daily := newServer(t, points)
	code, _, body := get(t, daily, "/api/v1/cells?res=7&from=2025-01-15&to=2025-02-03")
	var fc struct{ Total int }
	if json.Unmarshal(body, &fc); code != 200 || fc.Total != 1 {
		t.Errorf("data dated to the day, 15 Jan to 3 Feb: %d, total %d (want 1): %s", code, fc.Total, body)
	}
}

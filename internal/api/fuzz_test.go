package api_test

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/hexbeat/hexbeat/geodata"
	"github.com/hexbeat/hexbeat/internal/api"
	"github.com/hexbeat/hexbeat/internal/ingest"
	"github.com/hexbeat/hexbeat/internal/service"
	"github.com/hexbeat/hexbeat/internal/store"
	"github.com/hexbeat/hexbeat/internal/testkit"
)

var (
	fuzzOnce sync.Once
	fuzzSrv  *api.Server
	fuzzDir  string // the fuzz store's directory, removed by TestMain
)

// TestMain removes the fuzz store when the package's tests end. It runs in each of the
// fuzzing engine's worker processes too, and every one of them builds its own store.
func TestMain(m *testing.M) {
	code := m.Run()
	if fuzzDir != "" {
		os.RemoveAll(fuzzDir)
	}
	os.Exit(code)
}

// fuzzServer serves the 2025-01 street file, the Milton Keynes boundary and the retailers
// from a store in a temporary directory, built once for every fuzz input.
func fuzzServer(tb testing.TB) *api.Server {
	fuzzOnce.Do(func() {
		dir, err := os.MkdirTemp("", "hexbeat-fuzz")
		if err != nil {
			tb.Fatal(err)
		}
		fuzzDir = dir
		ctx := context.Background()
		st, err := store.Open(ctx, "sqlite:"+filepath.Join(dir, "h.db"))
		if err != nil {
			tb.Fatal(err)
		}
		for _, rel := range []string{"data/police/street/2025-01-thames-valley-street.csv", "data/boundaries/milton-keynes-boundary.geojson", "data/poi/milton-keynes-grocery-retailers.csv"} {
			if b := testkit.SharedHead(rel, 1); b == nil {
				continue
			}
			if _, _, err := ingest.ImportFile(ctx, st, filepath.Join(testkit.SharedDir(), rel), ingest.Options{Taxonomy: geodata.Taxonomy()}, nil); err != nil {
				tb.Fatal(err)
			}
		}
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		svc := service.New(st, geodata.Taxonomy(), log)
		if err := svc.Sync(ctx); err != nil {
			tb.Fatal(err)
		}
		fuzzSrv = api.New(svc, log, api.Config{RateLimit: -1}, nil)
	})
	return fuzzSrv
}

var fuzzGets = []string{"/api/v1/cells?", "/api/v1/hotspots?", "/api/v1/emerging?", "/api/v1/change?", "/api/v1/evaluate?",
	"/api/v1/test-purchase/targets?", "/api/v1/section60/authorisations?", "/api/v1/boundaries/", "/api/v1/audit?", "/api/v1/stop-search?",
	"/api/v1/stop-search/disproportionality?area=E06000042&"}

// FuzzQueryParams: any query string on any read route gets an answer below 500.
func FuzzQueryParams(f *testing.F) {
	for _, seed := range []string{"res=9&from=2025-01&to=2025-06&category=Robbery&area=E06000042", "res=99&bbox=1,2,3",
		"method=gistar&k=3&alpha=0.01&half_life_days=30&weight=harm", "slice=week&from=2025-01-01T00:00:00Z&to=2025-03-01",
		"a_from=2025-01&a_to=2025-02&b_from=2025-03&b_to=2025-04", "coverage=5%,0.01&methods=count,kde&train_months=1",
		"category=%27%20OR%201%3D1--&area=%27%3BDROP%20TABLE%20incidents--", "from=%00%ff%fe", "res=15&from=1900-01&to=2100-01", "status=active&format=csv"} {
		for i := range fuzzGets {
			f.Add(uint8(i), seed)
		}
	}
	s := fuzzServer(f)
	f.Fuzz(func(t *testing.T, route uint8, query string) {
		url := fuzzGets[int(route)%len(fuzzGets)] + query
		req := httptest.NewRequest("GET", "/", nil)
		req.URL.RawQuery = ""
		if i := strings.IndexByte(url, '?'); i >= 0 {
			req.URL.Path, req.URL.RawQuery = url[:i], url[i+1:]
		} else {
			req.URL.Path = url
		}
		req.RequestURI = req.URL.RequestURI()
		res, err := s.App().Test(req, -1)
		if err != nil {
			return // the HTTP layer itself refused the request line
		}
		if res.StatusCode >= 500 {
			b, _ := io.ReadAll(res.Body)
			t.Fatalf("%s -> %d %s", url, res.StatusCode, b)
		}
	})
}

var fuzzPosts = []string{"/api/v1/section60/authorisations", "/api/v1/section60/proposals", "/api/v1/cameras/plan",
	"/api/v1/section60/authorisations/1/extend", "/api/v1/section60/authorisations/1/cancel", "/api/v1/retailers/1010020809/tests", "/api/v1/keys",
	"/api/v1/cameras"}

// FuzzRequestBodies: any body on any write route gets an answer below 500.
func FuzzRequestBodies(f *testing.F) {
	for _, seed := range []string{
		`{"area":{"type":"Polygon","coordinates":[[[-0.77,52.03],[-0.75,52.03],[-0.75,52.045],[-0.77,52.045],[-0.77,52.03]]]},"grounds":"g","officer":"I","rank":"inspector","start":"2025-06-01T18:00:00Z","end":"2025-06-02T18:00:00Z"}`,
		`{"from":"2025-01","to":"2025-01","area":"E06000042","window":"48h","max_area_km2":0.5,"target_share":0.5}`,
		`{"k":3,"radius_m":300,"candidates":{"type":"FeatureCollection","features":[{"type":"Feature","properties":null,"geometry":{"type":"Point","coordinates":[-0.76,52.04]}}]}}`,
		`{"officer":"S","rank":"superintendent","end":"2025-06-03T18:00:00Z","at":"2025-06-02T00:00:00Z"}`,
		`{"date":"2025-06-01","result":"fail","notes":"x"}`, `{"name":"n","role":"viewer"}`,
		`{"id":"c1","name":"Van","kind":"mobile","lon":-0.76,"lat":52.04,"active_from":"2025-01-01","active_to":""}`,
		`{"area":{"type":"Point","coordinates":[1e308,-1e308]}}`, `{"k":1e10,"radius_m":-1}`, `[]`, `null`, `{"area":{"type":"MultiPolygon","coordinates":[]}}`,
	} {
		for i := range fuzzPosts {
			f.Add(uint8(i), []byte(seed))
		}
	}
	s := fuzzServer(f)
	f.Fuzz(func(t *testing.T, route uint8, body []byte) {
		url := fuzzPosts[int(route)%len(fuzzPosts)]
		req := httptest.NewRequest("POST", url, strings.NewReader(string(body)))
		req.Header.Set("Content-Type", "application/json")
		res, err := s.App().Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		if res.StatusCode >= 500 {
			b, _ := io.ReadAll(res.Body)
			t.Fatalf("POST %s %q -> %d %s", url, body, res.StatusCode, b)
		}
	})
}

// TestSQLInjectionInEveryTextParameter sends classic injection strings in every text
// parameter and path segment of the read routes and in the text members of the write
// routes: every answer is below 500 and the data are unchanged afterwards.
func TestSQLInjectionInEveryTextParameter(t *testing.T) {
	testkit.Data(t, "police/street/2025-01-thames-valley-street.csv") // skips without ../shared
	s := fuzzServer(t)
	status := func() string {
		_, _, b := get(t, s, "/api/v1/status")
		_, _, bb := get(t, s, "/api/v1/boundaries")
		return string(b) + string(bb)
	}
	before := status()
	attacks := []string{`' OR '1'='1`, `'; DROP TABLE incidents; --`, `" OR 1=1 --`, `1; DELETE FROM audit_log`, `E06000042' UNION SELECT * FROM api_keys --`, `%' AND 1=0 UNION SELECT hash FROM api_keys --`, "\x00", `\'; SELECT pg_sleep(5); --`}
	params := map[string][]string{
		"/api/v1/cells":                          {"category", "area", "from", "to", "bbox", "res"},
		"/api/v1/hotspots":                       {"method", "weight", "category", "area", "fdr", "format"},
		"/api/v1/emerging":                       {"slice", "weight", "category", "area"},
		"/api/v1/change":                         {"a_from", "b_to", "category", "area"},
		"/api/v1/evaluate":                       {"methods", "coverage", "weight", "area"},
		"/api/v1/test-purchase/targets":          {"category", "weight", "window", "area", "format"},
		"/api/v1/section60/authorisations":       {"status"},
		"/api/v1/stop-search":                    {"from", "to", "area", "legislation", "format"},
		"/api/v1/stop-search/disproportionality": {"from", "to", "area", "legislation", "ethnicity", "format"},
		"/api/v1/audit":                          {"after", "limit"},
	}
	for route, names := range params {
		for _, name := range names {
			for _, a := range attacks {
				code, _, body := get(t, s, route+"?"+name+"="+urlEscape(a))
				if code >= 500 {
					t.Errorf("%s %s=%q: %d %s", route, name, a, code, body)
				}
			}
		}
	}
	for _, a := range attacks {
		for _, path := range []string{"/api/v1/boundaries/", "/api/v1/section60/authorisations/", "/api/v1/section60/authorisations/1/scrutiny?x="} {
			if code, _, body := get(t, s, path+urlEscape(a)); code >= 500 {
				t.Errorf("%s%q: %d %s", path, a, code, body)
			}
		}
		q := strings.ReplaceAll(a, `"`, `\"`)
		for url, body := range map[string]string{
			"/api/v1/section60/authorisations": `{"area":{"type":"Polygon","coordinates":[[[-0.77,52.03],[-0.75,52.03],[-0.75,52.045],[-0.77,52.03]]]},"grounds":"` + q + `","officer":"` + q + `","rank":"` + q + `","start":"2025-06-01T18:00:00Z","end":"2025-06-02T18:00:00Z"}`,
			"/api/v1/section60/proposals":      `{"area":"` + q + `","categories":["` + q + `"]}`,
			"/api/v1/retailers/x/tests":        `{"date":"2025-01-01","result":"fail","notes":"` + q + `"}`,
		} {
			if code, b := post(t, s, strings.Replace(url, "/x/", "/"+urlEscape(a)+"/", 1), body); code >= 500 {
				t.Errorf("POST %s with %q: %d %s", url, a, code, b)
			}
		}
	}
	if after := status(); after != before {
		t.Errorf("the data changed:\nbefore %s\nafter  %s", before, after)
	}
}

func urlEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' {
			b.WriteByte(c)
		} else {
			b.WriteString("%" + strings.ToUpper(string("0123456789abcdef"[c>>4])+string("0123456789abcdef"[c&15])))
		}
	}
	return b.String()
}

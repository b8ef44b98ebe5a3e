package api_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/hexbeat/hexbeat/internal/testkit"
	"github.com/paulmach/orb/encoding/mvt"
)

// TestOpenAPICoversEveryRoute: every route Fiber has registered (the API, health, metrics,
// OGC API – Features, the tiles; not the front end's files) is in the OpenAPI document
// with its method, every documented operation is a registered route that answers (a GET
// without path parameters is asked), and every documented query parameter is one the route
// accepts.
func TestOpenAPICoversEveryRoute(t *testing.T) {
	s := newServer(t)
	code, _, body := get(t, s, "/api/v1/openapi.json")
	var doc struct {
		OpenAPI string
		Paths   map[string]map[string]struct {
			Summary    string
			Security   []map[string][]string
			Parameters []struct{ Name, In string }
		}
	}
	if err := json.Unmarshal(body, &doc); code != 200 || err != nil || !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi.json: %d %v", code, err)
	}
	// a registered route as a pattern over documented paths: Fiber's :name (with any
	// literal after it, as in :y.mvt) is one segment
	fiberParam := regexp.MustCompile(`:[a-z]+`)
	type route struct {
		method string
		re     *regexp.Regexp
	}
	var routes []route
	seen := map[string]bool{}
	for _, r := range s.App().GetRoutes(true) {
		path := strings.TrimSuffix(r.Path, "/")
		if path == "" || path == "/api/v1/*" || r.Method == "HEAD" || seen[r.Method+path] {
			continue // the front end; the API's 404; HEAD is GET's
		}
		seen[r.Method+path] = true
		pattern := "^" + fiberParam.ReplaceAllString(regexp.QuoteMeta(path), `[^/]+`) + "$"
		rt := route{strings.ToLower(r.Method), regexp.MustCompile(pattern)}
		routes = append(routes, rt)
		found := false
		for p, ops := range doc.Paths {
			if op, ok := ops[rt.method]; ok && rt.re.MatchString(p) {
				found = true
				if op.Summary == "" {
					t.Errorf("%s %s has no summary", rt.method, p)
				}
			}
		}
		if !found {
			t.Errorf("%s %s is registered but not documented", r.Method, r.Path)
		}
	}
	for path, ops := range doc.Paths {
		for method, op := range ops {
			registered := false
			for _, rt := range routes {
				registered = registered || (rt.method == method && rt.re.MatchString(path))
			}
			if !registered {
				t.Errorf("%s %s is documented but not registered", method, path)
			}
			if method != "get" || strings.Contains(path, "{") {
				continue
			}
			// an empty store: 422 "no incidents" is an answer; no route would be 404 or 405
			if code, _, b := get(t, s, path); code == 404 || code == 405 || code >= 500 {
				t.Errorf("GET %s: %d %s", path, code, b)
			}
			for _, p := range op.Parameters {
				if p.In != "query" {
					continue
				}
				_, _, b := get(t, s, path+"?"+p.Name+"=x")
				if strings.Contains(string(b), `"field":"`+p.Name+`","message":"unknown parameter`) {
					t.Errorf("%s documents %q, which the route does not accept", path, p.Name)
				}
			}
		}
	}
	if len(routes) < 35 {
		t.Errorf("only %d routes seen", len(routes))
	}
	// the health routes need no key; the data does
	if len(doc.Paths["/healthz"]["get"].Security) != 0 || len(doc.Paths["/ogc/collections/incidents/items"]["get"].Security) != 1 {
		t.Errorf("security: /healthz %v, incidents %v", doc.Paths["/healthz"]["get"].Security, doc.Paths["/ogc/collections/incidents/items"]["get"].Security)
	}
}

// TestOGCAsQGISAsks replays the requests QGIS's "OGC API - Features" source makes
// (landing page, conformance, collections, a collection, items with bbox and limit, the
// next page, one item), and checks a vector tile decodes with the hotspot cells in it.
func TestOGCAsQGISAsks(t *testing.T) {
	s := newServer(t, testkit.Data(t, "police/street/2025-02-thames-valley-street.csv"), testkit.Data(t, "boundaries/milton-keynes-boundary.geojson"))
	for _, url := range []string{"/ogc", "/ogc/conformance", "/ogc/collections", "/ogc/collections/incidents", "/ogc/collections/hotspots", "/ogc/collections/boundaries"} {
		if code, ctype, body := get(t, s, url); code != 200 || !strings.HasPrefix(ctype, "application/json") {
			t.Fatalf("%s: %d %q %.200s", url, code, ctype, body)
		}
	}
	_, _, conf := get(t, s, "/ogc/conformance")
	if !strings.Contains(string(conf), "ogcapi-features-1/1.0/conf/core") || !strings.Contains(string(conf), "conf/geojson") {
		t.Errorf("conformance: %s", conf)
	}
	page := func(url string) (n int, next string, ids []string) {
		code, ctype, body := get(t, s, url)
		if code != 200 || ctype != "application/geo+json" {
			t.Fatalf("%s: %d %q %.300s", url, code, ctype, body)
		}
		var fc struct {
			NumberReturned int
			Features       []struct {
				ID       any
				Geometry struct{ Coordinates []float64 }
			}
			Links []struct{ Href, Rel string }
		}
		json.Unmarshal(body, &fc)
		for _, f := range fc.Features {
			if x, y := f.Geometry.Coordinates[0], f.Geometry.Coordinates[1]; x < -0.80 || x > -0.70 || y < 52.00 || y > 52.06 {
				t.Errorf("%s: a feature at %v,%v outside the bbox", url, x, y)
			}
			b, _ := json.Marshal(f.ID)
			ids = append(ids, string(b))
		}
		for _, l := range fc.Links {
			if l.Rel == "next" {
				next = l.Href[strings.Index(l.Href, "/ogc"):]
			}
		}
		if fc.NumberReturned != len(fc.Features) {
			t.Errorf("numberReturned %d for %d features", fc.NumberReturned, len(fc.Features))
		}
		return len(fc.Features), next, ids
	}
	n, next, first := page("/ogc/collections/incidents/items?limit=7&bbox=-0.80,52.00,-0.70,52.06&datetime=2025-02-01T00:00:00Z/..")
	if n != 7 || next == "" {
		t.Fatalf("first page: %d features, next %q", n, next)
	}
	n, _, second := page(next)
	if n != 7 || first[0] == second[0] {
		t.Errorf("next page: %d features, %v then %v", n, first, second)
	}
	if code, _, _ := get(t, s, "/ogc/collections/incidents/items/"+strings.Trim(first[0], `"`)); code != 200 {
		t.Errorf("one item: %d", code)
	}
	if code, _, _ := get(t, s, "/ogc/collections/incidents/items?datetime=2030-01-01T00:00:00Z/2020-01-01T00:00:00Z"); code != 400 {
		t.Errorf("a backwards interval: %d", code)
	}
	// a date names the whole day, alone or at either end of an interval (February's
	// incidents are all dated 2025-02-01, to the month)
	inBox := func(dt string) int {
		n, next, _ := page("/ogc/collections/incidents/items?limit=5000&bbox=-0.80,52.00,-0.70,52.06&datetime=" + dt)
		if next != "" {
			t.Fatalf("%s: more than one page", dt)
		}
		return n
	}
	all := inBox("2025-02-01T00:00:00Z/2025-02-01T23:59:59Z")
	for dt, want := range map[string]int{"2025-02-01": all, "../2025-02-01": all, "2025-01-31/2025-02-01": all, "2025-02-01/2025-02-28": all,
		"2025-02-02/..": 0, "../2025-01-31": 0, "2025-01-31": 0} {
		if got := inBox(dt); got != want {
			t.Errorf("datetime=%s: %d incidents, want %d", dt, got, want)
		}
	}
	if all < 100 {
		t.Errorf("only %d incidents in the box", all)
	}
	// a vector tile over central Milton Keynes
	req := httptest.NewRequest("GET", "/tiles/hotspots/12/2039/1352.mvt", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	res, err := s.App().Test(req, -1)
	if err != nil || res.StatusCode != 200 || res.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("tile: %v %d %q", err, res.StatusCode, res.Header.Get("Content-Encoding"))
	}
	raw, _ := io.ReadAll(res.Body)
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := io.ReadAll(zr)
	layers, err := mvt.Unmarshal(plain)
	if err != nil || len(layers) != 1 || layers[0].Name != "hotspots" || len(layers[0].Features) < 20 {
		t.Fatalf("tile: %v, %d layers", err, len(layers))
	}
	if _, ok := layers[0].Features[0].Properties["rank"]; !ok {
		t.Errorf("tile feature properties: %v", layers[0].Features[0].Properties)
	}
	if code, _, b := get(t, s, "/tiles/hotspots.json"); code != 200 || !strings.Contains(string(b), "/tiles/hotspots/{z}/{x}/{y}.mvt") {
		t.Errorf("tilejson: %d %s", code, b)
	}
}

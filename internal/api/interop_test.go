package api_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/hexbeat/hexbeat/internal/api"
	"github.com/hexbeat/hexbeat/internal/testkit"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
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

// TestOGCCollectionsSayWhereTheyLie: each collection with features gives its spatial
// extent, so that GDAL and QGIS need not page through a whole layer to find it (GDAL
// 3.6's ogrinfo asked for 847 pages of ten hexagons for the cells of six months). The
// incidents' extent is the exact box around them, and every hexagon of the cells and hot
// spot layers lies inside theirs; /api/v1/status gives the same box, and the OpenAPI
// document gives limit's bounds, by which QGIS sizes its pages.
func TestOGCCollectionsSayWhereTheyLie(t *testing.T) {
	s := newServer(t, testkit.Data(t, "police/street/2025-02-thames-valley-street.csv"), testkit.Data(t, "boundaries/milton-keynes-wards.geojson"))
	var cols struct {
		Collections []struct {
			ID     string
			Extent struct {
				Spatial *struct {
					BBox [][]float64
					CRS  string
				}
			}
		}
	}
	_, _, body := get(t, s, "/ogc/collections")
	if err := json.Unmarshal(body, &cols); err != nil {
		t.Fatal(err)
	}
	boxes := map[string][]float64{}
	for _, c := range cols.Collections {
		if sp := c.Extent.Spatial; sp != nil {
			if len(sp.BBox) != 1 || len(sp.BBox[0]) != 4 || sp.CRS != "http://www.opengis.net/def/crs/OGC/1.3/CRS84" {
				t.Errorf("%s: spatial extent %+v", c.ID, *sp)
				continue
			}
			boxes[c.ID] = sp.BBox[0]
		}
	}
	for _, id := range []string{"incidents", "cells", "hotspots", "emerging", "change", "boundaries", "section60-proposals", "cameras"} {
		if boxes[id] == nil {
			t.Errorf("%s: no spatial extent", id)
		}
	}
	for _, id := range []string{"retailers", "test-purchase-targets", "section60-authorisations"} { // none held
		if boxes[id] != nil {
			t.Errorf("%s: an extent %v with nothing in it", id, boxes[id])
		}
	}
	// every vertex of every feature, and for the incidents the box they make
	walk := func(id string) (tight []float64, outside, n int) {
		box := boxes[id]
		tight = []float64{180, 90, -180, -90}
		for off := 0; ; off += 10000 {
			_, _, b := get(t, s, "/ogc/collections/"+id+"/items?limit=10000&offset="+strconv.Itoa(off))
			var fc struct {
				Features []struct {
					Geometry struct{ Coordinates json.RawMessage }
				}
			}
			json.Unmarshal(b, &fc)
			for _, f := range fc.Features {
				n++
				for _, m := range regexp.MustCompile(`\[(-?[0-9.e-]+),(-?[0-9.e-]+)\]`).FindAllStringSubmatch(string(f.Geometry.Coordinates), -1) {
					x, _ := strconv.ParseFloat(m[1], 64)
					y, _ := strconv.ParseFloat(m[2], 64)
					tight = []float64{min(tight[0], x), min(tight[1], y), max(tight[2], x), max(tight[3], y)}
					if x < box[0]-1e-7 || y < box[1]-1e-7 || x > box[2]+1e-7 || y > box[3]+1e-7 {
						outside++
					}
				}
			}
			if len(fc.Features) < 10000 {
				return tight, outside, n
			}
		}
	}
	tight, outside, n := walk("incidents")
	if n != 13478 || outside != 0 || !slices.EqualFunc(tight, boxes["incidents"], func(a, b float64) bool { return math.Abs(a-b) < 1e-6 }) {
		t.Errorf("incidents: %d, %d outside the extent %v; their box %v", n, outside, boxes["incidents"], tight)
	}
	// numberMatched, counted by the index, is what paging through the store finds
	matched := func(q string) (m float64, n int) {
		var fc struct {
			NumberMatched float64
			Features      []json.RawMessage
		}
		_, _, b := get(t, s, "/ogc/collections/incidents/items?limit=1"+q)
		json.Unmarshal(b, &fc)
		m = fc.NumberMatched
		for off := 0; ; off += 10000 { // every page
			fc.Features = nil
			_, _, b = get(t, s, "/ogc/collections/incidents/items?limit=10000&offset="+strconv.Itoa(off)+q)
			json.Unmarshal(b, &fc)
			if n += len(fc.Features); len(fc.Features) < 10000 {
				return m, n
			}
		}
	}
	for q, want := range map[string]int{"": 13478, "&bbox=-0.80,52.00,-0.70,52.06": -1, "&datetime=2025-02-01": 13478, "&datetime=2025-03-01/..": 0} {
		if m, n := matched(q); int(m) != n || (want >= 0 && n != want) || n == 0 && want != 0 {
			t.Errorf("incidents%s: numberMatched %v, paged %d, want %d", q, m, n, want)
		}
	}
	for _, id := range []string{"cells", "hotspots", "boundaries"} {
		if _, outside, n := walk(id); n == 0 || outside != 0 {
			t.Errorf("%s: %d of %d features' vertices outside the extent %v", id, outside, n, boxes[id])
		}
	}
	var st struct{ BBox []float64 }
	_, _, body = get(t, s, "/api/v1/status")
	if json.Unmarshal(body, &st); !slices.Equal(st.BBox, boxes["incidents"]) {
		t.Errorf("status bbox %v, incidents' extent %v", st.BBox, boxes["incidents"])
	}
	var doc struct {
		Paths map[string]map[string]struct {
			Parameters []struct {
				Name   string
				Schema map[string]any
			}
		}
	}
	_, _, body = get(t, s, "/api/v1/openapi.json")
	json.Unmarshal(body, &doc)
	var limit map[string]any
	for _, p := range doc.Paths["/ogc/collections/cells/items"]["get"].Parameters {
		if p.Name == "limit" {
			limit = p.Schema
		}
	}
	if limit["type"] != "integer" || limit["maximum"] != 10000.0 || limit["default"] != 10.0 {
		t.Errorf("OGC limit in the OpenAPI document: %v", limit)
	}
}

// TestOGCPagesAreOneLayer: a layer read a page at a time (as GDAL and QGIS read it) is the
// layer read at once: the same features in the same order, with bbox too; and pages read
// after an import come from the new data, not from the kept computation.
func TestOGCPagesAreOneLayer(t *testing.T) {
	s := newServer(t, testkit.Data(t, "police/street/2025-02-thames-valley-street.csv"), testkit.Data(t, "boundaries/milton-keynes-boundary.geojson"))
	type page struct {
		NumberMatched int
		Features      []struct {
			ID         string
			Properties map[string]any
		}
		Notes []string
	}
	read := func(url string) page {
		var p page
		code, _, b := get(t, s, url)
		if code != 200 || json.Unmarshal(b, &p) != nil {
			t.Fatalf("%s: %d %.300s", url, code, b)
		}
		return p
	}
	ids := func(p page) (out []string) {
		for _, f := range p.Features {
			out = append(out, f.ID+fmt.Sprint(f.Properties["rank"], f.Properties["z"]))
		}
		return out
	}
	inPages := func(q string, size int) (out []string, matched int) {
		for off := 0; ; off += size {
			p := read(fmt.Sprintf("/ogc/collections/hotspots/items?%s&limit=%d&offset=%d", q, size, off))
			out, matched = append(out, ids(p)...), p.NumberMatched
			if len(p.Features) < size {
				return out, matched
			}
		}
	}
	for q, size := range map[string]int{"res=9&method=gistar&area=E06000042&datetime=2025-02-01/2025-02-28": 97, "res=8&area=E06000042&bbox=-0.80,52.00,-0.70,52.06": 13} {
		whole := read("/ogc/collections/hotspots/items?limit=10000&" + q)
		paged, matched := inPages(q, size)
		if len(whole.Features) < 3*size || len(whole.Features) == 10000 || !slices.Equal(paged, ids(whole)) || matched != len(whole.Features) || whole.NumberMatched != matched {
			t.Errorf("%s: %d features at once (numberMatched %d), %d in pages of %d (numberMatched %d), equal %v",
				q, len(whole.Features), whole.NumberMatched, len(paged), size, matched, slices.Equal(paged, ids(whole)))
		}
	}
	const q = "res=9&area=E06000042"
	before := read("/ogc/collections/hotspots/items?limit=10&" + q)
	jan, err := os.ReadFile(testkit.Data(t, "police/street/2025-01-thames-valley-street.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if code, b := upload(t, s, "name=2025-01.csv", "", jan); code != 200 {
		t.Fatalf("import: %d %s", code, b)
	}
	after := read("/ogc/collections/hotspots/items?limit=10&" + q)
	whole := read("/ogc/collections/hotspots/items?limit=10000&" + q)
	if slices.Equal(ids(after), ids(before)) || !slices.Equal(ids(after), ids(whole)[:10]) || after.NumberMatched != len(whole.Features) {
		t.Errorf("after an import: first page %v (before %v), the whole layer starts %v", ids(after), ids(before), ids(whole)[:10])
	}
	// a single item is the layer's feature, of the data now held, asked after the pages
	// (from the kept layer) and with another query (computed for it)
	for _, query := range []string{q, q + "&alpha=0.01"} {
		for _, f := range []int{0, 7, len(whole.Features) - 1} {
			want := whole.Features[f]
			var got struct {
				ID         string
				Properties map[string]any
			}
			code, _, b := get(t, s, "/ogc/collections/hotspots/items/"+want.ID+"?"+query)
			if code != 200 || json.Unmarshal(b, &got) != nil || got.ID != want.ID ||
				fmt.Sprint(got.Properties["rank"], got.Properties["z"], got.Properties["count"]) != fmt.Sprint(want.Properties["rank"], want.Properties["z"], want.Properties["count"]) {
				t.Errorf("item %s?%s: %d %.300s; in the layer %v", want.ID, query, code, b, want.Properties)
			}
		}
	}
	if code, _, b := get(t, s, "/ogc/collections/hotspots/items/8919526a3ffffff?"+q); code != 404 {
		t.Errorf("a cell outside the layer: %d %.200s", code, b)
	}
}

// TestOGCBoundaryPages: the boundaries read a page at a time (by kind, by bbox) are those
// of /api/v1/boundaries, in its order, each as the boundary's own route gives it.
func TestOGCBoundaryPages(t *testing.T) {
	s, all := allBoundaries(t)
	box := orb.Bound{Min: orb.Point{-0.80, 52.00}, Max: orb.Point{-0.70, 52.06}}
	for q, keep := range map[string]func(f *geojson.Feature) bool{
		"":                             func(*geojson.Feature) bool { return true },
		"kind=lsoa":                    func(f *geojson.Feature) bool { return f.Properties["kind"] == "lsoa" },
		"bbox=-0.80,52.00,-0.70,52.06": func(f *geojson.Feature) bool { return f.Geometry.Bound().Intersects(box) },
		"kind=ward&bbox=-0.80,52.00,-0.70,52.06": func(f *geojson.Feature) bool {
			return f.Properties["kind"] == "ward" && f.Geometry.Bound().Intersects(box)
		},
	} {
		var want []string
		for _, f := range all.Features {
			if keep(f) {
				want = append(want, fmt.Sprint(f.ID))
			}
		}
		var got []string
		for off := 0; ; off += 17 {
			code, _, b := get(t, s, fmt.Sprintf("/ogc/collections/boundaries/items?%s&limit=17&offset=%d", q, off))
			var page struct {
				NumberMatched  int
				NumberReturned int
				Demo           *bool
				Features       []*geojson.Feature
			}
			if code != 200 || json.Unmarshal(b, &page) != nil || page.NumberMatched != len(want) || page.NumberReturned != len(page.Features) || page.Demo == nil {
				t.Fatalf("%s, offset %d: %d %.300s", q, off, code, b)
			}
			for _, f := range page.Features {
				got = append(got, fmt.Sprint(f.ID))
			}
			if len(page.Features) < 17 {
				break
			}
		}
		if len(want) < 5 || !slices.Equal(got, want) {
			t.Errorf("%s: pages give %d boundaries, the API %d (equal %v)", q, len(got), len(want), slices.Equal(got, want))
		}
	}
	for _, f := range []*geojson.Feature{all.Features[0], all.Features[100], all.Features[len(all.Features)-1]} {
		id := fmt.Sprint(f.ID)
		_, _, item := get(t, s, "/ogc/collections/boundaries/items/"+id)
		_, _, own := get(t, s, "/api/v1/boundaries/"+id)
		if !bytes.Equal(item, own) {
			t.Errorf("item %s: %.200s; its own route %.200s", id, item, own)
		}
	}
	if code, _, _ := get(t, s, "/ogc/collections/boundaries/items/nowhere"); code != 404 {
		t.Errorf("an unknown boundary: %d", code)
	}
}

// TestBoundaryList: geometry=bbox lists the same boundaries, in the same order and with the
// same properties, each with the box of its outline and no geometry; anything but full or
// bbox is refused.
func TestBoundaryList(t *testing.T) {
	s := newServer(t, testkit.Data(t, "boundaries/milton-keynes-wards.geojson"), testkit.Data(t, "boundaries/milton-keynes-boundary.geojson"))
	_, _, body := get(t, s, "/api/v1/boundaries")
	full, err := geojson.UnmarshalFeatureCollection(body)
	if err != nil {
		t.Fatal(err)
	}
	code, _, body := get(t, s, "/api/v1/boundaries?geometry=bbox")
	var list struct {
		Demo     *bool
		Features []struct {
			Type       string
			ID         string
			BBox       []float64
			Geometry   json.RawMessage
			Properties map[string]any
		}
	}
	if code != 200 || json.Unmarshal(body, &list) != nil || len(list.Features) != len(full.Features) || len(full.Features) != 24 || list.Demo == nil {
		t.Fatalf("%d %.300s", code, body)
	}
	for i, f := range list.Features {
		w := full.Features[i]
		b := w.Geometry.Bound()
		box := []float64{b.Min[0], b.Min[1], b.Max[0], b.Max[1]}
		if f.Type != "Feature" || f.ID != w.ID || string(f.Geometry) != "null" || fmt.Sprint(f.Properties) != fmt.Sprint(w.Properties) ||
			len(f.BBox) != 4 || !slices.EqualFunc(f.BBox, box, func(a, b float64) bool { return math.Abs(a-b) <= 1e-7 }) {
			t.Errorf("%d: %+v; in full %v %v %v", i, f, w.ID, box, w.Properties)
		}
	}
	if code, _, body := get(t, s, "/api/v1/boundaries?geometry=outline"); code != 400 || !strings.Contains(string(body), `"geometry"`) {
		t.Errorf("geometry=outline: %d %s", code, body)
	}
}

// allBoundaries is a server holding every Milton Keynes boundary file (208 boundaries of
// four kinds), and its /api/v1/boundaries.
func allBoundaries(t *testing.T) (*api.Server, *geojson.FeatureCollection) {
	var files []string
	for _, f := range []string{"milton-keynes-boundary", "milton-keynes-lsoa-2011", "milton-keynes-msoa-2011", "milton-keynes-wards"} {
		files = append(files, testkit.Data(t, "boundaries/"+f+".geojson"))
	}
	s := newServer(t, files...)
	_, _, body := get(t, s, "/api/v1/boundaries")
	all, err := geojson.UnmarshalFeatureCollection(body)
	if err != nil || len(all.Features) != 1+152+32+23 {
		t.Fatalf("%v: %d boundaries", err, len(all.Features))
	}
	return s, all
}

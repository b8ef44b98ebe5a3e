package api_test

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/hexbeat/hexbeat/internal/api"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/hexbeat/hexbeat/internal/testkit"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkt"
	"github.com/paulmach/orb/geojson"
)

// policeRows reads a police.uk street CSV independently of the importer: the rows with
// coordinates, as lon, lat and category.
func policeRows(t *testing.T, path string) (pts [][2]float64, cats []string) {
	t.Helper()
	rows := testkit.CSV(t, path)
	lo, la, ca := slices.Index(rows[0], "Longitude"), slices.Index(rows[0], "Latitude"), slices.Index(rows[0], "Crime type")
	for _, r := range rows[1:] {
		x, err1 := strconv.ParseFloat(r[lo], 64)
		y, err2 := strconv.ParseFloat(r[la], 64)
		if err1 == nil && err2 == nil {
			pts = append(pts, [2]float64{x, y})
			cats = append(cats, r[ca])
		}
	}
	return pts, cats
}

// TestExports downloads layers as CSV, NDJSON and GeoJSON and holds them to the layer's
// own GeoJSON and to counts made from the police CSV; every download is in the audit log.
func TestExports(t *testing.T) {
	street := testkit.Data(t, "police/street/2025-02-thames-valley-street.csv")
	s := newServer(t, street, testkit.Data(t, "boundaries/milton-keynes-boundary.geojson"))

	// Hotspots as CSV against the hotspots layer, cell by cell.
	q := "method=gistar&res=9&from=2025-02&to=2025-02&area=E06000042"
	_, _, lb := get(t, s, "/api/v1/hotspots?"+q)
	want := map[string]*geojson.Feature{}
	for _, f := range checkRFC7946(t, lb).Features {
		want[f.ID.(string)] = f
	}
	res, body, h := call(t, s, "GET", "/api/v1/export/hotspots?format=csv&"+q, "", "")
	if res != 200 || !strings.HasPrefix(h["Content-Type"], "text/csv") || !strings.HasPrefix(h["Content-Disposition"], `attachment; filename="hexbeat-hotspots-`) ||
		!strings.HasSuffix(h["Content-Disposition"], `.csv"`) {
		t.Fatalf("hotspots csv: %d %v %.300s", res, h, body)
	}
	rows, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	head := rows[0]
	if !slices.Equal(head[:6], []string{"id", "lon", "lat", "cell", "res", "count"}) || head[len(head)-1] != "wkt" {
		t.Fatalf("header %v", head)
	}
	if len(rows)-1 != len(want) || len(want) < 1000 {
		t.Fatalf("%d rows, the layer has %d cells", len(rows)-1, len(want))
	}
	col := func(name string) int { return slices.Index(head, name) }
	prevRank := 0.0
	for _, r := range rows[1:] {
		f := want[r[0]]
		if f == nil {
			t.Fatalf("row for %s, which the layer does not hold", r[0])
		}
		z, _ := strconv.ParseFloat(r[col("z")], 64)
		rank, _ := strconv.ParseFloat(r[col("rank")], 64)
		if math.Abs(z-f.Properties["z"].(float64)) > 1e-12 || r[col("count")] != fmt.Sprint(f.Properties["count"]) || rank != prevRank+1 {
			t.Errorf("%s: z %s count %s rank %s; layer %v", r[0], r[col("z")], r[col("count")], r[col("rank")], f.Properties)
		}
		prevRank = rank
		g, err := wkt.Unmarshal(r[len(r)-1])
		if err != nil {
			t.Fatalf("%s: wkt %q: %v", r[0], r[len(r)-1], err)
		}
		ring := f.Geometry.(orb.Polygon)[0]
		if got := g.(orb.Polygon)[0]; len(got) != len(ring) || !got.Equal(ring) {
			t.Errorf("%s: wkt %v, geojson %v", r[0], got, ring)
		}
		var mean orb.Point
		for _, p := range ring[:len(ring)-1] {
			mean[0] += p[0] / float64(len(ring)-1)
			mean[1] += p[1] / float64(len(ring)-1)
		}
		lon, _ := strconv.ParseFloat(r[1], 64)
		lat, _ := strconv.ParseFloat(r[2], 64)
		if math.Abs(lon-mean[0]) > 2e-4 || math.Abs(lat-mean[1]) > 2e-4 {
			t.Errorf("%s: centre %v,%v; its vertices average %v", r[0], lon, lat, mean)
		}
	}

	// Incidents as CSV: the rows with coordinates in the file, category by category.
	pts, cats := policeRows(t, street)
	_, body, _ = call(t, s, "GET", "/api/v1/export/incidents?format=csv", "", "")
	rows, err = csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	byCat := map[string]int{}
	for _, c := range cats {
		byCat[c]++
	}
	ci := slices.Index(rows[0], "category")
	for _, r := range rows[1:] {
		byCat[r[ci]]--
	}
	for c, n := range byCat {
		if n != 0 {
			t.Errorf("incidents export: %s off by %d", c, -n)
		}
	}
	if len(rows)-1 != len(pts) {
		t.Errorf("incidents export: %d rows, the file has %d with coordinates", len(rows)-1, len(pts))
	}

	// Incidents in a box as NDJSON: one Feature a line, the same as a count of the file.
	bbox := [4]float64{-0.80, 52.00, -0.70, 52.06}
	inBox := 0
	for _, p := range pts {
		if p[0] >= bbox[0] && p[0] <= bbox[2] && p[1] >= bbox[1] && p[1] <= bbox[3] {
			inBox++
		}
	}
	res, body, h = call(t, s, "GET", "/api/v1/export/incidents?format=ndjson&bbox=-0.80,52.00,-0.70,52.06", "", "")
	if res != 200 || h["Content-Type"] != "application/x-ndjson" {
		t.Fatalf("ndjson: %d %v", res, h)
	}
	lines := 0
	sc := bufio.NewScanner(bytes.NewReader(body))
	for sc.Scan() {
		f, err := geojson.UnmarshalFeature(sc.Bytes())
		if err != nil {
			t.Fatalf("line %d: %v", lines+1, err)
		}
		if p := f.Geometry.(orb.Point); p[0] < bbox[0] || p[0] > bbox[2] || p[1] < bbox[1] || p[1] > bbox[3] {
			t.Errorf("line %d outside the box: %v", lines+1, p)
		}
		lines++
	}
	if lines != inBox || inBox < 100 {
		t.Errorf("ndjson: %d lines, the file has %d incidents in the box", lines, inBox)
	}

	// The cells layer as GeoJSON: valid, with the layer's own members.
	_, body, _ = call(t, s, "GET", "/api/v1/export/cells?res=8&area=E06000042", "", "")
	fc := checkRFC7946(t, body)
	total := 0
	for _, f := range fc.Features {
		total += int(f.Properties["count"].(float64))
	}
	if fc.ExtraMembers["layer"] != "cells" || float64(total) != fc.ExtraMembers["total"] {
		t.Errorf("cells geojson: layer %v, counts sum to %d, total %v", fc.ExtraMembers["layer"], total, fc.ExtraMembers["total"])
	}

	for url, want := range map[string]int{"/api/v1/export/hotspots?format=xlsx": 400, "/api/v1/export/hotspots?colour=red": 400, "/api/v1/export/nothing": 404,
		"/api/v1/export/change?from=2025-01": 400} {
		if code, _, b := get(t, s, url); code != want {
			t.Errorf("%s: %d %s, want %d", url, code, b, want)
		}
	}

	// Every download is audited with its query and row count.
	_, body, _ = call(t, s, "GET", "/api/v1/audit", "", "")
	var log struct{ Events []hexbeat.AuditEvent }
	json.Unmarshal(body, &log)
	seen := map[string]string{}
	for _, ev := range log.Events {
		if ev.Action == "export" {
			seen[ev.Subject] = ev.Detail
		}
	}
	for subject, rows := range map[string]int{"hotspots.csv": len(want), "incidents.csv": len(pts), "incidents.ndjson": inBox, "cells.geojson": len(fc.Features)} {
		if !strings.Contains(seen[subject], `"rows":`+strconv.Itoa(rows)) {
			t.Errorf("audit of %s: %q, want %d rows", subject, seen[subject], rows)
		}
	}
}

// TestExportCSVDefusesFormulas: text a spreadsheet would run as a formula is written
// quoted, so a retailer's name cannot run code on the officer's machine.
func TestExportCSVDefusesFormulas(t *testing.T) {
	reg := filepath.Join(t.TempDir(), "retailers.csv")
	os.WriteFile(reg, []byte("id,store_name,size_band,long_wgs,lat_wgs\n1,\"=HYPERLINK(\"\"http://x\"\")\",small,-0.75,52.04\n2,Corner Shop,small,-0.76,52.05\n"), 0o644)
	s := newServer(t, reg)
	_, body, _ := call(t, s, "GET", "/api/v1/export/retailers?format=csv", "", "")
	rows, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil || len(rows) != 3 {
		t.Fatalf("%v %q", err, body)
	}
	if strings.Count(strings.Join(rows[0], ","), "id,") != 1 || rows[1][0] != "1" {
		t.Errorf("header %v, first row %v: one id column, first", rows[0], rows[1])
	}
	name := slices.Index(rows[0], "name")
	if rows[1][name] != `'=HYPERLINK("http://x")` || rows[2][name] != "Corner Shop" {
		t.Errorf("names %q, %q", rows[1][name], rows[2][name])
	}
	if rows[1][len(rows[1])-1] != "POINT(-0.75 52.04)" {
		t.Errorf("wkt %q", rows[1][len(rows[1])-1])
	}
}

// TestOGCPlannerCollections: the planners' layers as OGC collections equal the planners'
// own answers, a key sees only the collections its role may read, and datetime selects
// authorisations in force.
func TestOGCPlannerCollections(t *testing.T) {
	files := []string{testkit.Data(t, "boundaries/milton-keynes-boundary.geojson"), testkit.Data(t, "poi/milton-keynes-grocery-retailers.csv"),
		testkit.Data(t, "police/street/2025-05-thames-valley-street.csv"), testkit.Data(t, "police/street/2025-06-thames-valley-street.csv")}
	s := newServer(t, files...)
	items := func(url string) (*geojson.FeatureCollection, float64) {
		t.Helper()
		code, ctype, body := get(t, s, url)
		if code != 200 || ctype != "application/geo+json" {
			t.Fatalf("%s: %d %s", url, code, body)
		}
		fc := checkRFC7946(t, body)
		if fc.ExtraMembers["numberReturned"] != float64(len(fc.Features)) {
			t.Errorf("%s: numberReturned %v for %d", url, fc.ExtraMembers["numberReturned"], len(fc.Features))
		}
		m, _ := fc.ExtraMembers["numberMatched"].(float64)
		return fc, m
	}

	_, _, cb := get(t, s, "/ogc/collections")
	var cols struct{ Collections []struct{ ID string } }
	json.Unmarshal(cb, &cols)
	if len(cols.Collections) != 13 {
		t.Errorf("%d collections: %+v", len(cols.Collections), cols.Collections)
	}

	code, pb := post(t, s, "/api/v1/section60/proposals", `{"from":"2025-05","to":"2025-06","area":"E06000042","max_area_km2":2}`)
	props := checkRFC7946(t, pb)
	if code != 200 || len(props.Features) < 2 {
		t.Fatalf("proposals: %d, %d", code, len(props.Features))
	}
	fc, matched := items("/ogc/collections/section60-proposals/items?limit=1&offset=1&datetime=2025-05-01T00:00:00Z/2025-06-30T23:59:59Z&area=E06000042&max_area_km2=2")
	if int(matched) != len(props.Features) || len(fc.Features) != 1 || fc.Features[0].Properties["rank"] != 2.0 ||
		fc.Features[0].Properties["incidents"] != props.Features[1].Properties["incidents"] {
		t.Errorf("proposals as OGC: matched %v, %v; POST gave %d, second %v", matched, fc.Features[0].Properties, len(props.Features), props.Features[1].Properties)
	}

	code, cp := post(t, s, "/api/v1/cameras/plan", `{"k":5,"radius_m":250,"from":"2025-05","to":"2025-06","area":"E06000042"}`)
	plan := checkRFC7946(t, cp)
	fc, matched = items("/ogc/collections/cameras/items?k=5&radius_m=250&from=2025-05&to=2025-06&area=E06000042&limit=100")
	if code != 200 || matched != 5 || len(fc.Features) != 5 {
		t.Fatalf("cameras: %d, matched %v, %d features", code, matched, len(fc.Features))
	}
	for i, f := range fc.Features {
		if !orb.Equal(f.Geometry, plan.Features[i].Geometry) || f.Properties["gain"] != plan.Features[i].Properties["gain"] {
			t.Errorf("site %d: %v %v; POST %v %v", i+1, f.Geometry, f.Properties, plan.Features[i].Geometry, plan.Features[i].Properties)
		}
	}
	if code, _, b := get(t, s, "/ogc/collections/cameras/items/3?k=5&radius_m=250&from=2025-05&to=2025-06&area=E06000042"); code != 200 || !strings.Contains(string(b), `"rank":3`) {
		t.Errorf("camera item 3: %d %s", code, b)
	}

	_, _, rb := get(t, s, "/api/v1/retailers")
	shops := checkRFC7946(t, rb)
	fc, matched = items("/ogc/collections/retailers/items?limit=10")
	if int(matched) != len(shops.Features) || len(fc.Features) != 10 || len(shops.Features) < 50 {
		t.Errorf("retailers: matched %v of %d", matched, len(shops.Features))
	}
	id := fc.Features[3].ID.(string)
	if code, _, b := get(t, s, "/ogc/collections/retailers/items/"+id); code != 200 || !strings.Contains(string(b), id) {
		t.Errorf("retailer %s: %d %s", id, code, b)
	}
	// the register read a page at a time (all of it, or in a box) is /api/v1/retailers, in
	// its order, each shop with the same properties
	box := orb.Bound{Min: orb.Point{-0.78, 52.00}, Max: orb.Point{-0.70, 52.05}}
	for q, inBox := range map[string]bool{"": false, "&bbox=-0.78,52.00,-0.70,52.05": true} {
		var want []*geojson.Feature
		for _, f := range shops.Features {
			if !inBox || box.Contains(f.Geometry.(orb.Point)) {
				want = append(want, f)
			}
		}
		var got []*geojson.Feature
		for off := 0; ; off += 13 {
			fc, matched := items(fmt.Sprintf("/ogc/collections/retailers/items?limit=13&offset=%d%s", off, q))
			if int(matched) != len(want) {
				t.Fatalf("retailers%s: numberMatched %v, want %d", q, matched, len(want))
			}
			if got = append(got, fc.Features...); len(fc.Features) < 13 {
				break
			}
		}
		if len(want) < 10 || len(got) != len(want) {
			t.Fatalf("retailers%s: %d in pages, %d in the register", q, len(got), len(want))
		}
		for i := range want {
			if got[i].ID != want[i].ID || !orb.Equal(got[i].Geometry, want[i].Geometry) || !reflect.DeepEqual(got[i].Properties, want[i].Properties) {
				t.Errorf("retailers%s, %d: %v %v; the register %v %v", q, i, got[i].ID, got[i].Properties, want[i].ID, want[i].Properties)
			}
		}
	}

	area := `{"type":"Polygon","coordinates":[[[-0.78,52.03],[-0.74,52.03],[-0.74,52.05],[-0.78,52.05],[-0.78,52.03]]]}`
	if code, b := post(t, s, "/api/v1/section60/authorisations", `{"area":`+area+`,"grounds":"test","officer":"Insp 1","rank":"Inspector","start":"2025-06-10T18:00:00Z","end":"2025-06-11T06:00:00Z"}`); code != 201 {
		t.Fatalf("authorise: %d %s", code, b)
	}
	for dt, want := range map[string]int{"2025-06-11T00:00:00Z": 1, "2025-06-01T00:00:00Z/2025-06-10T17:59:59Z": 0, "2025-06-11T05:00:00Z/..": 1, "../2025-06-10T18:00:00Z": 1, "2025-06-12T00:00:00Z/..": 0} {
		if fc, _ := items("/ogc/collections/section60-authorisations/items?datetime=" + dt); len(fc.Features) != want {
			t.Errorf("authorisations at %s: %d, want %d", dt, len(fc.Features), want)
		}
	}

	// A hotspot cell by id equals the layer's.
	hq := "method=gistar&res=9&from=2025-05&to=2025-06&area=E06000042"
	hot, _ := items("/ogc/collections/hotspots/items?limit=1&" + hq)
	cell := hot.Features[0].ID.(string)
	_, _, one := get(t, s, "/ogc/collections/hotspots/items/"+cell+"?"+hq)
	f, err := geojson.UnmarshalFeature(one)
	if err != nil || f.Properties["z"] != hot.Features[0].Properties["z"] || hot.Features[0].Properties["rank"] != 1.0 {
		t.Errorf("hotspot item %s: %v %s", cell, err, one)
	}
	// A bbox picks cells out of the layer; their statistics stay those of the whole layer.
	boxed, _ := items("/ogc/collections/hotspots/items?limit=10000&bbox=-0.78,52.02,-0.74,52.05&" + hq)
	whole, _ := items("/ogc/collections/hotspots/items?limit=10000&" + hq)
	z := map[any]any{}
	for _, f := range whole.Features {
		z[f.ID] = f.Properties["z"]
	}
	if len(boxed.Features) < 20 || len(boxed.Features) >= len(whole.Features) {
		t.Errorf("bbox kept %d of %d cells", len(boxed.Features), len(whole.Features))
	}
	for _, f := range boxed.Features {
		if f.Properties["z"] != z[f.ID] {
			t.Errorf("cell %v: z %v in the box, %v in the layer", f.ID, f.Properties["z"], z[f.ID])
			break
		}
	}
}

// TestOGCCollectionsByRole: a viewer's key lists only the layers a viewer may read (the
// Section 60 register among them) and is refused the planners' items; a commander's sees
// the Section 60 layers.
func TestOGCCollectionsByRole(t *testing.T) {
	s, _, keys := keyedServer(t, api.Config{RateLimit: -1})
	list := func(role hexbeat.Role) []string {
		code, b, _ := call(t, s, "GET", "/ogc/collections", keys[role], "")
		var cols struct{ Collections []struct{ ID string } }
		if err := json.Unmarshal(b, &cols); code != 200 || err != nil {
			t.Fatalf("%s: %d %s", role, code, b)
		}
		var ids []string
		for _, c := range cols.Collections {
			ids = append(ids, c.ID)
		}
		return ids
	}
	viewer, commander := list(hexbeat.RoleViewer), list(hexbeat.RoleCommander)
	if slices.Contains(viewer, "section60-proposals") || slices.Contains(viewer, "retailers") || !slices.Contains(viewer, "hotspots") || !slices.Contains(viewer, "section60-authorisations") {
		t.Errorf("viewer sees %v", viewer)
	}
	if !slices.Contains(commander, "section60-authorisations") || slices.Contains(commander, "retailers") {
		t.Errorf("commander sees %v", commander)
	}
	if code, b, _ := call(t, s, "GET", "/ogc/collections/section60-authorisations/items", keys[hexbeat.RoleViewer], ""); code != 200 {
		t.Errorf("viewer reading the register: %d %s", code, b)
	}
	if code, b, _ := call(t, s, "GET", "/ogc/collections/section60-proposals/items", keys[hexbeat.RoleViewer], ""); code != 403 {
		t.Errorf("viewer reading the proposals: %d %s", code, b)
	}
	if code, b, _ := call(t, s, "GET", "/ogc/collections/section60-authorisations/items", keys[hexbeat.RoleCommander], ""); code != 200 {
		t.Errorf("commander reading the register: %d %s", code, b)
	}
	// Downloads of the reading layers are an analyst's; a planner downloads its own layer; the
	// Section 60 register, which every key reads, an analyst or a commander (README, "Access").
	for _, c := range []struct {
		role hexbeat.Role
		url  string
		want int
	}{
		{hexbeat.RoleViewer, "/api/v1/export/cells", 403}, {hexbeat.RoleAnalyst, "/api/v1/export/cells", 200},
		{hexbeat.RoleViewer, "/api/v1/hotspots?format=csv", 403}, {hexbeat.RoleAnalyst, "/api/v1/hotspots?format=csv", 200},
		{hexbeat.RoleCommander, "/api/v1/export/section60-authorisations?format=csv", 200}, {hexbeat.RoleAnalyst, "/api/v1/export/section60-authorisations", 200}, {hexbeat.RoleViewer, "/api/v1/export/section60-authorisations", 403}, {hexbeat.RoleTradingStandards, "/api/v1/export/section60-authorisations", 403},
		{hexbeat.RoleViewer, "/api/v1/stop-search", 200}, {hexbeat.RoleViewer, "/api/v1/stop-search?format=csv", 403}, {hexbeat.RoleAnalyst, "/api/v1/stop-search?format=csv", 200},
		{hexbeat.RoleTradingStandards, "/api/v1/export/retailers", 200}, {hexbeat.RoleTradingStandards, "/api/v1/export/incidents", 403},
	} {
		if code, b, _ := call(t, s, "GET", c.url, keys[c.role], ""); code != c.want {
			t.Errorf("%s %s: %d %.200s, want %d", c.role, c.url, code, b, c.want)
		}
	}
}

// TestCellDetail: one cell's categories and monthly series equal the cells layer filtered
// by category and by month.
func TestCellDetail(t *testing.T) {
	s := newServer(t, testkit.Data(t, "police/street/2025-02-thames-valley-street.csv"), testkit.Data(t, "police/street/2025-03-thames-valley-street.csv"))
	countOf := func(url, cell string) int {
		_, _, b := get(t, s, url)
		for _, f := range checkRFC7946(t, b).Features {
			if f.ID == cell {
				return int(f.Properties["count"].(float64))
			}
		}
		return 0
	}
	_, _, b := get(t, s, "/api/v1/cells?res=9")
	top, best := "", 0.0
	for _, f := range checkRFC7946(t, b).Features {
		if n := f.Properties["count"].(float64); n > best {
			top, best = f.ID.(string), n
		}
	}
	code, _, body := get(t, s, "/api/v1/cells/"+top+"?category=Shoplifting")
	var d struct {
		Total      int
		ByCategory map[string]int `json:"by_category"`
		Months     []string
		Series     []int
		From, To   string
	}
	if err := json.Unmarshal(body, &d); code != 200 || err != nil {
		t.Fatalf("%d %s", code, body)
	}
	if d.Total != int(best) || !slices.Equal(d.Months, []string{"2025-02", "2025-03"}) {
		t.Errorf("cell %s: total %d (layer %v), months %v", top, d.Total, best, d.Months)
	}
	if d.From != "2025-02-01T00:00:00Z" || d.To != "2025-04-01T00:00:00Z" { // the whole months held
		t.Errorf("cell %s: from %s to %s", top, d.From, d.To)
	}
	for cat, n := range d.ByCategory {
		if want := countOf("/api/v1/cells?res=9&category="+strings.ReplaceAll(cat, " ", "+"), top); n != want {
			t.Errorf("%s: %d, the layer %d", cat, n, want)
		}
	}
	for i, m := range d.Months {
		if want := countOf("/api/v1/cells?res=9&category=Shoplifting&from="+m+"&to="+m, top); d.Series[i] != want {
			t.Errorf("%s shoplifting: %d, the layer %d", m, d.Series[i], want)
		}
	}
	if code, _, _ := get(t, s, "/api/v1/cells/zzz"); code != 404 {
		t.Errorf("a bad cell: %d", code)
	}
}

// TestDownloadsAreAuditedEveryTime: the answer cache never answers a download, so the
// second CSV of the same hot spot layer is audited like the first and keeps its file name;
// notes travel in X-Hexbeat-Note headers, which a cached answer keeps too.
func TestDownloadsAreAuditedEveryTime(t *testing.T) {
	s, _, keys := keyedServer(t, api.Config{RateLimit: -1})
	feb, err := os.ReadFile(testkit.Data(t, "police/street/2025-02-thames-valley-street.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if code, b := upload(t, s, "name=feb.csv", keys[hexbeat.RoleAnalyst], feb); code != 200 {
		t.Fatalf("import: %d %s", code, b)
	}
	exports := func() int {
		_, b, _ := call(t, s, "GET", "/api/v1/audit?limit=1000", keys[hexbeat.RoleAdmin], "")
		return strings.Count(string(b), `"action":"export"`)
	}
	const q = "/api/v1/hotspots?res=8&from=2025-01&to=2025-02"
	before := exports()
	for i := range 2 {
		code, b, h := call(t, s, "GET", q+"&format=csv", keys[hexbeat.RoleAnalyst], "")
		if code != 200 || h["X-Hexbeat-Cache"] == "hit" || !strings.Contains(h["Content-Disposition"], "hotspots-count.csv") ||
			!strings.Contains(h["X-Hexbeat-Note"], "2025-01") || !bytes.Contains(b, []byte("POLYGON")) {
			t.Errorf("CSV download %d: %d, headers %v", i+1, code, h)
		}
	}
	if got := exports() - before; got != 2 {
		t.Errorf("two CSV downloads, %d audited", got)
	}
	for i := range 2 {
		code, _, h := call(t, s, "GET", q, keys[hexbeat.RoleViewer], "")
		want := map[int]string{0: "miss", 1: "hit"}[i]
		if code != 200 || h["X-Hexbeat-Cache"] != want || !strings.Contains(h["X-Hexbeat-Note"], "2025-01") {
			t.Errorf("GeoJSON %d: %d, cache %q (want %s), note %q", i+1, code, h["X-Hexbeat-Cache"], want, h["X-Hexbeat-Note"])
		}
	}
}

package api_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/hexbeat/hexbeat/internal/catalog"
	"github.com/hexbeat/hexbeat/internal/testkit"
)

// TestEveryCSVIsFormulaSafe walks every CSV the API writes for people (a download of each
// layer, the test-purchase targets, the hot spots, stop and search over time) over
// registers whose names and ids start like spreadsheet formulas: no cell may start with
// =, +, -, @, a tab or a carriage return unless it is a number, and the hostile text is
// there, escaped, so the walk saw it.
func TestEveryCSVIsFormulaSafe(t *testing.T) {
	dir := t.TempDir()
	shops := filepath.Join(dir, "shops.csv")
	os.WriteFile(shops, []byte("id,store_name,size_band,long_wgs,lat_wgs\n"+
		"=rt1,\"=HYPERLINK(\"\"http://evil.example\"\",\"\"Open\"\")\",small,-0.7594,52.0406\n"+
		"+rt2,+1+1,small,-0.7400,52.0500\n@rt3,@SUM(A1),small,-0.7700,52.0300\n-rt4,-2+3,\tsmall,-0.7500,52.0450\n"), 0o644)
	cams := filepath.Join(dir, "cams.csv")
	os.WriteFile(cams, []byte("camera_id,camera_name,kind,longitude,latitude,active_from,active_to\n=CAM(1),\"=HYPERLINK(\"\"x\"\")\",fixed,-0.7560,52.0430,2019-04-01,\n"), 0o644)
	var fc map[string]any
	raw, err := os.ReadFile(testkit.Data(t, "boundaries/milton-keynes-boundary.geojson"))
	if err != nil {
		t.Fatal(err)
	}
	json.Unmarshal(raw, &fc)
	f := fc["features"].([]any)[0].(map[string]any)
	f["properties"] = map[string]any{"LAD13CD": "=EVIL(1)", "LAD13NM": "=HYPERLINK(\"x\")"}
	delete(f, "id")
	evil := filepath.Join(dir, "evil.geojson")
	b, _ := json.Marshal(map[string]any{"type": "FeatureCollection", "features": []any{f}})
	os.WriteFile(evil, b, 0o644)
	files := []string{testkit.Data(t, "police/stop-and-search/2023-12-thames-valley-stop-and-search.csv"), shops, cams, evil}
	for _, m := range []string{"01", "02", "03", "04"} { // four months: an emerging analysis needs four slices
		files = append(files, testkit.Data(t, "police/street/2025-"+m+"-thames-valley-street.csv"))
	}
	s := newServer(t, files...)

	paths := []string{"/api/v1/test-purchase/targets?format=csv&limit=50", "/api/v1/hotspots?format=csv&res=8&area=%3DEVIL(1)",
		"/api/v1/stop-search?format=csv&from=2023-12&to=2023-12"}
	for _, l := range catalog.Layers() {
		q := "format=csv"
		if l.ID == "incidents" {
			q += "&from=2025-01&to=2025-01"
		}
		paths = append(paths, "/api/v1/export/"+l.ID+"?"+q)
	}
	var all strings.Builder
	for _, p := range paths {
		code, ctype, body := get(t, s, p)
		if code != 200 || !strings.HasPrefix(ctype, "text/csv") {
			t.Errorf("%s: %d %s %.200s", p, code, ctype, body)
			continue
		}
		rows, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
		if err != nil || len(rows) < 1 {
			t.Errorf("%s: %d rows, %v", p, len(rows), err)
			continue
		}
		for _, row := range rows {
			for _, c := range row {
				if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
					if _, err := strconv.ParseFloat(c, 64); err != nil {
						t.Errorf("%s: unsafe cell %q", p, c)
					}
				}
			}
		}
		all.Write(body)
	}
	for _, want := range []string{"'=rt1", "'=HYPERLINK", "'+1+1", "'@SUM(A1)", "'-2+3", "'=CAM(1)", "'=EVIL(1)", "-0.7594"} {
		if !strings.Contains(all.String(), want) {
			t.Errorf("no %q in any CSV: the walk did not see the hostile text", want)
		}
	}
}

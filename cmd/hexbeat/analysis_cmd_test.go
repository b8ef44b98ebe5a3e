package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/hexbeat/hexbeat/internal/store"
	"github.com/hexbeat/hexbeat/internal/testkit"
)

// TestHotspotsAndEvaluateCommands: `hexbeat hotspots` writes the API's layer from a store
// (CSV and GeoJSON, errors as usage errors), and `hexbeat evaluate` backtests files without
// a store.
func TestHotspotsAndEvaluateCommands(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "h.db")
	files := []string{testkit.Data(t, "boundaries/milton-keynes-boundary.geojson")}
	for m := 1; m <= 4; m++ {
		files = append(files, testkit.Data(t, fmt.Sprintf("police/street/2025-%02d-thames-valley-street.csv", m)))
	}
	if code, out, errs := run(t, append([]string{"import", "--db", db, "--quiet"}, files[:2]...)...); code != 0 {
		t.Fatalf("import: %d %s %s", code, out, errs)
	}
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	events, _ := st.AuditLog(context.Background(), 0, 10)
	st.Close()
	if len(events) != 2 || events[0].Action != "import" || !strings.Contains(events[1].Detail, `"added":`) {
		t.Errorf("imports in the audit log: %+v", events)
	}
	out := filepath.Join(dir, "hot.csv")
	code, _, errs := run(t, "hotspots", "--db", db, "--method", "gistar", "--area", "E06000042", "--category", "Robbery", "--category", "drugs", "--format", "csv", "--output", out)
	if code != 0 {
		t.Fatalf("hotspots: %d %s", code, errs)
	}
	b, _ := os.ReadFile(out)
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil || len(rows) < 1000 || rows[0][0] != "cell" || rows[1][12] != "gistar" {
		t.Fatalf("hotspots csv: %v, %d rows", err, len(rows))
	}
	if strings.Contains(errs, "note:") {
		t.Errorf("hotspots over the data held: %s", errs)
	}
	// --limit keeps the first rows of the same ranking
	top := filepath.Join(dir, "top.csv")
	if code, _, errs := run(t, "hotspots", "--db", db, "--method", "gistar", "--area", "E06000042", "--category", "Robbery", "--category", "drugs", "--format", "csv", "--limit", "12", "--output", top); code != 0 {
		t.Fatalf("hotspots --limit: %d %s", code, errs)
	}
	whole := strings.SplitAfterN(string(b), "\n", 14)[:13]
	if got, _ := os.ReadFile(top); string(got) != strings.Join(whole, "") {
		t.Errorf("hotspots --limit 12:\n%s\nthe first 13 lines of the whole layer:\n%s", got, strings.Join(whole, ""))
	}
	// a period beyond the data held: the CSV has no place for the note, so it goes to stderr
	code, _, errs = run(t, "hotspots", "--db", db, "--from", "2025-01", "--to", "2025-03", "--format", "csv", "--output", out)
	if code != 0 || !strings.Contains(errs, "hexbeat hotspots: note: the period (2025-01-01 to 2025-03-31) reaches beyond the data held (2025-01 to 2025-01)") {
		t.Errorf("hotspots beyond the data held: %d %s", code, errs)
	}
	// and from export, for any layer with notes
	code, _, errs = run(t, "export", "--db", db, "--layer", "cells", "--from", "2024-11", "--to", "2024-12", "--format", "csv", "--output", out)
	if code != 0 || !strings.Contains(errs, "hexbeat export: note: the period (2024-11-01 to 2024-12-31) lies outside the data held (2025-01 to 2025-01)") {
		t.Errorf("export of cells before the data held: %d %s", code, errs)
	}
	code, gj, _ := run(t, "hotspots", "--db", db, "--area", "E06000042")
	if code != 0 || !strings.HasPrefix(gj, `{"type":"FeatureCollection"`) || !strings.Contains(gj, `"method":"`+hexbeat.DefaultHotspotMethod+`"`) {
		t.Fatalf("hotspots geojson: %d %.200s", code, gj)
	}
	code, _, errs = run(t, "hotspots", "--db", db, "--method", "lisa", "--alpha", "7")
	if code != 2 || !strings.Contains(errs, "--method") || !strings.Contains(errs, "--alpha") {
		t.Fatalf("bad hotspot flags: exit %d, %s", code, errs)
	}

	// `hexbeat export`: the January incidents are the file's rows with coordinates; the
	// hotspot CSV holds the hotspots command's cells; both are audited as the CLI user.
	located := 0
	for _, r := range testkit.CSV(t, files[1])[1:] {
		if r[4] != "" && r[5] != "" {
			located++
		}
	}
	code, nd, errs := run(t, "export", "--db", db, "--layer", "incidents", "--from", "2025-01", "--to", "2025-01", "--format", "ndjson")
	if n := strings.Count(nd, "\n"); code != 0 || n != located || located < 10000 {
		t.Fatalf("export incidents: exit %d, %d lines, the file has %d located rows %s", code, n, located, errs)
	}
	code, hc, _ := run(t, "export", "--db", db, "--layer", "hotspots", "--method", "gistar", "--area", "E06000042", "--category", "Robbery", "--category", "drugs", "--format", "csv")
	exported, _ := csv.NewReader(strings.NewReader(hc)).ReadAll()
	cells := map[string]bool{}
	for _, r := range rows[1:] {
		cells[r[0]] = true
	}
	for _, r := range exported[1:] {
		delete(cells, r[0])
	}
	if code != 0 || len(exported) != len(rows) || len(cells) != 0 {
		t.Errorf("export hotspots: exit %d, %d rows for %d, %d cells missing", code, len(exported), len(rows), len(cells))
	}
	if code, _, errs := run(t, "export", "--db", db, "--layer", "incidents", "--method", "kde"); code != 2 || !strings.Contains(errs, "--method") {
		t.Errorf("export incidents --method: exit %d %s", code, errs)
	}
	if code, _, errs := run(t, "export", "--db", db, "--layer", "heatmap"); code != 2 || !strings.Contains(errs, "hotspots") {
		t.Errorf("export of no layer: exit %d %s", code, errs)
	}
	st, err = store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	events, _ = st.AuditLog(context.Background(), 0, 100)
	st.Close()
	var exports []string
	limited := ""
	for _, ev := range events {
		if ev.Action == "export" && strings.HasPrefix(ev.Actor, "cli (") {
			exports = append(exports, ev.Subject)
			if strings.Contains(ev.Detail, "limit=12") {
				limited = ev.Detail
			}
		}
	}
	if !slices.Equal(exports, []string{"hotspots.csv", "hotspots.csv", "hotspots.csv", "cells.csv", "incidents.ndjson", "hotspots.csv"}) {
		t.Errorf("exports in the audit log: %v", exports)
	}
	if !strings.Contains(limited, `"rows":12`) { // the rows written, not the study area's
		t.Errorf("the export with --limit 12 is audited as %q", limited)
	}

	code, text, errs := run(t, append([]string{"evaluate", "--train-months", "3", "--methods", "count,gistar", "--coverage", "0.05", "--area", "E06000042"}, files...)...)
	if code != 0 || !strings.Contains(text, "2025-04") || !strings.Contains(text, "naive") || !strings.Contains(text, "baseline") {
		t.Fatalf("evaluate: exit %d\n%s%s", code, text, errs)
	}
	if code, _, errs := run(t, "evaluate", "--train-months", "0", files[1]); code != 2 || !strings.Contains(errs, "--train-months") {
		t.Fatalf("evaluate --train-months 0: exit %d %s", code, errs)
	}
	if code, _, errs := run(t, "evaluate", "--area", "nowhere", files[1]); code != 2 || !strings.Contains(errs, "nowhere") {
		t.Fatalf("evaluate with an unknown area: exit %d %s", code, errs)
	}
}

// cellsTotal asks a running server, with the key, for the incidents of the res-5 cells
// layer of query (more cells parameters, or none).
func cellsTotal(t *testing.T, url, key, query string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", url+"/api/v1/cells?res=5&"+query, nil)
	req.Header.Set("Authorization", "Bearer "+key)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var fc struct{ Total int }
	if err := json.NewDecoder(res.Body).Decode(&fc); err != nil || res.StatusCode != 200 {
		t.Fatalf("%s: %d %v", url, res.StatusCode, err)
	}
	return fc.Total
}

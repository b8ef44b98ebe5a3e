package api_test

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/hexbeat/hexbeat/internal/testkit"
)

// TestMoranOverHTTP holds the Moran's I answers on Milton Keynes 2025-01..06 at res 9 to R
// spdep (the peer values of internal/stats/testdata, from scripts/moran-peer.sh): the
// hotspot layer's global Moran's I, k=auto, and the clusters and outliers layer.
func TestMoranOverHTTP(t *testing.T) {
	files := []string{testkit.Data(t, "boundaries/milton-keynes-boundary.geojson")}
	for m := 1; m <= 6; m++ {
		files = append(files, testkit.Data(t, fmt.Sprintf("police/street/2025-%02d-thames-valley-street.csv", m)))
	}
	s := newServer(t, files...)
	code, _, body := get(t, s, "/api/v1/hotspots?method=gistar&res=9&from=2025-01&to=2025-06&area=E06000042&k=1&limit=1")
	if code != 200 {
		t.Fatalf("hotspots: status %d: %s", code, body)
	}
	k1 := checkRFC7946(t, body)
	// the layer's Moran's I at k=1 is the peer's (R spdep, internal/stats/testdata), and
	// k=auto reports the scan and answers with the k=3 layer (no peak in this data)
	if m := k1.ExtraMembers["moran"].(map[string]any); m["k"] != 1.0 || math.Abs(m["z"].(float64)-46.5357846045516) > 1e-8 {
		t.Errorf("hotspots: moran %v, spdep's z at k=1 is 46.5357846045516", m)
	}
	code, _, body = get(t, s, "/api/v1/hotspots?method=gistar&res=9&from=2025-01&to=2025-06&area=E06000042&k=auto&limit=5")
	auto := checkRFC7946(t, body)
	_, _, body = get(t, s, "/api/v1/hotspots?method=gistar&res=9&from=2025-01&to=2025-06&area=E06000042&k=3&limit=5")
	k3 := checkRFC7946(t, body)
	sc, _ := auto.ExtraMembers["scale"].(map[string]any)
	if code != 200 || auto.ExtraMembers["k"] != 3.0 || sc == nil || sc["k"] != 3.0 || len(sc["by_radius"].([]any)) != 10 ||
		!strings.Contains(sc["rule"].(string), "no significant peak") || k3.ExtraMembers["scale"] != nil {
		t.Errorf("hotspots, k=auto: %d, k %v, scale %v; k=3 scale %v", code, auto.ExtraMembers["k"], sc, k3.ExtraMembers["scale"])
	}
	for i, f := range auto.Features {
		if fmt.Sprint(f.Properties) != fmt.Sprint(k3.Features[i].Properties) {
			t.Fatalf("hotspots, k=auto: feature %d is %v, k=3's is %v", i, f.Properties, k3.Features[i].Properties)
		}
	}

	// clusters and outliers: local Moran's I of every cell equals R spdep's localmoran (the
	// peer values of internal/stats/testdata), and each significant cell's type follows its
	// value and its neighbours' mean against the study area's mean
	code, _, body = get(t, s, "/api/v1/outliers?res=9&from=2025-01&to=2025-06&area=E06000042")
	if code != 200 {
		t.Fatalf("outliers: %d %s", code, body)
	}
	out := checkRFC7946(t, body)
	lisa := readPeerCSV(t, "../stats/testdata/local-moran-mk-2025h1-res9-k1.csv")
	if len(out.Features) != len(lisa) {
		t.Fatalf("outliers: %d features, spdep %d cells", len(out.Features), len(lisa))
	}
	mean := 14867.0 / float64(len(out.Features))
	types := map[string]float64{}
	for _, f := range out.Features {
		pr := f.Properties
		want := lisa[pr["cell"].(string)]
		if want == nil || math.Abs(pr["local_i"].(float64)-want[0]) > 1e-9 || math.Abs(pr["z"].(float64)-want[3]) > 1e-9 {
			t.Fatalf("outliers: cell %v local_i %v z %v, spdep %v", pr["cell"], pr["local_i"], pr["z"], want)
		}
		typ, _ := pr["type"].(string)
		if sig := pr["p_fdr"].(float64) < 0.05; sig != (typ != "") {
			t.Errorf("outliers: cell %v p_fdr %v typed %q", pr["cell"], pr["p_fdr"], typ)
		}
		if typ != "" {
			types[typ]++
			if hi, around := pr["value"].(float64) > mean, pr["lag"].(float64) > mean; typ != map[[2]bool]string{{true, true}: "HH", {true, false}: "HL", {false, true}: "LH", {false, false}: "LL"}[[2]bool{hi, around}] {
				t.Errorf("outliers: cell %v value %v lag %v (mean %.3f) typed %s", pr["cell"], pr["value"], pr["lag"], mean, typ)
			}
		}
	}
	if fmt.Sprint(out.ExtraMembers["types"]) != fmt.Sprint(map[string]any{"HH": types["HH"], "HL": types["HL"], "LH": types["LH"], "LL": types["LL"]}) || types["HH"] == 0 {
		t.Errorf("outliers: types %v, counted %v", out.ExtraMembers["types"], types)
	}
}

// readPeerCSV reads a peer's per-cell values: the first column a cell, the others numbers.
func readPeerCSV(t *testing.T, path string) map[string][]float64 {
	t.Helper()
	rows := testkit.CSV(t, path)
	out := map[string][]float64{}
	for _, r := range rows[1:] {
		var v []float64
		for _, x := range r[1:] {
			n, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
			if err != nil {
				t.Fatal(err)
			}
			v = append(v, n)
		}
		out[strings.TrimSpace(r[0])] = v
	}
	return out
}

package main

import (
	"archive/zip"
	"encoding/csv"
	"encoding/json"
	"image/color"
	"image/png"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/hexbeat/hexbeat/internal/testkit"
	"github.com/hexbeat/hexbeat/internal/testkit/realdata"
)

// Browser tests of the planners and of what each key is offered, in real Chromium against
// the real server (see web_test.go for the page helpers).

// TestSignInAndPlannersInChromium: a real store with keys on (Milton Keynes, six months,
// the retailer register, a month of stop and search). Without a key the page asks for one;
// with it the map draws. Then the layer controls (opacity, order), play through time, the
// test-purchase table (a row highlights its shop on the map; the CSV downloads), recording a
// test at a shop, stop and search over time with its printable report, and the PNG export,
// as a person would.
func TestSignInAndPlannersInChromium(t *testing.T) {
	p, key := openStore(t, append(realdata.StreetMonths(t, 1, 6),
		testkit.Data(t, "boundaries/milton-keynes-boundary.geojson"), testkit.Data(t, "poi/milton-keynes-grocery-retailers.csv"),
		testkit.Data(t, "police/stop-and-search/2020-08-thames-valley-stop-and-search.csv"))...)
	downloads := t.TempDir()
	p.do("open the map without a key", chromedp.Navigate(p.addr+"/?res=9&map=12.00/52.04/-0.76"), allowDownloads(downloads))
	asked := poll[string](p, "no sign-in form without a key", `document.getElementById('signin').open && document.getElementById('summary').textContent`)
	if !strings.Contains(asked, "API key") || eval[int](p, `document.querySelectorAll('canvas.maplibregl-canvas').length`) != 0 {
		t.Errorf("without a key: %q, and a map was made", asked)
	}
	axeCheck(p, "the sign-in form")
	p.do("sign in", chromedp.SendKeys("#key", key), chromedp.Click("#keyform button[type=submit]"),
		chromedp.WaitVisible("canvas.maplibregl-canvas")) // the page reloads with the key
	poll[int](p, "the map drew no hexagons after signing in", hexesDrawn)
	p.mu.Lock()
	p.console = nil // the 401s before signing in are expected
	p.mu.Unlock()

	// Opacity and order of layers: the map's paint and layer order follow, and the URL.
	p.do("hot spots at 30 % opacity", chromedp.Evaluate[chromedp.Void](`(() => { const r = document.querySelector('input[data-opacity="hotspots"]');
		r.value = '30'; r.dispatchEvent(new Event('input', {bubbles: true})); })()`))
	if op := eval[float64](p, `window.hexbeat.map.getPaintProperty('hotspots-fill', 'fill-opacity')`); op != 0.3 || !strings.Contains(eval[string](p, `decodeURIComponent(location.search)`), "hotspots:30") {
		t.Errorf("hot spot fill opacity %v, URL %s", op, eval[string](p, `location.search`))
	}
	layerAt := func(id string) int {
		return eval[int](p, `window.hexbeat.map.getStyle().layers.findIndex((l) => l.id === '`+id+`')`)
	}
	if layerAt("boundaries-line") > layerAt("hotspots-fill") {
		t.Fatal("boundaries start above the hot spots")
	}
	for range 5 { // boundaries, dispro, change, emerging, kde: boundaries climbs over each to pass hotspots
		p.do("move boundaries up", chromedp.Click(`button[data-up="boundaries"]`))
	}
	if layerAt("boundaries-line") < layerAt("hotspots-fill") || !strings.Contains(eval[string](p, `decodeURIComponent(location.search)`), "layers=hotspots:30,boundaries&") {
		t.Errorf("after moving boundaries up five times: line at %d, hot spots at %d; URL %s", layerAt("boundaries-line"), layerAt("hotspots-fill"), eval[string](p, `location.search`))
	}

	// police.uk data are dated to the month: the slider cannot step by days
	if eval[bool](p, `!document.querySelector('#unit option[value=day]').disabled`) {
		t.Error("the slider offers days for data dated to the month")
	}

	// Play: a two-month window steps through the months, the layer and the URL following.
	p.do("a two-month window at the start", chromedp.Evaluate[chromedp.Void](`(() => {
		for (const [id, v] of [['from-i', 0], ['to-i', 1]]) { const r = document.getElementById(id); r.value = String(v); r.dispatchEvent(new Event('input', {bubbles: true})); r.dispatchEvent(new Event('change', {bubbles: true})); } })()`))
	poll[int](p, "the window did not move to January-February", `location.search.includes('from=2025-01') && location.search.includes('to=2025-02') && 1`)
	p.do("play", chromedp.Click("#play"))
	poll[int](p, "play did not step to March", `location.search.includes('from=2025-02') && location.search.includes('to=2025-03') && 1`)
	p.do("pause", chromedp.Click("#play"))
	if pressed := eval[string](p, `document.getElementById('play').getAttribute('aria-pressed')`); pressed != "false" {
		t.Errorf("after pausing aria-pressed is %q", pressed)
	}
	poll[int](p, "no hexagons after playing", hexesDrawn)

	// Emerging hot spots over the six months: the legend says what six slices cannot show.
	p.do("all six months, emerging hot spots on", chromedp.Evaluate[chromedp.Void](`(() => {
		for (const [id, v] of [['from-i', 0], ['to-i', 5]]) { const r = document.getElementById(id); r.value = String(v); r.dispatchEvent(new Event('input', {bubbles: true})); r.dispatchEvent(new Event('change', {bubbles: true})); } })()`),
		chromedp.Click(`input[data-layer="emerging"]`))
	legend := poll[string](p, "the emerging layer's notes are not in the legend", `window.hexbeat.state.data.emerging?.slices === 6 && document.getElementById('legend').textContent`)
	if !strings.Contains(legend, "Emerging hot spots") || !strings.Contains(legend, "with 6 slices a trend is significant at alpha 0.05 only when Mann–Kendall's S reaches 13 of a possible 15") {
		t.Errorf("legend with the emerging layer: %q", legend)
	}
	p.do("emerging hot spots off", chromedp.Click(`input[data-layer="emerging"]`))

	// Clusters and outliers: the map draws the layer's significant cells in their types'
	// colours, and the legend counts them as the API does.
	p.do("clusters and outliers on", chromedp.Click(`input[data-layer="outliers"]`))
	hh := poll[int](p, "the outliers layer drew no HH cells", `window.hexbeat.state.data.outliers && window.hexbeat.map.loaded() && !window.hexbeat.map.isMoving() &&
		window.hexbeat.map.queryRenderedFeatures({layers: ['outliers-fill'], filter: ['==', ['get', 'type'], 'HH']}).length`)
	legend = eval[string](p, `document.getElementById('legend').textContent`)
	wantHH := eval[string](p, `'High among high: a cluster (' + window.hexbeat.state.data.outliers.types.HH.toLocaleString('en-GB') + ')'`)
	if !strings.Contains(legend, "Clusters and outliers: local Moran's I") || !strings.Contains(legend, wantHH) {
		t.Errorf("legend with the outliers layer: %q, want %q in it", legend, wantHH)
	}
	t.Logf("outliers: %d HH cells drawn; legend %q", hh, wantHH)
	p.do("clusters and outliers off", chromedp.Click(`input[data-layer="outliers"]`))

	// Test purchase: rank, pick a row, the shop is ringed on the map; the table downloads.
	p.do("rank retailers", chromedp.Click("#p-tp summary"), chromedp.Click("#tp-form button[type=submit]"))
	rows := poll[int](p, "no ranked retailers", `document.querySelectorAll('#tp-out tr[data-id]').length`)
	first := eval[string](p, `document.querySelector('#tp-out tr[data-id]').dataset.id`)
	p.do("pick the first", chromedp.Click(`#tp-out tr[data-id]`))
	ringed := poll[string](p, "the shop is not ringed on the map", `!window.hexbeat.map.isMoving() && (window.hexbeat.map.queryRenderedFeatures({layers: ['retailers-hl']}).map((f) => f.properties.id)[0] || false)`)
	if ringed != first || eval[string](p, `document.querySelector('#tp-out tr.selected').dataset.id`) != first {
		t.Errorf("picked %s; ringed %s", first, ringed)
	}
	p.do("download the ranking", chromedp.Click("#tp-csv"))
	csvFile := waitDownload(p, downloads, "*.csv")
	ranked := eval[int](p, `window.hexbeat.state.targets.features.length`)
	recs, err := csv.NewReader(strings.NewReader(readFile(t, csvFile))).ReadAll()
	if err != nil || len(recs) != ranked+1 || rows != min(ranked, 25) {
		t.Errorf("CSV %s: %v, %d lines for %d ranked retailers (%d in the table)", filepath.Base(csvFile), err, len(recs), ranked, rows)
	}
	p.shot("webmap-test-purchase.png")

	// Record a failed test at the first shop from its details: its history shows it, and the
	// ranking, asked again, puts the shop in its cool-down.
	p.do("record a failed test", chromedp.SetValue("#test-result", "fail"), chromedp.SendKeys("#test-notes", "sold at the till"),
		chromedp.Click("#test-form button[type=submit]"))
	history := poll[string](p, "the test is not in the shop's history", `(document.getElementById('test-msg')?.textContent === 'Recorded.') && document.getElementById('info-body').textContent`)
	if !strings.Contains(history, "fail – sold at the till") {
		t.Errorf("history after recording: %q", history)
	}
	if cooled := eval[bool](p, `window.hexbeat.state.targets.excluded.some((x) => x.id === '`+first+`') && !window.hexbeat.state.targets.features.some((f) => f.properties.id === '`+first+`')`); !cooled {
		t.Errorf("after a test today, %s is not in its cool-down in the ranking", first)
	}

	// Stop and search over time, section 60 alone: the panel says what the API counts.
	p.do("section 60 searches over time", chromedp.Click("#p-ss summary"), chromedp.SetValue("#ss-leg", "section60"), chromedp.Click("#ss-form button[type=submit]"))
	shown := poll[string](p, "no stop-and-search summary", `document.querySelector('#ss-out svg.spark') && document.getElementById('ss-out').textContent`)
	want := eval[string](p, `(async () => { const r = await (await fetch('/api/v1/stop-search?legislation=section60', {headers: {Authorization: 'Bearer '+localStorage.getItem('hexbeat.apiKey')}})).json();
		return r.total.searches + ' searches, ' + r.from + ' to ' + r.to; })()`)
	if want == "" || !strings.HasPrefix(shown, want) || !strings.Contains(shown, "Officer-defined ethnicity") {
		t.Errorf("stop and search panel %q, want it to begin %q", shown, want)
	}
	p.do("scroll to it", chromedp.ScrollIntoView("#ss-out"))
	p.shot("webmap-stop-search.png")
	// Its printable report opens in a new tab (fetched with the key, shown as a blob).
	p.do("printable report", chromedp.Evaluate[chromedp.Void](`(() => { const open = window.open; window.opened = [];
		window.open = (...a) => { const w = open.apply(window, a); window.opened.push(w); return w; }; })()`), chromedp.Click("#ss-print"))
	// (chromedp.Poll does not see the new tab's document change from about:blank; ask again)
	var printed string
	for try := 0; try < 100 && printed == ""; try++ {
		time.Sleep(100 * time.Millisecond)
		printed = eval[string](p, `(window.opened.length === 1 && window.opened[0] && window.opened[0].document.querySelector('h1') && window.opened[0].document.body.textContent.replace(/\s+/g, ' ').trim()) || ''`)
	}
	if !strings.HasPrefix(printed, "Stop and search under section 60") || !strings.Contains(printed, "Month by month") {
		t.Errorf("printable report: %.300q", printed)
	}
	p.do("close the report's tab", chromedp.Evaluate[chromedp.Void](`window.opened[0].close()`))

	// The map as PNG: the size of the map on screen, and a picture, not a blank.
	p.do("export the map", chromedp.Click("#export-png"))
	pngFile := waitDownload(p, downloads, "*.png")
	img, err := png.Decode(strings.NewReader(readFile(t, pngFile)))
	if err != nil {
		t.Fatalf("PNG export: %v", err)
	}
	w := eval[int](p, `window.hexbeat.map.getCanvas().width`)
	colours := map[color.Color]bool{}
	for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y; y += 7 {
		for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x += 7 {
			colours[img.At(x, y)] = true
		}
	}
	if img.Bounds().Dx() != w || len(colours) < 10 {
		t.Errorf("PNG %dx%d with %d colours; the map canvas is %d wide", img.Bounds().Dx(), img.Bounds().Dy(), len(colours), w)
	}
	p.noConsoleErrors()
}

// TestViewerKeyInChromium: a community scrutiny group holds a viewer's key. The map does
// not offer it the planners it may not use (Section 60 proposals, test purchase, cameras),
// and it reads the register and stop and search over time.
func TestViewerKeyInChromium(t *testing.T) {
	p, admin := openStore(t, testkit.Data(t, "police/street/2025-01-thames-valley-street.csv"), testkit.Data(t, "boundaries/milton-keynes-boundary.geojson"),
		testkit.Data(t, "police/stop-and-search/2020-08-thames-valley-stop-and-search.csv"))
	req, _ := http.NewRequest("POST", p.addr+"/api/v1/keys", strings.NewReader(`{"name":"Independent Advisory Group","role":"viewer"}`))
	req.Header.Set("Authorization", "Bearer "+admin)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var made struct{ Key string }
	json.NewDecoder(res.Body).Decode(&made)
	res.Body.Close()
	viewer := made.Key
	if res.StatusCode != 201 || viewer == "" {
		t.Fatalf("a viewer's key: %d", res.StatusCode)
	}
	p.do("open the map with the viewer's key", chromedp.Navigate(p.addr+"/?key="+viewer), chromedp.WaitVisible("canvas.maplibregl-canvas"))
	poll[int](p, "the map drew no hexagons for a viewer", hexesDrawn)
	if hidden := eval[[]bool](p, `['s60-form', 'p-tp', 'p-cam', 'p-imp', 's60-register', 'p-ss'].map((id) => document.getElementById(id).hidden)`); !slices.Equal(hidden, []bool{true, true, true, true, false, false}) {
		t.Errorf("hidden for a viewer (proposals, test purchase, cameras, import, register, stop and search): %v", hidden)
	}
	// the layers and downloads a viewer's key may not read are not offered
	listed := eval[[]string](p, `[...document.querySelectorAll('#layer-list input[data-layer]')].map((e) => e.dataset.layer)`)
	offered := eval[[]string](p, `[...document.querySelectorAll('#export-layer option')].map((e) => e.value)`)
	for _, id := range []string{"retailers", "register", "cameras", "proposals"} {
		if slices.Contains(listed, id) || slices.Contains(offered, id) {
			t.Errorf("a viewer is offered %s: layers %v, downloads %v", id, listed, offered)
		}
	}
	if !slices.Contains(listed, "hotspots") || !slices.Contains(listed, "authorisations") || len(offered) != 0 ||
		!eval[bool](p, `document.getElementById('export-csv').disabled && !document.getElementById('export-png').disabled`) {
		t.Errorf("a viewer's layers %v, downloads %v (a viewer's key downloads no layer; the map as PNG stays)", listed, offered)
	}
	p.do("the register", chromedp.Click("#p-s60 summary"), chromedp.Click("#s60-register"))
	if reg := poll[string](p, "the register is not shown", `document.getElementById('s60-reg').textContent.includes('No authorisations') && document.getElementById('s60-reg').textContent`); reg != "No authorisations recorded." {
		t.Errorf("register for a viewer: %q", reg)
	}
	p.do("section 60 over time", chromedp.Click("#p-ss summary"), chromedp.SetValue("#ss-leg", "section60"), chromedp.Click("#ss-form button[type=submit]"))
	if shown := poll[string](p, "no stop-and-search summary for a viewer", `document.querySelector('#ss-out svg.spark') && document.getElementById('ss-out').textContent`); !strings.HasPrefix(shown, "5 searches, 2020-08 to 2020-08") {
		t.Errorf("stop and search for a viewer: %q", shown)
	}
	axeCheck(p, "a viewer's map with the register and stop and search over time")
	p.noConsoleErrors()
}

// TestImportInChromium: an analyst's month arrives as a data.police.uk download. Chosen in
// the Import panel, the ZIP's street file and ward boundaries import; the report shows,
// the time slider reaches the new month, the new wards are offered as areas, and the hot
// spot layer counts both months.
func TestImportInChromium(t *testing.T) {
	jan := testkit.Data(t, "police/street/2025-01-thames-valley-street.csv")
	p, key := openStore(t, jan, testkit.Data(t, "boundaries/milton-keynes-boundary.geojson"))
	archive := filepath.Join(t.TempDir(), "police-download.zip")
	f, err := os.Create(archive)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for name, src := range map[string]string{"2025-02/2025-02-thames-valley-street.csv": testkit.Data(t, "police/street/2025-02-thames-valley-street.csv"),
		"milton-keynes-wards.geojson": testkit.Data(t, "boundaries/milton-keynes-wards.geojson")} {
		w, _ := zw.Create(name)
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(b)
	}
	zw.Close()
	f.Close()

	p.do("open the map", chromedp.Navigate(p.addr+"/?key="+key+"&map=10.00/52.04/-0.76"), chromedp.WaitVisible("canvas.maplibregl-canvas"))
	poll[int](p, "the map drew no hexagons", hexesDrawn)
	// the boundaries come as tiles: the Milton Keynes boundary is drawn, and no ward yet
	const drawnKinds = `[...new Set(window.hexbeat.map.queryRenderedFeatures({layers: ['boundaries-line']}).map((f) => f.properties.kind))].sort().join(',')`
	if kinds := poll[string](p, "no boundary drawn", drawnKinds); kinds != "lad" {
		t.Errorf("boundaries drawn before the import: %q, want the local authority", kinds)
	}
	if total := eval[int](p, `window.hexbeat.state.data.hotspots.total`); total != 14494 {
		t.Fatalf("January alone: %d incidents", total)
	}
	p.do("choose the download", chromedp.SetUploadFiles("#imp-file", []string{archive}), chromedp.Click("#imp-form button[type=submit]"))
	report := poll[string](p, "no import report", `document.querySelector('#imp-out pre.report') && document.getElementById('imp-out').textContent`)
	if !strings.HasPrefix(report, "13,501 new records from 2 files; 27,972 incidents held.") || !strings.Contains(report, "milton-keynes-wards.geojson (boundaries): 23 rows read, 23 imported") {
		t.Errorf("the report: %q", report)
	}
	if !strings.Contains(report, "police-download.zip:2025-02/2025-02-thames-valley-street.csv (street): 13812 rows read, 13478 imported") {
		t.Errorf("the street file's report: %q", report)
	}
	both := poll[int](p, "the layer did not take in February", `window.hexbeat.state.data.hotspots.total !== 14494 && window.hexbeat.state.data.hotspots.total`)
	if both != 14494+13478 {
		t.Errorf("after the import the layer counts %d incidents, want %d", both, 14494+13478)
	}
	if got := eval[string](p, `document.getElementById('summary').textContent + ' | ' + document.getElementById('to-out').value + ' | ' + document.getElementById('to-i').max`); !strings.HasSuffix(got, "2025-01 to 2025-02 | 2025-02 | 1") {
		t.Errorf("summary, slider end, slider max: %q", got)
	}
	// the map asks for the boundary tiles again and draws the wards
	if kinds := poll[string](p, "the wards were not drawn", drawnKinds+` === 'lad,ward' && 'lad,ward'`); kinds != "lad,ward" {
		t.Errorf("boundaries drawn after the import: %q", kinds)
	}
	if wards := eval[int](p, `[...document.getElementById('area').options].filter((o) => o.textContent.includes('(ward)')).length`); wards < 10 {
		t.Errorf("%d wards offered as areas after importing them", wards)
	}

	// The imports held: four, newest first, the two street files withdrawable by an admin
	// (this key), the boundaries not. February's withdrawn: the map is back to January.
	p.do("list the imports", chromedp.Click("#imp-held summary"))
	rows := poll[[]string](p, "no list of imports", `(() => { const r = [...document.querySelectorAll('#imp-list tbody tr')].map((tr) => tr.textContent); return r.length && r; })()`)
	buttons := eval[[]string](p, `[...document.querySelectorAll('#imp-list [data-withdraw]')].map((b) => b.dataset.withdraw)`)
	if len(rows) != 4 || !strings.Contains(rows[3], "2025-01-thames-valley-street.csv") || !strings.Contains(rows[0], "milton-keynes-wards.geojson") || len(buttons) != 2 {
		t.Fatalf("imports listed %q, withdraw buttons for %v", rows, buttons)
	}
	axeCheck(p, "the import panel and its list of imports")
	feb := eval[string](p, `[...document.querySelectorAll('#imp-list tbody tr')].find((tr) => tr.textContent.includes('2025-02-thames-valley-street.csv')).querySelector('[data-withdraw]').dataset.withdraw`)
	eval[bool](p, `window.confirm = () => true; true`) // the page asks before it withdraws
	p.do("withdraw February", chromedp.Click(`#imp-list [data-withdraw="`+feb+`"]`))
	said := poll[string](p, "no word of the withdrawal", `document.getElementById('imp-out').textContent.startsWith('Withdrew') && document.getElementById('imp-out').textContent`)
	if !strings.Contains(said, "13,478 incidents") || !strings.HasSuffix(said, "14,494 incidents held.") {
		t.Errorf("after the withdrawal: %q", said)
	}
	if back := poll[int](p, "the layer still counts February", `window.hexbeat.state.data.hotspots.total !== 14494+13478 && window.hexbeat.state.data.hotspots.total`); back != 14494 {
		t.Errorf("after withdrawing February the layer counts %d incidents, want 14494", back)
	}
	if n := poll[int](p, "the list still shows February", `(() => { const n = document.querySelectorAll('#imp-list tbody tr').length; return n === 3 && n; })()`); n != 3 {
		t.Errorf("%d imports listed after the withdrawal", n)
	}
	if got := eval[string](p, `document.getElementById('to-out').value`); got != "2025-01" {
		t.Errorf("the time slider ends at %q after the withdrawal, want 2025-01", got)
	}
	p.noConsoleErrors()
}

// TestAreaFinderInChromium: with more than a few boundaries the area menu has a find box:
// typing narrows the menu to the boundaries whose name, kind or code holds the text, the
// area chosen stays listed whatever is typed, and the choice reaches the URL.
func TestAreaFinderInChromium(t *testing.T) {
	p, key := openStore(t, testkit.Data(t, "police/street/2025-01-thames-valley-street.csv"),
		testkit.Data(t, "boundaries/milton-keynes-boundary.geojson"), testkit.Data(t, "boundaries/milton-keynes-lsoa-2011.geojson"))
	p.do("open the map", chromedp.Navigate(p.addr+"/?key="+key), chromedp.WaitVisible("canvas.maplibregl-canvas"))
	poll[int](p, "the map drew no hexagons", hexesDrawn)
	const listed = `[...document.getElementById('area').options].filter((o) => o.value && !o.disabled).map((o) => o.textContent)`
	if n := eval[int](p, listed+`.length`); n != 153 || eval[bool](p, `document.getElementById('area-find').hidden`) {
		t.Fatalf("%d areas listed (want 153), the find box hidden: %v", n, eval[bool](p, `document.getElementById('area-find').hidden`))
	}
	find := func(text string) []string {
		p.do("find "+text, chromedp.Evaluate[chromedp.Void](`(() => { const f = document.getElementById('area-find'); f.value = `+strconv.Quote(text)+`;
			f.dispatchEvent(new Event('input', {bubbles: true})); })()`))
		return eval[[]string](p, listed)
	}
	got := find("milton keynes 001")
	if len(got) < 2 || len(got) > 10 {
		t.Fatalf("finding 'milton keynes 001' lists %q", got)
	}
	for _, g := range got {
		if !strings.Contains(g, "Milton Keynes 001") {
			t.Errorf("%q listed for 'milton keynes 001'", g)
		}
	}
	id := eval[string](p, `[...document.getElementById('area').options].find((o) => o.value && !o.disabled).value`)
	p.do("choose it", chromedp.Evaluate[chromedp.Void](`(() => { const s = document.getElementById('area'); s.value = `+strconv.Quote(id)+`;
		s.dispatchEvent(new Event('change', {bubbles: true})); })()`))
	poll[bool](p, "the area did not reach the URL", `new URLSearchParams(location.search).get('area') === `+strconv.Quote(id))
	if got := find("no such area"); len(got) != 1 || !strings.HasPrefix(got[0], "Milton Keynes 001") {
		t.Errorf("with nothing found the chosen area should stay listed alone: %q", got)
	}
	if v := eval[string](p, `document.getElementById('area').value`); v != id {
		t.Errorf("the menu shows %q, the area chosen is %q", v, id)
	}
	if got := find("lad"); len(got) != 2 { // the local authority, and the area chosen
		t.Errorf("finding the kind 'lad' lists %q", got)
	}
	p.noConsoleErrors()
}

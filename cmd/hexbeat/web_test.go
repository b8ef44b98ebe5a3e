package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/hexbeat/hexbeat/internal/testkit"
	"github.com/hexbeat/hexbeat/internal/testkit/realdata"
	"github.com/hexbeat/hexbeat/web"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geo"
	"github.com/paulmach/orb/geojson"
)

// chromium returns Debian's Chromium, skipping the test when it is missing (CI installs it
// and must not skip).
func chromium(t *testing.T) string {
	t.Helper()
	if web.Dist() == nil {
		if os.Getenv("CI") != "" {
			t.Fatal("the web map is not built into this binary; make test builds it first")
		}
		t.Skip("web map not built (make web): browser test skipped")
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium is not installed; .ci/run installs it")
	}
	t.Skip("chromium not installed (apt-get install chromium): browser test skipped")
	return ""
}

// artefacts is where the browser tests leave screenshots and timings (git ignores it).
func artefacts(t *testing.T) string {
	dir := filepath.Join("..", "..", "artefacts")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// page is a real server and a Chromium tab on it.
type page struct {
	t       *testing.T
	ctx     context.Context
	addr    string
	out     *syncBuffer // the server's standard output
	mu      sync.Mutex
	console []string
	begun   map[string]string // downloads started: GUID -> suggested file name
	saved   map[string]string // downloads finished: suggested file name -> path on disk
}

// openPage serves args (a `hexbeat serve` command line) and opens Chromium at 1366x768.
func openPage(t *testing.T, args ...string) *page {
	exe := chromium(t)
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	out, errb := &syncBuffer{}, &syncBuffer{}
	done := make(chan int)
	if !slices.Contains(args, "--addr") { // a port of the test's own choosing, else any
		args = append(args, "--addr", "127.0.0.1:0")
	}
	go func() { done <- Run(ctx, args, out, errb) }()
	t.Cleanup(func() { cancel(); <-done })
	addr := waitFor(t, out, regexp.MustCompile(`at (http://127\.0\.0\.1:\d+)/`))

	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe), chromedp.UserDataDir(filepath.Join(dir, "chromium")),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("enable-unsafe-swiftshader", true), chromedp.WindowSize(1366, 768),
	}
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(acancel)
	bctx, bcancel := chromedp.NewContext(actx)
	t.Cleanup(bcancel)
	tctx, tcancel := context.WithTimeout(bctx, 3*time.Minute)
	t.Cleanup(tcancel)
	p := &page{t: t, ctx: tctx, addr: addr, out: out, begun: map[string]string{}, saved: map[string]string{}}
	// Chromium says when a download has been written in full (see allowDownloads); a file
	// can be on disk before then, not yet complete
	if err := chromedp.ListenBrowser(tctx, func(ev any) {
		p.mu.Lock()
		defer p.mu.Unlock()
		switch e := ev.(type) {
		case *browser.EventDownloadWillBegin:
			p.begun[e.GUID] = e.SuggestedFilename
		case *browser.EventDownloadProgress:
			if e.State == browser.DownloadProgressStateCompleted {
				p.saved[p.begun[e.GUID]] = e.FilePath
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	messages := chromedp.Console(tctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if (m.Type == "error" || m.IsException()) && !strings.Contains(m.Text, "favicon") {
				p.mu.Lock()
				p.console = append(p.console, m.Text)
				p.mu.Unlock()
			}
		}
	}()
	return p
}

// openStore imports files into a fresh SQLite store and serves it with keys on; the first
// start of a keyless store prints an admin key, which it returns.
func openStore(t *testing.T, files ...string) (*page, string) {
	t.Helper()
	db := "sqlite:" + filepath.Join(t.TempDir(), "h.db")
	if code, out, errs := run(t, append([]string{"import", "--db", db, "--quiet"}, files...)...); code != 0 {
		t.Fatalf("import: %d %s %s", code, out, errs)
	}
	p := openPage(t, "serve", "--db", db, "--rate-limit", "-1")
	key := regexp.MustCompile(`hb_[A-Za-z0-9_-]+`).FindString(p.out.String())
	if key == "" {
		t.Fatalf("no admin key printed: %s", p.out.String())
	}
	return p, key
}

// allowDownloads lets the page save downloads into dir, and Chromium tell of them.
func allowDownloads(dir string) chromedp.Action[chromedp.Void] {
	events := true
	return chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
			Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dir, EventsEnabled: &events})
		return err
	})
}

func (p *page) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	if err := chromedp.Do(p.ctx, actions...); err != nil {
		p.t.Fatalf("%s: %v", what, err)
	}
}

func eval[T any](p *page, js string) T {
	p.t.Helper()
	v, err := chromedp.Run(p.ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		p.t.Fatalf("%s: %v", js, err)
	}
	return v
}

func poll[T any](p *page, what, js string) T {
	p.t.Helper()
	v, err := chromedp.Run(p.ctx, chromedp.Poll[T](js, chromedp.WithPollingTimeout(60*time.Second)))
	if err != nil {
		p.t.Fatalf("%s (waited for %s): %v", what, js, err)
	}
	return v
}

func (p *page) shot(name string) {
	p.t.Helper()
	b, err := chromedp.Run(p.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		p.t.Fatalf("screenshot: %v", err)
	}
	if err := os.WriteFile(filepath.Join(artefacts(p.t), name), b, 0o644); err != nil {
		p.t.Fatal(err)
	}
}

func (p *page) noConsoleErrors() {
	p.t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.console) > 0 {
		p.t.Errorf("console errors: %q", p.console)
	}
}

// hexesDrawn asks the map how many hotspot hexagons it has drawn once it is idle.
const hexesDrawn = `window.hexbeat && window.hexbeat.map && window.hexbeat.map.loaded() && !window.hexbeat.map.isMoving() &&
	window.hexbeat.map.queryRenderedFeatures({layers: ['hotspots-fill']}).length`

// TestDemoMapInChromium uses the map as a person would, on what `make run` serves: the
// hexagons render, the demo banner shows, a category change redraws the layer and lands in
// the URL, a click on a hexagon opens its details, a camera plan puts markers on the map,
// and a GeoJSON export downloads and parses; the console stays free of errors.
func TestDemoMapInChromium(t *testing.T) {
	p := openPage(t, "serve", "--demo", "--demo-db", "sqlite:"+filepath.Join(t.TempDir(), "demo.db"))
	downloads := t.TempDir()
	p.do("open the map", chromedp.Navigate(p.addr+"/"), chromedp.WaitVisible("canvas.maplibregl-canvas"), allowDownloads(downloads))
	drawn := poll[int](p, "the map drew no hexagons", hexesDrawn)
	if drawn < 100 {
		t.Errorf("the map drew %d hexagons; the demo holds about 1,900 at res 9", drawn)
	}
	if banner := eval[string](p, `document.getElementById('demo-banner').hidden ? '' : document.getElementById('demo-banner').textContent`); !strings.Contains(banner, "DEMO DATA") {
		t.Errorf("demo banner %q", banner)
	}
	status := eval[string](p, `document.getElementById('status').textContent`)
	want := eval[string](p, `(({total, cells, res}) => total.toLocaleString('en-GB') + ' incidents; study area of ' + cells.toLocaleString('en-GB') + ' hexagons at resolution ' + res)(window.hexbeat.state.data.hotspots)`)
	if !strings.HasPrefix(status, want) {
		t.Errorf("status line %q, want it to begin %q", status, want)
	}
	if !eval[bool](p, `document.getElementById('area-find').hidden && getComputedStyle(document.getElementById('area-find')).display === 'none'`) {
		t.Errorf("the area find box shows for the demo's three boundaries")
	}
	legend := eval[string](p, `document.getElementById('legend').textContent`)
	if !strings.Contains(legend, "99% confidence") || !strings.Contains(legend, "Not significant") {
		t.Errorf("legend %q", legend)
	}
	p.shot("webmap-demo.png")

	// One category: fewer incidents, a new layer, the URL says so.
	before := eval[int](p, `window.hexbeat.state.data.hotspots.total`)
	p.do("choose one category", chromedp.Click("#cats-none"))
	after := poll[int](p, "the layer did not change", `window.hexbeat.state.data.hotspots.total < `+fmt.Sprint(before)+` && window.hexbeat.state.data.hotspots.total`)
	url := eval[string](p, `location.search`)
	first := eval[string](p, `window.hexbeat.state.allCats[0]`)
	if !strings.Contains(url, "cat="+strings.ReplaceAll(first, " ", "+")) {
		t.Errorf("after choosing %q the URL is %q", first, url)
	}
	t.Logf("all categories: %d incidents; %s: %d", before, first, after)
	p.do("all categories again", chromedp.Click("#cats-all"))
	poll[int](p, "the layer did not come back", `window.hexbeat.state.data.hotspots.total === `+fmt.Sprint(before)+` && 1`)
	poll[int](p, "no hexagons after the change", hexesDrawn)

	// The Gi* radius chosen by Moran's I: the layer says which and why, the legend shows
	// that note, the URL keeps it, and the hexagons are drawn again.
	if !strings.Contains(status, "Moran's I") || !strings.Contains(status, "over 1 ring") {
		t.Errorf("status line without the layer's Moran's I: %q", status)
	}
	chooseK := func(v string) {
		eval[bool](p, `(() => { const s = document.getElementById('k'); s.value = '`+v+`'; return s.dispatchEvent(new Event('change')); })()`)
	}
	chooseK("auto")
	rule := poll[string](p, "no scale in the layer after k=auto", `window.hexbeat.state.data.hotspots.scale && window.hexbeat.state.data.hotspots.scale.rule`)
	if k := eval[int](p, `window.hexbeat.state.data.hotspots.k`); !strings.HasPrefix(rule, fmt.Sprintf("k = %d: ", k)) {
		t.Errorf("scale rule %q for a layer of k = %d", rule, k)
	}
	if legend := eval[string](p, `document.getElementById('legend').textContent`); !strings.Contains(legend, "k=auto: "+rule) || !strings.Contains(eval[string](p, `location.search`), "k=auto") {
		t.Errorf("after k=auto: legend %q, URL %q", legend, eval[string](p, `location.search`))
	}
	t.Logf("k=auto on the demo: %s", rule)
	poll[int](p, "no hexagons after k=auto", hexesDrawn)
	chooseK("1")
	poll[int](p, "the one-ring layer did not come back", `!window.hexbeat.state.data.hotspots.scale && window.hexbeat.state.data.hotspots.k === 1 && 1`)

	// Click the hottest hexagon on screen and read its details.
	xy := eval[[]float64](p, `(() => { const m = window.hexbeat.map;
		const fs = m.queryRenderedFeatures({layers: ['hotspots-fill']}).sort((a, b) => b.properties.count - a.properties.count);
		const ring = fs[0].geometry.coordinates[0]; let x = 0, y = 0;
		for (const c of ring.slice(0, -1)) { x += c[0]; y += c[1]; }
		const pt = m.project([x / (ring.length - 1), y / (ring.length - 1)]);
		const r = m.getCanvas().getBoundingClientRect(); return [pt.x + r.left, pt.y + r.top]; })()`)
	p.do("click a hexagon", chromedp.MouseClickXY(xy[0], xy[1]))
	info := poll[string](p, "no details after the click", `!document.getElementById('info').hidden && document.getElementById('info-body').querySelector('svg.spark') && document.getElementById('info-body').textContent`)
	if !strings.Contains(info, "Hexagon") || !strings.Contains(info, "Gi* z") || !strings.Contains(info, "By category") {
		t.Errorf("details: %q", info)
	}
	p.shot("webmap-cell.png")

	// The list of top hot spots: the first 15 of the layer's ranking, as the whole layer
	// ranks them; a row chosen by keyboard outlines its hexagon and shows its details.
	p.do("open the list", chromedp.Click("#p-top summary"))
	listed := poll[[]string](p, "no list of top hot spots", `(() => { const c = [...document.querySelectorAll('#top-out tr[data-cell]')].map((r) => r.dataset.cell); return c.length && c; })()`)
	// the list's own request, asked again without its limit
	whole := eval[[]string](p, `(async () => { const u = new URL(performance.getEntriesByType('resource').map((e) => e.name).filter((n) => n.includes('/api/v1/hotspots?') && n.includes('limit=15')).pop());
		u.searchParams.delete('limit'); const r = await fetch(u);
		return (await r.json()).features.slice(0, 15).map((f) => f.properties.cell); })()`)
	if !slices.Equal(listed, whole) {
		t.Errorf("top hot spots listed %v, the layer's first 15 are %v", listed, whole)
	}
	p.do("choose the second by keyboard", chromedp.Focus(`#top-out tr[data-cell]:nth-child(2)`), chromedp.KeyEvent("\r"))
	chosen := poll[string](p, "the chosen hexagon is not outlined", `(() => { const d = window.hexbeat.map.getSource('chosen').serialize().data; return d.properties && d.properties.cell; })()`)
	details := poll[string](p, "no details of the chosen hexagon", `!document.getElementById('info').hidden && document.getElementById('info-body').querySelector('svg.spark') && document.getElementById('info-body').textContent`)
	if len(listed) < 2 || chosen != listed[1] || !strings.Contains(details, "Hexagon "+listed[1]) || !strings.Contains(details, "rank2") {
		t.Errorf("chose %q (row 2 is %v); details %q", chosen, listed, details)
	}
	p.shot("webmap-top.png")

	// The forecast check: the backtest's table as the API reports it, and its verdict.
	p.do("run the backtest", chromedp.Click("#p-fc summary"), chromedp.Click("#fc-form button[type=submit]"))
	table := poll[[][]string](p, "no backtest table", `(() => { const r = [...document.querySelectorAll('#fc-table tbody tr')].map((tr) => [...tr.children].map((td) => td.textContent)); return r.length && r; })()`)
	api := eval[[][]string](p, `(async () => { const u = performance.getEntriesByType('resource').map((e) => e.name).filter((n) => n.includes('/api/v1/evaluate?')).pop();
		const r = await (await fetch(u)).json();
		return r.summary.map((x) => [x.method + (x.method === r.baseline ? ' (baseline)' : ''), Math.round(x.coverage * 100) + ' %', x.pai.toFixed(2)]); })()`)
	if len(table) != 10 || len(api) != 10 {
		t.Fatalf("backtest table %v, the API's summary %v", table, api)
	}
	for i := range table {
		if table[i][0] != api[i][0] || table[i][1] != api[i][1] || strings.ReplaceAll(table[i][2], ",", "") != strings.TrimRight(strings.TrimRight(api[i][2], "0"), ".") {
			t.Errorf("backtest row %d: %v, the API %v", i, table[i], api[i])
		}
	}
	if verdict := eval[string](p, `document.querySelector('#fc-out ul.verdict').textContent`); !strings.Contains(verdict, "naive baseline") {
		t.Errorf("the backtest's verdict: %q", verdict)
	}
	p.shot("webmap-forecast.png")

	// A camera plan: markers and the coverage curve, sites at least 500 m apart and from the
	// cameras already there; the demo register's four fixed cameras in service count as
	// that cover, and the register's layer shows them.
	p.do("plan cameras", chromedp.Click("#p-cam summary"), chromedp.SetValue("#cam-k", "8"), chromedp.SetValue("#cam-gap", "500"),
		chromedp.Click("#cam-form button[type=submit]"))
	markers := poll[int](p, "no camera markers", `document.querySelectorAll('.camera-marker').length`)
	if markers != 8 || eval[int](p, `document.querySelectorAll('#cam-out svg.curve').length`) != 1 {
		t.Errorf("%d camera markers, want 8, and a coverage curve", markers)
	}
	sites := eval[[][]float64](p, `window.hexbeat.state.plan.features.map((f) => f.geometry.coordinates)`)
	for i := range sites {
		for j := range i {
			if d := geo.DistanceHaversine(orb.Point{sites[i][0], sites[i][1]}, orb.Point{sites[j][0], sites[j][1]}); d < 497.5 {
				t.Errorf("sites %d and %d are %.0f m apart; the plan asked for 500", j+1, i+1, d)
			}
		}
	}
	if said := eval[string](p, `document.getElementById('cam-out').textContent`); !regexp.MustCompile(`4 fixed cameras from the register, in service on \d{4}-\d\d-\d\d, already cover`).MatchString(said) {
		t.Errorf("the plan does not say what the register's cameras cover: %q", said)
	}
	registered := poll[[]string](p, "the register's cameras are not drawn", `!window.hexbeat.map.isMoving() && window.hexbeat.state.data.register &&
		(() => { const ids = [...new Set(window.hexbeat.map.queryRenderedFeatures({layers: ['register-circle']}).map((f) => f.properties.id))].sort(); return ids.length && ids; })()`)
	for _, id := range registered {
		if !strings.HasPrefix(id, "DEMO-CAM-") && !strings.HasPrefix(id, "DEMO-VAN-") {
			t.Errorf("registered cameras drawn: %v", registered)
		}
	}
	fixed := eval[[][]float64](p, `window.hexbeat.state.data.register.features.filter((f) => f.properties.kind === 'fixed' && f.properties.in_service).map((f) => f.geometry.coordinates)`)
	for i, s := range sites {
		for _, f := range fixed {
			if d := geo.DistanceHaversine(orb.Point{s[0], s[1]}, orb.Point{f[0], f[1]}); d < 497.5 {
				t.Errorf("site %d is %.0f m from a fixed camera at %v", i+1, d, f)
			}
		}
	}
	if len(fixed) != 4 {
		t.Errorf("%d fixed cameras in service in the demo register, want 4", len(fixed))
	}
	if covers := poll[int](p, "no coverage drawn for the cameras already there", `window.hexbeat.map.getSource('cameras').serialize().data.features.filter((f) => f.properties.existing).length`); covers != 4 {
		t.Errorf("%d coverage discs of cameras already there, want 4", covers)
	}
	// A mobile unit moved to the third site: the register holds it there from the day given.
	p.do("move a unit", chromedp.SetValue("#deploy-unit", "DEMO-VAN-2"), chromedp.SetValue("#deploy-site", "3"),
		chromedp.SetValue("#deploy-day", "2026-01-05"), chromedp.Click("#deploy-form button[type=submit]"))
	said := poll[string](p, "no word after moving a unit", `document.getElementById('deploy-msg').textContent`)
	moved := poll[[]float64](p, "the register does not hold the unit at the site", `(() => { const f = window.hexbeat.state.data.register.features.find((f) => f.id === 'DEMO-VAN-2');
		return f && f.properties.active_from === '2026-01-05' && f.geometry.coordinates; })()`)
	if !strings.Contains(said, "recorded at site 3 from 2026-01-05") || len(moved) != 2 || moved[0] != sites[2][0] || moved[1] != sites[2][1] {
		t.Errorf("unit moved: %q, at %v; site 3 is at %v", said, moved, sites[2])
	}
	// The register as it stood on 2023-06-01, when the Wolverton camera (taken out in
	// 2024-03) was still in service: five fixed cameras count, five grey discs are drawn,
	// and the plan's download asks for the same day.
	p.do("plan on an earlier day", chromedp.SetValue("#cam-on", "2023-06-01"), chromedp.Click("#cam-form button[type=submit]"))
	earlier := poll[string](p, "no plan for 2023-06-01", `window.hexbeat.state.plan?.query.existing_on === '2023-06-01' && document.getElementById('cam-out').textContent`)
	if !strings.Contains(earlier, "5 fixed cameras from the register, in service on 2023-06-01, already cover") {
		t.Errorf("the plan on 2023-06-01 says %q", earlier)
	}
	if covers := poll[int](p, "no coverage drawn for the earlier day", `(() => { const n = window.hexbeat.map.getSource('cameras').serialize().data.features.filter((f) => f.properties.existing).length; return n === 5 && n; })()`); covers != 5 {
		t.Errorf("%d coverage discs on 2023-06-01, want 5", covers)
	}
	p.do("export the plan", chromedp.SetValue("#export-layer", "cameras"), chromedp.Click("#export-geojson"))
	planFile := waitDownload(p, downloads, "hexbeat-cameras*.geojson")
	var planDoc struct {
		Existing       int      `json:"existing"`
		ExistingSource string   `json:"existing_source"`
		Cameras        []string `json:"existing_cameras"`
	}
	if err := json.Unmarshal([]byte(readFile(t, planFile)), &planDoc); err != nil || planDoc.Existing != 5 || !strings.HasSuffix(planDoc.ExistingSource, "2023-06-01") || !slices.Contains(planDoc.Cameras, "DEMO-CAM-05") {
		t.Errorf("the plan's download %s: %v, %+v", filepath.Base(planFile), err, planDoc)
	}
	p.shot("webmap-cameras.png")

	// Export the hotspot layer as GeoJSON: the file holds the layer the map shows.
	p.do("export", chromedp.SetValue("#export-layer", "hotspots"), chromedp.Click("#export-geojson"))
	file := waitDownload(p, downloads, "hexbeat-hotspots*.geojson")
	fc, err := geojson.UnmarshalFeatureCollection([]byte(readFile(t, file)))
	shown := eval[int](p, `window.hexbeat.state.data.hotspots.cells`)
	if err != nil || len(fc.Features) != shown || fc.ExtraMembers["layer"] != "hotspots" {
		t.Errorf("export %s: %v, %d features, the map holds %d", filepath.Base(file), err, len(fc.Features), shown)
	}
	// Section 60: propose areas, review the first, record it; the register then shows it.
	p.do("propose areas", chromedp.Click("#p-s60 summary"), chromedp.Click("#s60-form button[type=submit]"))
	poll[int](p, "no proposals", `document.querySelectorAll('#s60-out [data-review]').length`)
	p.do("review the first", chromedp.Click(`#s60-out [data-review="1"]`), chromedp.WaitVisible("#auth-form"),
		chromedp.SendKeys("#auth-officer", "Insp 4021"), chromedp.Click("#auth-form button[type=submit]"))
	recorded := poll[string](p, "the authorisation was not recorded", `(document.getElementById('s60-out').textContent.match(/Authorisation \d+ recorded[^.]*/) || [''])[0]`)
	if n := poll[int](p, "the register does not show it", `window.hexbeat.state.data.authorisations && window.hexbeat.state.data.authorisations.features.length`); n != 1 || !strings.Contains(recorded, "active") {
		t.Errorf("%q; %d active authorisations on the map", recorded, n)
	}
	p.shot("webmap-section60.png")
	// The register lists it beside the demo's six section 60 nights; the scrutiny report of
	// the first night opens in the details panel with the searches the API counts there.
	p.do("show the register", chromedp.Click("#s60-register"))
	regRows := poll[int](p, "the register is not listed", `document.querySelectorAll('#s60-reg [data-scrutiny]').length`)
	p.do("the first night's scrutiny report", chromedp.Click(`#s60-reg [data-scrutiny="1"]`))
	scrutiny := poll[string](p, "no scrutiny report", `!document.getElementById('info').hidden && document.getElementById('info-body').textContent.includes('Scrutiny: authorisation 1') && document.getElementById('info-body').textContent`)
	searches := eval[int](p, `fetch('/api/v1/section60/authorisations/1/scrutiny').then((r) => r.json()).then((r) => r.searches)`)
	if regRows != 7 || searches < 5 || !strings.Contains(scrutiny, fmt.Sprintf("searches in the area and hours%d", searches)) || !strings.Contains(scrutiny, "Officer-defined ethnicity") ||
		eval[int](p, `document.querySelectorAll('#scrutiny-print').length`) != 1 {
		t.Errorf("%d rows in the register, want 7; %d searches in the API's report; scrutiny panel %q", regRows, searches, scrutiny)
	}
	p.shot("webmap-scrutiny.png")

	// The authorisation recorded above is extended by a superintendent from the register, once
	// (the button is then disabled), and cancelled; the API's register agrees.
	id := eval[int](p, `window.hexbeat.state.register.features.find((f) => f.properties.status === 'active').properties.id`)
	p.do("extend it", chromedp.Click(fmt.Sprintf(`#s60-reg [data-extend="%d"]`, id)), chromedp.WaitVisible("#change-form"),
		chromedp.SendKeys("#ch-officer", "Supt 77"), chromedp.SendKeys("#ch-reason", "tension continues"), chromedp.Click("#change-form button[type=submit]"))
	extended := poll[string](p, "the extension was not recorded", `(document.getElementById('ch-msg').textContent.startsWith('Recorded') || document.querySelector('#ch-msg.error-text')) && document.getElementById('ch-msg').textContent`)
	reg := fmt.Sprintf(`fetch('/api/v1/section60/authorisations/%d').then((r) => r.json()).then((f) => JSON.stringify(f.properties))`, id)
	if props := eval[string](p, reg); !strings.HasPrefix(extended, "Recorded: active") || !strings.Contains(props, `"officer":"Supt 77","rank":"Superintendent"`) {
		t.Errorf("extension: %q; the register: %s", extended, props)
	}
	poll[bool](p, "the register still offers a second extension", fmt.Sprintf(`document.querySelector('#s60-reg [data-extend="%d"]')?.disabled === true`, id))
	p.do("cancel it", chromedp.Click(fmt.Sprintf(`#s60-reg [data-cancel="%d"]`, id)), chromedp.WaitVisible("#change-form"),
		chromedp.SendKeys("#ch-officer", "Insp 4021"), chromedp.SendKeys("#ch-reason", "no longer needed"), chromedp.Click("#change-form button[type=submit]"))
	cancelled := poll[string](p, "the cancellation was not recorded", `(document.getElementById('ch-msg').textContent.startsWith('Recorded') || document.querySelector('#ch-msg.error-text')) && document.getElementById('ch-msg').textContent`)
	if props := eval[string](p, reg); !strings.HasPrefix(cancelled, "Recorded: cancelled") || !strings.Contains(props, `"status":"cancelled"`) || !strings.Contains(props, "no longer needed") {
		t.Errorf("cancellation: %q; the register: %s", cancelled, props)
	}

	// On a tablet the panel folds away behind a button and the map keeps its hexagons.
	p.do("a tablet's screen", chromedp.EmulateViewport(768, 1024))
	if vis := eval[bool](p, `getComputedStyle(document.getElementById('panel-toggle')).display !== 'none'`); !vis {
		t.Error("no panel button on a tablet's screen")
	}
	p.do("fold the panel", chromedp.Click("#panel-toggle"))
	if hidden := eval[bool](p, `getComputedStyle(document.getElementById('panel')).display === 'none' && document.getElementById('panel-toggle').getAttribute('aria-expanded') === 'false'`); !hidden {
		t.Error("the panel did not fold away")
	}
	poll[int](p, "no hexagons on a tablet's screen", hexesDrawn)
	p.shot("webmap-tablet.png")

	timings := eval[string](p, `JSON.stringify(window.hexbeat.timings)`)
	t.Logf("timings: %s", timings)
	os.WriteFile(filepath.Join(artefacts(t), "webmap-demo-timings.json"), []byte(timings), 0o644)
	p.noConsoleErrors()
}

// TestMapTimings measures in Chromium, with performance marks, the first render of the
// default demo view and changes of a real layer of about 20,000 cells (Thames Valley, six
// months, res 9: 21,838 cells): recolouring it, and a category change (a new analysis on
// the server and new tiles). The numbers go to artefacts/webmap-timings.json for
// docs/benchmarks.md; they are not a pass/fail condition. The test does fail when the map
// does not draw.
func TestMapTimings(t *testing.T) {
	p, key := openStore(t, realdata.StreetMonths(t, 1, 6)...) // the page takes the key as ?key=
	p.do("open the map", chromedp.Navigate(p.addr+"/?key="+key+"&res=9&method=gistar&map=9.00/51.75/-0.95"), chromedp.WaitVisible("canvas.maplibregl-canvas"))
	poll[int](p, "the map drew no hexagons", hexesDrawn)
	poll[int](p, "no first-render timing", `window.hexbeat.timings.firstRender`)
	cells := eval[int](p, `window.hexbeat.state.data.hotspots.cells`)
	p.do("colour by value", chromedp.SetValue("#colour", "value"))
	poll[int](p, "no timing of the change", `window.hexbeat.timings.changes.some((c) => c.reason === 'colour') && 1`)
	// the two fill layers over the same tiles: the one coloured by value shows, the bins not
	if ops := eval[[]float64](p, `['hotspots-fill', 'hotspots-value'].map((l) => window.hexbeat.map.getPaintProperty(l, 'fill-opacity'))`); len(ops) != 2 || ops[0] != 0 || ops[1] != 0.8 {
		t.Errorf("coloured by value: opacity of the bin and value layers %v, want [0 0.8]", ops)
	}
	p.do("one category", chromedp.Click("#cats-none"))
	poll[int](p, "no timing of the category change", `window.hexbeat.timings.changes.some((c) => c.reason === 'category') && 1`)
	timings := eval[string](p, `JSON.stringify({browser: navigator.userAgent.match(/Chrome\/[\d.]+/)?.[0], cells: window.hexbeat.state.data.hotspots.cells, ...window.hexbeat.timings,
		resources: performance.getEntriesByType('resource').filter((e) => e.name.includes('/tiles/') || e.name.includes('/api/v1/hotspots')).map((e) => ({
			what: e.name.replace(location.origin, '').split('?')[0], start: Math.round(e.startTime), ms: Math.round(e.duration), kb: Math.round(e.transferSize / 1024)}))})`)
	t.Logf("%d cells at res 9; timings: %s", cells, timings)
	var parsed map[string]any
	if err := json.Unmarshal([]byte(timings), &parsed); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(artefacts(t), "webmap-timings.json"), []byte(timings), 0o644)
	p.shot("webmap-thames-valley.png")
	p.noConsoleErrors()
}

// TestDaySliderInChromium: a force's own export with full timestamps (real Milton Keynes
// points, dated across March 2025) lets the slider step by days. A week of days shows that
// week's incidents, counted here from the file; back to months, the month returns.
func TestDaySliderInChromium(t *testing.T) {
	rows := testkit.CSV(t, testkit.Data(t, "police/street/2025-01-thames-valley-street.csv"))
	col := map[string]int{}
	for i, name := range rows[0] {
		col[name] = i
	}
	var b strings.Builder
	w := csv.NewWriter(&b)
	w.Write([]string{"Ref", "When", "Offence", "X", "Y"})
	week := 0 // incidents from 10 to 16 March
	for i, r := range rows[1:] {
		if !strings.HasPrefix(r[col["LSOA name"]], "Milton Keynes") || r[col["Longitude"]] == "" {
			continue
		}
		at := time.Date(2025, 3, 1+i%31, i%24, i%60, 0, 0, time.UTC)
		if at.Day() >= 10 && at.Day() <= 16 {
			week++
		}
		w.Write([]string{fmt.Sprint("MK-", i), at.Format(time.RFC3339), r[col["Crime type"]], r[col["Longitude"]], r[col["Latitude"]]})
	}
	w.Flush()
	file := filepath.Join(t.TempDir(), "force-export.csv")
	if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	// the generic CSV's column flags go before the file
	p, key := openStore(t, "--lon", "X", "--lat", "Y", "--time", "When", "--category", "Offence", "--id", "Ref", file)
	p.do("open the map", chromedp.Navigate(p.addr+"/?key="+key+"&map=11.00/52.04/-0.76"), chromedp.WaitVisible("canvas.maplibregl-canvas"))
	poll[int](p, "the map drew no hexagons", hexesDrawn)
	if eval[bool](p, `document.querySelector('#unit option[value=day]').disabled`) {
		t.Fatal("days are not offered for data dated to the minute")
	}
	month := eval[int](p, `window.hexbeat.state.data.hotspots.total`)

	p.do("step by days", chromedp.SetValue("#unit", "day"), chromedp.Evaluate[chromedp.Void](`document.getElementById('unit').dispatchEvent(new Event('change', {bubbles: true}))`))
	poll[int](p, "the URL does not say days", `location.search.includes('unit=day') && location.search.includes('from=2025-03-01') && location.search.includes('to=2025-03-31') && 1`)
	if max := eval[string](p, `document.getElementById('to-i').max`); max != "30" {
		t.Errorf("a day slider over March has its last position at %s, not 30", max)
	}
	p.do("the week of 10 March", chromedp.Evaluate[chromedp.Void](`(() => {
		for (const [id, v] of [['from-i', 9], ['to-i', 15]]) { const r = document.getElementById(id); r.value = String(v); r.dispatchEvent(new Event('input', {bubbles: true})); r.dispatchEvent(new Event('change', {bubbles: true})); } })()`))
	poll[int](p, "the window did not move to 10-16 March", `location.search.includes('from=2025-03-10') && location.search.includes('to=2025-03-16') && 1`)
	got := poll[int](p, "the layer did not follow", `window.hexbeat.state.data.hotspots.total !== `+fmt.Sprint(month)+` && window.hexbeat.state.data.hotspots.total`)
	if got != week {
		t.Errorf("10-16 March: the layer has %d incidents, the file %d", got, week)
	}
	if out := eval[string](p, `document.getElementById('from-out').value + ' ' + document.getElementById('to-out').value`); out != "2025-03-10 2025-03-16" {
		t.Errorf("the slider reads %q", out)
	}

	p.do("back to months", chromedp.SetValue("#unit", "month"), chromedp.Evaluate[chromedp.Void](`document.getElementById('unit').dispatchEvent(new Event('change', {bubbles: true}))`))
	poll[int](p, "the URL does not say March", `!location.search.includes('unit=') && location.search.includes('from=2025-03&') && location.search.includes('to=2025-03&') && 1`)
	if back := poll[int](p, "the month's layer did not return", `window.hexbeat.state.data.hotspots.total === `+fmt.Sprint(month)+` && window.hexbeat.state.data.hotspots.total`); back != month {
		t.Errorf("back to months: %d incidents, first %d", back, month)
	}
	p.noConsoleErrors()
}

// waitDownload waits until Chromium has finished a download whose name matches pattern
// into dir, and returns its path.
func waitDownload(p *page, dir, pattern string) string {
	p.t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		p.mu.Lock()
		for name, path := range p.saved {
			if ok, _ := filepath.Match(pattern, name); ok {
				p.mu.Unlock()
				if path == "" { // Chromium need not say where it saved it
					path = filepath.Join(dir, name)
				}
				return path
			}
		}
		p.mu.Unlock()
	}
	p.t.Fatalf("no %s download finished", pattern)
	return ""
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

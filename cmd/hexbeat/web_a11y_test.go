package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// axeViolation is one rule axe-core found broken, with the elements that break it.
type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target  []string `json:"target"`
		Summary string   `json:"failureSummary"`
	} `json:"nodes"`
}

// axeCheck runs axe-core (web/node_modules, a dev dependency) on the page as it stands,
// against WCAG 2.2 A and AA, the level the UK's public sector accessibility regulations
// ask of a police service's web tools.
func axeCheck(p *page, what string) {
	p.t.Helper()
	src, err := os.ReadFile(filepath.Join("..", "..", "web", "node_modules", "axe-core", "axe.min.js"))
	if err != nil {
		p.t.Fatalf("axe-core (make web installs it): %v", err)
	}
	if !eval[bool](p, `typeof window.axe === 'object'`) {
		eval[bool](p, string(src)+"\n;true")
	}
	vs := eval[[]axeViolation](p, `axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] }, resultTypes: ['violations'] })
		.then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => ({ target: n.target.map(String), failureSummary: n.failureSummary })) })))`)
	for _, v := range vs {
		var where []string
		for _, n := range v.Nodes {
			where = append(where, strings.Join(n.Target, " ")+": "+strings.ReplaceAll(n.Summary, "\n", " "))
		}
		p.t.Errorf("%s: %s (%s, %s):\n  %s", what, v.ID, v.Impact, v.Help, strings.Join(where, "\n  "))
	}
}

// TestMapAccessibility: the map page, with every panel open, a hexagon's details shown and
// a plan made, has nothing axe-core finds against WCAG 2.2 AA.
func TestMapAccessibility(t *testing.T) {
	p := openPage(t, "serve", "--demo", "--demo-db", "sqlite:"+filepath.Join(t.TempDir(), "demo.db"))
	p.do("open the map", chromedp.Navigate(p.addr+"/"), chromedp.WaitVisible("canvas.maplibregl-canvas"))
	poll[int](p, "the map drew no hexagons", hexesDrawn)
	axeCheck(p, "the map as it opens")

	// every panel open (the sign-in form, the planners, the import forms, the top hot spots)
	eval[bool](p, `document.querySelectorAll('details').forEach((d) => { d.hidden = false; d.open = true; }); true`)
	poll[int](p, "no list of top hot spots", `document.querySelectorAll('#top-out tr[data-cell]').length`)
	axeCheck(p, "every panel open")

	// what the planners and a chosen hexagon add: tables, forms, the details panel
	p.do("plan cameras", chromedp.Click("#cam-form button[type=submit]"))
	poll[int](p, "no camera plan", `document.querySelectorAll('#cam-out svg.curve').length`)
	p.do("propose section 60 areas", chromedp.Click("#s60-form button[type=submit]"))
	poll[int](p, "no proposals", `document.querySelectorAll('#s60-out [data-review]').length`)
	p.do("rank retailers", chromedp.Click("#tp-form button[type=submit]"))
	poll[string](p, "no ranking", `!document.getElementById('tp-out').textContent.startsWith('Ranking') && document.getElementById('tp-out').textContent`)
	p.do("run the backtest", chromedp.Click("#fc-form button[type=submit]"))
	poll[int](p, "no backtest", `document.querySelectorAll('#fc-table tbody tr').length`)
	p.do("choose a hot spot", chromedp.Click(`#top-out tr[data-cell]`))
	poll[string](p, "no details", `!document.getElementById('info').hidden && document.getElementById('info-body').querySelector('svg.spark') && document.getElementById('info-body').textContent`)
	axeCheck(p, "plans made and a hexagon's details shown")

	// the printable reports a community scrutiny group reads, and the API's page
	for _, path := range []string{"/api/v1/section60/authorisations/1/scrutiny?format=html", "/api/v1/stop-search?format=html", "/api/v1/docs"} {
		p.do("open "+path, chromedp.Navigate(p.addr+path), chromedp.WaitReady("body"))
		if !eval[bool](p, `document.body.textContent.length > 200`) {
			t.Errorf("%s: %q", path, eval[string](p, `document.body.textContent`))
		}
		axeCheck(p, path)
	}
}

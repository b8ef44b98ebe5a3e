package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/hexbeat/hexbeat/internal/testkit"
)

// TestStopSearchInProportionInChromium: Milton Keynes with its LSOA outlines, the Census by
// LSOA, the ONS centroids and December 2023's stop and search. The layer of searches per
// resident draws the area's LSOAs with its legend, for the group chosen and by the ratio to
// White people's rate; an inspector's authorisation is shown waiting for the record that a
// superintendent was informed (s60(3A)), which is recorded through the register, as is a
// notice to the community; the evaluation shows. axe-core finds nothing against WCAG 2.2 AA
// in the legend, the forms or the evaluation.
func TestStopSearchInProportionInChromium(t *testing.T) {
	p, key := openStore(t, testkit.Data(t, "boundaries/milton-keynes-boundary.geojson"), testkit.Data(t, "boundaries/milton-keynes-lsoa-2011.geojson"),
		testkit.Data(t, "census/census2021-ts021-lsoa-broad.csv"), testkit.Data(t, "census/lsoa21-population-weighted-centroids-bng.csv"),
		testkit.Data(t, "police/stop-and-search/2023-12-thames-valley-stop-and-search.csv"), testkit.Data(t, "police/street/2025-01-thames-valley-street.csv"))
	authorise := func(start, end time.Time) {
		t.Helper()
		req, _ := http.NewRequest("POST", p.addr+"/api/v1/section60/authorisations", strings.NewReader(`{"area":{"type":"Polygon","coordinates":[[[-0.78,52.03],[-0.74,52.03],[-0.74,52.05],[-0.78,52.05],[-0.78,52.03]]]},
		"grounds":"a stabbing outside the station","officer":"J Smith","rank":"Inspector","start":"`+start.Format(time.RFC3339)+`","end":"`+end.Format(time.RFC3339)+`"}`))
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 201 {
			t.Fatalf("authorise: %d", res.StatusCode)
		}
	}
	authorise(time.Date(2023, 12, 8, 18, 0, 0, 0, time.UTC), time.Date(2023, 12, 9, 9, 0, 0, 0, time.UTC))
	now := time.Now().UTC().Truncate(time.Second)
	authorise(now.Add(-time.Hour), now.Add(5*time.Hour)) // in force: on the map

	p.do("open the layer of searches per resident", chromedp.Navigate(p.addr+"/?key="+key+"&area=E06000042&layers=boundaries,dispro,authorisations&map=10.50/52.04/-0.76"),
		chromedp.WaitVisible("canvas.maplibregl-canvas"))
	drawn := `window.hexbeat.map && window.hexbeat.map.loaded() && !window.hexbeat.map.isMoving() &&
		new Set(window.hexbeat.map.queryRenderedFeatures({ layers: ['dispro-fill'] }).map((f) => f.properties.code)).size`
	if n := poll[int](p, "no LSOA drawn", drawn); n < 100 {
		t.Errorf("%d LSOAs drawn, want most of Milton Keynes's 143 with an outline", n)
	}
	legend := poll[string](p, "no legend for the layer", `document.getElementById('legend').textContent.includes('per 1,000') && document.getElementById('legend').textContent`)
	if !strings.Contains(legend, "Searches of Black people per 1,000 Black residents") || !strings.Contains(legend, "23 LSOAs counted in the area have no outline") {
		t.Errorf("legend: %s", legend)
	}
	p.do("Asian, by the ratio to White", chromedp.SetValue("#dispro-group", "Asian"), chromedp.Evaluate[chromedp.Void](`document.getElementById('dispro-group').dispatchEvent(new Event('change'))`))
	poll[bool](p, "the layer did not follow the group", `document.getElementById('legend').textContent.includes('Asian residents')`)
	p.do("by the ratio", chromedp.SetValue("#dispro-by", "ratio"), chromedp.Evaluate[chromedp.Void](`document.getElementById('dispro-by').dispatchEvent(new Event('change'))`))
	poll[bool](p, "the legend did not follow the ratio", `document.getElementById('legend').textContent.includes("over White people's")`)
	if u := eval[string](p, `location.search`); !strings.Contains(u, "group=Asian") || !strings.Contains(u, "dby=ratio") {
		t.Errorf("URL %s", u)
	}
	p.shot("searches-per-resident.png")
	axeCheck(p, "the layer of searches per resident and its legend")

	// s60(3A): the authorisation in force shows as pending on the map, then in the register
	poll[int](p, "the authorisation in force is not drawn", `window.hexbeat.map.queryRenderedFeatures({ layers: ['authorisations-fill'] }).length`)
	xy := eval[[]float64](p, `(() => { const q = window.hexbeat.map.project([-0.76, 52.04]); return [q.x, q.y]; })()`)
	p.do("click the authorisation", chromedp.MouseClickXY(xy[0], xy[1]))
	if shown := poll[string](p, "no details of the authorisation", `document.getElementById('info-body').textContent.includes('Section 60 authorisation') && document.getElementById('info-body').textContent`); !strings.Contains(shown, "PENDING: not yet recorded") {
		t.Errorf("the authorisation's details: %.300s", shown)
	}
	// pending, then recorded; a notice; the evaluation
	p.do("the register", chromedp.Click("#p-s60 summary"), chromedp.Click("#s60-register"))
	poll[bool](p, "no pending record shown", `document.getElementById('s60-reg').textContent.includes('superintendent not yet informed')`)
	if n := eval[int](p, `document.querySelectorAll('#s60-reg button[data-informed]').length`); n != 2 {
		t.Errorf("%d authorisations offered the record, want 2", n)
	}
	p.do("record the superintendent informed", chromedp.Click(`#s60-reg tr:last-child button[data-informed]`), chromedp.WaitVisible("#inf-form"))
	axeCheck(p, "the form recording the superintendent informed")
	p.do("fill it in", chromedp.SendKeys("#inf-officer", "A Jones"), chromedp.SetValue("#inf-at", "2023-12-08T19:30"),
		chromedp.Click("#inf-form button[type=submit]"))
	if msg := poll[string](p, "no answer to the record", `document.getElementById('inf-msg').textContent`); !strings.HasPrefix(msg, "Recorded: Superintendent A Jones informed") {
		t.Errorf("the record: %q", msg)
	}
	poll[bool](p, "the register still shows it pending", `document.querySelectorAll('#s60-reg button[data-informed]').length === 1`)
	p.do("record a notice", chromedp.Click(`#s60-reg tr:last-child button[data-notice]`), chromedp.WaitVisible("#notice-form"))
	if stage := eval[string](p, `document.getElementById('nt-stage').value`); stage != "after" {
		t.Errorf("a past authorisation's notice offered as %q", stage)
	}
	p.do("fill it in", chromedp.SendKeys("#nt-how", "email"), chromedp.SendKeys("#nt-to", "Milton Keynes Independent Advisory Group"),
		chromedp.SendKeys("#nt-text", "The section 60 in Central Milton Keynes has ended."), chromedp.Click("#notice-form button[type=submit]"))
	if msg := poll[string](p, "no answer to the notice", `document.getElementById('nt-msg').textContent`); msg != "Recorded: 1 notice held." {
		t.Errorf("the notice: %q", msg)
	}
	p.do("the evaluation", chromedp.Click(`#s60-reg button[data-evaluate]`))
	if shown := poll[string](p, "no evaluation", `document.getElementById('info-body').textContent.includes('Recorded crime') && document.getElementById('info-body').textContent`); !strings.Contains(shown, "Searches per 1,000 residents") || !strings.Contains(shown, "no data, not no crime") {
		t.Errorf("evaluation: %.300s", shown)
	}
	p.shot("section60-evaluation.png")
	axeCheck(p, "the evaluation")
	p.noConsoleErrors()
}

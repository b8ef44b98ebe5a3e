package demo

import (
	"strings"
	"testing"
	"time"

	"github.com/hexbeat/hexbeat/geodata"
	"github.com/hexbeat/hexbeat/internal/analysis"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/hexbeat/hexbeat/internal/index"
	"github.com/hexbeat/hexbeat/internal/plan"
)

func TestGenerateDeterministic(t *testing.T) {
	a, err := Generate(geodata.DemoInputs())
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Generate(geodata.DemoInputs())
	if len(a.Incidents) != len(b.Incidents) || len(a.Incidents) < 12*2000 {
		t.Fatalf("%d and %d incidents", len(a.Incidents), len(b.Incidents))
	}
	for i := range a.Incidents {
		if a.Incidents[i] != b.Incidents[i] {
			t.Fatalf("incident %d differs between two runs", i)
		}
	}
	months, cats := map[string]int{}, map[string]int{}
	tax := geodata.Taxonomy()
	for _, inc := range a.Incidents {
		months[inc.OccurredAt.Format("2006-01")]++
		cats[inc.Category]++
		if _, ok := tax.Lookup(inc.Category); !ok {
			t.Fatalf("category %q is not police.uk's", inc.Category)
		}
		if inc.Lon < -1 || inc.Lon > -0.5 || inc.Lat < 51.8 || inc.Lat > 52.3 {
			t.Fatalf("incident outside the Milton Keynes area: %v, %v", inc.Lon, inc.Lat)
		}
	}
	if len(months) != 12 || len(cats) < 12 {
		t.Errorf("%d months, %d categories", len(months), len(cats))
	}
	if len(a.Boundaries) == 0 || a.Boundaries[0].ID != "demo-mk" {
		t.Errorf("boundaries: %+v", a.Boundaries)
	}
	// the camera register: fixed cameras in service, one taken out, mobile units; each
	// inside the town and named as invented
	fixed, mobile, removed := 0, 0, 0
	for _, c := range a.Cameras {
		switch {
		case c.Kind == hexbeat.CameraMobile:
			mobile++
		case c.Kind == hexbeat.CameraFixed && c.ActiveTo.IsZero():
			fixed++
		case c.Kind == hexbeat.CameraFixed:
			removed++
		}
		if c.Lon < -1 || c.Lon > -0.5 || c.Lat < 51.8 || c.Lat > 52.3 || c.ActiveFrom.IsZero() || !strings.Contains(strings.ToLower(c.Name), "demo") {
			t.Errorf("camera %+v", c)
		}
	}
	if fixed < 3 || mobile < 1 || removed < 1 {
		t.Errorf("cameras: %d fixed in service, %d mobile, %d removed", fixed, mobile, removed)
	}

	// Stop and search: the same each time; some without a location; section 60 searches
	// only on the nights of the demo's authorisations, inside their areas and hours, each
	// authorisation lawful.
	if len(a.StopSearches) != len(b.StopSearches) || len(a.StopSearches) < 12*200 {
		t.Fatalf("%d and %d stop searches", len(a.StopSearches), len(b.StopSearches))
	}
	keys := map[hexbeat.Key]bool{}
	unplaced, s60 := 0, 0
	for i, s := range a.StopSearches {
		if s.OccurredAt != b.StopSearches[i].OccurredAt || s.Key != b.StopSearches[i].Key || s.Outcome != b.StopSearches[i].Outcome {
			t.Fatalf("stop search %d differs between two runs", i)
		}
		keys[s.Key] = true
		if s.Lon == nil {
			unplaced++
			continue
		}
		if plan.UnderSection60(s) {
			s60++
			in := 0
			for _, au := range a.Authorisations {
				if !s.OccurredAt.Before(au.Start) && s.OccurredAt.Before(au.End) && len(plan.InArea(au.Area, []hexbeat.StopSearch{s})) == 1 {
					in++
				}
			}
			if in != 1 {
				t.Errorf("section 60 search at %s (%v, %v) is inside %d authorisations", s.OccurredAt, *s.Lon, *s.Lat, in)
			}
		}
	}
	if len(keys) != len(a.StopSearches) || unplaced == 0 || s60 == 0 || len(a.Authorisations) != 6 {
		t.Errorf("%d keys for %d searches, %d without a location, %d under section 60, %d authorisations", len(keys), len(a.StopSearches), unplaced, s60, len(a.Authorisations))
	}
	for _, au := range a.Authorisations {
		if err := plan.CheckAuthorisation(au); err != nil {
			t.Errorf("demo authorisation %s: %v", au.Start, err)
		}
	}
}

// TestDemoRetailers: the demo's invented retailer register gives the test-purchase planner
// something to rank on the demo's own incidents: every shop inside the town and named as
// invented, each test about a shop of the register, and the shops around the weapons
// cluster ranked above the ordinary ones, the one that failed a test boosted for it.
func TestDemoRetailers(t *testing.T) {
	d, err := Generate(geodata.DemoInputs())
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, r := range d.Retailers {
		ids[r.ID] = true
		if r.Lon < -1 || r.Lon > -0.5 || r.Lat < 51.8 || r.Lat > 52.3 || !strings.Contains(r.Name, "invented") {
			t.Errorf("retailer %+v", r)
		}
	}
	tests := map[string][]hexbeat.RetailerTest{}
	for _, rt := range d.RetailerTests {
		if !ids[rt.RetailerID] || (rt.Result != "pass" && rt.Result != "fail") || rt.On.IsZero() {
			t.Errorf("test %+v", rt)
		}
		tests[rt.RetailerID] = append(tests[rt.RetailerID], rt)
	}
	if len(d.Retailers) < 10 || len(d.RetailerTests) < 3 {
		t.Fatalf("%d retailers, %d tests", len(d.Retailers), len(d.RetailerTests))
	}
	ix := index.New()
	b := ix.Begin()
	b.Add(d.Incidents)
	b.Commit()
	q := hexbeat.TargetQuery{}.WithDefaults()
	ts, err := analysis.New(geodata.HarmWeights(geodata.Taxonomy())).Targets(ix.Snapshot(), q, nil, d.Retailers, tests, time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if len(ts.Ranked) < 5 {
		t.Fatalf("%d shops ranked", len(ts.Ranked))
	}
	near := map[string]bool{"DEMO-SHOP-01": true, "DEMO-SHOP-02": true, "DEMO-SHOP-03": true, "DEMO-SHOP-04": true, "DEMO-SHOP-05": true, "DEMO-SHOP-06": true}
	for _, tg := range ts.Ranked[:3] {
		if r := d.Retailers[tg.Retailer]; !near[r.ID] {
			t.Errorf("rank %d is %s (%s), not a shop near the weapons cluster", tg.Rank, r.ID, r.Name)
		}
	}
	for _, tg := range ts.Ranked {
		if r := d.Retailers[tg.Retailer]; r.ID == "DEMO-SHOP-01" && (tg.Failures != 1 || tg.Boost <= 1) {
			t.Errorf("DEMO-SHOP-01 failed one test: %+v", tg)
		}
	}
}

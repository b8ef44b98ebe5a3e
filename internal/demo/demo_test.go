package demo

import (
	"testing"

	"github.com/hexbeat/hexbeat/geodata"
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
}

package store

import (
	"os"
	"testing"

	"github.com/hexbeat/hexbeat/internal/testkit"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// orbMultiPolygon is what orb's decoder reads from a geometry's text.
func orbMultiPolygon(text string) (orb.MultiPolygon, bool) {
	g, err := geojson.UnmarshalGeometry([]byte(text))
	if err != nil {
		return nil, false
	}
	mp, ok := g.Geometry().(orb.MultiPolygon)
	return mp, ok
}

// sameMultiPolygon: the same positions in the same rings and polygons (an empty list read
// by hand is nil, by encoding/json an empty slice).
func sameMultiPolygon(a, b orb.MultiPolygon) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if len(a[i]) != len(b[i]) {
			return false
		}
		for j := range a[i] {
			if len(a[i][j]) != len(b[i][j]) {
				return false
			}
			for k := range a[i][j] {
				if a[i][j][k] != b[i][j][k] {
					return false
				}
			}
		}
	}
	return true
}

// TestReadMultiPolygonAsOrbDoes: every real Milton Keynes boundary, as the store writes it,
// is read by hand to exactly what orb's decoder reads; texts in another form are left to
// orb.
func TestReadMultiPolygonAsOrbDoes(t *testing.T) {
	n := 0
	for _, name := range []string{"milton-keynes-boundary", "milton-keynes-lsoa-2011", "milton-keynes-msoa-2011", "milton-keynes-wards"} {
		raw, err := os.ReadFile(testkit.Data(t, "boundaries/"+name+".geojson"))
		if err != nil {
			t.Fatal(err)
		}
		fc, err := geojson.UnmarshalFeatureCollection(raw)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range fc.Features {
			var mp orb.MultiPolygon
			switch g := f.Geometry.(type) {
			case orb.Polygon:
				mp = orb.MultiPolygon{g}
			case orb.MultiPolygon:
				mp = g
			default:
				t.Fatalf("%s: a %T", name, g)
			}
			text, err := geometryJSON(mp)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := readMultiPolygon(text)
			want, _ := orbMultiPolygon(text)
			if !ok || !sameMultiPolygon(got, want) || !sameMultiPolygon(got, mp) {
				t.Fatalf("%s: feature %v read by hand (%v) differs from orb's", name, f.ID, ok)
			}
			n++
		}
	}
	if n != 208 {
		t.Errorf("%d boundaries read, want 208", n)
	}
	for _, text := range notTheStoresForm {
		if _, ok := readMultiPolygon(text); ok {
			t.Errorf("read by hand: %s", text)
		}
	}
}

// notTheStoresForm are geometry texts the hand reader must leave to orb: some are valid
// GeoJSON in another form, some are not JSON numbers, some not JSON at all.
var notTheStoresForm = []string{
	`{"type": "MultiPolygon", "coordinates": [[[[0,0],[1,0],[1,1],[0,0]]]]}`,
	`{"coordinates":[[[[0,0],[1,0],[1,1],[0,0]]]],"type":"MultiPolygon"}`,
	`{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}`,
	`{"type":"MultiPolygon","coordinates":[[[[0,0,5],[1,0,5],[1,1,5],[0,0,5]]]]}`,
	`{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]]]}x`,
	`{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]]],"bbox":[0,0,1,1]}`,
	`{"type":"MultiPolygon","coordinates":[[[[+1,0],[1,0],[1,1],[0,0]]]]}`,
	`{"type":"MultiPolygon","coordinates":[[[[.5,0],[1,0],[1,1],[0,0]]]]}`,
	`{"type":"MultiPolygon","coordinates":[[[[01,0],[1,0],[1,1],[0,0]]]]}`,
	`{"type":"MultiPolygon","coordinates":[[[[1e400,0],[1,0],[1,1],[0,0]]]]}`,
	`{"type":"MultiPolygon","coordinates":[[[[1.,0],[1,0],[1,1],[0,0]]]]}`,
	`{"type":"MultiPolygon","coordinates":[[[[1e,0],[1,0],[1,1],[0,0]]]]}`,
	`{"type":"MultiPolygon","coordinates":[[[[0x1p3,0],[1,0],[1,1],[0,0]]]]}`,
	`{"type":"MultiPolygon","coordinates":[[[[Inf,0],[1,0],[1,1],[0,0]]]]}`,
	`{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]],]]}`,
	`{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]]}`,
	`{"type":"MultiPolygon","coordinates":null}`,
	`{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]]]`,
}

// FuzzReadMultiPolygon: whatever text the hand reader takes, orb's decoder takes too and
// reads the same positions.
func FuzzReadMultiPolygon(f *testing.F) {
	for _, s := range notTheStoresForm {
		f.Add(s)
	}
	f.Add(`{"type":"MultiPolygon","coordinates":[[[[-0.761801824,51.985330063],[-0.7608,51.98],[-0.75,52.1e0],[-0.761801824,51.985330063]],[]],[]]}`)
	f.Add(`{"type":"MultiPolygon","coordinates":[]}`)
	f.Add(`{"type":"MultiPolygon","coordinates":[[[[-0E-7,1E+2],[2.5e-324,-1.7976931348623157e308]]]]}`)
	f.Fuzz(func(t *testing.T, text string) {
		got, ok := readMultiPolygon(text)
		if !ok {
			return
		}
		want, orbOK := orbMultiPolygon(text)
		if !orbOK || !sameMultiPolygon(got, want) {
			t.Fatalf("%q: by hand %v, orb %v (%v)", text, got, want, orbOK)
		}
	})
}

package plan

import (
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/hexbeat/hexbeat/internal/crs"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/hexbeat/hexbeat/internal/testkit"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// TestRelativeRateWorkedExample: 20 searches of 1,000 residents against 50 of 10,000 is a
// relative rate of 4; by hand, the log method's standard error is
// sqrt(1/20 − 1/1000 + 1/50 − 1/10000) = sqrt(0.0689) = 0.262488, and the interval
// 4·exp(∓1.959964 × 0.262488) = 2.39128 to 6.69099. No search of the comparison group
// gives no ratio; none of the group gives a ratio of 0 without an interval.
func TestRelativeRateWorkedExample(t *testing.T) {
	rr, lo, hi, ok, ciOK := RelativeRate(20, 1000, 50, 10000)
	if !ok || !ciOK || rr != 4 || math.Abs(lo-2.39128) > 5e-6 || math.Abs(hi-6.69099) > 5e-6 {
		t.Errorf("RR %v (%v to %v) %v %v; want 4 (2.39128 to 6.69099)", rr, lo, hi, ok, ciOK)
	}
	if _, _, _, ok, _ := RelativeRate(3, 100, 0, 1000); ok {
		t.Error("a ratio to a group never searched")
	}
	if rr, _, _, ok, ciOK := RelativeRate(0, 100, 5, 1000); !ok || ciOK || rr != 0 {
		t.Errorf("no search of the group: %v %v %v", rr, ok, ciOK)
	}
	if _, _, _, ok, _ := RelativeRate(3, 0, 5, 1000); ok {
		t.Error("a ratio for a group with no residents")
	}
}

// TestBroadGroups: every self-defined and officer-defined ethnicity in the real
// stop-and-search files falls in the census group its police.uk prefix names; "Not
// stated" and blanks are not stated. A value not listed here fails the test, so that a new
// category is looked at.
func TestBroadGroups(t *testing.T) {
	want := map[string]string{
		"": "",
		"Asian/Asian British - Any other Asian background": "Asian", "Asian/Asian British - Bangladeshi": "Asian",
		"Asian/Asian British - Chinese": "Asian", "Asian/Asian British - Indian": "Asian", "Asian/Asian British - Pakistani": "Asian",
		"Black/African/Caribbean/Black British - African":                                      "Black",
		"Black/African/Caribbean/Black British - Any other Black/African/Caribbean background": "Black",
		"Black/African/Caribbean/Black British - Caribbean":                                    "Black",
		"Mixed/Multiple ethnic groups - Any other Mixed/Multiple ethnic background":            "Mixed",
		"Mixed/Multiple ethnic groups - White and Asian":                                       "Mixed",
		"Mixed/Multiple ethnic groups - White and Black African":                               "Mixed",
		"Mixed/Multiple ethnic groups - White and Black Caribbean":                             "Mixed",
		"Other ethnic group - Any other ethnic group":                                          "Other", "Other ethnic group - Arab": "Other",
		"Other ethnic group - Not stated":    "",
		"White - Any other White background": "White", "White - English/Welsh/Scottish/Northern Irish/British": "White",
		"White - Gypsy or Irish Traveller": "White", "White - Irish": "White",
		// officer-defined
		"Asian": "Asian", "Black": "Black", "Other": "Other", "White": "White",
	}
	files, _ := filepath.Glob(filepath.Join(testkit.Data(t, "police/stop-and-search"), "*.csv"))
	if len(files) == 0 {
		t.Skip("no stop-and-search files")
	}
	seen := 0
	for _, f := range files {
		rows := testkit.CSV(t, f)
		cols := map[string]int{}
		for i, h := range rows[0] {
			cols[h] = i
		}
		for _, r := range rows[1:] {
			for _, col := range []string{"Self-defined ethnicity", "Officer-defined ethnicity"} {
				v := r[cols[col]]
				w, listed := want[v]
				if !listed {
					t.Fatalf("%s %q is in no group here: add it", col, v)
				}
				g, ok := hexbeat.BroadGroup(v)
				if g != w || ok != (w != "") {
					t.Errorf("%q: %q %v, want %q", v, g, ok, w)
				}
				seen++
			}
		}
	}
	t.Logf("%d ethnicities of %d files grouped", seen, len(files))
}

// TestPopulationOfMiltonKeynes: the LSOAs whose population-weighted centroid lies inside
// Milton Keynes's boundary are the 166 the census names "Milton Keynes ..." (the data's
// README), with 287,053 residents, each group the sum of theirs; an LSOA placed inside
// without a census row, and one held without a centroid, are reported.
func TestPopulationOfMiltonKeynes(t *testing.T) {
	b, err := os.ReadFile(testkit.Data(t, "boundaries/milton-keynes-boundary.geojson"))
	if err != nil {
		t.Fatal(err)
	}
	fc, err := geojson.UnmarshalFeatureCollection(b)
	if err != nil {
		t.Fatal(err)
	}
	bnd := fc.Features[0].Geometry
	rows := testkit.CSV(t, testkit.Data(t, "census/census2021-ts021-lsoa-broad.csv"))
	lsoas := map[string]hexbeat.CensusArea{}
	var want [5]int
	wantN := 0
	for _, r := range rows[1:] {
		a := hexbeat.CensusArea{Code: r[2], Name: r[1], Year: 2021, Total: atoi(r[3])}
		for g := range a.Groups {
			a.Groups[g] = atoi(r[4+g])
		}
		lsoas[a.Code] = a
		if strings.HasPrefix(a.Name, "Milton Keynes ") {
			wantN++
			for g := range want {
				want[g] += a.Groups[g]
			}
		}
	}
	cen := testkit.CSV(t, testkit.Data(t, "census/lsoa21-population-weighted-centroids-bng.csv"))
	var centroids []hexbeat.Centroid
	for _, r := range cen[1:] {
		e, _ := strconv.ParseFloat(r[2], 64)
		n, _ := strconv.ParseFloat(r[3], 64)
		lon, lat, err := crs.BNGToWGS84(e, n)
		if err != nil {
			t.Fatal(err)
		}
		centroids = append(centroids, hexbeat.Centroid{Code: r[0], Lon: lon, Lat: lat})
	}
	p := PopulationOf(bnd, lsoas, centroids)
	if len(p.LSOAs) != wantN || wantN != 166 || p.Groups != want || p.Total != 287053 || p.Census != 2021 {
		t.Fatalf("%d LSOAs, %v (%d residents); want %d, %v", len(p.LSOAs), p.Groups, p.Total, wantN, want)
	}
	for _, code := range p.LSOAs {
		if !strings.HasPrefix(lsoas[code].Name, "Milton Keynes ") {
			t.Errorf("%s (%s) counted", code, lsoas[code].Name)
		}
	}
	// one LSOA inside loses its census row, another anywhere its centroid
	inside := p.LSOAs[0]
	delete(lsoas, inside)
	lsoas["E01099999"] = hexbeat.CensusArea{Code: "E01099999", Total: 5, Groups: [5]int{0, 0, 0, 5, 0}}
	p = PopulationOf(bnd, lsoas, centroids)
	n, examples := Unplaced(lsoas, centroids)
	if len(p.LSOAs) != 165 || len(p.CentroidsWithoutPopulation) != 1 || p.CentroidsWithoutPopulation[0] != inside ||
		n != 1 || examples[0] != "E01099999" {
		t.Errorf("%d LSOAs, without population %v, without centroid %d %v", len(p.LSOAs), p.CentroidsWithoutPopulation, n, examples)
	}
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// TestWithin: a square inside another is within it, one reaching out is not, a point on
// the edge counts as inside.
func TestWithin(t *testing.T) {
	big := orb.Polygon{{{0, 0}, {10, 0}, {10, 10}, {0, 10}, {0, 0}}}
	small := orb.Polygon{{{1, 1}, {2, 1}, {2, 2}, {1, 2}, {1, 1}}}
	out := orb.MultiPolygon{small, {{{9, 9}, {11, 9}, {11, 11}, {9, 9}}}}
	if !Within(small, big) || Within(out, big) || !Within(orb.MultiPoint{{0, 5}}, big) || Within(orb.Point{-1, 5}, big) {
		t.Error("Within")
	}
}

// BenchmarkPopulationOf: Milton Keynes's residents from the 35,672 LSOAs of England and
// Wales (the work of every disproportionality report before its searches are counted).
func BenchmarkPopulationOf(b *testing.B) {
	raw, err := os.ReadFile(testkit.Data(b, "boundaries/milton-keynes-boundary.geojson"))
	if err != nil {
		b.Fatal(err)
	}
	fc, err := geojson.UnmarshalFeatureCollection(raw)
	if err != nil {
		b.Fatal(err)
	}
	lsoas := map[string]hexbeat.CensusArea{}
	for _, r := range testkit.CSV(b, testkit.Data(b, "census/census2021-ts021-lsoa-broad.csv"))[1:] {
		lsoas[r[2]] = hexbeat.CensusArea{Code: r[2], Total: atoi(r[3]), Groups: [5]int{atoi(r[4]), atoi(r[5]), atoi(r[6]), atoi(r[7]), atoi(r[8])}, Year: 2021}
	}
	var centroids []hexbeat.Centroid
	for _, r := range testkit.CSV(b, testkit.Data(b, "census/lsoa21-population-weighted-centroids-bng.csv"))[1:] {
		e, _ := strconv.ParseFloat(r[2], 64)
		n, _ := strconv.ParseFloat(r[3], 64)
		lon, lat, _ := crs.BNGToWGS84(e, n)
		centroids = append(centroids, hexbeat.Centroid{Code: r[0], Lon: lon, Lat: lat})
	}
	b.ResetTimer()
	for b.Loop() {
		if p := PopulationOf(fc.Features[0].Geometry, lsoas, centroids); p.Total != 287053 {
			b.Fatal(p.Total)
		}
	}
}

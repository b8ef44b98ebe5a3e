package crs

import (
	"fmt"
	"math"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/hexbeat/hexbeat/internal/testkit"
)

// metres is the ground distance between two nearby [lat,lon] points.
func metres(lat1, lon1, lat2, lon2 float64) float64 {
	return math.Hypot((lat1-lat2)*111320, (lon1-lon2)*111320*math.Cos(lat1*math.Pi/180))
}

// TestBNGEqualsPROJ holds the transformation to PROJ's own (Debian's cs2cs EPSG:27700
// EPSG:4326, "OSGB36 to WGS 84 (6)") at every easting and northing of a police-recorded
// file, the Cambridgeshire road collisions, and at Ordnance Survey's test points (Scilly to
// Shetland): within a tenth of a millimetre (the same projection and transformation, on the
// same ellipsoids); the way back ends within a micrometre of where it started and within two
// millimetres of PROJ's way back (which, dropping the height on each side, is not quite the
// inverse of its way there).
func TestBNGEqualsPROJ(t *testing.T) {
	cs2cs, err := exec.LookPath("cs2cs")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("no cs2cs in CI: .ci/run installs Debian's proj-bin")
		}
		t.Skip("no cs2cs (Debian's proj-bin: apt-get install proj-bin); CI installs it")
	}
	rows := testkit.CSV(t, testkit.Data(t, "bng/cambridgeshire-road-collisions-2012-2017.csv"))
	ei, ni := slices.Index(rows[0], "Easting"), slices.Index(rows[0], "Northing")
	if ei < 0 || ni < 0 {
		t.Fatalf("no Easting/Northing columns in %v", rows[0])
	}
	var pts [][2]float64
	for _, r := range rows[1:] {
		e, err1 := strconv.ParseFloat(strings.TrimSpace(r[ei]), 64)
		n, err2 := strconv.ParseFloat(strings.TrimSpace(r[ni]), 64)
		if err1 == nil && err2 == nil && InGrid(e, n) {
			pts = append(pts, [2]float64{e, n})
		}
	}
	for _, r := range testkit.CSV(t, testkit.Shared(t, "fixtures/ostn15/OSTN15_OSGM15_TestInput_OSGBtoETRS.txt"))[1:] {
		e, _ := strconv.ParseFloat(strings.TrimSpace(r[1]), 64)
		n, _ := strconv.ParseFloat(strings.TrimSpace(r[2]), 64)
		pts = append(pts, [2]float64{e, n})
	}
	if len(pts) < 10000 {
		t.Fatalf("only %d points", len(pts))
	}
	var in strings.Builder
	for _, p := range pts {
		fmt.Fprintf(&in, "%s %s\n", strconv.FormatFloat(p[0], 'f', -1, 64), strconv.FormatFloat(p[1], 'f', -1, 64))
	}
	cmd := exec.Command(cs2cs, "-f", "%.10f", "EPSG:27700", "EPSG:4326")
	cmd.Stdin = strings.NewReader(in.String())
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != len(pts) {
		t.Fatalf("cs2cs gave %d lines for %d points", len(lines), len(pts))
	}
	var wgs strings.Builder
	for _, l := range lines {
		f := strings.Fields(l)
		fmt.Fprintf(&wgs, "%s %s\n", f[0], f[1])
	}
	cmd = exec.Command(cs2cs, "-f", "%.6f", "EPSG:4326", "EPSG:27700")
	cmd.Stdin = strings.NewReader(wgs.String())
	out, err = cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	projBack := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(projBack) != len(pts) {
		t.Fatalf("cs2cs gave %d lines back for %d points", len(projBack), len(pts))
	}
	worst, back, fromPROJ := 0.0, 0.0, 0.0
	for i, l := range lines {
		f := strings.Fields(l)
		lat, _ := strconv.ParseFloat(f[0], 64)
		lon, _ := strconv.ParseFloat(f[1], 64)
		glon, glat, err := BNGToWGS84(pts[i][0], pts[i][1])
		if err != nil {
			t.Fatal(err)
		}
		worst = max(worst, metres(lat, lon, glat, glon))
		e, n, err := WGS84ToBNG(glon, glat)
		if err != nil {
			t.Fatal(err)
		}
		back = max(back, math.Hypot(e-pts[i][0], n-pts[i][1]))
		f = strings.Fields(projBack[i])
		pe, _ := strconv.ParseFloat(f[0], 64)
		pn, _ := strconv.ParseFloat(f[1], 64)
		fromPROJ = max(fromPROJ, math.Hypot(e-pe, n-pn))
	}
	t.Logf("%d points: furthest %.3f mm from PROJ; the way back %.4f mm from the start and %.2f mm from PROJ's", len(pts), worst*1000, back*1000, fromPROJ*1000)
	if worst > 0.0001 || back > 0.000001 || fromPROJ > 0.002 {
		t.Errorf("furthest from PROJ %.5f m; the way back %.7f m from the start, %.5f m from PROJ's; want within 0.1 mm, 1 µm and 2 mm", worst, back, fromPROJ)
	}
}

// TestBNGNearOSTN15: at Ordnance Survey's 40 test points the transformation lies within 5 m
// of OS's own OSTN15 results (the Helmert transformation's stated accuracy), and outside
// the grid's extent a point is refused rather than put in the sea.
func TestBNGNearOSTN15(t *testing.T) {
	ins := testkit.CSV(t, testkit.Shared(t, "fixtures/ostn15/OSTN15_OSGM15_TestInput_OSGBtoETRS.txt"))
	want := map[string][2]float64{}
	for _, r := range testkit.CSV(t, testkit.Shared(t, "fixtures/ostn15/OSTN15_OSGM15_TestOutput_OSGBtoETRS.txt"))[1:] {
		if r[1] == "RESULT" {
			lat, _ := strconv.ParseFloat(r[2], 64)
			lon, _ := strconv.ParseFloat(r[3], 64)
			want[r[0]] = [2]float64{lat, lon}
		}
	}
	n, worst := 0, 0.0
	for _, r := range ins[1:] {
		w, ok := want[r[0]]
		if !ok {
			continue
		}
		e, _ := strconv.ParseFloat(strings.TrimSpace(r[1]), 64)
		nn, _ := strconv.ParseFloat(strings.TrimSpace(r[2]), 64)
		lon, lat, err := BNGToWGS84(e, nn)
		if err != nil {
			t.Fatalf("%s: %v", r[0], err)
		}
		worst = max(worst, metres(w[0], w[1], lat, lon))
		n++
	}
	t.Logf("%d OS test points, furthest %.2f m from OSTN15", n, worst)
	if n < 30 || worst > 5 {
		t.Errorf("%d test points, the furthest %.2f m from OSTN15 (want within 5 m)", n, worst)
	}
	for _, p := range [][2]float64{{-1, 100}, {700001, 100}, {100, 1300001}, {math.NaN(), 1}} {
		if _, _, err := BNGToWGS84(p[0], p[1]); err == nil {
			t.Errorf("%v was taken as a point of the grid", p)
		}
	}
}

// TestParseGridRef: grid references of every precision name the centre of their square;
// bad letters, an odd number of figures or a square off the grid are refused.
func TestParseGridRef(t *testing.T) {
	for _, tc := range []struct {
		in      string
		e, n, p float64
	}{
		{"SP 85402 38801", 485402.5, 238801.5, 1}, // Milton Keynes, to the metre
		{"sp8540238801", 485402.5, 238801.5, 1},
		{"SP 854 388", 485450, 238850, 100},
		{"TQ38", 535000, 185000, 10_000},
		{"NN 166 712", 216650, 771250, 100}, // Ben Nevis
		{"HU 4000 4000", 440005, 1140005, 10},
		{"SV 9000 1000", 90005, 10005, 10}, // the Isles of Scilly
		{"SP", 450000, 250000, 100_000},
	} {
		e, n, p, err := ParseGridRef(tc.in)
		if err != nil || e != tc.e || n != tc.n || p != tc.p {
			t.Errorf("%q: %v %v %v %v, want %v %v %v", tc.in, e, n, p, err, tc.e, tc.n, tc.p)
		}
	}
	for _, bad := range []string{"", "S", "SI 1234", "SP 123 45", "XX 1234", "AA 1234", "SP 12345678901", "SP 12a4"} {
		if _, _, _, err := ParseGridRef(bad); err == nil {
			t.Errorf("%q was read as a grid reference", bad)
		}
	}
}

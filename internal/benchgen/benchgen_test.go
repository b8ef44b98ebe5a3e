package benchgen

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/hexbeat/hexbeat/internal/testkit/realdata"
)

func source(t *testing.T) *Source {
	t.Helper()
	src, err := ReadSource(realdata.StreetMonths(t, 1, 6)...)
	if err != nil {
		t.Fatal(err)
	}
	return src
}

// The generated set has exactly N incidents, is the same for the same seed, keeps the real
// crime mix and the real spatial structure (the share in Milton Keynes), moves each force
// by its offset, and shares map points as police.uk does.
func TestGenerateKeepsTheRealStructure(t *testing.T) {
	src := source(t)
	if src.Rows() != 93542 || src.Points() != 20634 {
		t.Fatalf("source: %d rows at %d points; an independent count of the files gives 93542 at 20634", src.Rows(), src.Points())
	}
	realCat := map[string]float64{}
	realMK := 0.0
	for _, m := range src.months {
		for _, r := range m {
			realCat[r.Type]++
			if strings.HasPrefix(r.LSOA, "Milton Keynes") {
				realMK++
			}
		}
	}
	cfg := Config{N: 300_000, Forces: 3, Months: 14, Seed: 7}
	var n, mk, force0 int
	cat := map[string]float64{}
	pts := map[[2]float64]bool{}
	months := map[string]bool{}
	ids := map[string]bool{}
	first := ""
	err := Generate(src, cfg, func(inc *Incident) error {
		n++
		if n == 1 {
			first = inc.ID + Record(inc, nil)[4]
		}
		cat[inc.Src.Type]++
		pts[[2]float64{inc.Lon, inc.Lat}] = true
		months[inc.Month.Format("2006-01")] = true
		if inc.ID != "" {
			if ids[inc.ID[:32]] {
				t.Fatalf("Crime ID key %s repeats", inc.ID[:32])
			}
			ids[inc.ID[:32]] = true
		}
		dlon, dlat := Offset(inc.Force)
		if d := math.Hypot((inc.Lon-dlon-inc.Src.Lon)*69_000, (inc.Lat-dlat-inc.Src.Lat)*111_320); d > 101 {
			t.Fatalf("force %d incident %.0f m from its real map point moved by the offset", inc.Force, d)
		}
		if inc.Force == 0 {
			force0++
			if strings.HasPrefix(inc.Src.LSOA, "Milton Keynes") {
				mk++
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n != cfg.N || len(months) != 14 || force0 != 100_000 {
		t.Fatalf("%d incidents (want %d) over %d months (want 14), %d in force 0 (want 100000)", n, cfg.N, len(months), force0)
	}
	if !months["2025-06"] || !months["2024-05"] || months["2025-07"] {
		t.Errorf("months should be 2024-05..2025-06: %v", months)
	}
	for c, v := range realCat {
		want, got := v/float64(src.Rows()), cat[c]/float64(n)
		if math.Abs(got-want) > 0.004+0.05*want {
			t.Errorf("%s: share %.4f, real %.4f", c, got, want)
		}
	}
	if got, want := float64(mk)/float64(force0), realMK/float64(src.Rows()); math.Abs(got-want) > 0.01 {
		t.Errorf("Milton Keynes share of force 0: %.4f, real %.4f", got, want)
	}
	// at most variants x forces x real points, and far fewer than incidents
	if len(pts) > 2*3*src.Points() || len(pts) < src.Points() {
		t.Errorf("%d distinct points from %d real ones", len(pts), src.Points())
	}
	again := ""
	_ = Generate(src, cfg, func(inc *Incident) error {
		again = inc.ID + Record(inc, nil)[4]
		return errStop
	})
	if again != first {
		t.Errorf("not deterministic: %q then %q", first, again)
	}
}

var errStop = errors.New("stop")

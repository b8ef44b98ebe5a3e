package plan

import (
	"sort"
	"strings"

	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// InArea returns the searches whose location lies in area (on the edge counts as inside);
// searches without a location are left out.
func InArea(area orb.Geometry, searches []hexbeat.StopSearch) []hexbeat.StopSearch {
	var out []hexbeat.StopSearch
	for _, s := range searches {
		if s.Lon == nil || s.Lat == nil {
			continue
		}
		if inArea(area, orb.Point{*s.Lon, *s.Lat}) {
			out = append(out, s)
		}
	}
	return out
}

// inArea reports whether a (multi)polygon holds pt (on the edge counts as inside).
func inArea(area orb.Geometry, pt orb.Point) bool {
	switch g := area.(type) {
	case orb.Polygon:
		return planar.PolygonContains(g, pt)
	case orb.MultiPolygon:
		return planar.MultiPolygonContains(g, pt)
	}
	return false
}

// ScrutinyOf builds the report from the searches inside an authorisation.
func ScrutinyOf(searches []hexbeat.StopSearch) hexbeat.Scrutiny {
	var t tally
	for _, s := range searches {
		t.add(s)
	}
	return t.result()
}

// tally accumulates a Scrutiny one search at a time, so that a summary of millions of
// records need not hold them.
type tally struct {
	r      hexbeat.Scrutiny
	breaks [7]map[string]int // outcome, object, self- and officer-defined ethnicity, age, gender, legislation
}

func (t *tally) add(s hexbeat.StopSearch) {
	r := &t.r
	r.Searches++
	switch {
	case s.OutcomeLinked == nil:
		r.LinkedUnknown++
	case *s.OutcomeLinked:
		r.Linked++
	}
	if strings.EqualFold(strings.TrimSpace(s.Outcome), "Arrest") {
		r.Arrests++
	}
	if strings.Contains(strings.ToLower(s.Outcome), "no further action") {
		r.NoFurtherAction++
	}
	if UnderSection60(s) {
		r.UnderSection60++
	}
	for i, v := range [7]string{s.Outcome, s.Object, s.SelfDefinedEthnicity, s.OfficerEthnicity, s.AgeRange, s.Gender, s.Legislation} {
		if v = strings.TrimSpace(v); v == "" {
			v = "not recorded"
		}
		if t.breaks[i] == nil {
			t.breaks[i] = map[string]int{}
		}
		t.breaks[i][v]++
	}
}

func (t *tally) result() hexbeat.Scrutiny {
	r := t.r
	if r.Searches > 0 {
		r.FindRate = float64(r.Linked) / float64(r.Searches)
		r.ArrestRate = float64(r.Arrests) / float64(r.Searches)
	}
	counts := func(m map[string]int) []hexbeat.Count {
		out := make([]hexbeat.Count, 0, len(m))
		for v, n := range m {
			out = append(out, hexbeat.Count{Value: v, N: n, Share: float64(n) / float64(r.Searches)})
		}
		sort.Slice(out, func(i, j int) bool {
			if out[i].N != out[j].N {
				return out[i].N > out[j].N
			}
			return out[i].Value < out[j].Value
		})
		return out
	}
	r.Outcomes, r.Objects = counts(t.breaks[0]), counts(t.breaks[1])
	r.SelfEthnicity, r.OfficerEthnic = counts(t.breaks[2]), counts(t.breaks[3])
	r.AgeRanges, r.Genders, r.Legislation = counts(t.breaks[4]), counts(t.breaks[5]), counts(t.breaks[6])
	return r
}

// Within reports whether every vertex of g lies inside (or on the edge of) area: for an
// area drawn inside a boundary, that it is inside.
func Within(g orb.Geometry, area orb.Geometry) bool {
	var rings []orb.Ring
	switch v := g.(type) {
	case orb.Point:
		rings = []orb.Ring{{v}}
	case orb.MultiPoint:
		rings = []orb.Ring{orb.Ring(v)}
	case orb.Polygon:
		rings = v
	case orb.MultiPolygon:
		for _, p := range v {
			rings = append(rings, p...)
		}
	}
	for _, r := range rings {
		for _, p := range r {
			if !inArea(area, p) {
				return false
			}
		}
	}
	return true
}

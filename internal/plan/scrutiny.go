package plan

import (
	"sort"
	"strings"
	"time"

	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// Scrutiny summarises the stop-and-search records made inside an authorisation's area
// and time, for the commander's review and the community's scrutiny.
type Scrutiny struct {
	Searches        int
	UnderSection60  int     // legislation names section 60
	Linked          int     // outcome linked to the object of the search (a find)
	LinkedUnknown   int     // the record does not say
	Arrests         int     // outcome "Arrest"
	FindRate        float64 // Linked / Searches
	ArrestRate      float64 // Arrests / Searches
	NoFurtherAction int
	Outcomes        []Count
	Objects         []Count
	SelfEthnicity   []Count // self-defined ethnicity
	OfficerEthnic   []Count // officer-defined ethnicity
	AgeRanges       []Count
	Genders         []Count
	Legislation     []Count

	// Searches in the same hours, anywhere in the data, that have no location: they may
	// or may not have been made in the area, and are in none of the counts above. (In a
	// SearchSummary without an area they are counted; this says how many they are.)
	WithoutLocation          int
	WithoutLocationSection60 int // of which recorded under section 60

	// The searches held, anywhere in the data, in each month the authorisation's hours touch.
	Months []MonthCount
}

// MonthCount is the number of stop-and-search records held for one month.
type MonthCount struct {
	Month    time.Time
	Searches int
}

// Count is one row of a breakdown.
type Count struct {
	Value string  `json:"value"`
	N     int     `json:"n"`
	Share float64 `json:"share"`
}

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
func ScrutinyOf(searches []hexbeat.StopSearch) Scrutiny {
	var t tally
	for _, s := range searches {
		t.add(s)
	}
	return t.result()
}

// tally accumulates a Scrutiny one search at a time, so that a summary of millions of
// records need not hold them.
type tally struct {
	r      Scrutiny
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

func (t *tally) result() Scrutiny {
	r := t.r
	if r.Searches > 0 {
		r.FindRate = float64(r.Linked) / float64(r.Searches)
		r.ArrestRate = float64(r.Arrests) / float64(r.Searches)
	}
	counts := func(m map[string]int) []Count {
		out := make([]Count, 0, len(m))
		for v, n := range m {
			out = append(out, Count{Value: v, N: n, Share: float64(n) / float64(r.Searches)})
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

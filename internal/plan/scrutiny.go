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
	// or may not have been made in the area, and are in none of the counts above.
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
		pt := orb.Point{*s.Lon, *s.Lat}
		var in bool
		switch g := area.(type) {
		case orb.Polygon:
			in = planar.PolygonContains(g, pt)
		case orb.MultiPolygon:
			in = planar.MultiPolygonContains(g, pt)
		}
		if in {
			out = append(out, s)
		}
	}
	return out
}

// ScrutinyOf builds the report from the searches inside an authorisation.
func ScrutinyOf(searches []hexbeat.StopSearch) Scrutiny {
	r := Scrutiny{Searches: len(searches)}
	tally := func(get func(hexbeat.StopSearch) string) []Count {
		m := map[string]int{}
		for _, s := range searches {
			v := strings.TrimSpace(get(s))
			if v == "" {
				v = "not recorded"
			}
			m[v]++
		}
		out := make([]Count, 0, len(m))
		for v, n := range m {
			out = append(out, Count{Value: v, N: n, Share: float64(n) / float64(len(searches))})
		}
		sort.Slice(out, func(i, j int) bool {
			if out[i].N != out[j].N {
				return out[i].N > out[j].N
			}
			return out[i].Value < out[j].Value
		})
		return out
	}
	for _, s := range searches {
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
	}
	if r.Searches > 0 {
		r.FindRate = float64(r.Linked) / float64(r.Searches)
		r.ArrestRate = float64(r.Arrests) / float64(r.Searches)
	}
	r.Outcomes = tally(func(s hexbeat.StopSearch) string { return s.Outcome })
	r.Objects = tally(func(s hexbeat.StopSearch) string { return s.Object })
	r.SelfEthnicity = tally(func(s hexbeat.StopSearch) string { return s.SelfDefinedEthnicity })
	r.OfficerEthnic = tally(func(s hexbeat.StopSearch) string { return s.OfficerEthnicity })
	r.AgeRanges = tally(func(s hexbeat.StopSearch) string { return s.AgeRange })
	r.Genders = tally(func(s hexbeat.StopSearch) string { return s.Gender })
	r.Legislation = tally(func(s hexbeat.StopSearch) string { return s.Legislation })
	return r
}

package plan

import (
	"strings"
	"time"

	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/paulmach/orb"
)

// SearchQuery chooses a stop-and-search summary: whole months [From, To) (zero: from the
// first month held, to the end of the last), a boundary id, section 60 only.
// Months are UK months (hexbeat.UK), as police.uk publishes them.
type SearchQuery struct {
	From, To  time.Time
	Area      string
	Section60 bool
}

// SearchSummary is stop and search month by month, for those who scrutinise it: the same
// figures as an authorisation's scrutiny report, for the whole period and for each month.
type SearchSummary struct {
	From, To  time.Time // whole UK months, [From, To)
	Section60 bool      // only searches recorded under section 60
	Area      bool      // only searches placed inside an area
	Total     Scrutiny
	Months    []MonthFigures
}

// MonthFigures is one month of a SearchSummary. Imported is false when the store holds no
// search at all that month (police.uk publishes a month weeks after it ends): its zeros are
// no data, not no searches.
type MonthFigures struct {
	Month    time.Time
	Imported bool
	Scrutiny
}

// SummariseSearches tallies searches (every record of [from, to), with a location or not)
// by UK month (from and to are UK month starts). With an area, only searches located inside it count, and those without a
// location are counted apart (WithoutLocation): they cannot be placed. Without one, every
// search counts and WithoutLocation says how many of them have no location.
func SummariseSearches(searches []hexbeat.StopSearch, from, to time.Time, area orb.Geometry, section60 bool) SearchSummary {
	out := SearchSummary{From: from, To: to, Section60: section60, Area: area != nil}
	imported := map[time.Time]bool{}
	byMonth := map[time.Time][]hexbeat.StopSearch{}
	unplaced := map[time.Time][2]int{}
	var counted []hexbeat.StopSearch
	var all [2]int
	for _, s := range searches {
		m := hexbeat.UKMonth(s.OccurredAt)
		imported[m] = true
		if section60 && !UnderSection60(s) {
			continue
		}
		if s.Lon == nil || s.Lat == nil {
			u := unplaced[m]
			u[0]++
			all[0]++
			if UnderSection60(s) {
				u[1]++
				all[1]++
			}
			unplaced[m] = u
			if area != nil {
				continue
			}
		} else if area != nil && len(InArea(area, []hexbeat.StopSearch{s})) == 0 {
			continue
		}
		byMonth[m] = append(byMonth[m], s)
		counted = append(counted, s)
	}
	out.Total = ScrutinyOf(counted)
	out.Total.WithoutLocation, out.Total.WithoutLocationSection60 = all[0], all[1]
	for m := from; m.Before(to); m = m.AddDate(0, 1, 0) {
		f := MonthFigures{Month: m, Imported: imported[m], Scrutiny: ScrutinyOf(byMonth[m])}
		f.WithoutLocation, f.WithoutLocationSection60 = unplaced[m][0], unplaced[m][1]
		out.Months = append(out.Months, f)
	}
	return out
}

// UnderSection60 reports whether a search was recorded under section 60 of the Criminal
// Justice and Public Order Act 1994 (its legislation names section 60, or 60AA).
func UnderSection60(s hexbeat.StopSearch) bool {
	return strings.Contains(strings.ToLower(s.Legislation), "section 60")
}

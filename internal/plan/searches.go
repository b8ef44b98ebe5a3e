package plan

import (
	"strings"
	"time"

	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/paulmach/orb"
)

// SearchTally builds a SearchSummary one search at a time (Add every record of the
// period, with a location or not, then Summary), holding counts, not records. With an area,
// only searches located inside it count, and those without a location are counted apart
// (WithoutLocation): they cannot be placed. Without one, every search counts and
// WithoutLocation says how many of them have no location. Months are UK months.
type SearchTally struct {
	area      orb.Geometry
	section60 bool
	total     tally
	months    map[time.Time]*tally
	unplaced  map[time.Time]*[2]int // without a location: all, under section 60
	imported  map[time.Time]bool    // any record at all that month
}

// NewSearchTally starts a tally; area nil counts everywhere.
func NewSearchTally(area orb.Geometry, section60 bool) *SearchTally {
	return &SearchTally{area: area, section60: section60, months: map[time.Time]*tally{}, unplaced: map[time.Time]*[2]int{}, imported: map[time.Time]bool{}}
}

// Add counts one record.
func (st *SearchTally) Add(s hexbeat.StopSearch) {
	m := hexbeat.UKMonth(s.OccurredAt)
	st.imported[m] = true
	if st.section60 && !UnderSection60(s) {
		return
	}
	if s.Lon == nil || s.Lat == nil {
		u := st.unplaced[m]
		if u == nil {
			u = &[2]int{}
			st.unplaced[m] = u
		}
		u[0]++
		if UnderSection60(s) {
			u[1]++
		}
		if st.area != nil {
			return
		}
	} else if st.area != nil && !inArea(st.area, orb.Point{*s.Lon, *s.Lat}) {
		return
	}
	t := st.months[m]
	if t == nil {
		t = &tally{}
		st.months[m] = t
	}
	t.add(s)
	st.total.add(s)
}

// Summary gives the figures of the months [from, to) (UK month starts); a zero end is the
// first or last month with any record.
func (st *SearchTally) Summary(from, to time.Time) hexbeat.SearchSummary {
	if from.IsZero() || to.IsZero() {
		var first, last time.Time
		for m := range st.imported {
			if first.IsZero() || m.Before(first) {
				first = m
			}
			if m.After(last) {
				last = m
			}
		}
		if first.IsZero() { // nothing held: no months
			return hexbeat.SearchSummary{Section60: st.section60, Area: st.area != nil, Total: st.total.result()}
		}
		if from.IsZero() {
			from = first
		}
		if to.IsZero() {
			to = last.AddDate(0, 1, 0)
		}
	}
	out := hexbeat.SearchSummary{From: from, To: to, Section60: st.section60, Area: st.area != nil, Total: st.total.result()}
	for m := from; m.Before(to); m = m.AddDate(0, 1, 0) {
		f := hexbeat.MonthFigures{Month: m, Imported: st.imported[m]}
		if t := st.months[m]; t != nil {
			f.Scrutiny = t.result()
		} else {
			f.Scrutiny = (&tally{}).result()
		}
		if u := st.unplaced[m]; u != nil {
			f.WithoutLocation, f.WithoutLocationSection60 = u[0], u[1]
			out.Total.WithoutLocation += u[0]
			out.Total.WithoutLocationSection60 += u[1]
		}
		out.Months = append(out.Months, f)
	}
	return out
}

// UnderSection60 reports whether a search was recorded under section 60 of the Criminal
// Justice and Public Order Act 1994 (its legislation names section 60, or 60AA).
func UnderSection60(s hexbeat.StopSearch) bool {
	return strings.Contains(strings.ToLower(s.Legislation), "section 60")
}

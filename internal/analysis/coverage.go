package analysis

import (
	"fmt"
	"strings"
	"time"

	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/hexbeat/hexbeat/internal/index"
	"github.com/hexbeat/hexbeat/internal/stats"
)

// period is a named span [from, to) of an analysis.
type period struct {
	name     string
	from, to time.Time
}

// held is the span of the data held, [start, end): from the first incident's month to the
// end of the last one's, or by days for data dated to the day.
type held struct {
	start, end time.Time
	layout     string
}

func dataHeld(snap *index.Snapshot) (held, bool) {
	first, last, ok := snap.TimeRange()
	if !ok {
		return held{}, false
	}
	start, end := time.Unix(first, 0).UTC(), time.Unix(last, 0).UTC()
	if snap.MonthPrecision() {
		return held{hexbeat.MonthStart(start), hexbeat.MonthEnd(end), "2006-01"}, true
	}
	start = time.Date(start.Year(), start.Month(), start.Day(), 0, 0, 0, 0, time.UTC)
	end = time.Date(end.Year(), end.Month(), end.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, 1)
	return held{start, end, "2006-01-02"}, true
}

func (h held) String() string {
	return h.start.Format(h.layout) + " to " + h.end.Add(-time.Second).Format(h.layout)
}

// span writes [from, to) as its first and last days.
func span(from, to time.Time) string {
	return from.Format("2006-01-02") + " to " + to.Add(-time.Second).Format("2006-01-02")
}

// coverageNotes says which periods reach outside the data held. The change report's
// default compares the year to date with a year earlier, and a store that begins this
// January would otherwise show every crime type as "new"; a test-purchase window of a year
// over six months of data would count half a year's incidents without saying so; a hot spot
// layer of last year on this year's data would show no crime without saying why.
func coverageNotes(snap *index.Snapshot, periods ...period) []string {
	h, ok := dataHeld(snap)
	if !ok {
		return nil
	}
	return h.notes(periods...)
}

// notes are coverageNotes for the data held h.
func (h held) notes(periods ...period) []string {
	var notes []string
	for _, p := range periods {
		switch {
		case !p.to.After(h.start) || !p.from.Before(h.end):
			notes = append(notes, fmt.Sprintf("%s (%s) lies outside the data held (%s): its counts are no data, not no crime", p.name, span(p.from, p.to), h))
		case p.from.Before(h.start) || p.to.After(h.end):
			notes = append(notes, fmt.Sprintf("%s (%s) reaches beyond the data held (%s): part of it has no data, so its counts are too low", p.name, span(p.from, p.to), h))
		}
	}
	return notes
}

// PeriodNotes is coverageNotes for a layer's period; a zero end is the data's own.
func PeriodNotes(snap *index.Snapshot, from, to time.Time) []string {
	h, ok := dataHeld(snap)
	if !ok || (from.IsZero() && to.IsZero()) {
		return nil
	}
	if from.IsZero() {
		from = h.start
	}
	if to.IsZero() {
		to = h.end
	}
	return h.notes(period{"the period", from, to})
}

// emergingNotes says what an emerging analysis's slices cannot show: slices with no data
// held count as no crime, which turns a persistent hot spot into a new, consecutive or
// sporadic one (or a historical one, when the final slice is empty); and a short series
// leaves the trend test no power.
func emergingNotes(snap *index.Snapshot, edges []time.Time, slice string, alpha float64) []string {
	n := len(edges) - 1
	var notes []string
	if h, ok := dataHeld(snap); ok {
		inData := func(t int) bool { return edges[t+1].After(h.start) && edges[t].Before(h.end) }
		var runs []string
		empty := 0
		for t := 0; t < n; {
			if inData(t) {
				t++
				continue
			}
			u := t
			for u < n && !inData(u) {
				u++
			}
			empty += u - t
			runs = append(runs, span(edges[t], edges[u]))
			t = u
		}
		if empty > 0 {
			notes = append(notes, fmt.Sprintf("%d of the %d %s slices (%s) hold no data (the data held run %s): they count as no crime, "+
				"so a cell hot in every slice with data reads as a new, consecutive or sporadic hot spot instead of a persistent one, or as a historical one when the final slice is empty; "+
				"ask for a period within the data held", empty, n, slice, strings.Join(runs, ", "), h))
		} else {
			notes = append(notes, h.notes(period{"the period", edges[0], edges[n]})...)
		}
	}
	if n < 10 {
		if minS := stats.MannKendallMinS(n, alpha); minS == 0 {
			notes = append(notes, fmt.Sprintf("with %d slices no trend can be significant at alpha %g (Mann–Kendall), so no cell can read as an intensifying or diminishing hot or cold spot; ask for a longer period or shorter slices", n, alpha))
		} else {
			notes = append(notes, fmt.Sprintf("with %d slices a trend is significant at alpha %g only when Mann–Kendall's S reaches %d of a possible %d (the z-score rises, or falls, from nearly every slice to every later one); ten slices or more give the trend test room", n, alpha, minS, n*(n-1)/2))
		}
	}
	return notes
}

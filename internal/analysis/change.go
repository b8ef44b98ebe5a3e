package analysis

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/hexbeat/hexbeat/internal/index"
)

// DefaultChangePeriods returns the year to date of the latest data (from 1 January to the
// end of the last month with incidents) and the same span a year earlier.
func DefaultChangePeriods(snap *index.Snapshot) (aFrom, aTo, bFrom, bTo time.Time, ok bool) {
	_, last, ok := snap.TimeRange()
	if !ok {
		return
	}
	bTo = hexbeat.MonthEnd(time.Unix(last, 0))
	bFrom = time.Date(bTo.AddDate(0, 0, -1).Year(), 1, 1, 0, 0, 0, 0, time.UTC)
	return bFrom.AddDate(-1, 0, 0), bTo.AddDate(-1, 0, 0), bFrom, bTo, true
}

func newRow(name string, a, b int) hexbeat.ChangeRow {
	r := hexbeat.ChangeRow{Category: name, A: a, B: b, Diff: b - a, Pct: math.NaN()}
	if a > 0 {
		r.Pct = 100 * float64(b-a) / float64(a)
	}
	return r
}

// Change compares the periods of q.
func (e *Engine) Change(snap *index.Snapshot, q hexbeat.ChangeQuery, area *index.Area) hexbeat.ChangeReport {
	qa, qb := q.CellQuery, q.CellQuery
	qa.From, qa.To = q.AFrom, q.ATo
	qb.From, qb.To = q.BFrom, q.BTo
	ca, cb := snap.CategoryCounts(qa, area), snap.CategoryCounts(qb, area)
	rep := hexbeat.ChangeReport{Query: q}
	var ta, tb int
	names := map[string]bool{}
	for n := range ca {
		names[n] = true
	}
	for n := range cb {
		names[n] = true
	}
	for n := range names {
		rep.Rows = append(rep.Rows, newRow(n, ca[n], cb[n]))
		ta += ca[n]
		tb += cb[n]
	}
	slices.SortFunc(rep.Rows, func(x, y hexbeat.ChangeRow) int {
		if x.Diff != y.Diff {
			return y.Diff - x.Diff
		}
		if x.Category < y.Category {
			return -1
		}
		return 1
	})
	rep.Total = newRow("All crime types", ta, tb)
	rep.Notes = coverageNotes(snap, period{"period A", q.AFrom, q.ATo}, period{"period B", q.BFrom, q.BTo})
	if q.BTo.Before(q.ATo) || (q.BTo.Equal(q.ATo) && q.BFrom.Before(q.AFrom)) {
		rep.Notes = append(rep.Notes, fmt.Sprintf("period B (%s to %s) comes before period A (%s to %s): each change reads from A to B, backwards in time, so a rise here is a fall since B",
			q.BFrom.Format("2006-01-02"), q.BTo.Add(-time.Second).Format("2006-01-02"), q.AFrom.Format("2006-01-02"), q.ATo.Add(-time.Second).Format("2006-01-02")))
	}
	cellsA, na, _ := snap.CellValues(qa, area, index.Weight{})
	cellsB, nb, _ := snap.CellValues(qb, area, index.Weight{})
	i, j := 0, 0
	for i < len(cellsA) || j < len(cellsB) {
		var c uint64
		var a, b int
		switch {
		case j >= len(cellsB) || i < len(cellsA) && cellsA[i] < cellsB[j]:
			c, a = cellsA[i], na[i]
			i++
		case i >= len(cellsA) || cellsB[j] < cellsA[i]:
			c, b = cellsB[j], nb[j]
			j++
		default:
			c, a, b = cellsA[i], na[i], nb[j]
			i++
			j++
		}
		r := newRow("", a, b)
		rep.Cells = append(rep.Cells, hexbeat.ChangeCell{Cell: c, A: a, B: b, Diff: r.Diff, Pct: r.Pct})
	}
	return rep
}

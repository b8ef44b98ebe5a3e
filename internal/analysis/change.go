package analysis

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/hexbeat/hexbeat/internal/index"
)

// ChangeQuery compares two periods, A (earlier) and B (later), over one area and filter.
// CellQuery's own From and To are ignored.
type ChangeQuery struct {
	hexbeat.CellQuery
	AFrom, ATo, BFrom, BTo time.Time // zero: B is the year to date, A the same span a year earlier
}

// ChangeRow is one crime type's change.
type ChangeRow struct {
	Category string
	A, B     int
	Diff     int
	Pct      float64 // NaN when A is 0
}

// ChangeCell is one cell's change.
type ChangeCell struct {
	Cell uint64
	A, B int
	Diff int
	Pct  float64
}

// ChangeReport is the answer: the table by crime type (largest rise first), the total,
// and the per-cell layer (every cell with an incident in either period).
type ChangeReport struct {
	Query ChangeQuery
	Rows  []ChangeRow
	Total ChangeRow
	Cells []ChangeCell
	Notes []string // periods the data do not cover (a zero there is no data, not no crime); B before A
}

func newRow(name string, a, b int) ChangeRow {
	r := ChangeRow{Category: name, A: a, B: b, Diff: b - a, Pct: math.NaN()}
	if a > 0 {
		r.Pct = 100 * float64(b-a) / float64(a)
	}
	return r
}

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

// Change compares the periods of q.
func (e *Engine) Change(snap *index.Snapshot, q ChangeQuery, area *index.Area) ChangeReport {
	qa, qb := q.CellQuery, q.CellQuery
	qa.From, qa.To = q.AFrom, q.ATo
	qb.From, qb.To = q.BFrom, q.BTo
	ca, cb := snap.CategoryCounts(qa, area), snap.CategoryCounts(qb, area)
	rep := ChangeReport{Query: q}
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
	slices.SortFunc(rep.Rows, func(x, y ChangeRow) int {
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
		rep.Cells = append(rep.Cells, ChangeCell{Cell: c, A: a, B: b, Diff: r.Diff, Pct: r.Pct})
	}
	return rep
}

// Validate reports every problem with the query at once.
func (q ChangeQuery) Validate() error {
	var fe []hexbeat.FieldError
	if err := q.CellQuery.Validate(); err != nil {
		fe = err.(*hexbeat.Error).Fields
	}
	check := func(name string, from, to time.Time) {
		if from.IsZero() || to.IsZero() {
			fe = append(fe, hexbeat.FieldError{Field: name + "_from", Message: "give both ends of period " + strings.ToUpper(name) + " (" + name + "_from and " + name + "_to), or neither period for the year-to-date default"})
		} else if !from.Before(to) {
			fe = append(fe, hexbeat.FieldError{Field: name + "_to", Message: "must be after " + name + "_from"})
		}
	}
	if !(q.AFrom.IsZero() && q.ATo.IsZero() && q.BFrom.IsZero() && q.BTo.IsZero()) {
		check("a", q.AFrom, q.ATo)
		check("b", q.BFrom, q.BTo)
	}
	if len(fe) > 0 {
		return &hexbeat.Error{Code: hexbeat.EINVALID, Message: "invalid change query", Fields: fe}
	}
	return nil
}

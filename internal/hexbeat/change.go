package hexbeat

import (
	"strings"
	"time"
)

// ChangeQuery compares two periods, A (earlier) and B (later), over one area and filter.
// CellQuery's own From and To are ignored.
type ChangeQuery struct {
	CellQuery
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

// Validate reports every problem with the query at once.
func (q ChangeQuery) Validate() error {
	var fe FieldErrors
	fe.Merge(q.CellQuery.Validate())
	check := func(name string, from, to time.Time) {
		if from.IsZero() || to.IsZero() {
			fe.Add(name+"_from", "give both ends of period %s (%s_from and %s_to), or neither period for the year-to-date default", strings.ToUpper(name), name, name)
		} else if !from.Before(to) {
			fe.Add(name+"_to", "must be after %s_from", name)
		}
	}
	if !(q.AFrom.IsZero() && q.ATo.IsZero() && q.BFrom.IsZero() && q.BTo.IsZero()) {
		check("a", q.AFrom, q.ATo)
		check("b", q.BFrom, q.BTo)
	}
	return fe.Err("invalid change query")
}

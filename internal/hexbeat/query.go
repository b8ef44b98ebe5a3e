package hexbeat

import (
	"fmt"
	"math"
	"time"

	"github.com/paulmach/orb"
)

// MaxResolution is the finest H3 resolution.
const MaxResolution = 15

// CellQuery asks for incident counts aggregated to H3 cells.
type CellQuery struct {
	Res        int          // H3 resolution 0..15
	From, To   time.Time    // half-open [From, To); zero means unbounded
	Categories []string     // category names; empty means all
	Area       string       // boundary id; empty means everywhere
	BBox       *orb.Bound   // [lon,lat] bounds on the incident points; nil means everywhere
	Polygon    orb.Geometry // an ad hoc (multi)polygon on the incident points; nil means everywhere
}

// Validate reports every problem with the query at once.
func (q CellQuery) Validate() error {
	var fe FieldErrors
	if q.Res < 0 || q.Res > MaxResolution {
		fe.Add("res", "must be an H3 resolution from 0 to 15, got %d", q.Res)
	}
	if !q.From.IsZero() && !q.To.IsZero() && !q.From.Before(q.To) {
		fe.Add("to", "must be after from (%s)", q.From.Format(time.RFC3339))
	}
	if q.BBox != nil {
		b := *q.BBox
		if !validLonLat(b.Min[0], b.Min[1]) || !validLonLat(b.Max[0], b.Max[1]) {
			fe.Add("bbox", "corners must be longitude -180..180 and latitude -90..90")
		} else if b.Min[0] > b.Max[0] || b.Min[1] > b.Max[1] {
			fe.Add("bbox", "must be minLon,minLat,maxLon,maxLat with min <= max")
		}
	}
	if q.Polygon != nil {
		switch q.Polygon.(type) {
		case orb.Polygon, orb.MultiPolygon:
		default:
			fe.Add("polygon", "must be a Polygon or MultiPolygon, got %s", q.Polygon.GeoJSONType())
		}
	}
	return fe.Err("invalid cell query")
}

func validLonLat(lon, lat float64) bool {
	return lon >= -180 && lon <= 180 && lat >= -90 && lat <= 90 && !math.IsNaN(lon) && !math.IsNaN(lat)
}

// ValidLonLat reports whether lon, lat are finite WGS84 degrees in range.
func ValidLonLat(lon, lat float64) bool { return validLonLat(lon, lat) }

// CellCount is the number of incidents in one H3 cell.
type CellCount struct {
	Cell  uint64
	Count int
}

// MonthStart is the first instant (UTC) of the month holding t.
func MonthStart(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// MonthEnd is the first instant (UTC) after the month holding t: "to the end of the last
// month with data" is MonthEnd of the last incident's time.
func MonthEnd(t time.Time) time.Time { return MonthStart(t).AddDate(0, 1, 0) }

// UK is the time of the police forces of England and Wales (Europe/London). police.uk
// publishes stop and search a month at a time by this clock: its August 2020 file runs from
// 2020-07-31T23:00Z (midnight, British Summer Time) to the end of August.
var UK = func() *time.Location {
	loc, err := time.LoadLocation("Europe/London") // time/tzdata is built in (tzdata.go)
	if err != nil {
		panic(err)
	}
	return loc
}()

// UKMonth is the start of the month holding t by UK time (an instant in UK).
func UKMonth(t time.Time) time.Time {
	t = t.In(UK)
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, UK)
}

// InUK reads a month start given in UTC (as ParseTimeBound gives "2020-08") as the start of
// that month by UK time; other times are returned as they are.
func InUK(t time.Time) time.Time {
	if t.IsZero() || !MonthStart(t).Equal(t) {
		return t
	}
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, UK)
}

// ParseTimeBound parses a period bound as a user writes it: "2025", "2025-01",
// "2025-01-31" or an RFC 3339 instant. For an end bound (end true) a month or day
// means its whole span, so the result is the first instant after it: "to=2025-06" runs
// to the end of June.
func ParseTimeBound(s string, end bool) (time.Time, error) {
	layouts := []struct {
		layout string
		next   func(time.Time) time.Time
	}{
		{"2006", func(t time.Time) time.Time { return t.AddDate(1, 0, 0) }},
		{"2006-01", func(t time.Time) time.Time { return t.AddDate(0, 1, 0) }},
		{"2006-01-02", func(t time.Time) time.Time { return t.AddDate(0, 0, 1) }},
	}
	for _, l := range layouts {
		if len(s) != len(l.layout) {
			continue
		}
		t, err := time.Parse(l.layout, s)
		if err != nil {
			break
		}
		if end {
			t = l.next(t)
		}
		return t.UTC(), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a year (2025), month (2025-01), day (2025-01-31) or RFC 3339 time", s)
	}
	return t.UTC(), nil
}

// CellLayer is the answer to a CellQuery.
type CellLayer struct {
	Res   int
	Cells []CellCount // non-empty cells, ordered by cell
	Total int         // incidents counted
	Notes []string    // where the period reaches outside the data held
}

// CellDetail is what a map shows for one cell: its incidents by category over the period
// and its monthly series.
type CellDetail struct {
	Cell       uint64
	Res        int
	From, To   time.Time
	ByCategory map[string]int // every category, whatever the query's filter
	Months     []time.Time    // the first instant of each month of the series
	Series     []int          // incidents of the query's categories per month
}

// Status describes the data a server holds.
type Status struct {
	Demo         bool      `json:"demo"`       // the store holds the synthetic demo data set
	Incidents    int       `json:"incidents"`  // in the index
	Points       int       `json:"points"`     // distinct incident locations
	First, Last  time.Time `json:"-"`          // incident time range
	Bounds       orb.Bound `json:"-"`          // the box around every incident location (when there are incidents)
	MonthsOnly   bool      `json:"-"`          // every incident is dated to its month alone (police.uk)
	Categories   []string  `json:"categories"` // present in the data
	Batches      int       `json:"batches"`    // committed imports
	Ready        bool      `json:"ready"`      // the index is loaded
	StoreDialect string    `json:"store"`      // sqlite or postgres
}

package hexbeat

import (
	"crypto/sha256"
	"time"

	"github.com/paulmach/orb"
)

// Precision says how exactly an incident's time is known. data.police.uk street data gives
// only the month; a force's own export may give the day or the minute.
type Precision uint8

// Time precisions, coarsest first.
const (
	PrecisionMonth Precision = 1
	PrecisionDay   Precision = 2
	PrecisionExact Precision = 3
)

func (p Precision) String() string {
	switch p {
	case PrecisionMonth:
		return "month"
	case PrecisionDay:
		return "day"
	case PrecisionExact:
		return "exact"
	}
	return "unknown"
}

// Key identifies an incident across imports, so that importing the same data twice adds
// nothing. It is a 128-bit digest of the incident's identity (see IncidentKey).
type Key [16]byte

// IncidentKey derives the idempotency key of an incident. With a source ID (the police.uk
// Crime ID, or a force's own reference) the key is that ID within its namespace. Without
// one (anti-social behaviour has none) it is the row's content plus its occurrence number
// among identical rows of the same month and force, because identical rows are distinct
// incidents at one anonymised map point.
func IncidentKey(namespace, sourceID string, content []byte, occurrence int) Key {
	var scratch [512]byte
	b := append(scratch[:0], namespace...)
	b = append(b, 0)
	if sourceID != "" {
		b = append(b, "id\x00"...)
		b = append(b, sourceID...)
	} else {
		b = append(b, "content\x00"...)
		b = append(b, content...)
		for i := 0; i < 8; i++ {
			b = append(b, byte(occurrence>>(8*i)))
		}
	}
	sum := sha256.Sum256(b)
	var k Key
	copy(k[:], sum[:])
	return k
}

// Incident is one recorded crime or anti-social behaviour report at a point.
type Incident struct {
	Key        Key
	SourceID   string    // police.uk Crime ID or the force's reference; empty for ASB
	OccurredAt time.Time // UTC; the first instant of the month for month precision
	Precision  Precision
	Category   string  // police.uk crime type, or a force's own category
	Lon, Lat   float64 // WGS84 degrees
	Cell       uint64  // H3 cell at resolution 15 (every coarser cell is derived from it)
	Location   string  // "On or near ..." text
	AreaCode   string  // LSOA code
	AreaName   string  // LSOA name
	Force      string  // the force the data falls within
	Outcome    string  // last outcome category
	// GridSquare is the side in metres of the Ordnance Survey grid square a grid reference
	// named (Lon, Lat is its centre: 100 for a 6-figure reference); 0 when the place was
	// given as coordinates
	GridSquare int
}

// Batch describes one import: one file, all or nothing.
type Batch struct {
	ID         int64
	Kind       string // street, stop-search, outcomes, generic-csv, geojson-points, boundaries, retailers, cameras, demo
	Source     string // the file's name as given
	SHA256     string // hex digest of the file's bytes
	ImportedAt time.Time
	Rows       int // rows read
	Added      int // rows stored (new)
}

// StopSearch is one stop-and-search record.
type StopSearch struct {
	Key                  Key
	OccurredAt           time.Time
	Lon, Lat             *float64 // nil when the record has no location
	Type                 string
	Operation            bool
	OperationName        string
	Gender               string
	AgeRange             string
	SelfDefinedEthnicity string
	OfficerEthnicity     string
	Legislation          string
	Object               string
	Outcome              string
	OutcomeLinked        *bool
	OuterClothing        *bool
}

// Outcome is one case outcome for a police.uk Crime ID.
type Outcome struct {
	Key      Key
	CrimeID  string
	Month    time.Time
	Type     string
	Lon, Lat *float64
	AreaCode string
}

// Retailer is a shop on a Trading Standards register.
type Retailer struct {
	ID       string
	Name     string
	Category string
	Address  string
	SizeBand string
	Lon, Lat float64
	// GridSquare is the side in metres of the grid square a grid reference named, its
	// centre being Lon, Lat; 0 for coordinates
	GridSquare int
}

// Camera kinds on the register.
const (
	CameraFixed  = "fixed"  // part of a standing network: counted as existing cover in a plan
	CameraMobile = "mobile" // a redeployable unit: what a plan places
)

// Camera is a CCTV camera on the register, in service from ActiveFrom to ActiveTo, both
// days counted (zero: no bound).
type Camera struct {
	ID, Name             string
	Kind                 string // CameraFixed or CameraMobile
	Lon, Lat             float64
	ActiveFrom, ActiveTo time.Time // UTC midnights
	GridSquare           int       // see Retailer
}

// Validate reports every problem with a camera recorded by hand.
func (c Camera) Validate() error {
	var fe FieldErrors
	if c.ID == "" || len(c.ID) > 100 {
		fe.Add("id", "give the camera's id (at most 100 characters)")
	}
	if len(c.Name) > 200 {
		fe.Add("name", "at most 200 characters")
	}
	if c.Kind != CameraFixed && c.Kind != CameraMobile {
		fe.Add("kind", "must be fixed or mobile")
	}
	if !ValidLonLat(c.Lon, c.Lat) || (c.Lon == 0 && c.Lat == 0) {
		fe.Add("lon", "give the camera's longitude and latitude (WGS84)")
	}
	if !c.ActiveFrom.IsZero() && !c.ActiveTo.IsZero() && c.ActiveTo.Before(c.ActiveFrom) {
		fe.Add("active_to", "is before active_from")
	}
	return fe.Err("invalid camera")
}

// DayOrNil writes a day as YYYY-MM-DD, and the zero time, a day not given, as nil (JSON's
// null, SQL's NULL).
func DayOrNil(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.Format("2006-01-02")
}

// InServiceOn reports whether the camera is in service on the day holding t.
func (c Camera) InServiceOn(t time.Time) bool {
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	return (c.ActiveFrom.IsZero() || !day.Before(c.ActiveFrom)) && (c.ActiveTo.IsZero() || !day.After(c.ActiveTo))
}

// RetailerTest is the result of one test purchase at a retailer.
type RetailerTest struct {
	ID         int64
	RetailerID string
	On         time.Time // the day of the test (UTC midnight)
	Result     string    // "pass" or "fail"
	Notes      string
	RecordedAt time.Time
	RecordedBy string
}

// IncidentFilter selects stored incidents for feature services (OGC API items).
type IncidentFilter struct {
	BBox          *orb.Bound
	From, To      time.Time // half-open; zero: unbounded
	Limit, Offset int
}

// IncidentRecord is one stored incident, as a feature service shows it.
type IncidentRecord struct {
	ID         int64
	SourceID   string
	OccurredAt time.Time
	Precision  Precision
	Category   string
	Lon, Lat   float64
	Location   string
	AreaCode   string
	AreaName   string
	Outcome    string
	GridSquare int // see Incident
}

// Withdrawal is what withdrawing an import removed: the import itself and its rows.
type Withdrawal struct {
	Batch        Batch
	Incidents    int
	StopSearches int
	Outcomes     int
}

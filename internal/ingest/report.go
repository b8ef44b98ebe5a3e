package ingest

import (
	"fmt"
	"sort"
	"strings"

	"github.com/hexbeat/hexbeat/internal/hexbeat"
)

// Rejection reasons. A rejected row is counted and reported by line; it is not imported.
const (
	ReasonNoLocation   = "no coordinates"
	ReasonBadLocation  = "coordinates out of range"
	ReasonOffGrid      = "easting/northing outside the National Grid"
	ReasonLooksLonLat  = "coordinates look like longitude/latitude, not eastings/northings"
	ReasonBadGridRef   = "not an Ordnance Survey grid reference"
	ReasonBadMonth     = "bad month"
	ReasonBadTime      = "bad date/time"
	ReasonBadCategory  = "unknown category"
	ReasonNoCategory   = "no category"
	ReasonBadGeometry  = "unusable geometry"
	ReasonMissingField = "missing required value"
	// the camera register
	ReasonBadCameraKind = "camera kind not fixed or mobile"
	ReasonBadPeriod     = "out of service before in service"
)

// maxLinesPerReason bounds how many line numbers a report keeps for one reason.
const maxLinesPerReason = 20

// Rejected counts the rows rejected for one reason and keeps the first line numbers.
type Rejected struct {
	Reason string `json:"reason"`
	Count  int    `json:"count"`
	Lines  []int  `json:"lines"` // the first few, ascending
}

// Report says what happened to every row of a file.
type Report struct {
	File       string     `json:"file"`
	Kind       string     `json:"kind"`
	Rows       int        `json:"rows"`         // data rows read (not counting the header)
	Accepted   int        `json:"accepted"`     // rows handed to the store
	Added      int        `json:"added"`        // rows the store did not already hold
	Duplicates int        `json:"duplicates"`   // rows that repeat one already in the file or the store
	InFileDups int        `json:"in_file_dups"` // of those, repeats within the file (a Crime ID seen twice)
	Rejected   []Rejected `json:"rejected"`
	// rows kept without a location (stop and search, outcomes): a record for the force,
	// never inside or outside an area. Street crimes without one are rejected instead.
	WithoutLocation int `json:"without_location"`
}

func (r *Report) reject(reason string, line int) {
	for i := range r.Rejected {
		if r.Rejected[i].Reason == reason {
			r.Rejected[i].Count++
			if len(r.Rejected[i].Lines) < maxLinesPerReason {
				r.Rejected[i].Lines = append(r.Rejected[i].Lines, line)
			}
			return
		}
	}
	r.Rejected = append(r.Rejected, Rejected{Reason: reason, Count: 1, Lines: []int{line}})
}

// RejectedTotal is the number of rows rejected for any reason.
func (r *Report) RejectedTotal() int {
	n := 0
	for _, x := range r.Rejected {
		n += x.Count
	}
	return n
}

// positions names what a rejected row's number counts: a GeoJSON file's rows are its
// features, numbered from 1; a CSV's are its lines.
func (r *Report) positions() string {
	if r.Kind == hexbeat.KindPoints || r.Kind == hexbeat.KindBoundaries {
		return "features"
	}
	return "lines"
}

// Summary is the report as lines a person reads at the end of an import.
func (r *Report) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s): %d rows read, %d imported, %d duplicates skipped", r.File, r.Kind, r.Rows, r.Added, r.Duplicates)
	if r.InFileDups > 0 {
		fmt.Fprintf(&b, " (%d repeated within the file)", r.InFileDups)
	}
	fmt.Fprintf(&b, ", %d rejected\n", r.RejectedTotal())
	if r.WithoutLocation > 0 {
		fmt.Fprintf(&b, "  kept without a location: %d (they count for the force, never inside or outside an area)\n", r.WithoutLocation)
	}
	rej := append([]Rejected(nil), r.Rejected...)
	sort.Slice(rej, func(i, j int) bool { return rej[i].Count > rej[j].Count })
	for _, x := range rej {
		lines := make([]string, len(x.Lines))
		for i, l := range x.Lines {
			lines[i] = fmt.Sprint(l)
		}
		more := ""
		if x.Count > len(x.Lines) {
			more = fmt.Sprintf(" and %d more", x.Count-len(x.Lines))
		}
		fmt.Fprintf(&b, "  rejected, %s: %d (%s %s%s)\n", x.Reason, x.Count, r.positions(), strings.Join(lines, ", "), more)
	}
	return b.String()
}

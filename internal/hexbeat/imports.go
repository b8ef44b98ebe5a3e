package hexbeat

import (
	"slices"
	"strings"
	"time"
)

// The kinds of file hexbeat imports (ingest reads each; an import may be told one).
const (
	KindStreet     = "street"         // a police.uk street crime CSV
	KindStopSearch = "stop-search"    // a police.uk stop-and-search CSV
	KindOutcomes   = "outcomes"       // a police.uk outcomes CSV
	KindGeneric    = "generic-csv"    // a force's own CSV of incidents
	KindPoints     = "geojson-points" // GeoJSON points as incidents
	KindBoundaries = "boundaries"     // GeoJSON polygons as boundaries
	KindRetailers  = "retailers"      // a retailer register CSV
	KindCameras    = "cameras"        // a camera register CSV
	KindCensus     = "census"         // ONS Census 2021 TS021, residents by ethnic group
	KindCentroids  = "centroids"      // ONS LSOA population-weighted centroids
)

// ImportKinds lists every kind of file an import may be told a file is.
var ImportKinds = []string{KindStreet, KindStopSearch, KindOutcomes, KindGeneric, KindPoints, KindBoundaries, KindRetailers, KindCameras, KindCensus, KindCentroids}

// Withdrawable reports whether an import of kind can be withdrawn with the rows it added:
// incidents, searches and outcomes are each written by one import. A register
// (boundaries, retailers, cameras, census tables, centroids) replaces rows by id, so an import of one may have
// overwritten rows an earlier import wrote; it is corrected by importing the register
// again. The demo is made again with hexbeat demo --force.
func Withdrawable(kind string) bool {
	switch kind {
	case KindStreet, KindStopSearch, KindOutcomes, KindGeneric, KindPoints:
		return true
	}
	return false
}

// Validate reports a kind hexbeat does not read.
func (o ImportOptions) Validate() error {
	var fe FieldErrors
	if o.Kind != "" && !slices.Contains(ImportKinds, o.Kind) {
		fe.Add("kind", "must be one of %s", strings.Join(ImportKinds, ", "))
	}
	if n := countTrue(o.X != "" || o.Y != "", o.Lon != "" || o.Lat != "", o.GridRef != ""); n > 1 {
		fe.Add("x", "give one of x and y (coordinates in crs), lon and lat (WGS 84) or gridref, not more")
	}
	if _, ok := ParseCRS(o.CRS); !ok {
		fe.Add("crs", "must be EPSG:27700 (British National Grid) or EPSG:4326, got %q", o.CRS)
	}
	if _, ok := ParseEncoding(o.Encoding); !ok {
		fe.Add("encoding", "must be utf-8 or windows-1252, got %q", o.Encoding)
	}
	return fe.Err("invalid import")
}

func countTrue(bs ...bool) int {
	n := 0
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}

// ImportOptions are what an import through the API is told beyond the file itself: a
// forced kind, a force's own CSV's columns, and the time zone of its times.
type ImportOptions struct {
	Kind                                   string // empty: recognised from the content
	BoundaryKind                           string // the kind given to boundaries when the file does not say
	Lon, Lat, Time, Category, ID, Location string
	CRS, X, Y                              string         // a force's own CSV in another CRS: its coordinate columns
	TimeOfDay                              string         // a column with the clock time of a Time that gives the day
	Encoding                               string         // "" (UTF-8) or "windows-1252"
	GridRef                                string         // a column of Ordnance Survey grid references
	TimeZone                               *time.Location // nil: Europe/London
}

// RejectedRows are the rows of a file rejected for one reason.
type RejectedRows struct {
	Reason string `json:"reason"`
	Count  int    `json:"count"`
	Lines  []int  `json:"lines"` // the first few, ascending
}

// ImportResult is what became of one file of an import: its report, or why it was refused.
type ImportResult struct {
	File            string
	Kind            string
	Rows            int // data rows read
	Added           int // rows the store did not already hold
	Duplicates      int
	WithoutLocation int // stop-and-search and outcome rows kept without a location
	Rejected        []RejectedRows
	Summary         string // the report as `hexbeat import` prints it
	Batch           int64  // the committed batch; 0 when refused
	Refused         string // why the file was refused, with its line; empty when it imported
}

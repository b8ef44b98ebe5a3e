package hexbeat

import (
	"regexp"

	"github.com/paulmach/orb"
	"strings"
	"time"
)

// Who lives where: Census 2021 counts of residents by ethnic group (ONS table TS021) for
// small areas, and the population-weighted centroid that places each LSOA's residents at a
// point. An area's population is built from the LSOAs whose centroid lies inside it.

// The five broad ethnic groups of the 2021 Census in England and Wales, in the order the
// Home Office and ONS list them.
const (
	GroupAsian = "Asian"
	GroupBlack = "Black"
	GroupMixed = "Mixed"
	GroupWhite = "White"
	GroupOther = "Other"
)

// EthnicGroups are the broad groups, in order; CensusArea.Groups follows it.
var EthnicGroups = [5]string{GroupAsian, GroupBlack, GroupMixed, GroupWhite, GroupOther}

// GroupIndex is a broad group's place in EthnicGroups, -1 for another name.
func GroupIndex(group string) int {
	for i, g := range EthnicGroups {
		if g == group {
			return i
		}
	}
	return -1
}

// CensusArea is one geography's residents by ethnic group.
type CensusArea struct {
	Code   string // the ONS geography code: E01011954
	Name   string // Hartlepool 001A
	Level  string // lsoa, msoa, lad, ward or area (by the code's prefix; GeographyLevel)
	Year   int    // the census: 2021
	Total  int    // all usual residents
	Groups [5]int // residents of each broad group, in EthnicGroups order
	// Detailed are the 19 detailed groups' counts when the table gives them, by the
	// census's name after the broad one ("Asian, Asian British or Asian Welsh: Bangladeshi")
	Detailed map[string]int
}

// Centroid is an LSOA's population-weighted centroid (ONS): where its residents are, as
// one point, in WGS 84.
type Centroid struct {
	Code     string
	Lon, Lat float64
}

// onsCode is an ONS (GSS) geography code: a country letter and 8 digits.
var onsCode = regexp.MustCompile(`^[EWSNK]\d{8}$`)

// ValidONSCode says whether code is an ONS geography code.
func ValidONSCode(code string) bool { return onsCode.MatchString(code) }

// GeographyLevel names the level of an ONS code by its entity prefix: LSOA (E01, W01),
// MSOA (E02, W02), local authority (E06-E09, W06), electoral ward (E05, W05); "area" for
// any other.
func GeographyLevel(code string) string {
	if len(code) < 3 {
		return "area"
	}
	switch code[:3] {
	case "E01", "W01":
		return "lsoa"
	case "E02", "W02":
		return "msoa"
	case "E06", "E07", "E08", "E09", "W06":
		return "lad"
	case "E05", "W05":
		return "ward"
	}
	return "area"
}

// BroadGroup places an ethnicity as police.uk records it in a broad group, by the prefix
// of its category: "White - English/Welsh/Scottish/Northern Irish/British" is White,
// "Black/African/Caribbean/Black British - African" Black, "Asian/Asian British - Indian"
// Asian, "Mixed/Multiple ethnic groups - ..." Mixed, "Other ethnic group - Any other"
// Other; officer-defined ethnicity is a bare "White", "Black", "Asian", "Other" (and has no
// Mixed). ok is false for a blank or "... - Not stated", which are not stated.
func BroadGroup(ethnicity string) (group string, ok bool) {
	e := strings.TrimSpace(ethnicity)
	if e == "" || strings.Contains(strings.ToLower(e), "not stated") {
		return "", false
	}
	for _, g := range EthnicGroups {
		if len(e) >= len(g) && strings.EqualFold(e[:len(g)], g) {
			return g, true
		}
	}
	return "", false
}

// DisproQuery chooses a disproportionality report: searches in whole UK months [From, To)
// inside boundary Area, under Legislation ("" or all, section60, pace, drugs, firearms),
// grouped by the searched person's self-defined ethnicity or the officer's record of it.
type DisproQuery struct {
	From, To    time.Time
	Area        string
	Polygon     orb.Geometry // a drawn area (Polygon or MultiPolygon), instead of a boundary
	Legislation string
	Ethnicity   string // self (the default) or officer
}

// Legislations are the values DisproQuery.Legislation takes besides "" and all, each with
// the text police.uk's legislation column holds for it.
var Legislations = map[string]string{
	"section60": "section 60",
	"pace":      "(section 1)",
	"drugs":     "Misuse of Drugs Act",
	"firearms":  "Firearms Act",
}

// GroupFigures are one group's searches against its residents. The pointers are nil where
// a figure has no value (no residents; no searches of White people to compare with; an
// interval when either group had no search).
type GroupFigures struct {
	Group        string
	Searches     int
	Population   int
	RatePer1000  *float64 // searches per 1,000 residents
	RatioToWhite *float64 // this group's rate over White people's
	CILow        *float64 // the ratio's 95 % confidence interval, by the log method
	CIHigh       *float64
	SmallNumbers bool // fewer than 10 searches: the ratio is given but is not meaningful
	Finds        int  // outcome linked to the object of the search
	FindRate     *float64
	Arrests      int
	ArrestRate   *float64
}

// AreaPopulation is the resident population of an area, built from the LSOAs whose
// population-weighted centroid lies inside it.
type AreaPopulation struct {
	LSOAs  []string // the codes counted, in order
	Groups [5]int   // residents of each broad group
	Total  int      // all usual residents
	Census int      // the census year (0 when nothing is counted)
	// CentroidsWithoutPopulation are LSOAs whose centroid lies inside but whose population
	// is not held; LSOAsWithoutCentroid counts the LSOAs held with no centroid anywhere,
	// which cannot be placed in or out of the area (some of them listed)
	CentroidsWithoutPopulation []string
	LSOAsWithoutCentroid       int
	WithoutCentroidExamples    []string
	// Own is the area's own census row, when it is a geography the census counts at its
	// own level (an MSOA, a local authority) and that row is held
	Own *CensusArea
}

// Disproportionality is a report of stop and search against the resident population.
type Disproportionality struct {
	Query           DisproQuery
	Groups          []GroupFigures // the five broad groups; no Mixed for officer-defined ethnicity
	NotStated       int            // searches inside whose ethnicity is not stated or blank
	WithoutLocation int            // searches in the period with no location
	Searches        int            // searches inside, of every group and none
	Population      AreaPopulation
}

// LSOAFigures are one LSOA's searches of a group against its residents, and White
// people's, for the map's layer of searches per resident.
type LSOAFigures struct {
	Code, Name      string
	Outline         Boundary // the LSOA's outline held (its geometry)
	Searches        int      // of the group, with a location inside the outline
	Population      int      // residents of the group
	WhiteSearches   int
	WhitePopulation int
}

// LSOADispro is the map's layer of searches per resident by LSOA, for one group.
type LSOADispro struct {
	Query Disproportionality // the area's report, of which these are the LSOAs
	Group string
	LSOAs []LSOAFigures // the LSOAs counted whose outline is held
	// WithoutOutline are the LSOAs counted whose outline is not held (2021 codes the 2011
	// outlines lack): their residents are in the report but not on the map
	WithoutOutline []string
}

package hexbeat

import "time"

// SearchQuery chooses a stop-and-search summary: whole months [From, To) (zero: from the
// first month held, to the end of the last), a boundary id, section 60 only. Months are UK
// months (UK), as police.uk publishes them.
type SearchQuery struct {
	From, To  time.Time
	Area      string
	Section60 bool
}

// SearchSummary is stop and search month by month, for those who scrutinise it: the same
// figures as an authorisation's scrutiny report, for the whole period and for each month.
type SearchSummary struct {
	From, To  time.Time // whole UK months, [From, To)
	Section60 bool      // only searches recorded under section 60
	Area      bool      // only searches placed inside an area
	Total     Scrutiny
	Months    []MonthFigures
}

// MonthFigures is one month of a SearchSummary. Imported is false when the store holds no
// search at all that month (police.uk publishes a month weeks after it ends): its zeros are
// no data, not no searches.
type MonthFigures struct {
	Month    time.Time
	Imported bool
	Scrutiny
}

// Scrutiny summarises the stop-and-search records made inside an authorisation's area
// and time, for the commander's review and the community's scrutiny.
type Scrutiny struct {
	Searches        int
	UnderSection60  int     // legislation names section 60
	Linked          int     // outcome linked to the object of the search (a find)
	LinkedUnknown   int     // the record does not say
	Arrests         int     // outcome "Arrest"
	FindRate        float64 // Linked / Searches
	ArrestRate      float64 // Arrests / Searches
	NoFurtherAction int
	Outcomes        []Count
	Objects         []Count
	SelfEthnicity   []Count // self-defined ethnicity
	OfficerEthnic   []Count // officer-defined ethnicity
	AgeRanges       []Count
	Genders         []Count
	Legislation     []Count

	// Searches in the same hours, anywhere in the data, that have no location: they may
	// or may not have been made in the area, and are in none of the counts above. (In a
	// SearchSummary without an area they are counted; this says how many they are.)
	WithoutLocation          int
	WithoutLocationSection60 int // of which recorded under section 60

	// The searches held, anywhere in the data, in each month the authorisation's hours touch.
	Months []MonthCount
}

// MonthCount is the number of stop-and-search records held for one month.
type MonthCount struct {
	Month    time.Time
	Searches int
}

// Count is one row of a breakdown.
type Count struct {
	Value string  `json:"value"`
	N     int     `json:"n"`
	Share float64 `json:"share"`
}

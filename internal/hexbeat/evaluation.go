package hexbeat

import "time"

// Evaluation is what a Section 60 authorisation achieved, offered once it has ended: the
// searches in its area and hours and their disproportionality, and the recorded crimes of
// the categories it was given for in its area before, during and after it, against the
// rest of the policing area around it.
type Evaluation struct {
	Authorisation Authorisation
	Scrutiny      Scrutiny
	// Dispro is nil when the residents cannot be counted (no census or centroids held);
	// DisproError then says why
	Dispro      *Disproportionality
	DisproError string
	Categories  []string
	// LPA is the boundary the rest of which the area is compared with ("" when none holds
	// the area); AreaInLPA is false when the area reaches outside it, which makes the
	// rest's counts approximate
	LPA, LPAName string
	AreaInLPA    bool
	// MonthDated is true when the crimes in the area are dated by month (police.uk's): the
	// windows are then whole months, and "during" is the months the hours touched
	MonthDated bool
	Windows    []CrimeWindow
	// NoCrimeData is true when no crime of the categories is held in the LPA (or the area)
	// across the windows: their zeros are no data, not no crime
	NoCrimeData bool
}

// CrimeWindow counts the recorded crimes of an evaluation's categories in one period.
type CrimeWindow struct {
	Label     string // before, during, after
	From, To  time.Time
	Area      int // in the authorisation's area
	RestOfLPA int // in the LPA, outside the area
}

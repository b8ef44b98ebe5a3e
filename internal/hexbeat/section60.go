package hexbeat

import (
	"slices"
	"strings"
	"time"

	"github.com/paulmach/orb"
)

// Rank is a police rank, ordered from constable up. The Section 60 rules compare ranks.
type Rank int

// The ranks of the police forces of England and Wales (the Metropolitan and City of London
// forces' titles map onto the same levels).
const (
	RankUnknown Rank = iota
	RankConstable
	RankSergeant
	RankInspector
	RankChiefInspector
	RankSuperintendent
	RankChiefSuperintendent
	RankAssistantChiefConstable
	RankDeputyChiefConstable
	RankChiefConstable
)

var rankNames = map[string]Rank{
	"constable": RankConstable, "pc": RankConstable,
	"sergeant": RankSergeant, "ps": RankSergeant,
	"inspector": RankInspector, "insp": RankInspector,
	"chief inspector": RankChiefInspector, "ci": RankChiefInspector,
	"superintendent": RankSuperintendent, "supt": RankSuperintendent,
	"chief superintendent": RankChiefSuperintendent, "ch supt": RankChiefSuperintendent,
	"assistant chief constable": RankAssistantChiefConstable, "acc": RankAssistantChiefConstable, "commander": RankAssistantChiefConstable,
	"deputy assistant commissioner": RankAssistantChiefConstable,
	"deputy chief constable":        RankDeputyChiefConstable, "dcc": RankDeputyChiefConstable, "assistant commissioner": RankDeputyChiefConstable,
	"chief constable": RankChiefConstable, "cc": RankChiefConstable, "commissioner": RankChiefConstable, "deputy commissioner": RankChiefConstable,
}

// ParseRank reads a rank as written ("Inspector", "chief superintendent", "Supt").
func ParseRank(s string) Rank {
	return rankNames[strings.Join(strings.Fields(strings.ToLower(strings.ReplaceAll(s, ".", ""))), " ")]
}

// RankNames lists the ranks accepted, for error messages.
func RankNames() string {
	return "constable, sergeant, inspector, chief inspector, superintendent, chief superintendent, assistant chief constable (commander), deputy chief constable, chief constable (commissioner)"
}

// Authorisation is a Section 60 authorisation (Criminal Justice and Public Order Act 1994):
// stop and search without suspicion in an area for a limited time.
type Authorisation struct {
	ID           int64
	Area         orb.Geometry // Polygon or MultiPolygon, [lon,lat]
	Grounds      string       // the officer's grounds, as recorded
	Officer      string       // authorising officer (name or collar number)
	Rank         string
	Start, End   time.Time
	Extension    *Extension
	CancelledAt  *time.Time
	CancelledBy  string
	CancelReason string
	Proposal     string // the proposal it came from, if any
	CreatedAt    time.Time
	CreatedBy    string // who recorded it (the API key's name)
	// Informed records the superintendent told of an authorisation an inspector or chief
	// inspector gave, as section 60(3A) requires "as soon as it is practicable"; nil until
	// recorded
	Informed *Informed
	// Notices are the community told of it, before (where practicable), during or after,
	// as the Best Use of Stop and Search scheme asks, in the order recorded
	Notices []Notice
}

// Informed is the record that a superintendent (or above) was told of an authorisation.
type Informed struct {
	Officer    string
	Rank       string
	At         time.Time // when the superintendent was told
	RecordedBy string
	RecordedAt time.Time
}

// Notice is one telling of the community about an authorisation.
type Notice struct {
	At         time.Time // when they were told
	Stage      string    // before, during or after the authorisation
	How        string    // the channel: social media, an email to the IAG, a meeting ...
	To         string    // whom: the Independent Advisory Group, residents of ..., the public
	Text       string    // what they were told, as sent or in summary
	RecordedBy string
	RecordedAt time.Time
}

// NoticeStages are the stages a Notice may have.
var NoticeStages = []string{"before", "during", "after"}

// NeedsSuperintendent reports whether section 60(3A) applies: the authorising officer is
// an inspector or chief inspector.
func (a Authorisation) NeedsSuperintendent() bool {
	r := ParseRank(a.Rank)
	return r == RankInspector || r == RankChiefInspector
}

// PendingSuperintendent reports whether the authorisation waits for the record that a
// superintendent was informed.
func (a Authorisation) PendingSuperintendent() bool {
	return a.NeedsSuperintendent() && a.Informed == nil
}

// Extension is the one extension Section 60(3) allows.
type Extension struct {
	Officer string
	Rank    string
	End     time.Time // the new end
	At      time.Time // when it was directed
	Reason  string
}

// Ends is when the authorisation ends: its end, extended, or when it was cancelled.
func (a Authorisation) Ends() time.Time {
	end := a.End
	if a.Extension != nil {
		end = a.Extension.End
	}
	if a.CancelledAt != nil && a.CancelledAt.Before(end) {
		return *a.CancelledAt
	}
	return end
}

// Status is "cancelled", "scheduled" (not started), "active" or "expired" at now.
func (a Authorisation) Status(now time.Time) string {
	switch {
	case a.CancelledAt != nil && !a.CancelledAt.After(now):
		return "cancelled"
	case now.Before(a.Start):
		return "scheduled"
	case now.Before(a.Ends()):
		return "active"
	}
	return "expired"
}

// AuditEvent is one entry of the append-only audit log.
type AuditEvent struct {
	ID      int64
	At      time.Time
	Actor   string // who: an API key's name, or "cli" / "system"
	Action  string // e.g. "section60.authorise"
	Subject string // what it acted on, e.g. "authorisation/12"
	Detail  string // parameters, as JSON
}

// AuditHead is the audit log chain's head: its last row's id and hash. Kept somewhere
// else, it shows whether rows were later removed from the end.
type AuditHead struct {
	ID   int64  `json:"id"`
	Hash string `json:"hash"`
}

// AuditCheck is the audit log's chain recomputed: the rows read, the head when the chain
// holds, else the first row that breaks it and how.
type AuditCheck struct {
	Rows    int       `json:"rows"`
	Head    AuditHead `json:"head"`
	BadID   int64     `json:"bad_id,omitempty"`
	Problem string    `json:"problem,omitempty"`
}

// OK reports whether the chain holds.
func (c AuditCheck) OK() bool { return c.BadID == 0 }

// Section60Categories are the crime types a Section 60 proposal looks at by default:
// serious violence, weapons and robbery.
var Section60Categories = []string{"Violence and sexual offences", "Possession of weapons", "Robbery"}

// ProposalQuery asks for Section 60 candidate areas.
type ProposalQuery struct {
	CellQuery                 // Res, Categories (default Section60Categories), Area; From/To: the window when given
	Window      time.Duration // the recent window ending at the latest incident (default 14 days)
	Weight      string        // what the target share counts: harm (default) or count
	K           int           // Gi* neighbourhood
	Alpha       float64       // FDR level for significant cells
	MaxAreaKm2  float64       // cap on one area
	TargetShare float64       // share of a hot cluster's weighted incidents an area must hold
}

// WithDefaults fills in what the query leaves unset.
func (q ProposalQuery) WithDefaults() ProposalQuery {
	if len(q.Categories) == 0 {
		q.Categories = slices.Clone(Section60Categories)
	}
	if q.Weight == "" {
		q.Weight = WeightHarm
	}
	if q.K == 0 {
		q.K = 1
	}
	if q.Alpha == 0 {
		q.Alpha = 0.05
	}
	if q.MaxAreaKm2 == 0 {
		q.MaxAreaKm2 = 5
	}
	if q.TargetShare == 0 {
		q.TargetShare = 0.8
	}
	if q.Window == 0 && q.From.IsZero() && q.To.IsZero() {
		q.Window = 14 * 24 * time.Hour
	}
	return q
}

// Validate reports every problem with the query at once.
func (q ProposalQuery) Validate() error {
	hq := HotspotQuery{CellQuery: q.CellQuery, Method: MethodGiStar, Weight: q.Weight, K: q.K, Alpha: q.Alpha}
	var fe FieldErrors
	fe.Merge(hq.Validate())
	if q.Window < 0 || q.Window > 366*24*time.Hour {
		fe.Add("window", "must be from 1 hour to 366 days")
	}
	if !q.From.IsZero() != !q.To.IsZero() {
		fe.Add("from", "give both from and to, or neither (then the window ends at the latest incident)")
	}
	if !(q.MaxAreaKm2 > 0 && q.MaxAreaKm2 <= 1000) {
		fe.Add("max_area_km2", "must be from 0 to 1000 km², got %g", q.MaxAreaKm2)
	}
	if !(q.TargetShare > 0 && q.TargetShare <= 1) {
		fe.Add("target_share", "must be a share between 0 and 1, got %g", q.TargetShare)
	}
	return fe.Err("invalid section 60 proposal request")
}

// Proposal is one candidate Section 60 area.
type Proposal struct {
	Rank        int
	Outline     orb.MultiPolygon
	Cells       []uint64
	AreaKm2     float64
	Incidents   int
	Harm        float64 // Crime Harm Index days
	Weighted    float64 // what the target share counted
	Share       float64 // of its hot cluster's weighted incidents
	Capped      bool
	Previous    int // incidents in the same cells in the previous window of the same length
	ByCategory  map[string]int
	MinZ, MaxZ  float64
	MaxPFDR     float64
	ClusterSize int
	Grounds     string
}

// Proposals is the answer.
type Proposals struct {
	Query              ProposalQuery
	From, To           time.Time // the window
	PrevFrom, PrevTo   time.Time
	WindowNote         string
	PrevHasData        bool // the data reach back into the previous window
	StudyArea          string
	SignificantHot     int
	Areas              []Proposal
	Incidents, Studied int
}

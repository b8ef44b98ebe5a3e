package hexbeat

import (
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

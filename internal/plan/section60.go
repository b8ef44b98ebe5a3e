package plan

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/paulmach/orb"
)

// The limits of section 60 of the Criminal Justice and Public Order Act 1994.
const (
	MaxAuthorisation = 24 * time.Hour // s60(1): "for a specified period not exceeding 24 hours"
	MaxExtension     = 24 * time.Hour // s60(3): "for a further 24 hours", once
	AuthoriseRank    = hexbeat.RankInspector
	ExtendRank       = hexbeat.RankSuperintendent
)

// CheckAuthorisation holds a new authorisation to the statute. Missing or malformed
// fields are EINVALID; a lawful-looking request that the statute forbids (a rank below
// inspector, more than 24 hours) is EUNPROCESSABLE with the section that forbids it.
func CheckAuthorisation(a hexbeat.Authorisation) error {
	var bad hexbeat.FieldErrors
	switch g := a.Area.(type) {
	case orb.Polygon:
		if len(g) == 0 || len(g[0]) < 4 {
			bad.Add("area", "the polygon needs a closed ring of at least four positions")
		}
	case orb.MultiPolygon:
		if len(g) == 0 {
			bad.Add("area", "the multipolygon is empty")
		}
	case nil:
		bad.Add("area", "give the area as a GeoJSON Polygon or MultiPolygon")
	default:
		bad.Add("area", "must be a Polygon or MultiPolygon, got %s", g.GeoJSONType())
	}
	if strings.TrimSpace(a.Grounds) == "" {
		bad.Add("grounds", "record the grounds: why the officer reasonably believes violence may take place, or that weapons are being carried")
	}
	rank := officerRank(&bad, a.Officer, a.Rank, "name the authorising officer")
	if a.Start.IsZero() {
		bad.Add("start", "give the start as an RFC 3339 time")
	}
	if a.End.IsZero() {
		bad.Add("end", "give the end as an RFC 3339 time")
	} else if !a.Start.IsZero() && !a.End.After(a.Start) {
		bad.Add("end", "must be after the start")
	}
	if err := bad.ErrCode(hexbeat.EINVALID, "invalid authorisation"); err != nil {
		return err
	}
	var law hexbeat.FieldErrors
	if rank < AuthoriseRank {
		law.Add("rank", "section 60(1) allows an authorisation only by an officer of the rank of inspector or above; a %s cannot authorise", strings.ToLower(a.Rank))
	}
	if d := a.End.Sub(a.Start); d > MaxAuthorisation {
		law.Add("end", "section 60(1) allows at most 24 hours; this runs %s (from %s to %s). A superintendent may extend it once, by up to 24 hours, while it is in force",
			hoursText(d), a.Start.UTC().Format(time.RFC3339), a.End.UTC().Format(time.RFC3339))
	}
	return law.ErrCode(hexbeat.EUNPROCESSABLE, "the authorisation is not lawful under section 60")
}

// CheckExtension holds an extension of a to s60(3): once, by a superintendent or above,
// directed while the authorisation is in force, for at most 24 hours beyond its end.
func CheckExtension(a hexbeat.Authorisation, x hexbeat.Extension) error {
	var bad hexbeat.FieldErrors
	rank := officerRank(&bad, x.Officer, x.Rank, "name the officer directing the extension")
	if x.End.IsZero() {
		bad.Add("end", "give the new end as an RFC 3339 time")
	}
	if err := bad.ErrCode(hexbeat.EINVALID, "invalid extension"); err != nil {
		return err
	}
	var law hexbeat.FieldErrors
	switch {
	case a.CancelledAt != nil:
		law.Add("id", "the authorisation was cancelled at %s; it cannot be extended", a.CancelledAt.UTC().Format(time.RFC3339))
	case a.Extension != nil:
		law.Add("id", "section 60(3) allows one extension; this authorisation was already extended to %s by %s (%s)",
			a.Extension.End.UTC().Format(time.RFC3339), a.Extension.Officer, a.Extension.Rank)
	}
	if rank < ExtendRank {
		law.Add("rank", "section 60(3) allows an extension only by an officer of the rank of superintendent or above; a %s cannot extend", strings.ToLower(x.Rank))
	}
	if !x.End.After(a.End) {
		law.Add("end", "the new end must be after the current end, %s", a.End.UTC().Format(time.RFC3339))
	} else if d := x.End.Sub(a.End); d > MaxExtension {
		law.Add("end", "section 60(3) allows a further 24 hours at most; this adds %s", hoursText(d))
	}
	if x.At.Before(a.Start) || !x.At.Before(a.End) {
		law.Add("at", "an extension must be directed while the authorisation is in force (%s to %s); this one is dated %s",
			a.Start.UTC().Format(time.RFC3339), a.End.UTC().Format(time.RFC3339), x.At.UTC().Format(time.RFC3339))
	}
	return law.ErrCode(hexbeat.EUNPROCESSABLE, "the extension is not lawful under section 60")
}

// CheckCancel refuses cancelling an authorisation that was already cancelled or has ended.
func CheckCancel(a hexbeat.Authorisation, by string, at time.Time) error {
	var bad hexbeat.FieldErrors
	if strings.TrimSpace(by) == "" {
		bad.Add("officer", "name the officer cancelling the authorisation")
	}
	if err := bad.ErrCode(hexbeat.EINVALID, "invalid cancellation"); err != nil {
		return err
	}
	var refuse hexbeat.FieldErrors
	switch {
	case a.CancelledAt != nil:
		refuse.Add("id", "already cancelled at %s by %s", a.CancelledAt.UTC().Format(time.RFC3339), a.CancelledBy)
	case !at.Before(a.Ends()):
		refuse.Add("at", "the authorisation ended at %s; there is nothing to cancel", a.Ends().UTC().Format(time.RFC3339))
	}
	return refuse.ErrCode(hexbeat.ECONFLICT, "the authorisation cannot be cancelled")
}

// officerRank checks a record's officer (named, else unnamed is said) and rank (one known)
// into bad, and gives the rank.
func officerRank(bad *hexbeat.FieldErrors, officer, rankText, unnamed string) hexbeat.Rank {
	if strings.TrimSpace(officer) == "" {
		bad.Add("officer", "%s", unnamed)
	}
	rank := hexbeat.ParseRank(rankText)
	if rank == hexbeat.RankUnknown {
		bad.Add("rank", "unknown rank %q; give one of %s", rankText, hexbeat.RankNames())
	}
	return rank
}

// hoursText writes a duration in hours as an officer would: "25 hours", "24.5 hours".
func hoursText(d time.Duration) string {
	return strconv.FormatFloat(d.Hours(), 'f', -1, 64) + " hours"
}

// CheckInformed holds the record of section 60(3A) to the statute: an authorisation an
// inspector or chief inspector gave, told to an officer of the rank of superintendent or
// above, once, not before it was given (its start, or when it was recorded if earlier) nor
// after now.
func CheckInformed(a hexbeat.Authorisation, inf hexbeat.Informed, now time.Time) error {
	var bad hexbeat.FieldErrors
	rank := officerRank(&bad, inf.Officer, inf.Rank, "name the superintendent who was informed")
	if inf.At.IsZero() {
		bad.Add("at", "give when the superintendent was informed (RFC 3339)")
	}
	if err := bad.ErrCode(hexbeat.EINVALID, "invalid record of informing a superintendent"); err != nil {
		return err
	}
	var refuse hexbeat.FieldErrors
	switch {
	case !a.NeedsSuperintendent():
		refuse.Add("id", "authorised by a %s: section 60(3A) applies only to an authorisation by an inspector or chief inspector", strings.ToLower(a.Rank))
	case a.Informed != nil:
		refuse.Add("id", "already recorded: %s %s was informed at %s", a.Informed.Rank, a.Informed.Officer, a.Informed.At.UTC().Format(time.RFC3339))
	}
	if err := refuse.ErrCode(hexbeat.ECONFLICT, "the record cannot be made"); err != nil {
		return err
	}
	var law hexbeat.FieldErrors
	if rank < hexbeat.RankSuperintendent {
		law.Add("rank", "section 60(3A) requires an officer of the rank of superintendent or above to be informed; a %s is not", strings.ToLower(inf.Rank))
	}
	given := a.Start
	if !a.CreatedAt.IsZero() && a.CreatedAt.Before(given) {
		given = a.CreatedAt
	}
	if inf.At.Before(given) {
		law.Add("at", "the authorisation was given at %s at the earliest; a superintendent cannot be informed of it before", given.UTC().Format(time.RFC3339))
	} else if inf.At.After(now.Add(5 * time.Minute)) {
		law.Add("at", "%s is in the future", inf.At.UTC().Format(time.RFC3339))
	}
	return law.ErrCode(hexbeat.EUNPROCESSABLE, "the record does not meet section 60(3A)")
}

// CheckNotice holds a community notice to its authorisation: a stage of before, during or
// after that agrees with when it was given, a channel and an audience, not in the future.
func CheckNotice(a hexbeat.Authorisation, n hexbeat.Notice, now time.Time) error {
	var bad hexbeat.FieldErrors
	if !slices.Contains(hexbeat.NoticeStages, n.Stage) {
		bad.Add("stage", "must be one of %s, got %q", strings.Join(hexbeat.NoticeStages, ", "), n.Stage)
	}
	if strings.TrimSpace(n.How) == "" {
		bad.Add("how", "say how the community was told (a meeting, an email to the IAG, social media ...)")
	}
	if strings.TrimSpace(n.To) == "" {
		bad.Add("to", "say whom: the Independent Advisory Group, residents, the public ...")
	}
	if n.At.IsZero() {
		bad.Add("at", "give when they were told (RFC 3339)")
	}
	if err := bad.ErrCode(hexbeat.EINVALID, "invalid notice"); err != nil {
		return err
	}
	var law hexbeat.FieldErrors
	start, end := a.Start, a.Ends()
	switch {
	case n.At.After(now.Add(5 * time.Minute)):
		law.Add("at", "%s is in the future: record a notice once given", n.At.UTC().Format(time.RFC3339))
	case n.Stage == "before" && !n.At.Before(start):
		law.Add("stage", "a notice before the authorisation must be given before it starts (%s)", start.UTC().Format(time.RFC3339))
	case n.Stage == "during" && (n.At.Before(start) || !n.At.Before(end)):
		law.Add("stage", "a notice during the authorisation must be given while it is in force (%s to %s)", start.UTC().Format(time.RFC3339), end.UTC().Format(time.RFC3339))
	case n.Stage == "after" && n.At.Before(end):
		law.Add("stage", "a notice after the authorisation must be given once it has ended (%s)", end.UTC().Format(time.RFC3339))
	}
	return law.ErrCode(hexbeat.EUNPROCESSABLE, "the notice does not agree with the authorisation")
}

package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/hexbeat/hexbeat/internal/index"
	"github.com/hexbeat/hexbeat/internal/plan"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geo"
)

// Register is what the Section 60 register needs of a store.
type Register interface {
	CreateAuthorisation(ctx context.Context, a hexbeat.Authorisation, ev hexbeat.AuditEvent) (hexbeat.Authorisation, error)
	UpdateAuthorisation(ctx context.Context, id int64, change func(*hexbeat.Authorisation) error, ev hexbeat.AuditEvent) (hexbeat.Authorisation, error)
	Authorisation(ctx context.Context, id int64) (hexbeat.Authorisation, error)
	Authorisations(ctx context.Context) ([]hexbeat.Authorisation, error)
	StopSearches(ctx context.Context, from, to time.Time, bound orb.Bound) ([]hexbeat.StopSearch, error)
	StopSearchesWithoutLocation(ctx context.Context, from, to time.Time) (all, section60 int, err error)
	StopSearchCount(ctx context.Context, from, to time.Time) (int, error)
	EachStopSearch(ctx context.Context, from, to time.Time, fn func(hexbeat.StopSearch) error) error
	Retailers(ctx context.Context) ([]hexbeat.Retailer, error)
	Cameras(ctx context.Context) ([]hexbeat.Camera, error)
	PutCamera(ctx context.Context, c hexbeat.Camera, ev hexbeat.AuditEvent) error
	RetailerTests(ctx context.Context) (map[string][]hexbeat.RetailerTest, error)
	RecordRetailerTest(ctx context.Context, t hexbeat.RetailerTest, ev hexbeat.AuditEvent) (hexbeat.RetailerTest, error)
}

func detail(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// Authorise records a Section 60 authorisation after holding it to the statute.
func (s *Service) Authorise(ctx context.Context, a hexbeat.Authorisation, actor string) (hexbeat.Authorisation, error) {
	if err := plan.CheckAuthorisation(a); err != nil {
		return a, err
	}
	a.CreatedBy = actor
	a.CreatedAt = s.now()
	return s.store.CreateAuthorisation(ctx, a, hexbeat.AuditEvent{At: a.CreatedAt, Actor: actor, Action: "section60.authorise",
		Detail: detail(map[string]any{"officer": a.Officer, "rank": a.Rank, "start": a.Start, "end": a.End, "grounds": a.Grounds, "proposal": a.Proposal})})
}

// Extend records the one extension s60(3) allows.
func (s *Service) Extend(ctx context.Context, id int64, x hexbeat.Extension, actor string) (hexbeat.Authorisation, error) {
	now := s.now()
	if x.At.IsZero() {
		x.At = now
	}
	return s.store.UpdateAuthorisation(ctx, id, func(a *hexbeat.Authorisation) error {
		if err := plan.CheckExtension(*a, x); err != nil {
			return err
		}
		a.Extension = &x
		return nil
	}, hexbeat.AuditEvent{At: now, Actor: actor, Action: "section60.extend",
		Detail: detail(map[string]any{"officer": x.Officer, "rank": x.Rank, "end": x.End, "at": x.At, "reason": x.Reason})})
}

// Cancel ends an authorisation early.
func (s *Service) Cancel(ctx context.Context, id int64, by, reason string, at time.Time, actor string) (hexbeat.Authorisation, error) {
	now := s.now()
	if at.IsZero() {
		at = now
	}
	return s.store.UpdateAuthorisation(ctx, id, func(a *hexbeat.Authorisation) error {
		if err := plan.CheckCancel(*a, by, at); err != nil {
			return err
		}
		a.CancelledAt, a.CancelledBy, a.CancelReason = &at, by, reason
		return nil
	}, hexbeat.AuditEvent{At: now, Actor: actor, Action: "section60.cancel", Detail: detail(map[string]any{"officer": by, "reason": reason, "at": at})})
}

// RecordInformed records that a superintendent was informed of an inspector's or chief
// inspector's authorisation (section 60(3A)).
func (s *Service) RecordInformed(ctx context.Context, id int64, inf hexbeat.Informed, actor string) (hexbeat.Authorisation, error) {
	now := s.now()
	inf.RecordedBy, inf.RecordedAt = actor, now
	return s.store.UpdateAuthorisation(ctx, id, func(a *hexbeat.Authorisation) error {
		if err := plan.CheckInformed(*a, inf, now); err != nil {
			return err
		}
		a.Informed = &inf
		return nil
	}, hexbeat.AuditEvent{At: now, Actor: actor, Action: "section60.informed", Detail: detail(map[string]any{"officer": inf.Officer, "rank": inf.Rank, "at": inf.At})})
}

// RecordNotice records a notice given to the community about an authorisation.
func (s *Service) RecordNotice(ctx context.Context, id int64, n hexbeat.Notice, actor string) (hexbeat.Authorisation, error) {
	now := s.now()
	n.RecordedBy, n.RecordedAt = actor, now
	return s.store.UpdateAuthorisation(ctx, id, func(a *hexbeat.Authorisation) error {
		if err := plan.CheckNotice(*a, n, now); err != nil {
			return err
		}
		a.Notices = append(a.Notices, n)
		return nil
	}, hexbeat.AuditEvent{At: now, Actor: actor, Action: "section60.notice", Detail: detail(map[string]any{"stage": n.Stage, "how": n.How, "to": n.To, "at": n.At, "text": n.Text})})
}

// Authorisations lists the register: status "active" (in force or scheduled), "past"
// (expired or cancelled) or "" for all.
func (s *Service) Authorisations(ctx context.Context, status string) ([]hexbeat.Authorisation, time.Time, error) {
	now := s.now()
	all, err := s.store.Authorisations(ctx)
	if err != nil || status == "" {
		return all, now, err
	}
	var out []hexbeat.Authorisation
	for _, a := range all {
		st := a.Status(now)
		if (status == "active") == (st == "active" || st == "scheduled") {
			out = append(out, a)
		}
	}
	return out, now, nil
}

// Authorisation returns one authorisation.
func (s *Service) Authorisation(ctx context.Context, id int64) (hexbeat.Authorisation, error) {
	return s.store.Authorisation(ctx, id)
}

// Scrutiny reports the stop-and-search records made inside an authorisation's area and
// time (start to its end, extension or cancellation), and how many searches in that time
// cannot be placed because they have no location, and how many searches the store holds
// in each month of those hours (none: that month's data is not imported).
func (s *Service) Scrutiny(ctx context.Context, id int64) (hexbeat.Authorisation, hexbeat.Scrutiny, error) {
	a, err := s.store.Authorisation(ctx, id)
	if err != nil {
		return a, hexbeat.Scrutiny{}, err
	}
	searches, err := s.store.StopSearches(ctx, a.Start, a.Ends(), a.Area.Bound())
	if err != nil {
		return a, hexbeat.Scrutiny{}, err
	}
	r := plan.ScrutinyOf(plan.InArea(a.Area, searches))
	if r.WithoutLocation, r.WithoutLocationSection60, err = s.store.StopSearchesWithoutLocation(ctx, a.Start, a.Ends()); err != nil {
		return a, hexbeat.Scrutiny{}, err
	}
	// police.uk publishes a force's stop and search a month (of UK time) at a time, weeks
	// after the month ends: the months of the authorisation's hours with no record at all
	// are not imported.
	for m := hexbeat.UKMonth(a.Start); m.Before(a.Ends()); m = m.AddDate(0, 1, 0) {
		n, err := s.store.StopSearchCount(ctx, m, m.AddDate(0, 1, 0))
		if err != nil {
			return a, hexbeat.Scrutiny{}, err
		}
		r.Months = append(r.Months, hexbeat.MonthCount{Month: m, Searches: n})
	}
	return a, r, nil
}

const maxSearchMonths = 600

// StopSearchSummary tallies the stop-and-search records month by month (plan.SearchTally),
// reading them from the store one at a time.
func (s *Service) StopSearchSummary(ctx context.Context, q hexbeat.SearchQuery) (hexbeat.SearchSummary, error) {
	bad := searchPeriod(q.From, q.To)
	area, fe := s.searchArea(q.Area, false)
	if bad = append(bad, fe...); len(bad) > 0 {
		return hexbeat.SearchSummary{}, &hexbeat.Error{Code: hexbeat.EINVALID, Message: "invalid stop-and-search summary", Fields: bad}
	}
	q.From, q.To = hexbeat.InUK(q.From), hexbeat.InUK(q.To) // "2020-08" is police.uk's August: UK time
	from, to := searchBounds(q.From, q.To)
	st := plan.NewSearchTally(area, q.Section60)
	if err := s.store.EachStopSearch(ctx, from, to, func(ss hexbeat.StopSearch) error { st.Add(ss); return ctx.Err() }); err != nil {
		return hexbeat.SearchSummary{}, err
	}
	return st.Summary(q.From, q.To), nil
}

// Section60Proposals proposes Section 60 areas (see analysis.Engine.Section60).
func (s *Service) Section60Proposals(ctx context.Context, q hexbeat.ProposalQuery) (hexbeat.Proposals, error) {
	q = q.WithDefaults()
	if err := q.Validate(); err != nil {
		return hexbeat.Proposals{}, err
	}
	snap, area, err := s.prepare(&q.CellQuery)
	if err != nil {
		return hexbeat.Proposals{}, err
	}
	return s.engine.Section60(ctx, snap, q, area)
}

// searchPeriod checks a stop-and-search period: whole months, from before to, not too long.
func searchPeriod(from, to time.Time) []hexbeat.FieldError {
	var bad []hexbeat.FieldError
	for _, b := range []bound{{"from", from, false}, {"to", to, true}} {
		if !b.t.IsZero() && !hexbeat.MonthStart(b.t).Equal(b.t) {
			bad = append(bad, hexbeat.FieldError{Field: b.field, Message: "police.uk publishes stop and search by month: give whole months (2023-12)"})
		}
	}
	if !from.IsZero() && !to.IsZero() && !from.Before(to) {
		bad = append(bad, hexbeat.FieldError{Field: "to", Message: "must be after from"})
	} else if to.Sub(from) > maxSearchMonths*31*24*time.Hour && !from.IsZero() {
		bad = append(bad, hexbeat.FieldError{Field: "to", Message: fmt.Sprintf("the period may span at most %d months", maxSearchMonths)})
	}
	return bad
}

// searchBounds are a period's ends for the store: zero ends unbounded.
func searchBounds(from, to time.Time) (time.Time, time.Time) {
	if from.IsZero() {
		from = time.Unix(0, 0).UTC()
	}
	if to.IsZero() {
		to = time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	return from, to
}

// searchArea is the boundary with id, nil for none (a field error when required).
func (s *Service) searchArea(id string, required bool) (orb.Geometry, []hexbeat.FieldError) {
	if id == "" {
		if required {
			return nil, []hexbeat.FieldError{{Field: "area", Message: "required: the id of a boundary (see /api/v1/boundaries)"}}
		}
		return nil, nil
	}
	b, ok := s.boundaryMap()[id]
	if !ok {
		return nil, []hexbeat.FieldError{unknownArea(id)}
	}
	return b.Geometry, nil
}

// authorisationDispro is the disproportionality of the searches inside an authorisation's
// area and hours, against the area's residents; nil and the reason when they cannot be
// counted.
func (s *Service) authorisationDispro(ctx context.Context, a hexbeat.Authorisation) (*hexbeat.Disproportionality, string, error) {
	pop, err := s.populationOf(ctx, a.Area)
	var he *hexbeat.Error
	if errors.As(err, &he) && he.Code == hexbeat.ECONFLICT {
		return nil, he.Message, nil
	}
	if err != nil {
		return nil, "", err
	}
	t := plan.NewDisproTally(a.Area, hexbeat.DisproQuery{From: a.Start, To: a.Ends(), Ethnicity: "self"})
	if err := s.store.EachStopSearch(ctx, a.Start, a.Ends(), func(ss hexbeat.StopSearch) error { t.Add(ss); return ctx.Err() }); err != nil {
		return nil, "", err
	}
	r := t.Result(pop)
	return &r, "", nil
}

// ScrutinyDispro is the disproportionality of an authorisation's searches (see Scrutiny).
func (s *Service) ScrutinyDispro(ctx context.Context, a hexbeat.Authorisation) (*hexbeat.Disproportionality, string, error) {
	return s.authorisationDispro(ctx, a)
}

// defaultEvaluationCategories are the crimes a Section 60 is given to prevent, when the
// evaluation is not told others.
var defaultEvaluationCategories = []string{"Violence and sexual offences", "Possession of weapons", "Robbery"}

// EvaluateAuthorisation reports what an authorisation that has ended achieved (hexbeat.Evaluation). lpa
// names the boundary to compare with; "" takes the LPA (else the local authority, else the
// force area) holding the area's centre. It is audited.
func (s *Service) EvaluateAuthorisation(ctx context.Context, id int64, lpa string, categories []string, actor string) (hexbeat.Evaluation, error) {
	a, r, err := s.Scrutiny(ctx, id)
	if err != nil {
		return hexbeat.Evaluation{}, err
	}
	now := s.now()
	if a.Ends().After(now) {
		return hexbeat.Evaluation{}, hexbeat.Errorf(hexbeat.ECONFLICT, "authorisation %d is in force until %s: its evaluation is offered once it has ended", id, a.Ends().UTC().Format(time.RFC3339))
	}
	if len(categories) == 0 {
		categories = defaultEvaluationCategories
	}
	ev := hexbeat.Evaluation{Authorisation: a, Scrutiny: r}
	if ev.Dispro, ev.DisproError, err = s.authorisationDispro(ctx, a); err != nil {
		return ev, err
	}
	var lpaArea *index.Area
	switch b, ok := s.evaluationLPA(a.Area, lpa); {
	case lpa != "" && !ok:
		return ev, &hexbeat.Error{Code: hexbeat.EINVALID, Message: "invalid evaluation", Fields: []hexbeat.FieldError{unknownArea(lpa)}}
	case ok:
		ev.LPA, ev.LPAName, ev.AreaInLPA = b.ID, b.Name, plan.Within(a.Area, b.Geometry)
		lpaArea = &index.Area{Key: b.ID, Geometry: b.Geometry}
	}
	snap := s.ix.Snapshot()
	q, _, err := s.resolve(hexbeat.CellQuery{Res: 7, Categories: categories}, snap)
	if err != nil {
		return ev, err
	}
	ev.Categories = q.Categories
	count := func(area *index.Area, from, to time.Time) int {
		cq := q
		cq.From, cq.To = from, to
		_, n := snap.Cells(cq, area)
		return n
	}
	area := &index.Area{Geometry: a.Area}
	start, end := a.Start, a.Ends()
	// police.uk dates a street crime by its month (the first instant, UTC): when every
	// crime of the months the hours touch is so dated, the windows are whole months
	m0, m1 := hexbeat.MonthStart(start), hexbeat.MonthEnd(end.Add(-time.Nanosecond))
	probe := area
	if lpaArea != nil {
		probe = lpaArea
	}
	months, total, atStart := 0, 0, 0
	for m := m0; m.Before(m1); m = m.AddDate(0, 1, 0) {
		months++
		total += count(probe, m, m.AddDate(0, 1, 0))
		atStart += count(probe, m, m.Add(time.Second))
	}
	ev.MonthDated = total > 0 && atStart == total
	var windows [3][2]time.Time
	if ev.MonthDated {
		windows = [3][2]time.Time{{m0.AddDate(0, -months, 0), m0}, {m0, m1}, {m1, m1.AddDate(0, months, 0)}}
	} else {
		d := end.Sub(start)
		windows = [3][2]time.Time{{start.Add(-d), start}, {start, end}, {end, end.Add(d)}}
	}
	ev.NoCrimeData = count(probe, windows[0][0], windows[2][1]) == 0
	for i, label := range []string{"before", "during", "after"} {
		w := hexbeat.CrimeWindow{Label: label, From: windows[i][0], To: windows[i][1]}
		w.Area = count(area, w.From, w.To)
		if lpaArea != nil {
			w.RestOfLPA = max(0, count(lpaArea, w.From, w.To)-w.Area)
		}
		ev.Windows = append(ev.Windows, w)
	}
	b, _ := json.Marshal(map[string]any{"lpa": ev.LPA, "categories": ev.Categories})
	if err := s.store.Audit(ctx, hexbeat.AuditEvent{At: now, Actor: actor, Action: "section60.evaluate", Subject: fmt.Sprintf("authorisation/%d", id), Detail: string(b)}); err != nil {
		return ev, err
	}
	return ev, nil
}

// evaluationLPA is the boundary an evaluation compares the area with: the one named, or
// the smallest LPA (else local authority, else force area) holding the area's centre.
func (s *Service) evaluationLPA(area orb.Geometry, id string) (hexbeat.Boundary, bool) {
	bm := s.boundaryMap()
	if id != "" {
		b, ok := bm[id]
		return b, ok
	}
	centre := area.Bound().Center()
	for _, kind := range []string{"lpa", "lad", "force"} {
		var best hexbeat.Boundary
		found := false
		for _, b := range bm {
			if b.Kind == kind && plan.Within(orb.MultiPoint{centre}, b.Geometry) && (!found || geo.Area(b.Geometry) < geo.Area(best.Geometry)) {
				best, found = b, true
			}
		}
		if found {
			return best, true
		}
	}
	return hexbeat.Boundary{}, false
}

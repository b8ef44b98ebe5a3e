package service

import (
	"context"
	"encoding/json"
	"time"

	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/hexbeat/hexbeat/internal/plan"
	"github.com/paulmach/orb"
)

// Register is what the Section 60 register needs of a store.
type Register interface {
	CreateAuthorisation(ctx context.Context, a hexbeat.Authorisation, ev hexbeat.AuditEvent) (hexbeat.Authorisation, error)
	UpdateAuthorisation(ctx context.Context, id int64, change func(*hexbeat.Authorisation) error, ev hexbeat.AuditEvent) (hexbeat.Authorisation, error)
	Authorisation(ctx context.Context, id int64) (hexbeat.Authorisation, error)
	Authorisations(ctx context.Context) ([]hexbeat.Authorisation, error)
	StopSearches(ctx context.Context, from, to time.Time, bound orb.Bound) ([]hexbeat.StopSearch, error)
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
// time (start to its end, extension or cancellation).
func (s *Service) Scrutiny(ctx context.Context, id int64) (hexbeat.Authorisation, plan.Scrutiny, error) {
	a, err := s.store.Authorisation(ctx, id)
	if err != nil {
		return a, plan.Scrutiny{}, err
	}
	searches, err := s.store.StopSearches(ctx, a.Start, a.Ends(), a.Area.Bound())
	if err != nil {
		return a, plan.Scrutiny{}, err
	}
	return a, plan.ScrutinyOf(plan.InArea(a.Area, searches)), nil
}

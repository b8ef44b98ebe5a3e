package service

import (
	"context"

	"github.com/hexbeat/hexbeat/internal/hexbeat"
)

// Retailers returns the retailer register, ordered by id, and each shop's test purchases.
// The register is read from the store once and held until a retailer import arrives (a
// national register of 50,000 shops took about 0.1 s to read, for every page of it); the tests,
// which any replica may record, are read each time. The register's slice is shared:
// callers must not change it.
func (s *Service) Retailers(ctx context.Context) ([]hexbeat.Retailer, map[string][]hexbeat.RetailerTest, error) {
	shops, err := s.register(ctx)
	if err != nil {
		return nil, nil, err
	}
	tests, err := s.store.RetailerTests(ctx)
	return shops, tests, err
}

// register is the retailer register held, read from the store when it is not.
func (s *Service) register(ctx context.Context) ([]hexbeat.Retailer, error) {
	s.rmu.Lock()
	defer s.rmu.Unlock()
	if !s.shopsHeld {
		shops, err := s.store.Retailers(ctx)
		if err != nil {
			return nil, err
		}
		s.shops, s.shopsHeld = shops, true
	}
	return s.shops, nil
}

// forgetRegister lets the register be read again, after a retailer import.
func (s *Service) forgetRegister() {
	s.rmu.Lock()
	s.shops, s.shopsHeld = nil, false
	s.rmu.Unlock()
}

// RecordTest records a test purchase at a retailer.
func (s *Service) RecordTest(ctx context.Context, t hexbeat.RetailerTest, actor string) (hexbeat.RetailerTest, error) {
	var fe hexbeat.FieldErrors
	if t.Result != "pass" && t.Result != "fail" {
		fe.Add("result", "must be pass or fail")
	}
	if t.On.IsZero() {
		fe.Add("date", "give the day of the test (YYYY-MM-DD)")
	} else if t.On.After(s.now()) {
		fe.Add("date", "is in the future")
	}
	if err := fe.Err("invalid test result"); err != nil {
		return t, err
	}
	t.RecordedAt, t.RecordedBy = s.now(), actor
	return s.store.RecordRetailerTest(ctx, t, hexbeat.AuditEvent{At: t.RecordedAt, Actor: actor, Action: "retailer.test",
		Detail: detail(map[string]any{"date": t.On.Format("2006-01-02"), "result": t.Result, "notes": t.Notes})})
}

// Targets ranks retailers for test purchases (see analysis.Engine.Targets).
func (s *Service) Targets(ctx context.Context, q hexbeat.TargetQuery) (hexbeat.Targets, error) {
	q = q.WithDefaults()
	if err := q.Validate(); err != nil {
		return hexbeat.Targets{}, err
	}
	snap, area, err := s.prepare(&q.CellQuery)
	if err != nil {
		return hexbeat.Targets{}, err
	}
	shops, tests, err := s.Retailers(ctx)
	if err != nil {
		return hexbeat.Targets{}, err
	}
	return s.engine.Targets(snap, q, area, shops, tests, s.now())
}

package service

import (
	"context"
	"time"

	"github.com/hexbeat/hexbeat/internal/analysis"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/paulmach/orb"
)

// BoundariesIn returns the boundaries held of kind (any kind when it is "") whose bound
// meets box (all of them when box is nil), ordered by kind and id, with their bounds. The
// slices may be shared: callers must not change them. The bounds are computed once, when
// the boundaries are loaded: a national set of 35,000 outlines has millions of points.
func (s *Service) BoundariesIn(kind string, box *orb.Bound) ([]hexbeat.Boundary, []orb.Bound) {
	s.bmu.RLock()
	defer s.bmu.RUnlock()
	if kind == "" && box == nil {
		return s.bordered, s.bbounds
	}
	var bs []hexbeat.Boundary
	var bounds []orb.Bound
	for i, b := range s.bordered {
		if (kind == "" || b.Kind == kind) && (box == nil || s.bbounds[i].Intersects(*box)) {
			bs, bounds = append(bs, b), append(bounds, s.bbounds[i])
		}
	}
	return bs, bounds
}

// BoundaryExtent is the bound of every boundary held; false when none is.
func (s *Service) BoundaryExtent() (orb.Bound, bool) {
	s.bmu.RLock()
	defer s.bmu.RUnlock()
	return s.bextent, len(s.bordered) > 0
}

// Boundary returns one boundary or an ENOTFOUND error.
func (s *Service) Boundary(ctx context.Context, id string) (hexbeat.Boundary, error) {
	s.bmu.RLock()
	b, ok := s.boundaries[id]
	s.bmu.RUnlock()
	if !ok {
		return b, hexbeat.Errorf(hexbeat.ENOTFOUND, "no boundary with id %q", id)
	}
	return b, nil
}

// Cells aggregates the incidents matching q to cells.
func (s *Service) Cells(ctx context.Context, q hexbeat.CellQuery) (hexbeat.CellLayer, error) {
	if err := q.Validate(); err != nil {
		return hexbeat.CellLayer{}, err
	}
	snap, area, err := s.prepare(&q)
	if err != nil {
		return hexbeat.CellLayer{}, err
	}
	cells, total := snap.Cells(q, area)
	return hexbeat.CellLayer{Res: q.Res, Cells: cells, Total: total, Notes: analysis.PeriodNotes(snap, q.From, q.To)}, nil
}

// Incidents pages through the stored incidents (for feature services).
func (s *Service) Incidents(ctx context.Context, f hexbeat.IncidentFilter) ([]hexbeat.IncidentRecord, error) {
	return s.store.Incidents(ctx, f)
}

// CountIncidents counts the incidents Incidents pages through, without the page: the index
// applies the same inclusive box and half-open period as the store.
func (s *Service) CountIncidents(ctx context.Context, f hexbeat.IncidentFilter) int {
	_, total := s.ix.Snapshot().Cells(hexbeat.CellQuery{Res: 0, From: f.From, To: f.To, BBox: f.BBox}, nil)
	return total
}

// Incident returns one stored incident.
func (s *Service) Incident(ctx context.Context, id int64) (hexbeat.IncidentRecord, error) {
	return s.store.Incident(ctx, id)
}

// CellDetail describes one cell over q's period (by default all the data), month by month.
func (s *Service) CellDetail(ctx context.Context, q hexbeat.CellQuery, cell uint64) (hexbeat.CellDetail, error) {
	if err := q.Validate(); err != nil {
		return hexbeat.CellDetail{}, err
	}
	snap, _, err := s.prepare(&q)
	if err != nil {
		return hexbeat.CellDetail{}, err
	}
	// by default the whole months the data cover (the answer said "to 2025-06-01T00:00:01Z"
	// of data whose last month is June); no incident lies outside, so the counts are the same
	first, last, ok := snap.TimeRange()
	if q.From.IsZero() && ok {
		q.From = hexbeat.MonthStart(time.Unix(first, 0))
	}
	if q.To.IsZero() && ok {
		q.To = hexbeat.MonthEnd(time.Unix(last, 0))
	}
	d := hexbeat.CellDetail{Cell: cell, Res: q.Res, From: q.From, To: q.To}
	var edges []int64
	if !q.From.IsZero() && q.To.After(q.From) {
		m := hexbeat.MonthStart(q.From)
		for ; m.Before(q.To) && len(d.Months) < 240; m = m.AddDate(0, 1, 0) {
			d.Months = append(d.Months, m)
			edges = append(edges, m.Unix())
		}
		edges = append(edges, m.Unix())
	}
	d.ByCategory, d.Series = snap.CellDetail(q, cell, edges)
	return d, nil
}

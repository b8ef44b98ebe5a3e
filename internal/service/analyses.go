package service

import (
	"context"

	"github.com/hexbeat/hexbeat/internal/analysis"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
)

// The analyses: each validates its query, resolves the area and the snapshot, and hands
// them to the engine (hot spot layers through the layer cache).

// Hotspots computes a hotspot layer (see analysis.Engine.Hotspots).
func (s *Service) Hotspots(ctx context.Context, q hexbeat.HotspotQuery) (hexbeat.HotspotLayer, error) {
	q = q.WithDefaults()
	if err := q.Validate(); err != nil {
		return hexbeat.HotspotLayer{}, err
	}
	version := s.DataVersion()
	snap, area, err := s.prepare(&q.CellQuery)
	if err != nil {
		return hexbeat.HotspotLayer{}, err
	}
	return s.layers.get(ctx, layerKey(version, q), func() (hexbeat.HotspotLayer, error) { return s.engine.Hotspots(ctx, snap, q, area) })
}

// Outliers runs a cluster and outlier analysis (see analysis.Engine.Outliers).
func (s *Service) Outliers(ctx context.Context, q hexbeat.HotspotQuery) (hexbeat.OutlierLayer, error) {
	q = q.WithDefaults()
	if err := q.Validate(); err != nil {
		return hexbeat.OutlierLayer{}, err
	}
	snap, area, err := s.prepare(&q.CellQuery)
	if err != nil {
		return hexbeat.OutlierLayer{}, err
	}
	return s.engine.Outliers(ctx, snap, q, area)
}

// Emerging runs an emerging hot spot analysis (see analysis.Engine.Emerging).
func (s *Service) Emerging(ctx context.Context, q hexbeat.EmergingQuery) (hexbeat.EmergingLayer, error) {
	q = q.WithDefaults()
	if err := q.Validate(); err != nil {
		return hexbeat.EmergingLayer{}, err
	}
	snap, area, err := s.prepare(&q.CellQuery)
	if err != nil {
		return hexbeat.EmergingLayer{}, err
	}
	return s.engine.Emerging(ctx, snap, q, area)
}

// Change compares two periods (see analysis.Engine.Change); with no periods, the year to
// date against the same span a year earlier.
func (s *Service) Change(ctx context.Context, q hexbeat.ChangeQuery) (hexbeat.ChangeReport, error) {
	if err := q.Validate(); err != nil {
		return hexbeat.ChangeReport{}, err
	}
	snap, area, err := s.prepare(&q.CellQuery)
	if err != nil {
		return hexbeat.ChangeReport{}, err
	}
	if bad := wholeMonths(snap, bound{"a_from", q.AFrom, false}, bound{"a_to", q.ATo, true}, bound{"b_from", q.BFrom, false}, bound{"b_to", q.BTo, true}); len(bad) > 0 {
		return hexbeat.ChangeReport{}, &hexbeat.Error{Code: hexbeat.EINVALID, Message: "invalid periods", Fields: bad}
	}
	if q.AFrom.IsZero() {
		var ok bool
		if q.AFrom, q.ATo, q.BFrom, q.BTo, ok = analysis.DefaultChangePeriods(snap); !ok {
			return hexbeat.ChangeReport{}, &hexbeat.Error{Code: hexbeat.EUNPROCESSABLE, Message: "no incidents to compare"}
		}
	}
	return s.engine.Change(snap, q, area), nil
}

// Evaluate runs the forecast backtest (see analysis.Engine.Evaluate).
func (s *Service) Evaluate(ctx context.Context, q hexbeat.EvalQuery) (hexbeat.EvalResult, error) {
	q = q.WithDefaults()
	if err := q.Validate(); err != nil {
		return hexbeat.EvalResult{}, err
	}
	snap, area, err := s.prepare(&q.CellQuery)
	if err != nil {
		return hexbeat.EvalResult{}, err
	}
	return s.engine.Evaluate(ctx, snap, q, area)
}

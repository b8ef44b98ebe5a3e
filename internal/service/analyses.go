package service

import (
	"context"
	"fmt"
	"os"

	"github.com/hexbeat/hexbeat/internal/analysis"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/hexbeat/hexbeat/internal/index"
	"github.com/hexbeat/hexbeat/internal/ingest"
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

// EvaluateFiles runs the forecast backtest on files read into memory, with no store:
// police.uk CSVs (or any file import reads) for the incidents and boundary GeoJSON for
// q.Area, weighted by harm.
func EvaluateFiles(ctx context.Context, paths []string, q hexbeat.EvalQuery, tax *hexbeat.Taxonomy, harm *hexbeat.HarmWeights) (hexbeat.EvalResult, error) {
	ix := index.New()
	sink := &indexSink{b: ix.Begin()}
	for _, path := range paths {
		f, err := os.Open(path)
		if err != nil {
			return hexbeat.EvalResult{}, err
		}
		_, err = ingest.Read(ctx, f, path, ingest.Options{Taxonomy: tax}, sink)
		f.Close()
		if err != nil {
			return hexbeat.EvalResult{}, fmt.Errorf("%s: %w", path, err)
		}
	}
	sink.b.Commit()
	q = q.WithDefaults()
	var fe hexbeat.FieldErrors
	fe.Merge(q.Validate())
	var area *index.Area
	if q.Area != "" {
		for _, b := range sink.boundaries {
			if b.ID == q.Area {
				area = &index.Area{Key: b.ID, Geometry: b.Geometry}
			}
		}
		if area == nil {
			fe.Add("area", "%q is not a boundary in the files given", q.Area)
		}
	}
	if err := fe.Err("invalid evaluation"); err != nil {
		return hexbeat.EvalResult{}, err
	}
	return analysis.New(harm).Evaluate(ctx, ix.Snapshot(), q, area)
}

// indexSink feeds parsed files straight into an index, for analyses of files without a store.
type indexSink struct {
	b          *index.Builder
	boundaries []hexbeat.Boundary
}

func (s *indexSink) AddIncidents(_ context.Context, x []hexbeat.Incident) error {
	s.b.Add(x)
	return nil
}
func (s *indexSink) AddStopSearches(context.Context, []hexbeat.StopSearch) error { return nil }
func (s *indexSink) AddOutcomes(context.Context, []hexbeat.Outcome) error        { return nil }
func (s *indexSink) PutBoundaries(_ context.Context, x []hexbeat.Boundary) error {
	s.boundaries = append(s.boundaries, x...)
	return nil
}
func (s *indexSink) PutRetailers(context.Context, []hexbeat.Retailer) error { return nil }
func (s *indexSink) PutCameras(context.Context, []hexbeat.Camera) error     { return nil }
func (s *indexSink) PutCensus(context.Context, []hexbeat.CensusArea) error  { return nil }
func (s *indexSink) PutCentroids(context.Context, []hexbeat.Centroid) error { return nil }

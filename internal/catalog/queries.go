package catalog

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/hexbeat/hexbeat/internal/hexbeat"
)

// DefaultRes is the H3 resolution of a cells layer when the request names none: res 9
// cells are about 0.1 km2, a few street blocks.
const DefaultRes = 9

// CellQuery reads the filters shared by the layer endpoints.
func CellQuery(p *Params) hexbeat.CellQuery {
	return hexbeat.CellQuery{
		Res:        p.Integer("res", DefaultRes),
		From:       p.TimeBound("from", false),
		To:         p.TimeBound("to", true),
		Categories: p.List("category"),
		Area:       p.One("area"),
		BBox:       p.BBox("bbox"),
	}
}

// Cells builds the cells layer.
func (k *Catalog) Cells(ctx context.Context, p *Params) ([]byte, error) {
	q := CellQuery(p)
	p.Check(q.Validate()) // here too, so that one answer lists parameter and query faults together
	if err := p.Err(); err != nil {
		return nil, err
	}
	layer, err := k.Layers.Cells(ctx, q)
	if err != nil {
		return nil, err
	}
	return k.Enc.Cells(layer, k.Layers.Demo()), nil
}

// HotspotQueryParams define a hotspot layer; HotspotParams are those of GET /api/v1/hotspots.
var (
	HotspotQueryParams = []string{"method", "res", "from", "to", "category", "area", "bbox", "weight", "half_life_days", "k", "alpha", "bandwidth_m", "fdr"}
	HotspotParams      = append(slices.Clone(HotspotQueryParams), "format", "summary", "limit")
)

// HotspotQuery reads a hotspot query; unset values get the defaults.
func HotspotQuery(p *Params) hexbeat.HotspotQuery {
	q := hexbeat.HotspotQuery{
		CellQuery:    CellQuery(p),
		Method:       p.One("method"),
		Weight:       p.One("weight"),
		HalfLifeDays: p.Positive("half_life_days"),
		AutoK:        p.One("k") == "auto",
		Alpha:        p.Positive("alpha"),
		BandwidthM:   p.Positive("bandwidth_m"),
		NoFDR:        !p.Boolean("fdr", true),
	}
	if k := p.One("k"); !q.AutoK && k != "" {
		if _, err := strconv.Atoi(k); err != nil {
			p.Fail("k", "must be a radius in grid steps from 1 to 10, or auto, got %q", k)
		} else {
			q.K = p.PositiveInt("k")
		}
	}
	q = q.WithDefaults()
	p.Check(q.Validate())
	return q
}

// Hotspots builds the hotspot layer (for OGC and exports).
func (k *Catalog) Hotspots(ctx context.Context, p *Params) ([]byte, error) {
	q := HotspotQuery(p)
	if err := p.Err(); err != nil {
		return nil, err
	}
	layer, err := k.Layers.Hotspots(ctx, q)
	if err != nil {
		return nil, err
	}
	return k.Enc.Hotspots(layer, len(layer.Cells), k.Layers.Demo()), nil
}

// EmergingParams are the parameters of an emerging hot spot analysis.
var EmergingParams = append(append([]string{}, LayerParams...), "slice", "weight", "k", "alpha")

// Emerging builds the emerging hot spot layer.
func (k *Catalog) Emerging(ctx context.Context, p *Params) ([]byte, error) {
	q := hexbeat.EmergingQuery{CellQuery: CellQuery(p), Slice: p.One("slice"), Weight: p.One("weight"),
		K: p.PositiveInt("k"), Alpha: p.Positive("alpha")}.WithDefaults()
	p.Check(q.Validate())
	if err := p.Err(); err != nil {
		return nil, err
	}
	layer, err := k.Layers.Emerging(ctx, q)
	if err != nil {
		return nil, err
	}
	return k.Enc.Emerging(layer, k.Layers.Demo()), nil
}

// ChangeParams are the parameters of a change between two periods.
var ChangeParams = []string{"res", "category", "area", "bbox", "a_from", "a_to", "b_from", "b_to"}

// Change builds the change between periods A and B, per crime type and per cell.
func (k *Catalog) Change(ctx context.Context, p *Params) ([]byte, error) {
	cq := CellQuery(p)
	q := hexbeat.ChangeQuery{CellQuery: cq, AFrom: p.TimeBound("a_from", false), ATo: p.TimeBound("a_to", true),
		BFrom: p.TimeBound("b_from", false), BTo: p.TimeBound("b_to", true)}
	p.Check(q.Validate())
	if err := p.Err(); err != nil {
		return nil, err
	}
	rep, err := k.Layers.Change(ctx, q)
	if err != nil {
		return nil, err
	}
	return k.Enc.Change(rep, k.Layers.Demo()), nil
}

// OutlierParams define a cluster and outlier layer: a hotspot layer's, without a method.
var OutlierParams = append(append([]string{}, LayerParams...), "weight", "half_life_days", "k", "alpha", "fdr")

// Outliers builds the cluster and outlier layer (local Moran's I).
func (k *Catalog) Outliers(ctx context.Context, p *Params) ([]byte, error) {
	q := HotspotQuery(p)
	if err := p.Err(); err != nil {
		return nil, err
	}
	layer, err := k.Layers.Outliers(ctx, q)
	if err != nil {
		return nil, err
	}
	return k.Enc.Outliers(layer, k.Layers.Demo()), nil
}

// LayerParams are the filters every cell layer takes.
var LayerParams = []string{"res", "from", "to", "category", "area", "bbox"}

// EvalParams are the parameters of a forecast backtest.
var EvalParams = []string{"res", "from", "to", "category", "area", "bbox", "train_months", "methods", "coverage", "weight", "half_life_days", "bandwidth_m", "k"}

// EvalQuery reads a forecast backtest: the cells' filters, the training months, the methods
// and the coverages (shares such as 0.05, or percentages such as 5%).
func EvalQuery(p *Params) hexbeat.EvalQuery {
	q := hexbeat.EvalQuery{CellQuery: CellQuery(p), TrainMonths: p.PositiveInt("train_months"), Methods: p.List("methods"),
		Weight: p.One("weight"), HalfLifeDays: p.Positive("half_life_days"), BandwidthM: p.Positive("bandwidth_m"), K: p.PositiveInt("k")}
	for _, v := range p.List("coverage") {
		f, err := strconv.ParseFloat(strings.TrimSuffix(v, "%"), 64)
		if err != nil {
			p.Fail("coverage", "%q is not a share of the area (e.g. 0.05)", v)
			continue
		}
		if strings.HasSuffix(v, "%") {
			f /= 100
		}
		q.Coverages = append(q.Coverages, f)
	}
	q = q.WithDefaults()
	p.Check(q.Validate())
	return q
}

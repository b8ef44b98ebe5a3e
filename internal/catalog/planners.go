package catalog

import (
	"context"
	"time"

	"github.com/hexbeat/hexbeat/internal/encode"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/paulmach/orb"
)

// Boundaries builds the boundaries layer (kind keeps one kind; geometry=bbox lists them
// with their boxes and no outlines).
func (k *Catalog) Boundaries(ctx context.Context, p *Params) ([]byte, error) {
	boxOnly := false
	switch g := p.One("geometry"); g {
	case "", "full":
	case "bbox":
		boxOnly = true
	default:
		p.Fail("geometry", "must be full or bbox, got %q", g)
	}
	bs, bounds, err := k.HeldBoundaries(p, nil)
	if err != nil {
		return nil, err
	}
	return encode.Boundaries(bs, bounds, boxOnly, k.Layers.Demo()), nil
}

// HeldBoundaries are the boundaries held, in the store's order, of the kind asked for (if
// any) and meeting bbox (if given), with their bounds.
func (k *Catalog) HeldBoundaries(p *Params, bbox *orb.Bound) ([]hexbeat.Boundary, []orb.Bound, error) {
	kind := p.One("kind")
	if err := p.Err(); err != nil {
		return nil, nil, err
	}
	bs, bounds := k.Layers.BoundariesIn(kind, bbox)
	return bs, bounds, nil
}

// Authorisations builds the register; from and to (when the caller allows them) keep
// the authorisations in force at some time within [from, to).
func (k *Catalog) Authorisations(ctx context.Context, p *Params) ([]byte, error) {
	status := p.One("status")
	from, to := p.TimeBound("from", false), p.TimeBound("to", true)
	switch status {
	case "", "all":
		status = ""
	case "active", "past":
	default:
		p.Fail("status", "must be active, past or all, got %q", status)
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	list, now, err := k.Section60.Authorisations(ctx, status)
	if err != nil {
		return nil, err
	}
	kept := list[:0:0]
	for _, a := range list {
		if (to.IsZero() || a.Start.Before(to)) && (from.IsZero() || a.Ends().After(from)) {
			kept = append(kept, a)
		}
	}
	return encode.Authorisations(kept, now, k.Layers.Demo())
}

// Retailers builds the retailer register with each shop's tests.
func (k *Catalog) Retailers(ctx context.Context, p *Params) ([]byte, error) {
	if err := p.Err(); err != nil {
		return nil, err
	}
	shops, tests, err := k.Retail.Retailers(ctx)
	if err != nil {
		return nil, err
	}
	return encode.Retailers(shops, tests, k.Layers.Demo())
}

// TargetParams are the parameters of the test-purchase ranking.
var TargetParams = []string{"radius_m", "res", "window", "from", "to", "category", "categories", "area", "cooldown_days", "demote", "failure_boost", "limit", "weight"}

// Targets builds the ranked retailers as a layer.
func (k *Catalog) Targets(ctx context.Context, p *Params) ([]byte, error) {
	ts, err := k.RankTargets(ctx, p)
	if err != nil {
		return nil, err
	}
	return encode.Targets(ts, k.Layers.Demo())
}

// RankTargets reads a test-purchase query and ranks the retailers (res without radius_m
// measures exposure by cells).
func (k *Catalog) RankTargets(ctx context.Context, p *Params) (hexbeat.Targets, error) {
	// res without radius_m measures exposure by cells (the shop's and its neighbours)
	byCells := p.One("res") != "" && p.One("radius_m") == ""
	q := hexbeat.TargetQuery{Cells: byCells, CellQuery: hexbeat.CellQuery{Res: p.Integer("res", DefaultRes), Area: p.One("area"), Categories: append(p.List("category"), p.List("categories")...),
		From: p.TimeBound("from", false), To: p.TimeBound("to", true)},
		RadiusM: p.Positive("radius_m"), CooldownDays: p.Integer("cooldown_days", 0), Demote: p.Boolean("demote", false),
		FailureBoost: p.Number("failure_boost", 0), Limit: p.PositiveInt("limit"), Weight: p.One("weight")}
	if w := p.One("window"); w != "" {
		d, ok := ParseWindow(w)
		if !ok {
			p.Fail("window", "must be hours or days such as 90d, got %q", w)
		}
		q.Window = d
	}
	q = q.WithDefaults()
	p.Check(q.Validate())
	if err := p.Err(); err != nil {
		return hexbeat.Targets{}, err
	}
	return k.Retail.Targets(ctx, q)
}

// CameraRegisterParams are the parameters of the camera register layer.
var CameraRegisterParams = []string{"kind", "on"}

// CameraRegister writes the register, or with kind and on (a day) the cameras of that
// kind in service that day; each camera says whether it is in service today.
func (k *Catalog) CameraRegister(ctx context.Context, p *Params) ([]byte, error) {
	kind := p.One("kind")
	if kind != "" && kind != hexbeat.CameraFixed && kind != hexbeat.CameraMobile {
		p.Fail("kind", "must be fixed or mobile, got %q", kind)
	}
	on := BodyDay(p.One("on"), "on", p.Fail)
	if err := p.Err(); err != nil {
		return nil, err
	}
	cams, err := k.Cameras.CameraRegister(ctx)
	if err != nil {
		return nil, err
	}
	kept := cams[:0:0]
	for _, cam := range cams {
		if (kind == "" || cam.Kind == kind) && (on.IsZero() || cam.InServiceOn(on)) {
			kept = append(kept, cam)
		}
	}
	return encode.CameraRegister(kept, time.Now().UTC(), k.Layers.Demo())
}

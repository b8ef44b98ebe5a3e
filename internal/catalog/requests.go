package catalog

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/hexbeat/hexbeat/internal/encode"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// ParseWindow reads "14d", "48h" or a bare number of days.
func ParseWindow(s string) (time.Duration, bool) {
	s = strings.TrimSpace(strings.ToLower(s))
	unit := 24 * time.Hour
	switch {
	case strings.HasSuffix(s, "h"):
		unit, s = time.Hour, strings.TrimSuffix(s, "h")
	case strings.HasSuffix(s, "d"):
		s = strings.TrimSuffix(s, "d")
	}
	n, err := strconv.ParseFloat(s, 64)
	if err != nil || !(n > 0) || math.IsInf(n, 0) {
		return 0, false
	}
	return time.Duration(n * float64(unit)), true
}

// ProposalRequest is the body of POST /api/v1/section60/proposals.
type ProposalRequest struct {
	Window      string   `json:"window"`
	From        string   `json:"from"`
	To          string   `json:"to"`
	Area        string   `json:"area"`
	Boundary    string   `json:"boundary"`
	Categories  []string `json:"categories"`
	Res         *int     `json:"res"`
	Alpha       float64  `json:"alpha"`
	K           int      `json:"k"`
	Weight      string   `json:"weight"`
	MaxAreaKm2  float64  `json:"max_area_km2"`
	TargetShare float64  `json:"target_share"`
}

// ProposalParams are the query parameters that stand for a ProposalRequest (OGC, export).
var ProposalParams = []string{"window", "from", "to", "area", "category", "res", "alpha", "k", "weight", "max_area_km2", "target_share"}

// ProposalRequestFrom reads a proposal request from query parameters (OGC, export).
func ProposalRequestFrom(p *Params) ProposalRequest {
	r := ProposalRequest{Window: p.One("window"), From: p.One("from"), To: p.One("to"), Area: p.One("area"), Categories: p.List("category"),
		Alpha: p.Number("alpha", 0), K: p.Integer("k", 0), Weight: p.One("weight"), MaxAreaKm2: p.Number("max_area_km2", 0),
		TargetShare: p.Number("target_share", 0)}
	r.Res = p.OptionalInt("res")
	return r
}

// Proposals finds the proposals and writes them as a FeatureCollection.
func (k *Catalog) Proposals(ctx context.Context, body ProposalRequest) ([]byte, error) {
	var f hexbeat.FieldErrors
	q := hexbeat.ProposalQuery{CellQuery: hexbeat.CellQuery{Res: DefaultRes, Area: body.Area, Categories: body.Categories},
		Weight: body.Weight, K: body.K, Alpha: body.Alpha, MaxAreaKm2: body.MaxAreaKm2, TargetShare: body.TargetShare}
	if body.Boundary != "" {
		if body.Area != "" && body.Area != body.Boundary {
			f.Add("boundary", "give area or boundary (they are the same), not two different ones")
		}
		q.Area = body.Boundary
	}
	if body.Res != nil {
		q.Res = *body.Res
	}
	if body.Window != "" {
		w, ok := ParseWindow(body.Window)
		if !ok {
			f.Add("window", "must be hours or days such as 48h or 14d, got %q", body.Window)
		}
		q.Window = w
	}
	q.From, q.To = BodyTime(body.From, "from", false, f.Add), BodyTime(body.To, "to", true, f.Add)
	q = q.WithDefaults()
	f.Merge(q.Validate())
	if err := f.Err("invalid section 60 proposal request"); err != nil {
		return nil, err
	}
	ps, err := k.Section60.Section60Proposals(ctx, q)
	if err != nil {
		return nil, err
	}
	return encode.Proposals(ps, k.Layers.Demo())
}

// CameraRequest is the body of POST /api/v1/cameras/plan.
type CameraRequest struct {
	K           int             `json:"k"`
	RadiusM     float64         `json:"radius_m"`
	Candidates  json.RawMessage `json:"candidates"`
	Existing    json.RawMessage `json:"existing"`
	ExistingOn  string          `json:"existing_on"`
	MinSpacingM float64         `json:"min_spacing_m"`
	From        string          `json:"from"`
	To          string          `json:"to"`
	Area        string          `json:"area"`
	Categories  []string        `json:"categories"`
	Res         *int            `json:"res"`
	Weight      string          `json:"weight"`
}

// CameraParams are the query parameters that stand for a CameraRequest (OGC, export); the
// candidates are then the centres of the cells holding incidents.
var CameraParams = []string{"k", "radius_m", "min_spacing_m", "existing_on", "from", "to", "area", "category", "res", "weight"}

// CameraRequestFrom reads a camera plan request from query parameters (OGC, export).
// Without k and radius_m (an OGC client such as QGIS cannot send them) the plan is the ten
// best sites at 300 m.
func CameraRequestFrom(p *Params) CameraRequest {
	b := CameraRequest{K: p.Integer("k", 10), RadiusM: p.Number("radius_m", 300), MinSpacingM: p.Number("min_spacing_m", 0),
		ExistingOn: p.One("existing_on"), From: p.One("from"), To: p.One("to"), Area: p.One("area"), Categories: p.List("category"), Weight: p.One("weight")}
	b.Res = p.OptionalInt("res")
	return b
}

// CameraPlan plans the sites and writes them as a FeatureCollection.
func (k *Catalog) CameraPlan(ctx context.Context, body CameraRequest) ([]byte, error) {
	var fe hexbeat.FieldErrors
	fail := fe.Add
	q := hexbeat.CameraQuery{K: body.K, RadiusM: body.RadiusM, MinSpacing: body.MinSpacingM, Weight: body.Weight}
	var props []map[string]any
	q.Candidates, props = Points(body.Candidates, "candidates", fail)
	// no existing cameras given: the register's fixed ones in service today ([] for none)
	q.Existing, _ = Points(body.Existing, "existing", fail)
	q.FromRegister = absent(body.Existing)
	q.RegisterOn = BodyDay(body.ExistingOn, "existing_on", fail)
	q.CellQuery = hexbeat.CellQuery{Res: DefaultRes, Area: body.Area, Categories: body.Categories}
	if body.Res != nil {
		q.Res = *body.Res
	}
	q.From, q.To = BodyTime(body.From, "from", false, fail), BodyTime(body.To, "to", true, fail)
	q = q.WithDefaults()
	fe.Merge(q.Validate())
	if err := fe.Err("invalid camera plan"); err != nil {
		return nil, err
	}
	p, err := k.Cameras.Cameras(ctx, q)
	if err != nil {
		return nil, err
	}
	return k.Enc.CameraPlan(p, props, k.Layers.Demo()), nil
}

// absent reports whether a body member was left out (or null).
func absent(raw json.RawMessage) bool {
	t := strings.TrimSpace(string(raw))
	return t == "" || t == "null"
}

// BodyTime reads a period bound from a body member (see hexbeat.ParseTimeBound); zero
// when empty.
func BodyTime(s, field string, end bool, fail func(field, format string, args ...any)) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := hexbeat.ParseTimeBound(s, end)
	if err != nil {
		fail(field, "%v", err)
	}
	return t
}

// BodyDay reads a day, YYYY-MM-DD, from a body member or a parameter (a test's date, a
// camera's days in service); zero when empty or not a day.
func BodyDay(s, field string, fail func(field, format string, args ...any)) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		fail(field, "must be a day, YYYY-MM-DD, got %q", s)
	}
	return t
}

// Points reads a GeoJSON FeatureCollection of Points (or a Point or MultiPoint geometry)
// into Points and each feature's properties. An absent member, or an empty list [], gives
// none.
func Points(raw json.RawMessage, field string, fail func(field, format string, args ...any)) ([]orb.Point, []map[string]any) {
	if t := string(bytes.TrimSpace(raw)); t == "" || t == "null" || t == "[]" {
		return nil, nil
	}
	var probe struct{ Type string }
	if err := json.Unmarshal(raw, &probe); err != nil {
		fail(field, "must be a GeoJSON FeatureCollection of Points: %v", err)
		return nil, nil
	}
	switch probe.Type {
	case "FeatureCollection":
		fc, err := geojson.UnmarshalFeatureCollection(raw)
		if err != nil {
			fail(field, "not a valid FeatureCollection: %v", err)
			return nil, nil
		}
		pts := make([]orb.Point, 0, len(fc.Features))
		props := make([]map[string]any, 0, len(fc.Features))
		for i, f := range fc.Features {
			p, ok := f.Geometry.(orb.Point)
			if !ok {
				fail(field, "feature %d is a %s; every feature must be a Point", i, GeometryType(f.Geometry))
				return nil, nil
			}
			pts = append(pts, p)
			props = append(props, f.Properties)
		}
		return pts, props
	case "Point", "MultiPoint":
		g, err := geojson.UnmarshalGeometry(raw)
		if err != nil {
			fail(field, "not a valid %s: %v", probe.Type, err)
			return nil, nil
		}
		switch v := g.Geometry().(type) {
		case orb.Point:
			return []orb.Point{v}, []map[string]any{nil}
		case orb.MultiPoint:
			return []orb.Point(v), make([]map[string]any, len(v))
		}
	}
	fail(field, "must be a GeoJSON FeatureCollection of Points (or a Point or MultiPoint), got type %q", probe.Type)
	return nil, nil
}

// GeometryType names a geometry's GeoJSON type for a message ("null geometry" for none).
func GeometryType(g orb.Geometry) string {
	if g == nil {
		return "null geometry"
	}
	return g.GeoJSONType()
}

package api

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// cameraBody is the body of POST /api/v1/cameras/plan.
type cameraBody struct {
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

// cameraPlan answers POST /api/v1/cameras/plan: the chosen sites as Point features in the
// order of their marginal gain, with the coverage curve for 1..k.
func (s *Server) cameraPlan(c *fiber.Ctx) error {
	var body cameraBody
	if err := decodeBody(c, &body); err != nil {
		return err
	}
	b, err := s.cameraPlanBody(c, body)
	if err != nil {
		return err
	}
	return s.sendGeoJSON(c, b)
}

// cameraParams are the query parameters that stand for a cameraBody (OGC, export); the
// candidates are then the centres of the cells holding incidents.
var cameraParams = []string{"k", "radius_m", "min_spacing_m", "existing_on", "from", "to", "area", "category", "res", "weight"}

// Without k and radius_m (an OGC client such as QGIS cannot send them) the plan is the
// ten best sites at 300 m.
func cameraBodyFrom(p *params) cameraBody {
	b := cameraBody{K: p.integer("k", 10), RadiusM: p.number("radius_m", 300), MinSpacingM: p.number("min_spacing_m", 0),
		ExistingOn: p.one("existing_on"), From: p.one("from"), To: p.one("to"), Area: p.one("area"), Categories: p.list("category"), Weight: p.one("weight")}
	b.Res = p.optionalInt("res")
	return b
}

// cameraPlanBody plans the sites and writes them as a FeatureCollection.
func (s *Server) cameraPlanBody(c *fiber.Ctx, body cameraBody) ([]byte, error) {
	var fe hexbeat.FieldErrors
	fail := fe.Add
	q := hexbeat.CameraQuery{K: body.K, RadiusM: body.RadiusM, MinSpacing: body.MinSpacingM, Weight: body.Weight}
	var props []map[string]any
	q.Candidates, props = points(body.Candidates, "candidates", fail)
	// no existing cameras given: the register's fixed ones in service today ([] for none)
	q.Existing, _ = points(body.Existing, "existing", fail)
	q.FromRegister = absent(body.Existing)
	q.RegisterOn = bodyDay(body.ExistingOn, "existing_on", fail)
	q.CellQuery = hexbeat.CellQuery{Res: defaultRes, Area: body.Area, Categories: body.Categories}
	if body.Res != nil {
		q.Res = *body.Res
	}
	q.From, q.To = bodyTime(body.From, "from", false, fail), bodyTime(body.To, "to", true, fail)
	q = q.WithDefaults()
	fe.Merge(q.Validate())
	if err := fe.Err("invalid camera plan"); err != nil {
		return nil, err
	}
	p, err := s.svc.Cameras(c.UserContext(), q)
	if err != nil {
		return nil, err
	}
	b := make([]byte, 0, 2048+len(p.Sites)*256)
	b = append(b, `{"type":"FeatureCollection",`...)
	b = s.appendMeta(b)
	b = append(b, `"k":`...)
	b = strconv.AppendInt(b, int64(q.K), 10)
	b = append(b, `,"radius_m":`...)
	b = appendNumber(b, q.RadiusM)
	b = append(b, `,"min_spacing_m":`...)
	b = appendNumber(b, q.MinSpacing)
	b = append(b, `,"weight":`...)
	b = appendString(b, q.Weight)
	b = append(b, `,"candidate_source":`...)
	if p.FromCells {
		b = appendString(b, "centres of the res-"+strconv.Itoa(q.Res)+" cells holding incidents")
	} else {
		b = appendString(b, "given")
	}
	b = append(b, `,"candidates":`...)
	b = strconv.AppendInt(b, int64(len(p.Candidates)), 10)
	b = append(b, `,"incidents":`...)
	b = strconv.AppendInt(b, int64(p.Incidents), 10)
	b = append(b, `,"locations":`...)
	b = strconv.AppendInt(b, int64(p.Demand), 10)
	b = append(b, `,"total":`...)
	b = appendNumber(b, p.Total)
	b = append(b, `,"covered":`...)
	b = appendNumber(b, p.Covered)
	b = append(b, `,"share":`...)
	b = appendNumber(b, roundTo(p.Share(), 6))
	b = append(b, `,"existing":`...)
	b = strconv.AppendInt(b, int64(len(p.Query.Existing)), 10)
	b = append(b, `,"existing_source":`...)
	if q.FromRegister {
		b = appendString(b, "the register's fixed cameras in service on "+p.RegisterDay.Format("2006-01-02"))
		b = append(b, `,"existing_cameras":[`...)
		for i, cam := range p.Registered {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, cam.ID)
		}
		b = append(b, ']')
	} else {
		b = appendString(b, "given")
	}
	b = append(b, `,"by_existing":`...)
	b = appendNumber(b, p.ByExisting)
	b = append(b, `,"greedy_covered":`...)
	b = appendNumber(b, p.GreedyCovered)
	b = append(b, `,"swaps":`...)
	b = strconv.AppendInt(b, int64(p.Swaps), 10)
	b = append(b, `,"curve":[`...)
	for i, v := range p.Curve {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"k":`...)
		b = strconv.AppendInt(b, int64(i+1), 10)
		b = append(b, `,"covered":`...)
		b = appendNumber(b, v)
		b = append(b, `,"share":`...)
		b = appendNumber(b, roundTo(v/nonZero(p.Total), 6))
		b = append(b, '}')
	}
	b = append(b, `],"features":[`...)
	run := p.ByExisting
	for i, site := range p.Sites {
		if i > 0 {
			b = append(b, ',')
		}
		run += site.Gain
		b = append(b, `{"type":"Feature","id":`...)
		b = strconv.AppendInt(b, int64(i+1), 10)
		b = append(b, `,"geometry":{"type":"Point","coordinates":`...)
		b = appendPoint(b, p.Candidates[site.Candidate])
		b = append(b, `},"properties":{"rank":`...)
		b = strconv.AppendInt(b, int64(i+1), 10)
		b = append(b, `,"gain":`...)
		b = appendNumber(b, site.Gain)
		b = append(b, `,"covered":`...)
		b = appendNumber(b, run)
		b = append(b, `,"share":`...)
		b = appendNumber(b, roundTo(run/nonZero(p.Total), 6))
		b = append(b, `,"candidate":`...)
		b = strconv.AppendInt(b, int64(site.Candidate), 10)
		if !p.FromCells && props[site.Candidate] != nil {
			extra, _ := json.Marshal(props[site.Candidate])
			b = append(b, `,"candidate_properties":`...)
			b = append(b, extra...)
		}
		b = append(b, "}}"...)
	}
	return append(b, "]}"...), nil
}

// cameraRegister answers GET /api/v1/cameras: the camera register as GeoJSON points.
func (s *Server) cameraRegister(c *fiber.Ctx) error {
	return s.sendBody(c, newParams(c, cameraRegisterParams...), s.cameraRegisterBody)
}

var cameraRegisterParams = []string{"kind", "on"}

// cameraRegisterBody writes the register, or with kind and on (a day) the cameras of that
// kind in service that day; each camera says whether it is in service today.
func (s *Server) cameraRegisterBody(c *fiber.Ctx, p *params) ([]byte, error) {
	kind := p.one("kind")
	if kind != "" && kind != hexbeat.CameraFixed && kind != hexbeat.CameraMobile {
		p.fail("kind", "must be fixed or mobile, got %q", kind)
	}
	on := bodyDay(p.one("on"), "on", p.fail)
	if err := p.err(); err != nil {
		return nil, err
	}
	cams, err := s.svc.CameraRegister(c.UserContext())
	if err != nil {
		return nil, err
	}
	today := time.Now().UTC()
	fc := geojson.NewFeatureCollection()
	fc.ExtraMembers = map[string]any{"demo": s.svc.Demo()}
	for _, cam := range cams {
		if (kind != "" && cam.Kind != kind) || (!on.IsZero() && !cam.InServiceOn(on)) {
			continue
		}
		fc.Append(cameraFeature(cam, today))
	}
	return json.Marshal(fc)
}

// recordCamera answers POST /api/v1/cameras {id, name, kind, lon, lat, active_from,
// active_to}: the camera added to the register, or replacing the one with its id.
func (s *Server) recordCamera(c *fiber.Ctx) error {
	var body struct {
		ID         string   `json:"id"`
		Name       string   `json:"name"`
		Kind       string   `json:"kind"`
		Lon        *float64 `json:"lon"`
		Lat        *float64 `json:"lat"`
		ActiveFrom string   `json:"active_from"`
		ActiveTo   string   `json:"active_to"`
	}
	if err := decodeBody(c, &body); err != nil {
		return err
	}
	var f hexbeat.FieldErrors
	cam := hexbeat.Camera{ID: strings.TrimSpace(body.ID), Name: strings.TrimSpace(body.Name), Kind: body.Kind, Lon: math.NaN(), Lat: math.NaN(),
		ActiveFrom: bodyDay(body.ActiveFrom, "active_from", f.Add), ActiveTo: bodyDay(body.ActiveTo, "active_to", f.Add)}
	if body.Lon != nil && body.Lat != nil { // else Validate asks for them
		cam.Lon, cam.Lat = *body.Lon, *body.Lat
	}
	// the day faults and the camera's together (the service validates it again)
	f.Merge(cam.Validate())
	if err := f.Err("invalid camera"); err != nil {
		return err
	}
	cam, err := s.svc.RecordCamera(c.UserContext(), cam, actor(c))
	if err != nil {
		return err
	}
	b, err := json.Marshal(cameraFeature(cam, time.Now().UTC()))
	if err != nil {
		return err
	}
	return s.sendGeoJSON(c, b)
}

// cameraFeature is a camera of the register as a GeoJSON point.
func cameraFeature(cam hexbeat.Camera, today time.Time) *geojson.Feature {
	f := newFeature(orb.Point{cam.Lon, cam.Lat})
	f.ID = cam.ID
	f.Properties = map[string]any{"id": cam.ID, "name": cam.Name, "kind": cam.Kind,
		"active_from": hexbeat.DayOrNil(cam.ActiveFrom), "active_to": hexbeat.DayOrNil(cam.ActiveTo), "in_service": cam.InServiceOn(today)}
	return f
}

// absent reports whether a body member was left out (or null).
func absent(raw json.RawMessage) bool {
	t := strings.TrimSpace(string(raw))
	return t == "" || t == "null"
}

func nonZero(v float64) float64 {
	if v == 0 {
		return 1
	}
	return v
}

// bodyTime reads a period bound from a body member (see hexbeat.ParseTimeBound); zero
// when empty.
func bodyTime(s, field string, end bool, fail func(field, format string, args ...any)) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := hexbeat.ParseTimeBound(s, end)
	if err != nil {
		fail(field, "%v", err)
	}
	return t
}

// bodyDay reads a day, YYYY-MM-DD, from a body member or a parameter (a test's date, a
// camera's days in service); zero when empty or not a day.
func bodyDay(s, field string, fail func(field, format string, args ...any)) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		fail(field, "must be a day, YYYY-MM-DD, got %q", s)
	}
	return t
}

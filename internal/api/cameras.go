package api

import (
	"encoding/json"
	"math"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/hexbeat/hexbeat/internal/catalog"
	"github.com/hexbeat/hexbeat/internal/encode"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
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
func cameraBodyFrom(p *catalog.Params) cameraBody {
	b := cameraBody{K: p.Integer("k", 10), RadiusM: p.Number("radius_m", 300), MinSpacingM: p.Number("min_spacing_m", 0),
		ExistingOn: p.One("existing_on"), From: p.One("from"), To: p.One("to"), Area: p.One("area"), Categories: p.List("category"), Weight: p.One("weight")}
	b.Res = p.OptionalInt("res")
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
	p, err := s.cameras.Cameras(c.UserContext(), q)
	if err != nil {
		return nil, err
	}
	return s.enc.CameraPlan(p, props, s.layers.Demo()), nil
}

// cameraRegister answers GET /api/v1/cameras: the camera register as GeoJSON points.
func (s *Server) cameraRegister(c *fiber.Ctx) error {
	return s.sendBody(c, newParams(c, cameraRegisterParams...), s.cameraRegisterBody)
}

var cameraRegisterParams = []string{"kind", "on"}

// cameraRegisterBody writes the register, or with kind and on (a day) the cameras of that
// kind in service that day; each camera says whether it is in service today.
func (s *Server) cameraRegisterBody(c *fiber.Ctx, p *catalog.Params) ([]byte, error) {
	kind := p.One("kind")
	if kind != "" && kind != hexbeat.CameraFixed && kind != hexbeat.CameraMobile {
		p.Fail("kind", "must be fixed or mobile, got %q", kind)
	}
	on := bodyDay(p.One("on"), "on", p.Fail)
	if err := p.Err(); err != nil {
		return nil, err
	}
	cams, err := s.cameras.CameraRegister(c.UserContext())
	if err != nil {
		return nil, err
	}
	kept := cams[:0:0]
	for _, cam := range cams {
		if (kind == "" || cam.Kind == kind) && (on.IsZero() || cam.InServiceOn(on)) {
			kept = append(kept, cam)
		}
	}
	return encode.CameraRegister(kept, time.Now().UTC(), s.layers.Demo())
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
	cam, err := s.cameras.RecordCamera(c.UserContext(), cam, actor(c))
	if err != nil {
		return err
	}
	b, err := json.Marshal(encode.CameraFeature(cam, time.Now().UTC()))
	if err != nil {
		return err
	}
	return s.sendGeoJSON(c, b)
}

// absent reports whether a body member was left out (or null).
func absent(raw json.RawMessage) bool {
	t := strings.TrimSpace(string(raw))
	return t == "" || t == "null"
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

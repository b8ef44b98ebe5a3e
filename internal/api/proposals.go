package api

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/hexbeat/hexbeat/internal/catalog"
	"github.com/hexbeat/hexbeat/internal/encode"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
)

// parseWindow reads "14d", "48h" or a bare number of days.
func parseWindow(s string) (time.Duration, bool) {
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

// proposals answers POST /api/v1/section60/proposals: ranked candidate areas as polygons
// with their evidence and a grounds text.
func (s *Server) proposals(c *fiber.Ctx) error {
	var body proposalRequest
	if err := decodeBody(c, &body); err != nil {
		return err
	}
	b, err := s.proposalsBody(c, body)
	if err != nil {
		return err
	}
	return s.sendGeoJSON(c, b)
}

// proposalRequest is the body of POST /api/v1/section60/proposals.
type proposalRequest struct {
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

// proposalParams are the query parameters that stand for a proposalRequest (OGC, export).
var proposalParams = []string{"window", "from", "to", "area", "category", "res", "alpha", "k", "weight", "max_area_km2", "target_share"}

func proposalRequestFrom(p *catalog.Params) proposalRequest {
	r := proposalRequest{Window: p.One("window"), From: p.One("from"), To: p.One("to"), Area: p.One("area"), Categories: p.List("category"),
		Alpha: p.Number("alpha", 0), K: p.Integer("k", 0), Weight: p.One("weight"), MaxAreaKm2: p.Number("max_area_km2", 0),
		TargetShare: p.Number("target_share", 0)}
	r.Res = p.OptionalInt("res")
	return r
}

// proposalsBody finds the proposals and writes them as a FeatureCollection.
func (s *Server) proposalsBody(c *fiber.Ctx, body proposalRequest) ([]byte, error) {
	var f hexbeat.FieldErrors
	q := hexbeat.ProposalQuery{CellQuery: hexbeat.CellQuery{Res: defaultRes, Area: body.Area, Categories: body.Categories},
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
		w, ok := parseWindow(body.Window)
		if !ok {
			f.Add("window", "must be hours or days such as 48h or 14d, got %q", body.Window)
		}
		q.Window = w
	}
	q.From, q.To = bodyTime(body.From, "from", false, f.Add), bodyTime(body.To, "to", true, f.Add)
	q = q.WithDefaults()
	f.Merge(q.Validate())
	if err := f.Err("invalid section 60 proposal request"); err != nil {
		return nil, err
	}
	ps, err := s.section60.Section60Proposals(c.UserContext(), q)
	if err != nil {
		return nil, err
	}
	return encode.Proposals(ps, s.layers.Demo())
}

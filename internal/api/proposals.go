package api

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/hexbeat/hexbeat/internal/grid"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
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

func proposalRequestFrom(p *params) proposalRequest {
	r := proposalRequest{Window: p.one("window"), From: p.one("from"), To: p.one("to"), Area: p.one("area"), Categories: p.list("category"),
		Alpha: p.number("alpha", 0), K: p.integer("k", 0), Weight: p.one("weight"), MaxAreaKm2: p.number("max_area_km2", 0),
		TargetShare: p.number("target_share", 0)}
	r.Res = p.optionalInt("res")
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
	ps, err := s.svc.Section60Proposals(c.UserContext(), q)
	if err != nil {
		return nil, err
	}
	q = ps.Query
	fc := geojson.NewFeatureCollection()
	fc.ExtraMembers = map[string]any{
		"demo": s.svc.Demo(), "from": stamp(ps.From), "to": stamp(ps.To), "previous_from": stamp(ps.PrevFrom), "previous_to": stamp(ps.PrevTo),
		"window_note": ps.WindowNote, "categories": q.Categories, "res": q.Res, "k": q.K, "alpha": q.Alpha, "weight": q.Weight,
		"max_area_km2": q.MaxAreaKm2, "target_share": q.TargetShare, "significant_hot_cells": ps.SignificantHot,
		"incidents": ps.Incidents, "study_area": ps.StudyArea, "study_cells": ps.Studied,
	}
	for _, p := range ps.Areas {
		var g orb.Geometry = p.Outline
		if len(p.Outline) == 1 {
			g = p.Outline[0]
		}
		ft := newFeature(g)
		ft.ID = p.Rank
		cells := make([]string, len(p.Cells))
		for i, c := range p.Cells {
			cells[i] = grid.String(c)
		}
		change := map[string]any{"previous": p.Previous, "change": p.Incidents - p.Previous, "pct": nil}
		if !ps.PrevHasData {
			change = map[string]any{"previous": nil, "change": nil, "pct": nil}
		} else if p.Previous > 0 {
			change["pct"] = roundTo(100*float64(p.Incidents-p.Previous)/float64(p.Previous), 1)
		}
		ft.Properties = map[string]any{
			"rank": p.Rank, "area_km2": roundTo(p.AreaKm2, 4), "incidents": p.Incidents, "harm": roundTo(p.Harm, 2), "weighted": roundTo(p.Weighted, 2),
			"share_of_cluster": roundTo(p.Share, 4), "capped": p.Capped, "trend": change, "by_category": p.ByCategory,
			"z_min": roundTo(p.MinZ, 4), "z_max": roundTo(p.MaxZ, 4), "p_fdr_max": p.MaxPFDR, "cluster_cells": p.ClusterSize,
			"cells": cells, "grounds": p.Grounds,
		}
		fc.Append(ft)
	}
	return json.Marshal(fc)
}

package api

import (
	"encoding/csv"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// retailers answers GET /api/v1/retailers: the register with each shop's test history.
func (s *Server) retailers(c *fiber.Ctx) error {
	return s.sendBody(c, newParams(c), s.retailersBody)
}

func (s *Server) retailersBody(c *fiber.Ctx, p *params) ([]byte, error) {
	if err := p.err(); err != nil {
		return nil, err
	}
	shops, tests, err := s.svc.Retailers(c.UserContext())
	if err != nil {
		return nil, err
	}
	fc := geojson.NewFeatureCollection()
	fc.ExtraMembers = map[string]any{"demo": s.svc.Demo()}
	for _, r := range shops {
		fc.Append(retailerFeature(r, tests[r.ID]))
	}
	return json.Marshal(fc)
}

// retailerFeature is a shop with its test-purchase history.
func retailerFeature(r hexbeat.Retailer, tests []hexbeat.RetailerTest) *geojson.Feature {
	f := newFeature(orb.Point{r.Lon, r.Lat})
	f.ID = r.ID
	hist := []map[string]any{}
	for _, t := range tests {
		hist = append(hist, map[string]any{"date": t.On.Format("2006-01-02"), "result": t.Result, "notes": t.Notes})
	}
	f.Properties = map[string]any{"id": r.ID, "name": r.Name, "category": r.Category, "address": r.Address, "size_band": r.SizeBand, "tests": hist}
	return f
}

// recordTest answers POST /api/v1/retailers/{id}/tests {date, result, notes}.
func (s *Server) recordTest(c *fiber.Ctx) error {
	var body struct {
		Date   string `json:"date"`
		Result string `json:"result"`
		Notes  string `json:"notes"`
	}
	if err := decodeBody(c, &body); err != nil {
		return err
	}
	t := hexbeat.RetailerTest{RetailerID: c.Params("id"), Result: strings.ToLower(strings.TrimSpace(body.Result)), Notes: body.Notes}
	var f hexbeat.FieldErrors
	if t.On = bodyDay(body.Date, "date", f.Add); len(f) > 0 {
		return f.Err("invalid test result")
	}
	t, err := s.svc.RecordTest(c.UserContext(), t, actor(c))
	if err != nil {
		return err
	}
	c.Status(fiber.StatusCreated)
	return c.JSON(fiber.Map{"id": t.ID, "retailer": t.RetailerID, "date": t.On.Format("2006-01-02"), "result": t.Result, "notes": t.Notes,
		"recorded_at": stamp(t.RecordedAt), "recorded_by": t.RecordedBy})
}

// targets answers GET /api/v1/test-purchase/targets: retailers ranked for test purchases,
// each with the parts of its score; format=csv for the operation plan.
func (s *Server) targets(c *fiber.Ctx) error {
	p := newParams(c, append(targetParams, "format")...)
	format := p.one("format")
	if format != "" && format != "geojson" && format != "csv" {
		p.fail("format", "must be geojson or csv, got %q", format)
	}
	ts, err := s.rankTargets(c, p)
	if err != nil {
		return err
	}
	setNotes(c, ts.Notes)
	if format == "csv" {
		s.auditExport(c, "test-purchase-targets.csv", len(ts.Ranked)+len(ts.Excluded))
		return s.targetsCSV(c, ts)
	}
	b, err := s.targetsJSON(ts)
	if err != nil {
		return err
	}
	return s.sendGeoJSON(c, b)
}

var targetParams = []string{"radius_m", "res", "window", "from", "to", "category", "categories", "area", "cooldown_days", "demote", "failure_boost", "limit", "weight"}

func (s *Server) targetsBody(c *fiber.Ctx, p *params) ([]byte, error) {
	ts, err := s.rankTargets(c, p)
	if err != nil {
		return nil, err
	}
	return s.targetsJSON(ts)
}

func (s *Server) rankTargets(c *fiber.Ctx, p *params) (hexbeat.Targets, error) {
	// res without radius_m measures exposure by cells (the shop's and its neighbours)
	byCells := p.one("res") != "" && p.one("radius_m") == ""
	q := hexbeat.TargetQuery{Cells: byCells, CellQuery: hexbeat.CellQuery{Res: p.integer("res", defaultRes), Area: p.one("area"), Categories: append(p.list("category"), p.list("categories")...),
		From: p.timeBound("from", false), To: p.timeBound("to", true)},
		RadiusM: p.positive("radius_m"), CooldownDays: p.integer("cooldown_days", 0), Demote: p.boolean("demote", false),
		FailureBoost: p.number("failure_boost", 0), Limit: p.positiveInt("limit"), Weight: p.one("weight")}
	if w := p.one("window"); w != "" {
		d, ok := parseWindow(w)
		if !ok {
			p.fail("window", "must be hours or days such as 90d, got %q", w)
		}
		q.Window = d
	}
	q = q.WithDefaults()
	p.check(q.Validate())
	if err := p.err(); err != nil {
		return hexbeat.Targets{}, err
	}
	return s.svc.Targets(c.UserContext(), q)
}

func (s *Server) targetsJSON(ts hexbeat.Targets) ([]byte, error) {
	fc := geojson.NewFeatureCollection()
	for _, t := range ts.Ranked {
		fc.Append(targetFeature(ts, t))
	}
	excluded := []map[string]any{}
	for _, t := range ts.Excluded {
		excluded = append(excluded, targetFeature(ts, t).Properties)
	}
	fc.ExtraMembers = map[string]any{"demo": s.svc.Demo(), "from": stamp(ts.From), "to": stamp(ts.To), "categories": ts.Query.Categories,
		"radius_m": radiusOrNil(ts.Query), "exposure_by": exposureBy(ts.Query), "weight": ts.Query.Weight, "cooldown_days": ts.Query.CooldownDays, "failure_boost": ts.Query.FailureBoost,
		"incidents": ts.Incidents, "retailers": len(ts.Retailers), "excluded": excluded, "notes": append([]string{}, ts.Notes...),
		"score": "exposure (weighted incidents within radius_m) x (1 + failure_boost x past failures) x cool-down (0 excluded, 0.25 demoted, else 1)"}
	return json.Marshal(fc)
}

func targetFeature(ts hexbeat.Targets, t hexbeat.Target) *geojson.Feature {
	r := ts.Retailers[t.Retailer]
	f := newFeature(orb.Point{r.Lon, r.Lat})
	f.ID = r.ID
	var last any
	if t.LastTest != nil {
		last = map[string]any{"date": t.LastTest.On.Format("2006-01-02"), "result": t.LastTest.Result}
	}
	f.Properties = map[string]any{"rank": t.Rank, "id": r.ID, "name": r.Name, "address": r.Address, "category": r.Category, "size_band": r.SizeBand,
		"score": roundTo(t.Score, 3), "exposure": roundTo(t.Exposure, 3), "incidents": t.Incidents, "failures": t.Failures, "tests": t.Tests,
		"failure_boost": t.Boost, "cooldown": t.Cooldown, "excluded": t.Excluded, "last_test": last, "reason": t.Reason}
	return f
}

func (s *Server) targetsCSV(c *fiber.Ctx, ts hexbeat.Targets) error {
	var sb strings.Builder
	w := csv.NewWriter(&sb)
	w.Write([]string{"rank", "id", "name", "address", "category", "size_band", "lon", "lat", "score", "exposure", "incidents", "failures", "tests", "failure_boost", "cooldown", "last_test", "last_result", "excluded", "reason"})
	for _, t := range append(append([]hexbeat.Target{}, ts.Ranked...), ts.Excluded...) {
		r := ts.Retailers[t.Retailer]
		last, result := "", ""
		if t.LastTest != nil {
			last, result = t.LastTest.On.Format("2006-01-02"), t.LastTest.Result
		}
		rank := ""
		if t.Rank > 0 {
			rank = strconv.Itoa(t.Rank)
		}
		w.Write([]string{rank, r.ID, r.Name, r.Address, r.Category, r.SizeBand, strconv.FormatFloat(r.Lon, 'f', 7, 64), strconv.FormatFloat(r.Lat, 'f', 7, 64),
			strconv.FormatFloat(t.Score, 'f', 3, 64), strconv.FormatFloat(t.Exposure, 'f', 3, 64), strconv.Itoa(t.Incidents), strconv.Itoa(t.Failures),
			strconv.Itoa(t.Tests), strconv.FormatFloat(t.Boost, 'f', 2, 64), strconv.FormatFloat(t.Cooldown, 'f', 2, 64), last, result, strconv.FormatBool(t.Excluded), t.Reason})
	}
	w.Flush()
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="test-purchase-targets.csv"`)
	s.labelData(c)
	return c.SendString(sb.String())
}

func radiusOrNil(q hexbeat.TargetQuery) any {
	if q.Cells {
		return nil
	}
	return q.RadiusM
}

func exposureBy(q hexbeat.TargetQuery) string {
	if q.Cells {
		return "the shop's res-" + strconv.Itoa(q.Res) + " cell and its six neighbours"
	}
	return "distance from the shop"
}

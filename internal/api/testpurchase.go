package api

import (
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/hexbeat/hexbeat/internal/catalog"
	"github.com/hexbeat/hexbeat/internal/encode"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
)

// retailers answers GET /api/v1/retailers: the register with each shop's test history.
func (s *Server) retailers(c *fiber.Ctx) error {
	return s.sendBody(c, newParams(c), s.cat.Retailers)
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
	if t.On = catalog.BodyDay(body.Date, "date", f.Add); len(f) > 0 {
		return f.Err("invalid test result")
	}
	t, err := s.retail.RecordTest(c.UserContext(), t, actor(c))
	if err != nil {
		return err
	}
	c.Status(fiber.StatusCreated)
	return c.JSON(fiber.Map{"id": t.ID, "retailer": t.RetailerID, "date": t.On.Format("2006-01-02"), "result": t.Result, "notes": t.Notes,
		"recorded_at": encode.Stamp(t.RecordedAt), "recorded_by": t.RecordedBy})
}

// targets answers GET /api/v1/test-purchase/targets: retailers ranked for test purchases,
// each with the parts of its score; format=csv for the operation plan.
func (s *Server) targets(c *fiber.Ctx) error {
	p := newParams(c, append(catalog.TargetParams, "format")...)
	format := p.One("format")
	if format != "" && format != "geojson" && format != "csv" {
		p.Fail("format", "must be geojson or csv, got %q", format)
	}
	ts, err := s.cat.RankTargets(c.UserContext(), p)
	if err != nil {
		return err
	}
	setNotes(c, ts.Notes)
	if format == "csv" {
		s.auditExport(c, "test-purchase-targets.csv", len(ts.Ranked)+len(ts.Excluded))
		return s.targetsCSV(c, ts)
	}
	b, err := encode.Targets(ts, s.layers.Demo())
	if err != nil {
		return err
	}
	return s.sendGeoJSON(c, b)
}

func (s *Server) targetsCSV(c *fiber.Ctx, ts hexbeat.Targets) error {
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="test-purchase-targets.csv"`)
	s.labelData(c)
	return c.SendString(encode.TargetsCSV(ts))
}

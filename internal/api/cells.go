package api

import (
	"github.com/hexbeat/hexbeat/internal/catalog"
	"github.com/hexbeat/hexbeat/internal/encode"
	"github.com/hexbeat/hexbeat/internal/grid"

	"github.com/gofiber/fiber/v2"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
)

// cells answers GET /api/v1/cells: a FeatureCollection of hexagons with incident counts.
func (s *Server) cells(c *fiber.Ctx) error {
	return s.sendBody(c, newParams(c, catalog.LayerParams...), s.cat.Cells)
}

// cell answers GET /api/v1/cells/{cell}: one cell's incidents by category over the period
// (from, to; by default all the data) and, month by month, those of the chosen categories.
func (s *Server) cell(c *fiber.Ctx) error {
	p := newParams(c, "from", "to", "category")
	cell, err := grid.Parse(c.Params("cell"))
	if err != nil {
		return hexbeat.Errorf(hexbeat.ENOTFOUND, "%q is not an H3 cell", c.Params("cell"))
	}
	q := hexbeat.CellQuery{Res: grid.Res(cell), From: p.TimeBound("from", false), To: p.TimeBound("to", true), Categories: p.List("category")}
	if err := p.Err(); err != nil {
		return err
	}
	d, err := s.layers.CellDetail(c.UserContext(), q, cell)
	if err != nil {
		return err
	}
	months := make([]string, len(d.Months))
	for i, m := range d.Months {
		months[i] = m.Format("2006-01")
	}
	total := 0
	for _, n := range d.ByCategory {
		total += n
	}
	centre := grid.Center(cell)
	return c.JSON(fiber.Map{"demo": s.layers.Demo(), "cell": grid.String(cell), "res": d.Res, "centre": []float64{centre[0], centre[1]},
		"from": encode.Stamp(d.From), "to": encode.Stamp(d.To), "total": total, "by_category": d.ByCategory, "categories": q.Categories,
		"months": months, "series": d.Series})
}

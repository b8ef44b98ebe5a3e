package api

import (
	"github.com/gofiber/fiber/v2"
	"github.com/hexbeat/hexbeat/internal/catalog"
	"github.com/hexbeat/hexbeat/internal/encode"
)

// emerging answers GET /api/v1/emerging: each study-area cell's emerging hot spot
// category (Esri's), with the Mann–Kendall trend of its Gi* z-scores over the slices.
func (s *Server) emerging(c *fiber.Ctx) error {
	return s.sendBody(c, newParams(c, catalog.EmergingParams...), s.cat.Emerging)
}

// change answers GET /api/v1/change: crime type x (A, B, +/-, %) for an area and two
// periods (default: the year to date against the same span a year earlier), and the same
// per cell as a GeoJSON layer.
func (s *Server) change(c *fiber.Ctx) error {
	return s.sendBody(c, newParams(c, catalog.ChangeParams...), s.cat.Change)
}

// evaluate answers GET /api/v1/evaluate: the rolling-origin backtest of the forecast
// methods, per test month and summarised, with a plain verdict against the naive baseline.
func (s *Server) evaluate(c *fiber.Ctx) error {
	p := newParams(c, catalog.EvalParams...)
	q := catalog.EvalQuery(p)
	if err := p.Err(); err != nil {
		return err
	}
	res, err := s.layers.Evaluate(c.UserContext(), q)
	if err != nil {
		return err
	}
	return c.JSON(encode.Evaluation(res, s.layers.Demo()))
}

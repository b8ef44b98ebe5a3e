package api

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/hexbeat/hexbeat/internal/catalog"
	"github.com/hexbeat/hexbeat/internal/encode"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
)

// emerging answers GET /api/v1/emerging: each study-area cell's emerging hot spot
// category (Esri's), with the Mann–Kendall trend of its Gi* z-scores over the slices.
func (s *Server) emerging(c *fiber.Ctx) error {
	return s.sendBody(c, newParams(c, emergingParams...), s.emergingBody)
}

var emergingParams = append(append([]string{}, layerParams...), "slice", "weight", "k", "alpha")

func (s *Server) emergingBody(c *fiber.Ctx, p *catalog.Params) ([]byte, error) {
	q := hexbeat.EmergingQuery{CellQuery: parseCellQuery(p), Slice: p.One("slice"), Weight: p.One("weight"),
		K: p.PositiveInt("k"), Alpha: p.Positive("alpha")}.WithDefaults()
	p.Check(q.Validate())
	if err := p.Err(); err != nil {
		return nil, err
	}
	layer, err := s.layers.Emerging(c.UserContext(), q)
	if err != nil {
		return nil, err
	}
	return s.enc.Emerging(layer, s.layers.Demo()), nil
}

// change answers GET /api/v1/change: crime type x (A, B, +/-, %) for an area and two
// periods (default: the year to date against the same span a year earlier), and the same
// per cell as a GeoJSON layer.
func (s *Server) change(c *fiber.Ctx) error {
	return s.sendBody(c, newParams(c, changeParams...), s.changeBody)
}

var changeParams = []string{"res", "category", "area", "bbox", "a_from", "a_to", "b_from", "b_to"}

func (s *Server) changeBody(c *fiber.Ctx, p *catalog.Params) ([]byte, error) {
	cq := parseCellQuery(p)
	q := hexbeat.ChangeQuery{CellQuery: cq, AFrom: p.TimeBound("a_from", false), ATo: p.TimeBound("a_to", true),
		BFrom: p.TimeBound("b_from", false), BTo: p.TimeBound("b_to", true)}
	p.Check(q.Validate())
	if err := p.Err(); err != nil {
		return nil, err
	}
	rep, err := s.layers.Change(c.UserContext(), q)
	if err != nil {
		return nil, err
	}
	return s.enc.Change(rep, s.layers.Demo()), nil
}

// evaluate answers GET /api/v1/evaluate: the rolling-origin backtest of the forecast
// methods, per test month and summarised, with a plain verdict against the naive baseline.
func (s *Server) evaluate(c *fiber.Ctx) error {
	p := newParams(c, "res", "from", "to", "category", "area", "bbox", "train_months", "methods", "coverage", "weight", "half_life_days", "bandwidth_m", "k")
	q := hexbeat.EvalQuery{CellQuery: parseCellQuery(p), TrainMonths: p.PositiveInt("train_months"), Methods: p.List("methods"),
		Weight: p.One("weight"), HalfLifeDays: p.Positive("half_life_days"), BandwidthM: p.Positive("bandwidth_m"), K: p.PositiveInt("k")}
	for _, v := range p.List("coverage") {
		f, err := strconv.ParseFloat(strings.TrimSuffix(v, "%"), 64)
		if err != nil {
			p.Fail("coverage", "%q is not a share of the area (e.g. 0.05)", v)
			continue
		}
		if strings.HasSuffix(v, "%") {
			f /= 100
		}
		q.Coverages = append(q.Coverages, f)
	}
	q = q.WithDefaults()
	p.Check(q.Validate())
	if err := p.Err(); err != nil {
		return err
	}
	res, err := s.layers.Evaluate(c.UserContext(), q)
	if err != nil {
		return err
	}
	return c.JSON(encode.Evaluation(res, s.layers.Demo()))
}

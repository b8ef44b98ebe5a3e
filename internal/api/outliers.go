package api

import (
	"github.com/gofiber/fiber/v2"
	"github.com/hexbeat/hexbeat/internal/catalog"
)

// outlierParams define a cluster and outlier layer: a hotspot layer's, without a method.
var outlierParams = append(append([]string{}, layerParams...), "weight", "half_life_days", "k", "alpha", "fdr")

// outliers answers GET /api/v1/outliers: Anselin's local Moran's I on every cell of the
// study area, each significant cell typed HH, LL, HL or LH (ArcGIS's Cluster and Outlier
// Analysis).
func (s *Server) outliers(c *fiber.Ctx) error {
	return s.sendBody(c, newParams(c, outlierParams...), s.outliersBody)
}

func (s *Server) outliersBody(c *fiber.Ctx, p *catalog.Params) ([]byte, error) {
	q := parseHotspotQuery(p)
	if err := p.Err(); err != nil {
		return nil, err
	}
	layer, err := s.layers.Outliers(c.UserContext(), q)
	if err != nil {
		return nil, err
	}
	return s.enc.Outliers(layer, s.layers.Demo()), nil
}

package api

import (
	"github.com/gofiber/fiber/v2"
	"github.com/hexbeat/hexbeat/internal/catalog"
)

// outliers answers GET /api/v1/outliers: Anselin's local Moran's I on every cell of the
// study area, each significant cell typed HH, LL, HL or LH (ArcGIS's Cluster and Outlier
// Analysis).
func (s *Server) outliers(c *fiber.Ctx) error {
	return s.sendBody(c, newParams(c, catalog.OutlierParams...), s.cat.Outliers)
}

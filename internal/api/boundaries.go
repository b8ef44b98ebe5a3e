package api

import (
	"github.com/gofiber/fiber/v2"
	"github.com/hexbeat/hexbeat/internal/encode"
)

// boundaries answers GET /api/v1/boundaries: every boundary as a Feature whose id is usable
// as area=ID. With geometry=bbox each comes without its outline, with its bbox: a list of
// areas to choose from (the web map draws boundaries from tiles).
func (s *Server) boundaries(c *fiber.Ctx) error {
	return s.sendBody(c, newParams(c, "kind", "geometry"), s.cat.Boundaries)
}

// boundary answers GET /api/v1/boundaries/{id} with one Feature.
func (s *Server) boundary(c *fiber.Ctx) error {
	if err := newParams(c).Err(); err != nil {
		return err
	}
	bd, err := s.layers.Boundary(c.UserContext(), c.Params("id"))
	if err != nil {
		return err
	}
	return s.sendGeoJSON(c, encode.Boundary(bd))
}

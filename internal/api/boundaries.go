package api

import (
	"github.com/gofiber/fiber/v2"
	"github.com/hexbeat/hexbeat/internal/catalog"
	"github.com/hexbeat/hexbeat/internal/encode"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/paulmach/orb"
)

// boundaries answers GET /api/v1/boundaries: every boundary as a Feature whose id is usable
// as area=ID. With geometry=bbox each comes without its outline, with its bbox: a list of
// areas to choose from (the web map draws boundaries from tiles).
func (s *Server) boundaries(c *fiber.Ctx) error {
	return s.sendBody(c, newParams(c, "kind", "geometry"), s.boundariesBody)
}

func (s *Server) boundariesBody(c *fiber.Ctx, p *catalog.Params) ([]byte, error) {
	boxOnly := false
	switch g := p.One("geometry"); g {
	case "", "full":
	case "bbox":
		boxOnly = true
	default:
		p.Fail("geometry", "must be full or bbox, got %q", g)
	}
	bs, bounds, err := s.heldBoundaries(p, nil)
	if err != nil {
		return nil, err
	}
	return encode.Boundaries(bs, bounds, boxOnly, s.layers.Demo()), nil
}

// heldBoundaries are the boundaries held, in the store's order, of the kind asked for (if
// any) and meeting bbox (if given), with their bounds.
func (s *Server) heldBoundaries(p *catalog.Params, bbox *orb.Bound) ([]hexbeat.Boundary, []orb.Bound, error) {
	kind := p.One("kind")
	if err := p.Err(); err != nil {
		return nil, nil, err
	}
	bs, bounds := s.layers.BoundariesIn(kind, bbox)
	return bs, bounds, nil
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

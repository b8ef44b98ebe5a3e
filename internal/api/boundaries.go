package api

import (
	"github.com/gofiber/fiber/v2"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/paulmach/orb"
)

// boundaries answers GET /api/v1/boundaries: every boundary as a Feature whose id is usable
// as area=ID. With geometry=bbox each comes without its outline, with its bbox: a list of
// areas to choose from (the web map draws boundaries from tiles).
func (s *Server) boundaries(c *fiber.Ctx) error {
	return s.sendBody(c, newParams(c, "kind", "geometry"), s.boundariesBody)
}

func (s *Server) boundariesBody(c *fiber.Ctx, p *params) ([]byte, error) {
	boxOnly := false
	switch g := p.one("geometry"); g {
	case "", "full":
	case "bbox":
		boxOnly = true
	default:
		p.fail("geometry", "must be full or bbox, got %q", g)
	}
	bs, bounds, err := s.heldBoundaries(p, nil)
	if err != nil {
		return nil, err
	}
	b := append([]byte(`{"type":"FeatureCollection",`), s.appendMeta(nil)...)
	b = append(b, `"features":[`...)
	for i, bd := range bs {
		if i > 0 {
			b = append(b, ',')
		}
		if boxOnly {
			b = appendBoundaryBox(b, bd, bounds[i])
		} else {
			b = appendBoundary(b, bd)
		}
	}
	return append(b, "]}"...), nil
}

// appendBoundaryBox writes a boundary as a Feature with its bbox (its bound) and no geometry.
func appendBoundaryBox(b []byte, bd hexbeat.Boundary, bound orb.Bound) []byte {
	b = append(b, `{"type":"Feature","id":`...)
	b = appendString(b, bd.ID)
	b = append(b, `,"bbox":[`...)
	for i, v := range bboxOf(bound) {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendCoord(b, v)
	}
	return appendBoundaryProperties(append(b, `],"geometry":null`...), bd)
}

// heldBoundaries are the boundaries held, in the store's order, of the kind asked for (if
// any) and meeting bbox (if given), with their bounds.
func (s *Server) heldBoundaries(p *params, bbox *orb.Bound) ([]hexbeat.Boundary, []orb.Bound, error) {
	kind := p.one("kind")
	if err := p.err(); err != nil {
		return nil, nil, err
	}
	bs, bounds := s.svc.BoundariesIn(kind, bbox)
	return bs, bounds, nil
}

// boundary answers GET /api/v1/boundaries/{id} with one Feature.
func (s *Server) boundary(c *fiber.Ctx) error {
	if err := newParams(c).err(); err != nil {
		return err
	}
	bd, err := s.svc.Boundary(c.UserContext(), c.Params("id"))
	if err != nil {
		return err
	}
	return s.sendGeoJSON(c, appendBoundary(nil, bd))
}

func appendBoundary(b []byte, bd hexbeat.Boundary) []byte {
	b = append(b, `{"type":"Feature","id":`...)
	b = appendString(b, bd.ID)
	b = append(b, `,"geometry":`...)
	return appendBoundaryProperties(appendGeometry(b, bd.Geometry), bd)
}

func appendBoundaryProperties(b []byte, bd hexbeat.Boundary) []byte {
	b = append(b, `,"properties":{"id":`...)
	b = appendString(b, bd.ID)
	b = append(b, `,"kind":`...)
	b = appendString(b, bd.Kind)
	b = append(b, `,"name":`...)
	b = appendString(b, bd.Name)
	return append(b, "}}"...)
}

package api

import (
	"github.com/gofiber/fiber/v2"
	"github.com/hexbeat/hexbeat/internal/catalog"
)

// proposals answers POST /api/v1/section60/proposals: ranked candidate areas as polygons
// with their evidence and a grounds text.
func (s *Server) proposals(c *fiber.Ctx) error {
	var body catalog.ProposalRequest
	if err := decodeBody(c, &body); err != nil {
		return err
	}
	b, err := s.cat.Proposals(c.UserContext(), body)
	if err != nil {
		return err
	}
	return s.sendGeoJSON(c, b)
}

package api

import (
	"github.com/gofiber/fiber/v2"
	"github.com/hexbeat/hexbeat/internal/catalog"
)

// newParams reads a request's query parameters, in their order, allowing only those named.
func newParams(c *fiber.Ctx, allowed ...string) *catalog.Params {
	var pairs [][2]string
	c.Context().QueryArgs().VisitAll(func(k, v []byte) {
		pairs = append(pairs, [2]string{string(k), string(v)})
	})
	return catalog.NewParams(pairs, allowed...)
}

package api

import (
	"io/fs"
	"net/http"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/filesystem"
)

const notBuilt = `<!doctype html><meta charset="utf-8"><title>hexbeat</title>
<h1>hexbeat</h1><p>The web map was not built into this binary. Run <code>make run</code> (or
<code>make web</code> before <code>go build</code>). The API is at <a href="/api/v1/status">/api/v1/status</a>.</p>`

// webRoutes serves the embedded front end. The page itself holds no data: everything it
// shows comes from the API.
func (s *Server) webRoutes() {
	if s.web != nil {
		if _, err := fs.Stat(s.web, "index.html"); err == nil {
			s.app.Use("/", filesystem.New(filesystem.Config{Root: http.FS(s.web), Index: "index.html", MaxAge: 300}))
			return
		}
	}
	s.app.Get("/", func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderContentType, "text/html; charset=utf-8")
		return c.SendString(notBuilt)
	})
}

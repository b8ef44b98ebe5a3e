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
	if s.cfg.SignIn != nil {
		// with sign-in on, the map is for people signed in: one without a live session goes
		// to the provider first (the page never asks for a key)
		s.app.Get("/", func(c *fiber.Ctx) error {
			if secret := c.Cookies(sessionCookie); secret != "" {
				if _, err := s.cfg.SignIn.Session(c.UserContext(), secret); err == nil {
					return c.Next()
				}
			}
			return c.Redirect("/auth/login", fiber.StatusFound)
		})
	}
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

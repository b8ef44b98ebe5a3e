package api

import (
	"html/template"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
)

// Sign-in through the force's identity provider (OpenID Connect): /auth/login sends the
// browser to the provider, /auth/callback makes the session and its cookie, /auth/logout
// ends it (and the provider's, where it offers RP-initiated logout). With sign-in on, the
// API takes a session cookie besides keys; a write made with the cookie must carry the
// session's CSRF token (X-CSRF-Token), which /api/v1/status gives.

// sessionCookie names the cookie that carries a session's secret; signInCookie, the state
// of a sign-in under way, which the callback must come back with in the same browser.
const (
	sessionCookie = "hexbeat_session"
	signInCookie  = "hexbeat_signin"
)

func (s *Server) signInRoutes() {
	s.app.Get("/auth/config", func(c *fiber.Ctx) error {
		return c.JSON(fiber.Map{"oidc": s.cfg.SignIn != nil, "login": "/auth/login"})
	})
	if s.cfg.SignIn == nil {
		return
	}
	s.app.Get("/auth/login", s.login)
	s.app.Get("/auth/callback", s.callback)
	s.app.Post("/auth/logout", s.logout)
}

// login sends the browser to the provider.
func (s *Server) login(c *fiber.Ctx) error {
	u, state, err := s.cfg.SignIn.BeginSignIn(c.UserContext())
	if err != nil {
		return s.signInPage(c, err)
	}
	s.setCookie(c, signInCookie, state, "/auth", time.Now().Add(10*time.Minute))
	return c.Redirect(u, fiber.StatusFound)
}

// callback completes the sign-in: a session and its HttpOnly cookie, then the map. A wrong,
// replayed or forged state, a person with no role, a provider that refuses: a page that
// says why, never a redirect.
func (s *Server) callback(c *fiber.Ctx) error {
	if e := c.Query("error"); e != "" {
		return s.signInPage(c, hexbeat.Errorf(hexbeat.EUNAUTHORIZED, "the identity provider answered %q: %s", e, c.Query("error_description")))
	}
	// the state must be the one this browser was given: a callback carrying another's
	// (a login CSRF: someone else's sign-in finished in this browser) is refused
	state := c.Query("state")
	mine := c.Cookies(signInCookie)
	s.setCookie(c, signInCookie, "", "/auth", time.Unix(0, 0))
	if state == "" || mine != state {
		return s.signInPage(c, hexbeat.Errorf(hexbeat.EINVALID, "this sign-in was not started in this browser, or its state is missing or forged: sign in again"))
	}
	secret, _, err := s.cfg.SignIn.FinishSignIn(c.UserContext(), state, c.Query("code"), c.Query("iss"))
	if err != nil {
		return s.signInPage(c, err)
	}
	s.setCookie(c, sessionCookie, secret, "/", time.Now().Add(hexbeat.AbsoluteTimeout))
	return c.Redirect("/", fiber.StatusFound)
}

// setCookie sets one of sign-in's cookies: HttpOnly, SameSite=Lax, Secure under https,
// until expires (in the past: removed).
func (s *Server) setCookie(c *fiber.Ctx, name, value, path string, expires time.Time) {
	c.Cookie(&fiber.Cookie{Name: name, Value: value, Path: path, HTTPOnly: true, SameSite: fiber.CookieSameSiteLaxMode,
		Secure: s.secureCookies(c), Expires: expires})
}

// secureCookies says whether the cookie is for https only: the public URL is https, or the
// request came over TLS (here, or to a trusted proxy that says so).
func (s *Server) secureCookies(c *fiber.Ctx) bool {
	return strings.HasPrefix(s.cfg.PublicURL, "https://") || c.Protocol() == "https"
}

// logout ends the session (a write: it needs the session's CSRF token) and answers where
// to go next: the provider's logout, or the map.
func (s *Server) logout(c *fiber.Ctx) error {
	secret := c.Cookies(sessionCookie)
	next := "/"
	if secret != "" {
		x, err := s.cfg.SignIn.Session(c.UserContext(), secret)
		if err == nil && c.Get("X-CSRF-Token") != x.CSRF {
			return hexbeat.Errorf(hexbeat.EFORBIDDEN, "signing out needs the session's X-CSRF-Token")
		}
		u, err := s.cfg.SignIn.EndSession(c.UserContext(), secret)
		if err != nil {
			return err
		}
		if u != "" {
			next = u
		}
	}
	s.setCookie(c, sessionCookie, "", "/", time.Unix(0, 0))
	return c.JSON(fiber.Map{"next": next})
}

// sessionAuth authenticates a request by its session cookie, when sign-in is on and the
// request carries no Authorization header; ok is false when it carries no cookie.
func (s *Server) sessionAuth(c *fiber.Ctx) (hexbeat.Session, bool, error) {
	if s.cfg.SignIn == nil || c.Get(fiber.HeaderAuthorization) != "" {
		return hexbeat.Session{}, false, nil
	}
	secret := c.Cookies(sessionCookie)
	if secret == "" {
		return hexbeat.Session{}, false, nil
	}
	x, err := s.cfg.SignIn.Session(c.UserContext(), secret)
	if err != nil {
		return x, true, err
	}
	switch c.Method() {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions:
	default: // a write made with the cookie: the page's own, carrying the session's token
		if tok := c.Get("X-CSRF-Token"); tok == "" || tok != x.CSRF {
			return x, true, hexbeat.Errorf(hexbeat.EFORBIDDEN, "a change made with a signed-in session must carry its X-CSRF-Token (the map sends it)")
		}
	}
	return x, true, nil
}

var signInPageTmpl = template.Must(template.New("signin").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>hexbeat: sign-in refused</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:40em;margin:3em auto;color:#111}</style></head>
<body><h1>{{.Title}}</h1><p>{{.Why}}</p><p><a href="/auth/login">Sign in again</a></p></body></html>`))

// signInPage answers a refused sign-in with a page that says why, with the status of the
// refusal (400 for a bad or replayed state, 403 for no role, 503 for a provider that cannot
// be reached).
func (s *Server) signInPage(c *fiber.Ctx, err error) error {
	status, title := fiber.StatusBadRequest, "Sign-in refused"
	switch hexbeat.ErrorCode(err) {
	case hexbeat.EFORBIDDEN:
		status, title = fiber.StatusForbidden, "No role in hexbeat"
	case hexbeat.EUNAVAILABLE:
		status, title = fiber.StatusServiceUnavailable, "The identity provider cannot be reached"
	case hexbeat.EUNAUTHORIZED:
		status = fiber.StatusUnauthorized
	case hexbeat.EINVALID:
	default:
		status, title = fiber.StatusInternalServerError, "Sign-in failed"
	}
	var sb strings.Builder
	if err := signInPageTmpl.Execute(&sb, map[string]string{"Title": title, "Why": hexbeat.ErrorMessage(err)}); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/html; charset=utf-8")
	return c.Status(status).SendString(sb.String())
}

// sessions answers GET /api/v1/sessions (admin): the live sessions of signed-in people.
func (s *Server) sessions(c *fiber.Ctx) error {
	if err := newParams(c).Err(); err != nil {
		return err
	}
	list, err := s.cfg.SignIn.Sessions(c.UserContext())
	if err != nil {
		return err
	}
	out := []fiber.Map{}
	for _, x := range list {
		out = append(out, fiber.Map{"id": x.ID, "sub": x.Sub, "name": x.Name, "preferred_username": x.Username, "email": x.Email,
			"role": x.Role, "created_at": x.CreatedAt.UTC().Format(time.RFC3339), "seen_at": x.SeenAt.UTC().Format(time.RFC3339)})
	}
	return c.JSON(fiber.Map{"sessions": out})
}

// endSession answers DELETE /api/v1/sessions/{id} (admin): ends a person's session.
func (s *Server) endSession(c *fiber.Ctx) error {
	if err := s.cfg.SignIn.EndSessionByID(c.UserContext(), c.Params("id"), actor(c)); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

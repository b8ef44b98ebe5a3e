package api

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
)

// route is one API route and the permission it needs.
type route struct {
	Method, Path string
	Perm         hexbeat.Permission
	Limit        int // body limit in bytes; 0 for the server's default
}

// bodyLimits are the largest request bodies the write routes take; a camera plan may carry
// tens of thousands of candidate catalog.Points, the others a polygon or a few fields.
var bodyLimits = map[string]int{"/cameras/plan": 16 << 20, "/section60/authorisations": 4 << 20, "/section60/proposals": 64 << 10, "/imports": uploadLimit}

const defaultBodyLimit = 64 << 10

// handle registers an API route behind the key check for its permission and, for routes
// that take a body, its size limit.
func (s *Server) handle(v1 fiber.Router, method, path string, perm hexbeat.Permission, h fiber.Handler) {
	rt := route{Method: method, Path: "/api/v1" + path, Perm: perm}
	handlers := []fiber.Handler{s.authorize(perm)}
	if method == fiber.MethodPost {
		rt.Limit = defaultBodyLimit
		if n, ok := bodyLimits[path]; ok {
			rt.Limit = n
		}
		handlers = append(handlers, limitBody(rt.Limit))
	}
	s.table = append(s.table, rt)
	v1.Add(method, path, append(handlers, h)...)
}

// article is "an" before a word that starts with a vowel ("an analyst key"), else "a".
func article(word string) string {
	if word != "" && strings.ContainsRune("aeiouAEIOU", rune(word[0])) {
		return "an"
	}
	return "a"
}

// limitBody reads a body of at most n bytes, after the key was checked (the server streams
// bodies, so nothing past their first 8 KiB is read before): one that says it is larger, or
// turns out so, is refused with 413 without being kept (drainBody reads the rest away).
func limitBody(n int) fiber.Handler {
	return func(c *fiber.Ctx) error {
		tooLarge := func(size string) error {
			return &hexbeat.Error{Code: hexbeat.ETOOLARGE, Message: fmt.Sprintf("the body is %s bytes; this route takes at most %d", size, n)}
		}
		if cl := c.Request().Header.ContentLength(); cl > n {
			return tooLarge(strconv.Itoa(cl))
		}
		if stream := c.Context().RequestBodyStream(); stream != nil {
			b, err := io.ReadAll(io.LimitReader(stream, int64(n)+1))
			if err != nil {
				return &hexbeat.Error{Code: hexbeat.EINVALID, Message: "the body could not be read: " + err.Error()}
			}
			if len(b) > n {
				return tooLarge("more than " + strconv.Itoa(n))
			}
			c.Request().SetBody(b)
		}
		return c.Next()
	}
}

// maxDrain is how much of a refused body the server reads away so that its client, still
// sending, can read the answer (closing at once would reset the connection under it); a
// larger one gets the answer and the connection closed.
const maxDrain = 256 << 20

// drainBody reads away what is left of a request's body after its answer was written.
func drainBody(c *fiber.Ctx) {
	stream := c.Context().RequestBodyStream()
	if stream == nil {
		return
	}
	if n, _ := io.CopyN(io.Discard, stream, maxDrain+1); n > maxDrain {
		c.Context().SetConnectionClose()
	}
}

// Routes lists the API routes with their permissions (for tests and documentation).
func (s *Server) Routes() []route { return append([]route(nil), s.table...) }

// keyStoreDown is the error for a key look-up that failed: the request's own time limit when
// it has passed (a slow look-up is not an unreachable store), else the store's absence.
func keyStoreDown(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return &hexbeat.Error{Code: hexbeat.EUNAVAILABLE, Message: "the key store cannot be reached"}
}

// authorize checks the request's credential for perm: an API key (Authorization: Bearer
// hb_...), or, with sign-in on, a signed-in person's session cookie (writes carrying its
// CSRF token) or a program's access token from the identity provider (a JWT). Without any
// key in the store (a new store, or the demo on loopback) and sign-in off, requests pass as
// "anonymous".
func (s *Server) authorize(perm hexbeat.Permission) fiber.Handler {
	return func(c *fiber.Ctx) error {
		ctx := c.UserContext()
		if err := s.state.StoreError(); err != nil {
			c.Set(fiber.HeaderRetryAfter, "5")
			return &hexbeat.Error{Code: hexbeat.EUNAVAILABLE, Message: "the store cannot be reached; hexbeat retries every second and answers again as soon as it can"}
		}
		required := !s.cfg.Open
		if required && s.cfg.SignIn == nil {
			var err error
			if required, err = s.keys.AuthRequired(ctx); err != nil {
				return keyStoreDown(ctx)
			}
		}
		if !required {
			c.Locals("actor", "anonymous (no API keys yet)")
			if s.cfg.Actor != "" {
				c.Locals("actor", s.cfg.Actor)
			}
			return c.Next()
		}
		// a 401 names the scheme it wants (RFC 9110); other answers do not
		challenge := func(err error) error {
			c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="hexbeat"`)
			return err
		}
		if x, ok, err := s.sessionAuth(c); ok {
			if err != nil {
				if hexbeat.ErrorCode(err) == hexbeat.EUNAUTHORIZED {
					return challenge(err)
				}
				return err
			}
			return s.admit(c, perm, x.Role, personKey(x.Sub), x.Person.String(), func() {
				c.Locals("person", x.Person)
				c.Locals("csrf", x.CSRF)
			})
		}
		auth := c.Get(fiber.HeaderAuthorization)
		secret, ok := strings.CutPrefix(auth, "Bearer ")
		if !ok || strings.TrimSpace(secret) == "" {
			return challenge(hexbeat.Errorf(hexbeat.EUNAUTHORIZED, "send an API key as Authorization: Bearer <key> (an admin creates keys with `hexbeat keys create`)"))
		}
		secret = strings.TrimSpace(secret)
		if s.cfg.SignIn != nil && strings.Count(secret, ".") == 2 && !strings.HasPrefix(secret, "hb_") {
			// a JWT: a program's access token from the identity provider
			p, role, err := s.cfg.SignIn.AccessToken(ctx, secret)
			if err != nil {
				s.keys.FailedSignIn(ctx, c.IP(), hexbeat.ErrorMessage(err))
				if hexbeat.ErrorCode(err) == hexbeat.EUNAUTHORIZED {
					c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="hexbeat", error="invalid_token"`)
				}
				return err
			}
			return s.admit(c, perm, role, personKey(p.Sub), p.String()+" (access token)", func() { c.Locals("person", p) })
		}
		key, err := s.keys.Authenticate(ctx, secret)
		if err != nil {
			if hexbeat.ErrorCode(err) == hexbeat.EUNAUTHORIZED {
				s.keys.FailedSignIn(ctx, c.IP(), hexbeat.ErrorMessage(err))
				return challenge(err)
			}
			return keyStoreDown(ctx)
		}
		return s.admit(c, perm, key.Role, key.ID, key.Name+" ("+key.Prefix+"…, "+string(key.Role)+")", nil)
	}
}

// personKey is the rate limiter's and the work limiter's key for a signed-in person: their
// subject's hash, negative so that it never meets a key's id.
func personKey(sub string) int64 {
	h := sha256.Sum256([]byte(sub))
	return -int64(binary.BigEndian.Uint64(h[:8]) >> 1)
}

// admit lets a request made with role (a key's, or a signed-in person's) through when the
// role allows perm and the caller's rate allows it; id keys the rate, actor names the
// caller in the audit log, and more sets what else the handlers read.
func (s *Server) admit(c *fiber.Ctx, perm hexbeat.Permission, role hexbeat.Role, id int64, actor string, more func()) error {
	if !role.Allows(perm) {
		return hexbeat.Errorf(hexbeat.EFORBIDDEN, "%s %s may not do this (it needs the %q permission); ask an admin for the right role", article(string(role)), role, perm)
	}
	wait, ok := s.limiter.take(id, time.Now())
	if !ok {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(math.Ceil(wait.Seconds()))))
		return hexbeat.Errorf(hexbeat.ERATELIMIT, "more than %g requests a second for this key or person; retry after %s", s.cfg.RateLimit, wait.Round(time.Millisecond))
	}
	if wait > 0 { // a little over the rate: served late, not refused
		select {
		case <-time.After(wait):
		case <-c.UserContext().Done():
			return c.UserContext().Err()
		}
	}
	c.Locals("actor", actor)
	c.Locals("role", role)
	c.Locals("keyID", id)
	if more != nil {
		more()
	}
	return c.Next()
}

// limiter is a token bucket per key: RateLimit requests a second, bursts of RateBurst.
// A request that finds the bucket empty is delayed until its token comes, when that is
// within rateMaxDelay, and refused otherwise: a GIS client paging through a layer as fast
// as it can (GDAL asks for ten features a request) is slowed to the rate instead of being
// cut off mid-layer, and a key still gets no more than the rate.
type limiter struct {
	mu      sync.Mutex
	rate    float64
	burst   float64
	buckets map[int64]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

// rateMaxDelay is the longest a request waits for its token.
const rateMaxDelay = 500 * time.Millisecond

// take spends one token of key's bucket. When none is left it reserves the next one and
// says how long to wait for it (ok), or, when that is more than rateMaxDelay, says how
// long until one would be free for it (not ok).
func (l *limiter) take(key int64, now time.Time) (time.Duration, bool) {
	if l.rate <= 0 {
		return 0, true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[key]
	if !ok {
		if len(l.buckets) > 100_000 {
			clear(l.buckets)
		}
		b = &bucket{tokens: l.burst, at: now}
		l.buckets[key] = b
	}
	b.tokens = math.Min(l.burst, b.tokens+now.Sub(b.at).Seconds()*l.rate)
	b.at = now
	if b.tokens >= 1 {
		b.tokens--
		return 0, true
	}
	wait := time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
	if wait > rateMaxDelay {
		return wait, false
	}
	b.tokens-- // reserved: the bucket owes it back, and later requests wait longer
	return wait, true
}

// securityHeaders sets the headers every answer carries. The web page's Content Security
// Policy allows only this origin, blob: workers (MapLibre) and the configured basemap.
func (s *Server) securityHeaders(c *fiber.Ctx) error {
	c.Set("X-Content-Type-Options", "nosniff")
	c.Set("X-Frame-Options", "DENY")
	c.Set("Referrer-Policy", "no-referrer")
	c.Set("Cross-Origin-Opener-Policy", "same-origin")
	c.Set("Permissions-Policy", "geolocation=(), camera=(), microphone=()")
	if s.cfg.TLS { // the browser keeps to https for this host from now on
		c.Set("Strict-Transport-Security", "max-age=31536000")
	}
	if !strings.HasPrefix(c.Path(), "/api/") {
		c.Set("Content-Security-Policy", s.csp)
	} else {
		c.Set("Cache-Control", "no-store")
		// the API's HTML (printable reports, the route list) runs no script and loads nothing
		c.Set("Content-Security-Policy", apiCSP)
	}
	return c.Next()
}

// apiCSP is the policy of every answer under /api/: its HTML pages (the printable reports,
// the route list) carry their style inline and nothing else.
const apiCSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// contentSecurityPolicy builds the web page's policy; a basemap adds its origin.
func contentSecurityPolicy(basemap string) string {
	extra := ""
	if basemap != "" {
		if i := strings.Index(basemap, "://"); i > 0 {
			rest := basemap[i+3:]
			if j := strings.IndexByte(rest, '/'); j >= 0 {
				rest = rest[:j]
			}
			extra = " " + basemap[:i+3] + rest
		}
	}
	return "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:" + extra +
		"; connect-src 'self'" + extra + "; worker-src 'self' blob:; child-src blob:; font-src 'self'" + extra + "; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
}

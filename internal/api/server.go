package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io/fs"
	"log/slog"
	"net"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/hexbeat/hexbeat/internal/catalog"
	"github.com/hexbeat/hexbeat/internal/encode"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
)

// Service is every role the API serves (internal/hexbeat/service.go). New takes one value
// that plays them all; each handler reaches only the role it needs.
type Service interface {
	hexbeat.LayerService
	hexbeat.Section60Service
	hexbeat.RetailerService
	hexbeat.CameraService
	hexbeat.ImportService
	hexbeat.KeyService
	hexbeat.AuditService
	hexbeat.StatusService
}

// Config holds the server's settings.
type Config struct {
	RequestTimeout    time.Duration // per request; default 30 s
	BodyLimit         int           // bytes the HTTP server reads of any request; default 33 MiB, above every route's own limit, so that the route answers 413 as problem+json
	BasemapURL        string        // a MapLibre style URL for the web map; empty means none
	Open              bool          // no key checks at all (the demo on loopback, a CLI command)
	Actor             string        // who the audit log names when Open; default "anonymous"
	AllowedHosts      []string      // when set, the only Host headers answered (others get 421): a keyless loopback server's defence against DNS rebinding
	TLS               bool          // served over TLS: answers carry Strict-Transport-Security
	TrustedProxies    []string      // addresses or CIDRs of reverse proxies whose X-Forwarded-For names the client (rate limits, failed sign-ins and the audit log then see the client)
	RateLimit         float64       // requests a second per key or signed-in person; default 100 (negative: none)
	RateBurst         int           // default 2 x RateLimit
	CacheBytes        int           // answers of layer routes kept in memory; default 256 MiB (negative: none)
	MaxAnalyses       int           // analyses running at once, all keys; default twice the CPUs
	MaxAnalysesPerKey int           // of which one key's; default half of MaxAnalyses (at least 1)
	AnalysisQueue     time.Duration // how long an analysis waits for a place before 429/503; default 5 s
	// SignIn, when set, signs people in through the force's identity provider (OpenID
	// Connect); PublicURL is the address users reach
	SignIn    hexbeat.SignInService
	PublicURL string
}

// Server is the HTTP server.
type Server struct {
	app *fiber.App
	// the roles of the service
	layers    hexbeat.LayerService
	section60 hexbeat.Section60Service
	retail    hexbeat.RetailerService
	cameras   hexbeat.CameraService
	imports   hexbeat.ImportService
	keys      hexbeat.KeyService
	audit     hexbeat.AuditService
	state     hexbeat.StatusService

	enc *encode.Encoder  // writes the cell layers, remembering the cells' outlines
	cat *catalog.Catalog // builds the layers from query parameters
	log *slog.Logger
	cfg Config
	web fs.FS

	table   []route
	limiter limiter
	csp     string
	cache   *respCache
	pages   *pageCache // OGC pages of a layer (ogcpages.go)
	tiles   tileIndexes
	metrics *metrics
	work    *workLimiter // places for analyses (work.go)
}

// New builds the server. web holds the built front end (index.html at its root); nil
// serves a page saying the front end was not built.
func New(svc Service, log *slog.Logger, cfg Config, web fs.FS) *Server {
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = 30 * time.Second
	}
	if cfg.BodyLimit <= 0 {
		cfg.BodyLimit = uploadLimit + 1<<20
	}
	if cfg.RateLimit == 0 {
		cfg.RateLimit = 100
	}
	if cfg.RateBurst <= 0 {
		cfg.RateBurst = int(2 * cfg.RateLimit)
	}
	enc := encode.New(0)
	s := &Server{cat: catalog.New(svc, enc), layers: svc, section60: svc, retail: svc, cameras: svc, imports: svc, keys: svc, audit: svc, state: svc, enc: enc, log: log, cfg: cfg, web: web, csp: contentSecurityPolicy(cfg.BasemapURL)}
	if cfg.CacheBytes == 0 {
		cfg.CacheBytes = 256 << 20
	}
	if cfg.CacheBytes > 0 {
		s.cache = newRespCache(cfg.CacheBytes)
		s.pages = &pageCache{max: cfg.CacheBytes / 2}
	}
	if cfg.MaxAnalyses <= 0 {
		cfg.MaxAnalyses = 2 * runtime.GOMAXPROCS(0)
	}
	if cfg.MaxAnalysesPerKey <= 0 {
		cfg.MaxAnalysesPerKey = max(1, cfg.MaxAnalyses/2)
	}
	if cfg.AnalysisQueue <= 0 {
		cfg.AnalysisQueue = 5 * time.Second
	}
	s.cfg = cfg
	s.work = newWorkLimiter(cfg.MaxAnalyses, cfg.MaxAnalysesPerKey, cfg.AnalysisQueue)
	s.metrics = newMetrics(s)
	s.limiter = limiter{rate: cfg.RateLimit, burst: float64(cfg.RateBurst), buckets: map[int64]*bucket{}}
	s.app = fiber.New(fiber.Config{
		AppName:               "hexbeat",
		DisableStartupMessage: true,
		ErrorHandler:          s.handleError,
		BodyLimit:             cfg.BodyLimit,
		StreamRequestBody:     true, // no body is read before its key is checked (limitBody reads it)
		ReadTimeout:           cfg.RequestTimeout,
		WriteTimeout:          cfg.RequestTimeout,
		IdleTimeout:           2 * time.Minute,
		// behind a proxy, the client's address is the proxy's X-Forwarded-For, and only a
		// trusted proxy's is believed
		EnableTrustedProxyCheck: len(cfg.TrustedProxies) > 0,
		TrustedProxies:          cfg.TrustedProxies,
		ProxyHeader:             proxyHeader(cfg.TrustedProxies),
	})
	s.app.Use(s.requestID, s.recover, s.logRequests, s.checkHost, s.securityHeaders, s.timeLimit)
	s.routes()
	return s
}

func (s *Server) routes() {
	s.app.Get("/healthz", s.healthz)
	s.app.Get("/readyz", s.readyz)
	s.signInRoutes()
	// Prometheus metrics: how the service runs, for a key of any role (a scraper sends it
	// as a bearer token)
	s.app.Get("/metrics", s.authorize(hexbeat.PermRead), s.metrics.handler)
	v1 := s.app.Group("/api/v1")
	// the route list too needs a key, as everything under /api/ does (README, "Access")
	s.handle(v1, "GET", "/openapi.json", hexbeat.PermRead, s.openapi)
	s.handle(v1, "GET", "/docs", hexbeat.PermRead, s.apiDocs)
	read, admin := hexbeat.PermRead, hexbeat.PermAdmin
	s.handle(v1, "GET", "/status", read, s.status)
	s.handle(v1, "GET", "/categories", read, s.categories)
	s.handle(v1, "POST", "/imports", hexbeat.PermImport, s.importUpload)
	s.handle(v1, "GET", "/imports", hexbeat.PermImport, s.listImports)
	s.handle(v1, "DELETE", "/imports/:id", admin, s.withdrawImport)
	s.handle(v1, "GET", "/cells", read, s.cached(s.cells))
	s.handle(v1, "GET", "/cells/:cell", read, s.cell)
	s.handle(v1, "GET", "/hotspots", read, s.cached(s.hotspots))
	s.handle(v1, "GET", "/emerging", read, s.cached(s.emerging))
	s.handle(v1, "GET", "/outliers", read, s.cached(s.outliers))
	s.handle(v1, "GET", "/change", read, s.cached(s.change))
	s.handle(v1, "GET", "/evaluate", read, s.cached(s.evaluate))
	s.handle(v1, "GET", "/boundaries", read, s.cached(s.boundaries))
	s.handle(v1, "GET", "/boundaries/:id", read, s.cached(s.boundary))
	s.handle(v1, "POST", "/cameras/plan", hexbeat.PermCameras, s.bounded(s.cameraPlan))
	s.handle(v1, "GET", "/cameras", hexbeat.PermCameras, s.cameraRegister)
	s.handle(v1, "POST", "/cameras", hexbeat.PermCameras, s.recordCamera)
	s.handle(v1, "GET", "/retailers", hexbeat.PermRetailers, s.retailers)
	s.handle(v1, "POST", "/retailers/:id/tests", hexbeat.PermRetailers, s.recordTest)
	s.handle(v1, "GET", "/test-purchase/targets", hexbeat.PermRetailers, s.bounded(s.targets))
	s.handle(v1, "POST", "/section60/proposals", hexbeat.PermSection60, s.bounded(s.proposals))
	s.handle(v1, "POST", "/section60/authorisations", hexbeat.PermSection60, s.authorise)
	s.handle(v1, "GET", "/section60/authorisations", read, s.authorisations)
	s.handle(v1, "GET", "/section60/authorisations/:id", read, s.authorisation)
	s.handle(v1, "POST", "/section60/authorisations/:id/extend", hexbeat.PermSection60, s.extend)
	s.handle(v1, "POST", "/section60/authorisations/:id/cancel", hexbeat.PermSection60, s.cancel)
	s.handle(v1, "POST", "/section60/authorisations/:id/informed", hexbeat.PermSection60, s.informed)
	s.handle(v1, "POST", "/section60/authorisations/:id/notices", hexbeat.PermSection60, s.notice)
	s.handle(v1, "GET", "/section60/authorisations/:id/scrutiny", read, s.scrutiny)
	s.handle(v1, "GET", "/section60/authorisations/:id/evaluation", read, s.evaluation)
	s.handle(v1, "GET", "/stop-search", read, s.stopSearch)
	s.handle(v1, "GET", "/stop-search/disproportionality", read, s.disproportionality)
	s.handle(v1, "GET", "/stop-search/disproportionality/lsoas", read, s.disproLSOAs)
	s.handle(v1, "GET", "/population", read, s.population)
	s.handle(v1, "POST", "/population", read, s.populationDrawn)
	s.handle(v1, "POST", "/stop-search/disproportionality", read, s.disproDrawn)
	s.handle(v1, "GET", "/keys", admin, s.listKeys)
	s.handle(v1, "POST", "/keys", admin, s.createKey)
	s.handle(v1, "DELETE", "/keys/:id", admin, s.revokeKey)
	s.handle(v1, "GET", "/audit", admin, s.auditLog)
	s.handle(v1, "GET", "/audit/verify", admin, s.auditVerify)
	if s.cfg.SignIn != nil {
		s.handle(v1, "GET", "/sessions", admin, s.sessions)
		s.handle(v1, "DELETE", "/sessions/:id", admin, s.endSession)
	}
	s.exportRoutes(v1)
	v1.All("/*", s.authorize(read), func(c *fiber.Ctx) error {
		return hexbeat.Errorf(hexbeat.ENOTFOUND, "no API route %s %s", c.Method(), c.Path())
	})
	s.ogcRoutes()
	s.tileRoutes()
	s.webRoutes()
}

// checkHost answers 421 to a request for a Host the server was not told to answer to
// (Config.AllowedHosts), before anything else: a page of another site whose name was made to
// point at a keyless loopback server cannot read it.
func (s *Server) checkHost(c *fiber.Ctx) error {
	if len(s.cfg.AllowedHosts) == 0 || slices.Contains(s.cfg.AllowedHosts, strings.ToLower(string(c.Request().Host()))) {
		return c.Next()
	}
	return &fiber.Error{Code: fiber.StatusMisdirectedRequest, Message: "this server answers only to its own loopback address or localhost"}
}

// timeLimit gives each request a deadline, Config.RequestTimeout: an analysis that runs past
// it stops and answers 503, instead of running on after its client has given up.
func (s *Server) timeLimit(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), s.cfg.RequestTimeout)
	defer cancel()
	c.SetUserContext(ctx)
	return c.Next()
}

// App returns the Fiber app, for tests that drive it in-process.
func (s *Server) App() *fiber.App { return s.app }

// Serve answers on ln until Shutdown.
func (s *Server) Serve(ln net.Listener) error { return s.app.Listener(ln) }

// Shutdown stops accepting connections and waits for requests in flight, until ctx ends.
func (s *Server) Shutdown(ctx context.Context) error { return s.app.ShutdownWithContext(ctx) }

func (s *Server) requestID(c *fiber.Ctx) error {
	id := c.Get("X-Request-Id")
	if id == "" || len(id) > 64 {
		var b [8]byte
		rand.Read(b[:])
		id = hex.EncodeToString(b[:])
	}
	c.Locals("rid", id)
	c.Set("X-Request-Id", id)
	return c.Next()
}

func (s *Server) recover(c *fiber.Ctx) (err error) {
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("panic", "rid", c.Locals("rid"), "path", c.Path(), "panic", r)
			err = errors.New("panic")
		}
	}()
	return c.Next()
}

// logRequests answers errors as problem documents, then logs and counts every request.
func (s *Server) logRequests(c *fiber.Ctx) error {
	start := time.Now()
	s.metrics.inFlight.Inc()
	defer s.metrics.inFlight.Dec()
	err := c.Next()
	if err != nil {
		if herr := s.handleError(c, err); herr != nil {
			return herr
		}
	}
	drainBody(c)
	took := time.Since(start)
	code := c.Response().StatusCode()
	s.metrics.observe(c.Method(), c.Route().Path, code, took)
	s.log.Debug("request", "rid", c.Locals("rid"), "method", c.Method(), "path", c.Path(),
		"status", code, "took", took)
	return nil
}

// proxyHeader is the header that names a client behind one of the trusted proxies.
func proxyHeader(trusted []string) string {
	if len(trusted) == 0 {
		return ""
	}
	return fiber.HeaderXForwardedFor
}

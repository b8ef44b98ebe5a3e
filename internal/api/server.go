package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io/fs"
	"log/slog"
	"net"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/hexbeat/hexbeat/internal/analysis"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/hexbeat/hexbeat/internal/plan"
)

// Service is what the API needs from the application.
type Service interface {
	Cells(ctx context.Context, q hexbeat.CellQuery) (hexbeat.CellLayer, error)
	Hotspots(ctx context.Context, q hexbeat.HotspotQuery) (hexbeat.HotspotLayer, error)
	Emerging(ctx context.Context, q analysis.EmergingQuery) (analysis.EmergingLayer, error)
	Change(ctx context.Context, q analysis.ChangeQuery) (analysis.ChangeReport, error)
	Evaluate(ctx context.Context, q analysis.EvalQuery) (analysis.EvalResult, error)
	Cameras(ctx context.Context, q analysis.CameraQuery) (analysis.CameraPlan, error)
	Authorise(ctx context.Context, a hexbeat.Authorisation, actor string) (hexbeat.Authorisation, error)
	Extend(ctx context.Context, id int64, x hexbeat.Extension, actor string) (hexbeat.Authorisation, error)
	Cancel(ctx context.Context, id int64, by, reason string, at time.Time, actor string) (hexbeat.Authorisation, error)
	Authorisations(ctx context.Context, status string) ([]hexbeat.Authorisation, time.Time, error)
	Authorisation(ctx context.Context, id int64) (hexbeat.Authorisation, error)
	Scrutiny(ctx context.Context, id int64) (hexbeat.Authorisation, plan.Scrutiny, error)
	Section60Proposals(ctx context.Context, q analysis.ProposalQuery) (analysis.Proposals, error)
	Retailers(ctx context.Context) ([]hexbeat.Retailer, map[string][]hexbeat.RetailerTest, error)
	RecordTest(ctx context.Context, t hexbeat.RetailerTest, actor string) (hexbeat.RetailerTest, error)
	Targets(ctx context.Context, q analysis.TargetQuery) (analysis.Targets, error)
	Boundaries(ctx context.Context) ([]hexbeat.Boundary, error)
	Boundary(ctx context.Context, id string) (hexbeat.Boundary, error)
	Status(ctx context.Context) hexbeat.Status
	Ready(ctx context.Context) error
	Demo() bool
	Taxonomy() *hexbeat.Taxonomy
}

// Config holds the server's settings.
type Config struct {
	RequestTimeout time.Duration // per request; default 30 s
	BodyLimit      int           // bytes; default 32 MiB
	BasemapURL     string        // a MapLibre style URL for the web map; empty means none
}

// Server is the HTTP server.
type Server struct {
	app *fiber.App
	svc Service
	log *slog.Logger
	cfg Config
	web fs.FS
}

// New builds the server. web holds the built front end (index.html at its root); nil
// serves a page saying the front end was not built.
func New(svc Service, log *slog.Logger, cfg Config, web fs.FS) *Server {
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = 30 * time.Second
	}
	if cfg.BodyLimit <= 0 {
		cfg.BodyLimit = 32 << 20
	}
	s := &Server{svc: svc, log: log, cfg: cfg, web: web}
	s.app = fiber.New(fiber.Config{
		AppName:               "hexbeat",
		DisableStartupMessage: true,
		ErrorHandler:          s.handleError,
		BodyLimit:             cfg.BodyLimit,
		ReadTimeout:           cfg.RequestTimeout,
		WriteTimeout:          cfg.RequestTimeout,
		IdleTimeout:           2 * time.Minute,
	})
	s.app.Use(s.requestID, s.recover, s.logRequests)
	s.routes()
	return s
}

func (s *Server) routes() {
	s.app.Get("/healthz", s.healthz)
	s.app.Get("/readyz", s.readyz)
	v1 := s.app.Group("/api/v1")
	v1.Get("/status", s.status)
	v1.Get("/categories", s.categories)
	v1.Get("/cells", s.cells)
	v1.Get("/hotspots", s.hotspots)
	v1.Get("/emerging", s.emerging)
	v1.Get("/change", s.change)
	v1.Get("/evaluate", s.evaluate)
	v1.Post("/cameras/plan", s.cameraPlan)
	v1.Post("/section60/proposals", s.proposals)
	v1.Get("/retailers", s.retailers)
	v1.Post("/retailers/:id/tests", s.recordTest)
	v1.Get("/test-purchase/targets", s.targets)
	v1.Post("/section60/authorisations", s.authorise)
	v1.Get("/section60/authorisations", s.authorisations)
	v1.Get("/section60/authorisations/:id", s.authorisation)
	v1.Post("/section60/authorisations/:id/extend", s.extend)
	v1.Post("/section60/authorisations/:id/cancel", s.cancel)
	v1.Get("/section60/authorisations/:id/scrutiny", s.scrutiny)
	v1.Get("/boundaries", s.boundaries)
	v1.Get("/boundaries/:id", s.boundary)
	v1.All("/*", func(c *fiber.Ctx) error {
		return hexbeat.Errorf(hexbeat.ENOTFOUND, "no API route %s %s", c.Method(), c.Path())
	})
	s.webRoutes()
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

func (s *Server) logRequests(c *fiber.Ctx) error {
	start := time.Now()
	err := c.Next()
	if err != nil {
		if herr := s.handleError(c, err); herr != nil {
			return herr
		}
	}
	s.log.Debug("request", "rid", c.Locals("rid"), "method", c.Method(), "path", c.Path(),
		"status", c.Response().StatusCode(), "took", time.Since(start))
	return nil
}

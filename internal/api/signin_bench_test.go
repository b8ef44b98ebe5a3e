package api_test

import (
	"context"
	"crypto/sha256"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/hexbeat/hexbeat/geodata"
	"github.com/hexbeat/hexbeat/internal/api"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/hexbeat/hexbeat/internal/service"
	"github.com/hexbeat/hexbeat/internal/store"
)

// BenchmarkSignedInRequest: GET /api/v1/status made with a signed-in person's session
// cookie (the session read from the store, its time-outs checked) and with an API key,
// on one SQLite store; the ratio of the two is the cost of sign-in per request.
func BenchmarkSignedInRequest(b *testing.B) {
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite:"+filepath.Join(b.TempDir(), "h.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := service.New(st, geodata.Taxonomy(), log)
	if err := svc.Sync(ctx); err != nil {
		b.Fatal(err)
	}
	_, key, err := svc.CreateKey(ctx, "bench", hexbeat.RoleViewer, "bench")
	if err != nil {
		b.Fatal(err)
	}
	const secret = "bench-session-secret"
	h := sha256.Sum256([]byte(secret))
	now := time.Now().UTC()
	if err := st.CreateSession(ctx, h[:], hexbeat.Session{Person: hexbeat.Person{Sub: "cmd-1", Name: "Officer 1"}, Role: hexbeat.RoleViewer,
		CSRF: "t", CreatedAt: now, SeenAt: now}); err != nil {
		b.Fatal(err)
	}
	s := api.New(svc, log, api.Config{RateLimit: -1, SignIn: svc.SignIn(nil), PublicURL: "http://127.0.0.1"}, nil)
	run := func(b *testing.B, prepare func(req *http.Request)) {
		for b.Loop() {
			req := httptest.NewRequest("GET", "/api/v1/status", nil)
			prepare(req)
			res, err := s.App().Test(req, -1)
			if err != nil || res.StatusCode != 200 {
				b.Fatalf("%v %v", err, res.StatusCode)
			}
			res.Body.Close()
		}
	}
	b.Run("key", func(b *testing.B) { run(b, func(req *http.Request) { req.Header.Set("Authorization", "Bearer "+key) }) })
	b.Run("session", func(b *testing.B) {
		run(b, func(req *http.Request) { req.AddCookie(&http.Cookie{Name: "hexbeat_session", Value: secret}) })
	})
}

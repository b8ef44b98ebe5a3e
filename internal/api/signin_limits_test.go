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

// TestRateLimitPerPerson: with sign-in on, the rate limit is a person's, not a session's:
// a person's second session (another browser) draws on the same bucket, and another person
// has their own; a refusal is 429 with Retry-After.
func TestRateLimitPerPerson(t *testing.T) {
	st, svc, log := signInStore(t)
	session := func(secret, sub string) { addSession(t, st, secret, sub) }
	session("a-laptop", "officer-a")
	session("a-phone", "officer-a")
	session("b-laptop", "officer-b")
	// 0.01 a second: no token comes back while the test runs; bursts of 3
	s := api.New(svc, log, api.Config{RateLimit: 0.01, RateBurst: 3, SignIn: svc.SignIn(nil), PublicURL: "http://127.0.0.1"}, nil)
	get := func(secret string) *http.Response {
		t.Helper()
		req := httptest.NewRequest("GET", "/api/v1/status", nil)
		req.AddCookie(&http.Cookie{Name: "hexbeat_session", Value: secret})
		res, err := s.App().Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	for i, secret := range []string{"a-laptop", "a-phone", "a-laptop"} {
		if res := get(secret); res.StatusCode != 200 {
			t.Fatalf("officer a's request %d (%s): %d, want 200 within the burst", i+1, secret, res.StatusCode)
		}
	}
	res := get("a-phone")
	if res.StatusCode != 429 || res.Header.Get("Retry-After") == "" {
		t.Errorf("officer a's fourth request, from another session: %d (Retry-After %q), want 429 with Retry-After", res.StatusCode, res.Header.Get("Retry-After"))
	}
	for i := range 3 {
		if res := get("b-laptop"); res.StatusCode != 200 {
			t.Errorf("officer b's request %d: %d, want 200 (their own bucket)", i+1, res.StatusCode)
		}
	}
	if res := get("b-laptop"); res.StatusCode != 429 {
		t.Errorf("officer b's fourth request: %d, want 429", res.StatusCode)
	}
}

// signInStore is a new SQLite store and its service, for the sign-in tests and benchmark.
func signInStore(tb testing.TB) (*store.Store, *service.Service, *slog.Logger) {
	tb.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite:"+filepath.Join(tb.TempDir(), "h.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := service.New(st, geodata.Taxonomy(), log)
	if err := svc.Sync(ctx); err != nil {
		tb.Fatal(err)
	}
	return st, svc, log
}

// addSession stores a live viewer's session for sub, whose cookie is secret.
func addSession(tb testing.TB, st *store.Store, secret, sub string) {
	tb.Helper()
	h := sha256.Sum256([]byte(secret))
	now := time.Now().UTC()
	if err := st.CreateSession(context.Background(), h[:], hexbeat.Session{Person: hexbeat.Person{Sub: sub, Name: sub},
		Role: hexbeat.RoleViewer, CSRF: "t-" + secret, CreatedAt: now, SeenAt: now}); err != nil {
		tb.Fatal(err)
	}
}

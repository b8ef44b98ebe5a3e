package api_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/hexbeat/hexbeat/internal/api"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
)

// BenchmarkSignedInRequest: GET /api/v1/status made with a signed-in person's session
// cookie (the session read from the store, its time-outs checked) and with an API key,
// on one SQLite store; the ratio of the two is the cost of sign-in per request.
func BenchmarkSignedInRequest(b *testing.B) {
	st, svc, log := signInStore(b)
	_, key, err := svc.CreateKey(context.Background(), "bench", hexbeat.RoleViewer, "bench")
	if err != nil {
		b.Fatal(err)
	}
	const secret = "bench-session-secret"
	addSession(b, st, secret, "cmd-1")
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

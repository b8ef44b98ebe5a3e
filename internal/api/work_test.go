package api

import (
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/valyala/fasthttp"
)

// TestWorkLimiter: a key runs at most its share of analyses at once and the server at most
// its total; a request without a place waits for one, gets it when one is freed in time,
// and else is refused, 429 when its key's share is running and 503 when the server is
// full, with Retry-After; the refusals are counted for /metrics.
func TestWorkLimiter(t *testing.T) {
	app := fiber.New()
	ctx := func() *fiber.Ctx { return app.AcquireCtx(&fasthttp.RequestCtx{}) }
	w := newWorkLimiter(2, 1, 150*time.Millisecond)
	relA, err := w.acquire(ctx(), "a")
	if err != nil {
		t.Fatal(err)
	}
	c := ctx()
	if _, err := w.acquire(c, "a"); hexbeat.ErrorCode(err) != hexbeat.ERATELIMIT || string(c.Response().Header.Peek("Retry-After")) == "" {
		t.Errorf("a second analysis of key a: %v (Retry-After %q), want 429", err, c.Response().Header.Peek("Retry-After"))
	}
	relB, err := w.acquire(ctx(), "b")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.acquire(ctx(), "c"); hexbeat.ErrorCode(err) != hexbeat.EUNAVAILABLE {
		t.Errorf("key c with the server full: %v, want 503", err)
	}
	// a place freed while c waits is c's
	got := make(chan error, 1)
	go func() {
		rel, err := w.acquire(ctx(), "c")
		if err == nil {
			rel()
		}
		got <- err
	}()
	time.Sleep(20 * time.Millisecond)
	relA()
	if err := <-got; err != nil {
		t.Errorf("key c after a place was freed: %v", err)
	}
	relB()
	if w.running != 0 || len(w.byKey) != 0 {
		t.Errorf("%d running, %v by key after every release", w.running, w.byKey)
	}
	if k, s := testutil.ToFloat64(w.refused.WithLabelValues("key")), testutil.ToFloat64(w.refused.WithLabelValues("server")); k != 1 || s != 1 {
		t.Errorf("refusals counted: key %v, server %v", k, s)
	}
}

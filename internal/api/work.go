package api

import (
	"strconv"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/prometheus/client_golang/prometheus"
)

// The rate limit counts requests, not work: fifty expensive analyses at once from one key
// once took the server to 2.9 GB and starved every other key. So analyses (the layers the
// answer cache misses, downloads, OGC pages of analysis layers, planners, the backtest) take
// a place among Config.MaxAnalyses running at once, and each key at most
// Config.MaxAnalysesPerKey of them. A request without a place waits for one for at most
// Config.AnalysisQueue (and never past its own deadline), then is refused: 429 when its
// key has its share running, 503 when the server is full, both with Retry-After.

// workLimiter holds the places.
type workLimiter struct {
	mu      sync.Mutex
	total   int
	perKey  int
	queue   time.Duration
	running int
	byKey   map[string]int
	wake    chan struct{} // closed and replaced whenever a place is freed

	runningG, queuedG prometheus.Gauge
	refused           *prometheus.CounterVec
}

func newWorkLimiter(total, perKey int, queue time.Duration) *workLimiter {
	return &workLimiter{total: total, perKey: perKey, queue: queue, byKey: map[string]int{}, wake: make(chan struct{}),
		runningG: prometheus.NewGauge(prometheus.GaugeOpts{Name: "hexbeat_analyses_running", Help: "Analyses running (each holds one of the server's places)."}),
		queuedG:  prometheus.NewGauge(prometheus.GaugeOpts{Name: "hexbeat_analyses_queued", Help: "Analyses waiting for a place."}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "hexbeat_analyses_refused_total",
			Help: "Analyses refused after waiting for a place: key (its share was running, 429) or server (every place was, 503)."}, []string{"reason"})}
}

// acquire takes a place for key, waiting while the request may; release gives it back.
func (w *workLimiter) acquire(c *fiber.Ctx, key string) (release func(), err error) {
	deadline := time.NewTimer(w.queue)
	defer deadline.Stop()
	queued := false
	defer func() {
		if queued {
			w.queuedG.Dec()
		}
	}()
	for {
		w.mu.Lock()
		if w.byKey[key] < w.perKey && w.running < w.total {
			w.byKey[key]++
			w.running++
			w.runningG.Inc()
			w.mu.Unlock()
			return func() { w.release(key) }, nil
		}
		keyFull := w.byKey[key] >= w.perKey
		wake := w.wake
		w.mu.Unlock()
		if !queued {
			queued = true
			w.queuedG.Inc()
		}
		select {
		case <-wake:
		case <-deadline.C:
			c.Set(fiber.HeaderRetryAfter, strconv.Itoa(max(1, int(w.queue.Seconds()))))
			if keyFull {
				w.refused.WithLabelValues("key").Inc()
				return nil, hexbeat.Errorf(hexbeat.ERATELIMIT, "this key has %d analyses running already; wait for one to finish", w.perKey)
			}
			w.refused.WithLabelValues("server").Inc()
			return nil, hexbeat.Errorf(hexbeat.EUNAVAILABLE, "the server is running as many analyses as it can (%d); retry shortly", w.total)
		case <-c.UserContext().Done():
			return nil, c.UserContext().Err()
		}
	}
}

func (w *workLimiter) release(key string) {
	w.mu.Lock()
	w.running--
	if w.byKey[key]--; w.byKey[key] <= 0 {
		delete(w.byKey, key)
	}
	w.runningG.Dec()
	close(w.wake)
	w.wake = make(chan struct{})
	w.mu.Unlock()
}

// bounded runs h in a place of the work limiter (see above).
func (s *Server) bounded(h fiber.Handler) fiber.Handler {
	return func(c *fiber.Ctx) error {
		release, err := s.work.acquire(c, workKey(c))
		if err != nil {
			return err
		}
		defer release()
		return h(c)
	}
}

// workKey is whose share an analysis counts against: its key, or its address where no key
// is asked for.
func workKey(c *fiber.Ctx) string {
	if id, ok := c.Locals("keyID").(int64); ok {
		return "key " + strconv.FormatInt(id, 10)
	}
	return "ip " + c.IP()
}

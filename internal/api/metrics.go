package api

import (
	"context"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/valyala/fasthttp/fasthttpadaptor"
)

// metrics are the server's Prometheus metrics, in a registry of its own (so that several
// servers in one process, as in the tests, do not share counters). GET /metrics serves
// them to a key of any role: they say how the service runs, nothing about the incidents.
type metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	inFlight prometheus.Gauge
	handler  fiber.Handler
}

func newMetrics(s *Server) *metrics {
	m, reg := &metrics{}, prometheus.NewRegistry()
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "hexbeat_http_requests_total",
		Help: "HTTP requests answered, by method, route (the route's pattern, not the path asked for) and status code.",
	}, []string{"method", "route", "code"})
	m.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "hexbeat_http_request_duration_seconds",
		Help:    "Time from a request's arrival to its answer, by method and route.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
	}, []string{"method", "route"})
	m.inFlight = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "hexbeat_http_requests_in_flight",
		Help: "HTTP requests being answered.",
	})
	reg.MustRegister(m.requests, m.duration, m.inFlight, &dataCollector{s: s}, s.work.runningG, s.work.queuedG, s.work.refused,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	h := fasthttpadaptor.NewFastHTTPHandler(promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError}))
	m.handler = func(c *fiber.Ctx) error {
		h(c.Context())
		return nil
	}
	return m
}

// observe counts one answered request. route is the pattern Fiber matched
// ("/api/v1/cells/:cell"), so the number of series stays bounded whatever paths are asked.
func (m *metrics) observe(method, route string, code int, took time.Duration) {
	m.requests.WithLabelValues(method, route, strconv.Itoa(code)).Inc()
	m.duration.WithLabelValues(method, route).Observe(took.Seconds())
}

// dataCollector reads the data and cache gauges at scrape time.
type dataCollector struct{ s *Server }

var (
	descIncidents  = prometheus.NewDesc("hexbeat_incidents", "Incidents in the in-memory index.", nil, nil)
	descPoints     = prometheus.NewDesc("hexbeat_index_points", "Distinct incident locations in the index.", nil, nil)
	descBatches    = prometheus.NewDesc("hexbeat_batches", "Committed imports the index has taken in.", nil, nil)
	descReady      = prometheus.NewDesc("hexbeat_ready", "1 when the index is loaded and the store answers (as /readyz), else 0.", nil, nil)
	descDemo       = prometheus.NewDesc("hexbeat_demo", "1 when the store holds the synthetic demo data set.", nil, nil)
	descLatest     = prometheus.NewDesc("hexbeat_latest_incident_timestamp_seconds", "Time of the latest incident held (Unix seconds); absent when there are none.", nil, nil)
	descCacheBytes = prometheus.NewDesc("hexbeat_answer_cache_bytes", "Bytes of layer answers held in the answer cache.", nil, nil)
	descCacheItems = prometheus.NewDesc("hexbeat_answer_cache_entries", "Layer answers held in the answer cache.", nil, nil)
	descCacheHits  = prometheus.NewDesc("hexbeat_answer_cache_hits_total", "Layer requests answered from the cache (or by waiting for the same answer in flight).", nil, nil)
	descCacheMiss  = prometheus.NewDesc("hexbeat_answer_cache_misses_total", "Layer requests that had to be computed.", nil, nil)
	descPending    = prometheus.NewDesc("hexbeat_section60_pending_superintendent", "Section 60 authorisations by an inspector or chief inspector with no record yet that a superintendent was informed (s60(3A)).", nil, nil)
)

func (d *dataCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, x := range []*prometheus.Desc{descIncidents, descPoints, descBatches, descReady, descDemo, descLatest, descCacheBytes, descCacheItems, descCacheHits, descCacheMiss, descPending} {
		ch <- x
	}
}

func (d *dataCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	st := d.s.state.Status(ctx)
	gauge := func(desc *prometheus.Desc, v float64) {
		ch <- prometheus.MustNewConstMetric(desc, prometheus.GaugeValue, v)
	}
	one := func(b bool) float64 {
		if b {
			return 1
		}
		return 0
	}
	gauge(descIncidents, float64(st.Incidents))
	gauge(descPoints, float64(st.Points))
	gauge(descBatches, float64(st.Batches))
	gauge(descReady, one(d.s.state.Ready(ctx) == nil))
	gauge(descDemo, one(st.Demo))
	if !st.Last.IsZero() {
		gauge(descLatest, float64(st.Last.Unix()))
	}
	if list, _, err := d.s.section60.Authorisations(ctx, ""); err == nil {
		pending := 0
		for _, a := range list {
			if a.PendingSuperintendent() {
				pending++
			}
		}
		gauge(descPending, float64(pending))
	}
	if c := d.s.cache; c != nil {
		cs := c.stats()
		gauge(descCacheBytes, float64(cs.bytes))
		gauge(descCacheItems, float64(cs.entries))
		ch <- prometheus.MustNewConstMetric(descCacheHits, prometheus.CounterValue, float64(cs.hits))
		ch <- prometheus.MustNewConstMetric(descCacheMiss, prometheus.CounterValue, float64(cs.misses))
	}
}

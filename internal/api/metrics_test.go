package api_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/hexbeat/hexbeat/internal/api"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/hexbeat/hexbeat/internal/testkit"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// TestMetrics: /metrics is Prometheus' text format, counts each answered request under
// its route's pattern and status, and reports the data and the answer cache as the rest
// of the API sees them.
func TestMetrics(t *testing.T) {
	s := newServer(t, testkit.Data(t, "police/street/2025-01-thames-valley-street.csv"))
	for _, url := range []string{"/api/v1/cells?res=7", "/api/v1/cells?res=7", "/api/v1/cells?res=99", "/api/v1/cells/87195da49ffffff", "/api/v1/nothing"} {
		get(t, s, url)
	}
	code, ctype, body := get(t, s, "/metrics")
	if code != 200 || !strings.HasPrefix(ctype, "text/plain") {
		t.Fatalf("/metrics: %d %q %.300s", code, ctype, body)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("not Prometheus text format: %v", err)
	}
	// value finds the sample of a family whose labels include want
	value := func(name string, want map[string]string) (float64, bool) {
		f, ok := fams[name]
		if !ok {
			return 0, false
		}
	samples:
		for _, m := range f.Metric {
			have := map[string]string{}
			for _, l := range m.Label {
				have[l.GetName()] = l.GetValue()
			}
			for k, v := range want {
				if have[k] != v {
					continue samples
				}
			}
			switch f.GetType() {
			case dto.MetricType_COUNTER:
				return m.Counter.GetValue(), true
			case dto.MetricType_GAUGE:
				return m.Gauge.GetValue(), true
			case dto.MetricType_HISTOGRAM:
				return float64(m.Histogram.GetSampleCount()), true
			}
		}
		return 0, false
	}
	_, _, st := get(t, s, "/api/v1/status")
	var status struct{ Incidents, Points, Batches int }
	json.Unmarshal(st, &status)
	for _, tc := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"hexbeat_http_requests_total", map[string]string{"method": "GET", "route": "/api/v1/cells", "code": "200"}, 2},
		{"hexbeat_http_requests_total", map[string]string{"method": "GET", "route": "/api/v1/cells", "code": "400"}, 1},
		{"hexbeat_http_requests_total", map[string]string{"method": "GET", "route": "/api/v1/cells/:cell", "code": "200"}, 1},
		{"hexbeat_http_requests_total", map[string]string{"method": "GET", "route": "/api/v1/*", "code": "404"}, 1},
		{"hexbeat_http_request_duration_seconds", map[string]string{"method": "GET", "route": "/api/v1/cells"}, 3},
		{"hexbeat_incidents", nil, float64(status.Incidents)},
		{"hexbeat_index_points", nil, float64(status.Points)},
		{"hexbeat_batches", nil, float64(status.Batches)},
		{"hexbeat_ready", nil, 1},
		{"hexbeat_demo", nil, 0},
		{"hexbeat_latest_incident_timestamp_seconds", nil, 1735689600}, // 2025-01-01
		{"hexbeat_answer_cache_hits_total", nil, 1},                    // the second res=7
		{"hexbeat_answer_cache_misses_total", nil, 2},                  // the first, and res=99 (refused)
		{"hexbeat_answer_cache_entries", nil, 1},
		{"hexbeat_http_requests_in_flight", nil, 1}, // the scrape itself
	} {
		if got, ok := value(tc.name, tc.labels); !ok || got != tc.want {
			t.Errorf("%s%v = %g (found %v), want %g", tc.name, tc.labels, got, ok, tc.want)
		}
	}
	if status.Incidents != 14494 {
		t.Errorf("status: %d incidents", status.Incidents)
	}
	// a route label is the pattern, never the path asked for
	for _, m := range fams["hexbeat_http_requests_total"].Metric {
		for _, l := range m.Label {
			if l.GetName() == "route" && strings.Contains(l.GetValue(), "87195da49ffffff") {
				t.Errorf("route label holds the path asked for: %q", l.GetValue())
			}
		}
	}
	for _, name := range []string{"go_goroutines", "process_resident_memory_bytes"} {
		if _, ok := fams[name]; !ok {
			t.Errorf("no %s", name)
		}
	}
}

// TestMetricsNeedAKey: with keys on, /metrics answers any role's key and nobody else; only
// a 401 carries the WWW-Authenticate challenge.
func TestMetricsNeedAKey(t *testing.T) {
	s, _, keys := keyedServer(t, api.Config{})
	code, _, hdr := call(t, s, "GET", "/metrics", "", "")
	if code != 401 || hdr["Www-Authenticate"] == "" {
		t.Errorf("/metrics without a key: %d, WWW-Authenticate %q", code, hdr["Www-Authenticate"])
	}
	code, body, hdr := call(t, s, "GET", "/metrics", keys[hexbeat.RoleViewer], "")
	if code != 200 || !bytes.Contains(body, []byte("hexbeat_incidents 0")) || hdr["Www-Authenticate"] != "" {
		t.Errorf("/metrics with a viewer key: %d, WWW-Authenticate %q: %.200s", code, hdr["Www-Authenticate"], body)
	}
}

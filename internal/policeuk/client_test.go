package policeuk

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paulmach/orb"
)

// TestSplitAndMerge: an area over the limit is quartered; records on the cut come back in
// two quarters and are kept once (crimes by id; stops, which have none, as a multiset: two
// identical stops on the cut stay two).
func TestSplitAndMerge(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		r.ParseForm()
		poly := r.Form.Get("poly")
		if strings.Count(poly, ":") == 3 && strings.Contains(poly, "52.000000,-1.000000") && strings.Contains(poly, "52.200000,-0.800000") {
			http.Error(w, "", http.StatusServiceUnavailable) // the whole square: too many
			return
		}
		onCut := `{"latitude":"52.100000","longitude":"-0.900000","street":{"id":1,"name":"On or near the cut"}}`
		switch r.URL.Path {
		case "/crimes-street/all-crime":
			w.Write([]byte(`[{"id":7,"persistent_id":"","category":"anti-social-behaviour","month":"2025-01","location":` + onCut + `}]`))
		case "/stops-street":
			stop := `{"type":"Person search","datetime":"2025-01-02T10:00:00+00:00","location":` + onCut + `,"outcome":"Arrest"}`
			w.Write([]byte(`[` + stop + `,` + stop + `]`))
		}
	}))
	defer srv.Close()
	c := &Client{Base: srv.URL, Rate: 1000, Backoff: time.Millisecond}
	square := orb.Ring{{-1, 52}, {-0.8, 52}, {-0.8, 52.2}, {-1, 52.2}, {-1, 52}}
	crimes, err := c.StreetCrimes(context.Background(), []orb.Ring{square}, "2025-01")
	if err != nil || len(crimes) != 1 || c.Stats.Splits != 1 {
		t.Fatalf("crimes %v, %v, %d splits", crimes, err, c.Stats.Splits)
	}
	stops, err := c.AreaStops(context.Background(), []orb.Ring{square}, "2025-01")
	if err != nil || len(stops) != 2 {
		t.Fatalf("stops: %d, %v", len(stops), err)
	}
	if n := calls.Load(); n != 10 {
		t.Errorf("%d requests, want 2 x (1 + 4 quarters)", n)
	}
}

// TestRetries: 429 and 5xx are retried up to Retries times, then reported; a 404 is not
// retried; a body that is not the documented JSON is an error.
func TestRetries(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		k := n.Add(1)
		switch r.URL.Path {
		case "/forces/flaky":
			if k < 3 {
				http.Error(w, "", []int{http.StatusTooManyRequests, http.StatusBadGateway}[k-1])
				return
			}
			json.NewEncoder(w).Encode(Force{ID: "flaky", Name: "Flaky Police"})
		case "/forces/down":
			http.Error(w, "down", http.StatusInternalServerError)
		case "/forces/odd":
			w.Write([]byte("<html>"))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	c := &Client{Base: srv.URL, Rate: 1000, Backoff: time.Millisecond, Retries: 3}
	ctx := context.Background()
	if f, err := c.Force(ctx, "flaky"); err != nil || f.Name != "Flaky Police" || c.Stats.Retries != 2 {
		t.Errorf("flaky: %+v %v, %d retries", f, err, c.Stats.Retries)
	}
	n.Store(0)
	if _, err := c.Force(ctx, "down"); err == nil || !strings.Contains(err.Error(), "500") || n.Load() != 4 {
		t.Errorf("down: %v after %d requests", err, n.Load())
	}
	n.Store(0)
	if _, err := c.Force(ctx, "atlantis"); err == nil || !strings.Contains(err.Error(), "404") || n.Load() != 1 {
		t.Errorf("unknown: %v after %d requests", err, n.Load())
	}
	if _, err := c.Force(ctx, "odd"); err == nil || !strings.Contains(err.Error(), "JSON") {
		t.Errorf("odd: %v", err)
	}
}

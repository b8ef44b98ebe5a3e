package ingest

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/hexbeat/hexbeat/internal/hexbeat"
)

// memSink collects what a reader hands to the store.
type memSink struct {
	incidents  []hexbeat.Incident
	searches   []hexbeat.StopSearch
	outcomes   []hexbeat.Outcome
	boundaries []hexbeat.Boundary
	retailers  []hexbeat.Retailer
}

func (m *memSink) AddIncidents(_ context.Context, x []hexbeat.Incident) error {
	m.incidents = append(m.incidents, x...)
	return nil
}
func (m *memSink) AddStopSearches(_ context.Context, x []hexbeat.StopSearch) error {
	m.searches = append(m.searches, x...)
	return nil
}
func (m *memSink) AddOutcomes(_ context.Context, x []hexbeat.Outcome) error {
	m.outcomes = append(m.outcomes, x...)
	return nil
}
func (m *memSink) PutBoundaries(_ context.Context, x []hexbeat.Boundary) error {
	m.boundaries = append(m.boundaries, x...)
	return nil
}
func (m *memSink) PutRetailers(_ context.Context, x []hexbeat.Retailer) error {
	m.retailers = append(m.retailers, x...)
	return nil
}

// sharedData returns the path of a file under ../shared/data, skipping the test when the
// folder is absent (a user's fresh clone has no ../shared).
func sharedData(t testing.TB, rel string) string {
	t.Helper()
	_, here, _, _ := runtime.Caller(0)
	p := filepath.Join(filepath.Dir(here), "..", "..", "..", "shared", "data", rel)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("real data not available (%s): run beside ../shared", p)
	}
	return p
}

// Package testkit holds helpers shared by hexbeat's tests: the path of the real data in
// ../shared beside the repository, and an import sink that keeps what it is given. Only
// tests import it.
package testkit

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/hexbeat/hexbeat/internal/hexbeat"
)

// Shared returns the path of rel under ../shared (e.g. "data/police/street/..." or
// "fixtures/gistar/..."), skipping the test with a clear message when it is absent: a
// user's fresh clone has no ../shared.
func Shared(t testing.TB, rel string) string {
	t.Helper()
	_, here, _, _ := runtime.Caller(0)
	p := filepath.Join(filepath.Dir(here), "..", "..", "..", "shared", rel)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("real data not available (%s): run beside ../shared", p)
	}
	return p
}

// Data is Shared for a file under ../shared/data.
func Data(t testing.TB, rel string) string {
	t.Helper()
	return Shared(t, filepath.Join("data", rel))
}

// ReadCSV reads a whole CSV file with encoding/csv, independently of hexbeat's readers;
// the first row is the header.
func ReadCSV(path string) ([][]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return rows, nil
}

// CSV is ReadCSV for a test: a file it cannot read fails the test.
func CSV(t testing.TB, path string) [][]string {
	t.Helper()
	rows, err := ReadCSV(path)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// Collector is an import sink that keeps copies of everything it is handed.
type Collector struct {
	Incidents  []hexbeat.Incident
	Searches   []hexbeat.StopSearch
	Outcomes   []hexbeat.Outcome
	Boundaries []hexbeat.Boundary
	Retailers  []hexbeat.Retailer
	Cameras    []hexbeat.Camera
	Census     []hexbeat.CensusArea
	Centroids  []hexbeat.Centroid
}

// PutCensus keeps census areas.
func (c *Collector) PutCensus(_ context.Context, x []hexbeat.CensusArea) error {
	c.Census = append(c.Census, x...)
	return nil
}

// PutCentroids keeps centroids.
func (c *Collector) PutCentroids(_ context.Context, x []hexbeat.Centroid) error {
	c.Centroids = append(c.Centroids, x...)
	return nil
}

// AddIncidents keeps incidents.
func (c *Collector) AddIncidents(_ context.Context, x []hexbeat.Incident) error {
	c.Incidents = append(c.Incidents, x...)
	return nil
}

// AddStopSearches keeps stop-and-search records.
func (c *Collector) AddStopSearches(_ context.Context, x []hexbeat.StopSearch) error {
	c.Searches = append(c.Searches, x...)
	return nil
}

// AddOutcomes keeps outcomes.
func (c *Collector) AddOutcomes(_ context.Context, x []hexbeat.Outcome) error {
	c.Outcomes = append(c.Outcomes, x...)
	return nil
}

// PutBoundaries keeps boundaries.
func (c *Collector) PutBoundaries(_ context.Context, x []hexbeat.Boundary) error {
	c.Boundaries = append(c.Boundaries, x...)
	return nil
}

// PutCameras keeps cameras.
func (c *Collector) PutCameras(_ context.Context, x []hexbeat.Camera) error {
	c.Cameras = append(c.Cameras, x...)
	return nil
}

// PutRetailers keeps retailers.
func (c *Collector) PutRetailers(_ context.Context, x []hexbeat.Retailer) error {
	c.Retailers = append(c.Retailers, x...)
	return nil
}

// SharedHead returns the first n bytes of a file under ../shared (nil when absent), to
// seed fuzz corpora with real data without failing where ../shared is missing.
func SharedHead(rel string, n int) []byte {
	_, here, _, _ := runtime.Caller(0)
	f, err := os.Open(filepath.Join(filepath.Dir(here), "..", "..", "..", "shared", rel))
	if err != nil {
		return nil
	}
	defer f.Close()
	b := make([]byte, n)
	m, _ := io.ReadFull(f, b)
	return b[:m]
}

// SharedDir is the path of ../shared beside the repository (it may not exist).
func SharedDir() string {
	_, here, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(here), "..", "..", "..", "shared")
}

// OGR2OGR runs GDAL's ogr2ogr, the peer that writes the Shapefiles and GeoPackages the
// import tests read: a test is skipped without it (Debian's gdal-bin), and fails in CI,
// whose .ci/run installs it.
func OGR2OGR(t testing.TB, args ...string) {
	t.Helper()
	bin, err := exec.LookPath("ogr2ogr")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("no ogr2ogr in CI: .ci/run installs Debian's gdal-bin")
		}
		t.Skip("no ogr2ogr (Debian's gdal-bin: apt-get install gdal-bin); CI installs it")
	}
	if out, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
		t.Fatalf("ogr2ogr %v: %v\n%s", args, err, out)
	}
}

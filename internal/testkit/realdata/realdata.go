// Package realdata reads the real files of ../shared/data for tests: police.uk CSVs and
// boundaries, parsed by the product's own reader. Only tests import it (package ingest's
// own tests cannot: it imports ingest).
package realdata

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/hexbeat/hexbeat/geodata"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/hexbeat/hexbeat/internal/ingest"
	"github.com/hexbeat/hexbeat/internal/testkit"
)

// Read parses files (paths) into a collector; it fails the test on any error.
func Read(t testing.TB, paths ...string) *testkit.Collector {
	t.Helper()
	var c testkit.Collector
	for _, path := range paths {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		_, err = ingest.Read(context.Background(), f, path, ingest.Options{Taxonomy: geodata.Taxonomy()}, &c)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	return &c
}

// StreetMonths returns the paths of the Thames Valley street files of 2025 months from..to
// (1..6), skipping the test when ../shared is absent.
func StreetMonths(t testing.TB, from, to int) []string {
	t.Helper()
	var out []string
	for m := from; m <= to; m++ {
		out = append(out, testkit.Data(t, fmt.Sprintf("police/street/2025-%02d-thames-valley-street.csv", m)))
	}
	return out
}

// MiltonKeynes returns the Milton Keynes boundary.
func MiltonKeynes(t testing.TB) hexbeat.Boundary {
	t.Helper()
	c := Read(t, testkit.Data(t, "boundaries/milton-keynes-boundary.geojson"))
	if len(c.Boundaries) != 1 {
		t.Fatalf("milton-keynes-boundary.geojson: %d boundaries", len(c.Boundaries))
	}
	return c.Boundaries[0]
}

package store_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/hexbeat/hexbeat/internal/testkit"
)

// TestLoadInPartsEqualsOneScan: a replica's start-up reads PostgreSQL's incidents table in
// page ranges on several connections sharing one snapshot; it must hand over exactly the
// incidents a single scan does, each once, with their times to the second.
func TestLoadInPartsEqualsOneScan(t *testing.T) {
	s := freshPostgres(t)
	for _, m := range []string{"2025-01", "2025-02"} {
		if _, err := importFile(t, s, testkit.Data(t, "police/street/"+m+"-thames-valley-street.csv")); err != nil {
			t.Fatal(err)
		}
	}
	load := func() (map[string]int, int) {
		seen := map[string]int{}
		n := 0
		_, _, err := s.LoadNew(context.Background(), func(int64) bool { return false }, func(incs []hexbeat.Incident) error {
			for _, inc := range incs {
				seen[fmt.Sprintf("%d|%s|%.6f|%.6f|%x", inc.OccurredAt.Unix(), inc.Category, inc.Lon, inc.Lat, inc.Cell)]++
				n++
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return seen, n
	}
	one, n1 := load()
	s.SetParallelLoadPages(1)
	parts, n2 := load()
	if n1 != 14494+13478 || n2 != n1 {
		t.Fatalf("one scan loaded %d, the parts %d; the two files hold %d located rows", n1, n2, 14494+13478)
	}
	for k, v := range one {
		if parts[k] != v {
			t.Fatalf("%s: %d in one scan, %d in parts", k, v, parts[k])
		}
	}
}

package index

import (
	"bufio"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/hexbeat/hexbeat/internal/benchgen"
	"github.com/hexbeat/hexbeat/internal/grid"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/hexbeat/hexbeat/internal/testkit/realdata"
	"github.com/paulmach/orb/maptile"
)

// BenchmarkScale builds the index from benchgen data at the scale HEXBEAT_SCALE names (1M,
// 10M or 60M; skipped without it) and reports the index's live heap per incident and the
// process's resident memory after the build, then times queries on a Milton Keynes view:
//
//	HEXBEAT_SCALE=10M go test -run '^$' -bench Scale -benchtime 20x ./internal/index/
func BenchmarkScale(b *testing.B) {
	name := os.Getenv("HEXBEAT_SCALE")
	if name == "" {
		b.Skip("set HEXBEAT_SCALE=1M, 10M or 60M")
	}
	src, err := benchgen.ReadSource(realdata.StreetMonths(b, 1, 6)...)
	if err != nil {
		b.Fatal(err)
	}
	cfg, err := benchgen.Preset(name)
	if err != nil {
		b.Fatal(err)
	}
	bound := realdata.MiltonKeynes(b)
	mk := &Area{Key: bound.ID, Geometry: bound.Geometry}
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	ix := New()
	bld := ix.Begin()
	cellOf := map[[2]float64]uint64{}
	chunk := make([]hexbeat.Incident, 0, 1<<16)
	err = benchgen.Generate(src, cfg, func(g *benchgen.Incident) error {
		k := [2]float64{g.Lon, g.Lat}
		c, ok := cellOf[k]
		if !ok {
			if c, err = grid.FromLonLat(g.Lon, g.Lat, grid.MaxRes); err != nil {
				return err
			}
			cellOf[k] = c
		}
		chunk = append(chunk, hexbeat.Incident{OccurredAt: g.Month, Precision: hexbeat.PrecisionMonth, Category: g.Src.Type, Lon: g.Lon, Lat: g.Lat, Cell: c})
		if len(chunk) == cap(chunk) {
			bld.Add(chunk)
			chunk = chunk[:0]
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	bld.Add(chunk)
	bld.Commit()
	built := time.Since(start)
	s := ix.Snapshot()
	queries := scaleQueries(mk)
	for _, q := range queries {
		s.Cells(q.q, q.area) // build the levels the queries use
	}
	cellOf, chunk = nil, nil
	runtime.GC()
	debug.FreeOSMemory()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(src)
	perInc := float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / float64(s.Len())
	b.Logf("%s: %d incidents at %d points, generated and indexed in %s; index heap %.1f B/incident; process RSS %s",
		name, s.Len(), s.Points(), built.Round(time.Millisecond), perInc, rss())
	b.ReportMetric(perInc, "heapB/incident")
	for _, q := range queries {
		b.Run(q.name, func(b *testing.B) {
			for range b.N {
				s.Cells(q.q, q.area)
			}
		})
	}
	runtime.KeepAlive(s)
	runtime.KeepAlive(src) // counted in the "before" heap
}

type scaleQuery struct {
	name string
	q    hexbeat.CellQuery
	area *Area
}

// scaleQueries are the views the scale benchmarks time: a commander's area over six months
// at res 9, the same for two categories, a map tile's box at zoom 10 over Milton Keynes
// (as /tiles/cells asks), the whole data set's last year at res 7 and its last month at
// res 9.
func scaleQueries(mk *Area) []scaleQuery {
	h1 := func(q hexbeat.CellQuery) hexbeat.CellQuery {
		q.From, q.To = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)
		return q
	}
	tile := maptile.New(509, 338, 10).Bound() // central Milton Keynes
	return []scaleQuery{
		{"mk-6months-res9", h1(hexbeat.CellQuery{Res: 9}), mk},
		{"mk-6months-res9-2categories", h1(hexbeat.CellQuery{Res: 9, Categories: []string{"Robbery", "Violence and sexual offences"}}), mk},
		{"tile-z10-6months-res9", h1(hexbeat.CellQuery{Res: 9, BBox: &tile}), nil},
		{"all-12months-res7", hexbeat.CellQuery{Res: 7, From: time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)}, nil},
		{"all-1month-res9", hexbeat.CellQuery{Res: 9, From: time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)}, nil},
	}
}

// rss returns the process's resident set size from /proc.
func rss() string {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

// Command gistar-peer writes a Gi* study area for the R spdep comparison in
// scripts/bench-gistar-r.sh, and times hexbeat's Gi* on it. It is a benchmark tool, not
// part of the product.
//
//	go run ./scripts/gistar-peer -out area.csv FILE...   # police.uk CSVs and a boundary
//
// area.csv has one row per study-area cell: cell, count, and its neighbours (1-based row
// numbers, the cell itself included) for spdep.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/hexbeat/hexbeat/geodata"
	"github.com/hexbeat/hexbeat/internal/analysis"
	"github.com/hexbeat/hexbeat/internal/grid"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/hexbeat/hexbeat/internal/index"
	"github.com/hexbeat/hexbeat/internal/ingest"
	"github.com/hexbeat/hexbeat/internal/stats"
	"github.com/hexbeat/hexbeat/internal/testkit"
)

func main() {
	out := flag.String("out", "area.csv", "where to write the study area")
	res := flag.Int("res", 9, "H3 resolution")
	reps := flag.Int("reps", 1000, "Gi* repetitions to time")
	flag.Parse()
	if err := run(*out, *res, *reps, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "gistar-peer:", err)
		os.Exit(1)
	}
}

func run(out string, res, reps int, files []string) error {
	ctx := context.Background()
	var c testkit.Collector
	for _, path := range files {
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		_, err = ingest.Read(ctx, f, path, ingest.Options{Taxonomy: geodata.Taxonomy()}, &c)
		f.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
	}
	if len(c.Boundaries) != 1 {
		return fmt.Errorf("give exactly one boundary file with one boundary (got %d boundaries)", len(c.Boundaries))
	}
	ix := index.New()
	ix.Add(c.Incidents)
	b := c.Boundaries[0]
	area := &index.Area{Key: b.ID, Geometry: b.Geometry}
	q := hexbeat.HotspotQuery{CellQuery: hexbeat.CellQuery{Res: res, Area: b.ID}, Method: hexbeat.MethodGiStar}.WithDefaults()
	layer, err := analysis.New(geodata.HarmWeights(geodata.Taxonomy())).Hotspots(context.Background(), ix.Snapshot(), q, area)
	if err != nil {
		return err
	}
	cells := make([]uint64, len(layer.Cells))
	x := make([]float64, len(layer.Cells))
	for i, hc := range layer.Cells {
		cells[i], x[i] = hc.Cell, float64(hc.Count)
	}
	adj, err := stats.NewAdjacency(cells, 1, nil)
	if err != nil {
		return err
	}
	var sb strings.Builder
	sb.WriteString("cell,count,neighbours\n")
	for i, cell := range adj.Cells {
		var nb []string
		for _, j := range adj.Neighbours(i) {
			nb = append(nb, fmt.Sprint(j+1))
		}
		fmt.Fprintf(&sb, "%s,%g,%s\n", grid.String(cell), x[i], strings.Join(nb, " "))
	}
	if err := os.WriteFile(out, []byte(sb.String()), 0o644); err != nil {
		return err
	}
	var z []float64
	start := time.Now()
	for r := 0; r < reps; r++ {
		z = stats.GiStar(adj, x, z)
	}
	per := time.Since(start) / time.Duration(reps)
	fmt.Printf("hexbeat Gi*: %d cells, k=1, %d incidents: %v per run (mean of %d)\n", adj.Len(), layer.Total, per, reps)
	return nil
}

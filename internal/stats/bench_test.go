package stats

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/hexbeat/hexbeat/internal/grid"
)

// BenchmarkGiStar10k: Gi* over 10,000 cells with k = 1 (target: under 5 ms), the
// neighbourhoods built once as a server does for repeated analyses of one area.
func BenchmarkGiStar10k(b *testing.B) {
	a := area(b, 57, 1) // 3*57*58+1 = 9,919 cells
	x := make([]float64, a.Len())
	rng := rand.New(rand.NewPCG(1, 1))
	for i := range x {
		x[i] = float64(rng.IntN(20))
	}
	b.ReportMetric(float64(a.Len()), "cells")
	var z []float64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		z = GiStar(a, x, z)
		p := make([]float64, len(z))
		for j := range z {
			p[j] = TwoSidedP(z[j])
		}
		BenjaminiHochberg(p)
	}
}

// BenchmarkAdjacency10k: building the k = 1 neighbourhoods of 10,000 cells (grid disks
// through cgo), the cost of a study area's first analysis.
func BenchmarkAdjacency10k(b *testing.B) {
	a := area(b, 57, 1)
	for i := 0; i < b.N; i++ {
		if _, err := NewAdjacency(a.Cells, 1, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMoranByRadius10k: k=auto's scan, Moran's I at radii 1..10 over 10,000 cells
// (one grid disk of radius 10 per cell, through cgo); BenchmarkGlobalMoran10k: the Moran's
// I every hotspot layer reports, over neighbourhoods already built.
func BenchmarkMoranByRadius10k(b *testing.B) {
	a := area(b, 57, 1)
	x := make([]float64, a.Len())
	rng := rand.New(rand.NewPCG(1, 1))
	for i := range x {
		x[i] = float64(rng.IntN(20))
	}
	b.ReportMetric(float64(a.Len()), "cells")
	for b.Loop() {
		if _, err := MoranByRadius(context.Background(), a.Cells, x, 10, grid.DiskRings); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGlobalMoran10k(b *testing.B) {
	a := area(b, 57, 1)
	x := make([]float64, a.Len())
	for i := range x {
		x[i] = float64(i % 17)
	}
	for b.Loop() {
		GlobalMoran(a, x)
	}
}

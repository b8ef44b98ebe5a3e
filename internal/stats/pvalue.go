package stats

import (
	"math"
	"slices"
)

// TwoSidedP is the two-sided p-value of a standard normal z-score.
func TwoSidedP(z float64) float64 { return math.Erfc(math.Abs(z) / math.Sqrt2) }

// BenjaminiHochberg returns the Benjamini–Hochberg adjusted p-values (the false discovery
// rate), as R's p.adjust(p, "BH"): p_(i) n / i for the i-th smallest, made monotone from the
// largest down, capped at 1.
func BenjaminiHochberg(p []float64) []float64 {
	n := len(p)
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case p[a] > p[b]:
			return -1
		case p[a] < p[b]:
			return 1
		}
		return 0
	})
	adj := make([]float64, n)
	running := 1.0
	for r, i := range order {
		rank := n - r // rank of p[i] among the ascending values
		v := p[i] * float64(n) / float64(rank)
		running = math.Min(running, v)
		adj[i] = running
	}
	return adj
}

// Bin is the confidence bin of a hot or cold spot, as ArcGIS's Gi_Bin: ±3 when p < 0.01
// (99 % confidence), ±2 when p < 0.05, ±1 when p < 0.10, 0 otherwise; the sign is z's.
func Bin(z, p float64) int {
	var b int
	switch {
	case p < 0.01:
		b = 3
	case p < 0.05:
		b = 2
	case p < 0.10:
		b = 1
	}
	if z < 0 {
		return -b
	}
	if z == 0 {
		return 0
	}
	return b
}

package stats

import (
	"cmp"
	"math"
	"slices"
)

// TwoSidedP is the two-sided p-value of a standard normal z-score.
func TwoSidedP(z float64) float64 { return math.Erfc(math.Abs(z) / math.Sqrt2) }

// BenjaminiHochberg returns the Benjamini–Hochberg adjusted p-values (the false discovery
// rate), as R's p.adjust(p, "BH"): p_(i) n / i for the i-th smallest, made monotone from the
// largest down, capped at 1. As in R, a NaN p-value (no test) stays NaN and is not counted
// in n. Equal p-values get equal adjusted values, whatever their order.
func BenjaminiHochberg(p []float64) []float64 {
	type entry struct {
		p   float64
		pos int
	}
	sorted := make([]entry, 0, len(p))
	adj := make([]float64, len(p))
	for i, v := range p {
		if math.IsNaN(v) {
			adj[i] = v
			continue
		}
		sorted = append(sorted, entry{v, i})
	}
	slices.SortFunc(sorted, func(a, b entry) int { return cmp.Compare(b.p, a.p) }) // largest first
	n := len(sorted)
	running := 1.0
	for r, e := range sorted {
		rank := n - r // rank of e.p among the ascending values
		running = math.Min(running, e.p*float64(n)/float64(rank))
		adj[e.pos] = running
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

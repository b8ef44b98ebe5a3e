package plan

import (
	"sort"

	"github.com/hexbeat/hexbeat/internal/stats"
)

// HotCells is a study area after Gi*: per cell (positions of Adj.Cells) its weighted
// incidents, z, FDR-adjusted p and area. Adj must hold the k = 1 neighbourhoods: areas are
// contiguous through shared edges.
type HotCells struct {
	Adj     *stats.Adjacency
	Value   []float64
	Z, PFDR []float64
	AreaKm2 []float64
}

// AreaPick is one candidate Section 60 area: a contiguous set of significant hot cells.
type AreaPick struct {
	Cells        []int // positions, in the order they were added (hottest first)
	Cluster      []int // the whole contiguous cluster of significant hot cells it came from
	Value        float64
	ClusterValue float64
	AreaKm2      float64
	Capped       bool // the area cap stopped it before it reached the target share
}

// Share is the part of its cluster's weighted incidents the area holds.
func (a AreaPick) Share() float64 {
	if a.ClusterValue == 0 {
		return 0
	}
	return a.Value / a.ClusterValue
}

// PickAreas finds the clusters of significant hot cells (z > 0, FDR-adjusted p < alpha,
// contiguous through neighbours) and in each grows the smallest contiguous area that holds
// targetShare of the cluster's weighted incidents: from its highest-valued cell, adding
// each time the neighbouring cluster cell with the highest value, never past maxAreaKm2
// (0: no cap). Cells with no incidents are not added (an area stops growing when only they
// border it). Areas are ranked by the weighted incidents they hold.
func PickAreas(h HotCells, alpha, targetShare, maxAreaKm2 float64) []AreaPick {
	n := h.Adj.Len()
	hot := make([]bool, n)
	for i := 0; i < n; i++ {
		hot[i] = h.Z[i] > 0 && h.PFDR[i] < alpha
	}
	seen := make([]bool, n)
	var out []AreaPick
	for s := 0; s < n; s++ {
		if !hot[s] || seen[s] {
			continue
		}
		// the cluster: breadth-first through hot neighbours
		cluster := []int{s}
		seen[s] = true
		for q := 0; q < len(cluster); q++ {
			for _, j := range h.Adj.Neighbours(cluster[q]) {
				if hot[j] && !seen[j] {
					seen[j] = true
					cluster = append(cluster, int(j))
				}
			}
		}
		pick := AreaPick{Cluster: cluster}
		inCluster := map[int]bool{}
		start := cluster[0]
		for _, c := range cluster {
			inCluster[c] = true
			pick.ClusterValue += h.Value[c]
			if h.Value[c] > h.Value[start] || h.Value[c] == h.Value[start] && h.Z[c] > h.Z[start] {
				start = c
			}
		}
		if pick.ClusterValue <= 0 {
			continue
		}
		in := map[int]bool{}
		add := func(c int) {
			in[c] = true
			pick.Cells = append(pick.Cells, c)
			pick.Value += h.Value[c]
			pick.AreaKm2 += h.AreaKm2[c]
		}
		if maxAreaKm2 > 0 && h.AreaKm2[start] > maxAreaKm2 {
			continue // one cell is already larger than the cap: a finer resolution is needed
		}
		add(start)
		for pick.Value < targetShare*pick.ClusterValue-1e-9 {
			best := -1
			for _, c := range pick.Cells {
				for _, j := range h.Adj.Neighbours(c) {
					jj := int(j)
					if !inCluster[jj] || in[jj] || h.Value[jj] <= 0 {
						continue
					}
					if best < 0 || h.Value[jj] > h.Value[best] || h.Value[jj] == h.Value[best] && h.Z[jj] > h.Z[best] {
						best = jj
					}
				}
			}
			if best < 0 {
				break
			}
			if maxAreaKm2 > 0 && pick.AreaKm2+h.AreaKm2[best] > maxAreaKm2 {
				pick.Capped = true
				break
			}
			add(best)
		}
		out = append(out, pick)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Value > out[j].Value })
	return out
}

package plan

import (
	"math"
	"testing"

	"github.com/hexbeat/hexbeat/internal/grid"
	"github.com/hexbeat/hexbeat/internal/stats"
)

// hotDisk builds a study area of the disk of radius 3 around a Milton Keynes cell with the
// given values on chosen cells and significance where z is set.
func hotDisk(t *testing.T) (*stats.Adjacency, map[uint64]int) {
	t.Helper()
	c, _ := grid.FromLonLat(-0.7594, 52.0406, 9)
	cells, _ := grid.Disk(c, 3)
	a, err := stats.NewAdjacency(cells, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	pos := map[uint64]int{}
	for i, cell := range a.Cells {
		pos[cell] = i
	}
	return a, pos
}

// TestPickAreasGrowsContiguously: a cluster of significant cells with one strong centre:
// the area starts at the centre, adds the strongest neighbours until it holds the target
// share, stays contiguous, and respects the area cap.
func TestPickAreasGrowsContiguously(t *testing.T) {
	a, pos := hotDisk(t)
	n := a.Len()
	centre, _ := grid.FromLonLat(-0.7594, 52.0406, 9)
	ring, _ := grid.Disk(centre, 1)
	h := HotCells{Adj: a, Value: make([]float64, n), Z: make([]float64, n), PFDR: make([]float64, n), AreaKm2: make([]float64, n)}
	for i := range h.PFDR {
		h.PFDR[i], h.AreaKm2[i] = 1, 0.1
	}
	for k, c := range ring { // the centre and its six neighbours are significant
		i := pos[c]
		h.Z[i], h.PFDR[i], h.Value[i] = 3, 0.001, float64(1+k)
	}
	h.Value[pos[centre]] = 20
	// a separate weak significant cell far away (ring 3) forms its own cluster
	far, _ := grid.Disk(centre, 3)
	var lone int
	for _, c := range far {
		if d, _ := grid.Disk(c, 1); !contains(d, centre) && !containsAny(d, ring) {
			lone = pos[c]
			break
		}
	}
	h.Z[lone], h.PFDR[lone], h.Value[lone] = 2.5, 0.01, 2
	picks := PickAreas(h, 0.05, 0.8, 0)
	if len(picks) != 2 || picks[1].Cells[0] != lone {
		t.Fatalf("%d areas: %+v", len(picks), picks)
	}
	p := picks[0]
	if a.Cells[p.Cells[0]] != centre || p.Share() < 0.8 || len(p.Cluster) != 7 {
		t.Fatalf("main area: %+v (share %.2f)", p, p.Share())
	}
	// every added cell touches an earlier one, and each was the strongest available
	for k := 1; k < len(p.Cells); k++ {
		touches := false
		for _, j := range a.Neighbours(p.Cells[k]) {
			for _, e := range p.Cells[:k] {
				touches = touches || int(j) == e
			}
		}
		if !touches {
			t.Errorf("cell %d of the area does not touch the cells before it", k)
		}
		if k > 1 && h.Value[p.Cells[k]] > h.Value[p.Cells[k-1]] {
			t.Errorf("cell %d (%g) added after a weaker one (%g)", k, h.Value[p.Cells[k]], h.Value[p.Cells[k-1]])
		}
	}
	// dropping the weakest cell would fall below the target: the area is minimal for this order
	if p.Value-h.Value[p.Cells[len(p.Cells)-1]] >= 0.8*p.ClusterValue {
		t.Errorf("area larger than needed: %v of %v", p.Value, p.ClusterValue)
	}
	capped := PickAreas(h, 0.05, 0.8, 0.25)[0]
	if !capped.Capped || capped.AreaKm2 > 0.25+1e-9 || math.Abs(capped.AreaKm2-0.2) > 1e-9 {
		t.Errorf("capped at 0.25 km²: %+v", capped)
	}
	if got := PickAreas(h, 0.0001, 0.8, 0); len(got) != 0 {
		t.Errorf("nothing is significant at alpha 0.0001, got %d areas", len(got))
	}
}

func contains(s []uint64, c uint64) bool {
	for _, x := range s {
		if x == c {
			return true
		}
	}
	return false
}

func containsAny(s, of []uint64) bool {
	for _, c := range of {
		if contains(s, c) {
			return true
		}
	}
	return false
}

package stats

import (
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/hexbeat/hexbeat/internal/grid"
)

// Adjacency lists each study-area cell's neighbours within the study area: the cells of its
// grid disk of radius K that belong to the area, itself included. It is stored compactly
// (CSR): the neighbours of cell i are Idx[Start[i]:Start[i+1]], as positions in Cells.
type Adjacency struct {
	Cells []uint64 // the study area, ascending
	K     int
	Start []int32
	Idx   []int32
}

// DiskFunc returns the cells within k grid steps of a cell, the cell included.
type DiskFunc func(cell uint64, k int) ([]uint64, error)

// NewAdjacency builds the neighbourhoods of a study area. cells need not be sorted and may
// repeat; disk is grid.Disk or a cache in front of it (nil means grid.Disk).
func NewAdjacency(cells []uint64, k int, disk DiskFunc) (*Adjacency, error) {
	return NewAdjacencyContext(context.Background(), cells, k, disk)
}

// NewAdjacencyContext is NewAdjacency that stops with ctx's error when ctx ends (a large
// study area's neighbourhoods take seconds).
func NewAdjacencyContext(ctx context.Context, cells []uint64, k int, disk DiskFunc) (*Adjacency, error) {
	if k < 0 {
		return nil, fmt.Errorf("stats: neighbourhood radius k must be >= 0, got %d", k)
	}
	if disk == nil {
		disk = grid.Disk
	}
	cells = slices.Clone(cells)
	slices.Sort(cells)
	cells = slices.Compact(cells)
	pos := make(map[uint64]int32, len(cells))
	for i, c := range cells {
		pos[c] = int32(i)
	}
	a := &Adjacency{Cells: cells, K: k, Start: make([]int32, 1, len(cells)+1)}
	a.Idx = make([]int32, 0, len(cells)*(3*k*(k+1)+1))
	for i, c := range cells {
		if i%1024 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		d, err := disk(c, k)
		if err != nil {
			return nil, err
		}
		for _, n := range d {
			if j, ok := pos[n]; ok {
				a.Idx = append(a.Idx, j)
			}
		}
		a.Start = append(a.Start, int32(len(a.Idx)))
	}
	return a, nil
}

// Len is the number of cells in the study area.
func (a *Adjacency) Len() int { return len(a.Cells) }

// Position returns a cell's position in Cells.
func (a *Adjacency) Position(cell uint64) (int, bool) {
	return slices.BinarySearch(a.Cells, cell)
}

// Neighbours returns the positions of cell i's neighbours (itself included).
func (a *Adjacency) Neighbours(i int) []int32 { return a.Idx[a.Start[i]:a.Start[i+1]] }

// GiStar returns the Getis–Ord Gi* z-score of every cell of a study area with values x
// (x[i] belongs to a.Cells[i]), with binary weights over the neighbourhoods of a:
//
//	z_i = (Σ_j w_ij x_j − x̄ W_i) / (s √((n S1_i − W_i²) / (n − 1)))
//
// where W_i = Σ_j w_ij, S1_i = Σ_j w_ij² (= W_i for binary weights), and x̄ and s (divisor n)
// are taken over all n cells. A cell whose z is undefined (a constant field, or a
// neighbourhood that is the whole study area) gets 0. z is written into out, which is
// grown as needed and returned.
func GiStar(a *Adjacency, x []float64, out []float64) []float64 {
	n := len(x)
	if n != a.Len() {
		panic(fmt.Sprintf("stats: %d values for a study area of %d cells", n, a.Len()))
	}
	out = slices.Grow(out[:0], n)[:n]
	if n < 2 {
		clear(out)
		return out
	}
	var sum float64
	for _, v := range x {
		sum += v
	}
	fn := float64(n)
	mean := sum / fn
	var ss float64 // two passes: Σx²/n − x̄² loses digits on large counts
	for _, v := range x {
		ss += (v - mean) * (v - mean)
	}
	variance := ss / fn
	if variance <= 1e-300 {
		clear(out)
		return out
	}
	s := math.Sqrt(variance)
	for i := 0; i < n; i++ {
		nb := a.Idx[a.Start[i]:a.Start[i+1]]
		var local float64
		for _, j := range nb {
			local += x[j]
		}
		w := float64(len(nb))
		den := s * math.Sqrt((fn*w-w*w)/(fn-1))
		if den <= 0 || math.IsNaN(den) {
			out[i] = 0
			continue
		}
		out[i] = (local - mean*w) / den
	}
	return out
}

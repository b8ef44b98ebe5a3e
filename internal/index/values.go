package index

import (
	"cmp"
	"math"
	"slices"
	"time"

	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/paulmach/orb"
)

// Weight says how much one incident adds to a cell's value: its category's weight (1 for
// every category when Category is nil) times, when HalfLife is set, the recency decay
// exp(−ln 2 · age / HalfLife), with age measured back from Ref.
type Weight struct {
	Category func(name string) float64
	HalfLife time.Duration
	Ref      time.Time
}

// selection is a query resolved against one snapshot: the time range of incidents, the
// weight of each category code (0 for categories filtered out) and the passing points.
type selection struct {
	lo, hi int
	catW   []float64
	ptOK   bitset // nil: all points
	decay  func(t int64) float64
}

func (s *Snapshot) selection(q hexbeat.CellQuery, area *Area, w Weight) selection {
	sel := selection{ptOK: s.pointMask(q, area), catW: make([]float64, len(s.catNames))}
	sel.lo, sel.hi = s.timeRange(q)
	mask := s.categoryMask(q.Categories)
	for code, name := range s.catNames {
		if mask != nil && !mask[code] {
			continue
		}
		sel.catW[code] = 1
		if w.Category != nil {
			sel.catW[code] = w.Category(name)
		}
	}
	if w.HalfLife > 0 {
		ref := w.Ref.Unix()
		rate := math.Ln2 / w.HalfLife.Seconds()
		sel.decay = func(t int64) float64 { return math.Exp(-rate * float64(ref-t)) }
	}
	return sel
}

// weight returns incident i's weight before recency decay, 0 when it does not match.
func (s *Snapshot) weight(sel *selection, i int) float64 {
	w := sel.catW[s.cats[i]]
	if w == 0 || (sel.ptOK != nil && !sel.ptOK.has(s.ptIDs[i])) {
		return 0
	}
	return w
}

// factor is the recency decay of incidents at time t (1 without decay).
func (sel *selection) factor(t int64) float64 {
	if sel.decay == nil {
		return 1
	}
	return sel.decay(t)
}

// CellValues returns, for each cell at q.Res holding a matching incident (ascending), the
// number of matching incidents and the sum of their weights.
func (s *Snapshot) CellValues(q hexbeat.CellQuery, area *Area, w Weight) (cells []uint64, counts []int, values []float64) {
	sel := s.selection(q, area, w)
	if sel.lo >= sel.hi {
		return nil, nil, nil
	}
	lv := s.level(q.Res)
	n := make([]int32, len(lv.cells))
	v := make([]float64, len(lv.cells))
	s.eachRun(sel.lo, sel.hi, func(t int64, a, b int) {
		f := sel.factor(t)
		for i := a; i < b; i++ {
			if x := s.weight(&sel, i); x != 0 {
				d := lv.ptDense[s.ptIDs[i]]
				n[d]++
				v[d] += x * f
			}
		}
	})
	return collect(lv.cells, n, v)
}

// CellSeries splits [edges[0], edges[len-1]) into the slices between consecutive edges
// (unix seconds, ascending) and returns, for each cell at q.Res holding a matching incident
// in any slice (ascending), its weighted value in each slice: series[t][j] for slice t and
// cells[j]. q's own period is ignored.
func (s *Snapshot) CellSeries(q hexbeat.CellQuery, area *Area, w Weight, edges []int64) (cells []uint64, series [][]float64) {
	if len(edges) < 2 {
		return nil, nil
	}
	q.From, q.To = time.Unix(edges[0], 0), time.Unix(edges[len(edges)-1], 0)
	sel := s.selection(q, area, w)
	lv := s.level(q.Res)
	dense := make([][]float64, len(edges)-1)
	used := make([]bool, len(lv.cells))
	k := 0 // the slice
	s.eachRun(sel.lo, sel.hi, func(t int64, a, b int) {
		for t >= edges[k+1] {
			k++
		}
		f := sel.factor(t)
		for i := a; i < b; i++ {
			x := s.weight(&sel, i)
			if x == 0 {
				continue
			}
			if dense[k] == nil {
				dense[k] = make([]float64, len(lv.cells))
			}
			d := lv.ptDense[s.ptIDs[i]]
			dense[k][d] += x * f
			used[d] = true
		}
	})
	var ids []int
	for d, u := range used {
		if u {
			ids = append(ids, d)
		}
	}
	sortByCell(ids, lv.cells)
	cells = make([]uint64, len(ids))
	for j, d := range ids {
		cells[j] = lv.cells[d]
	}
	series = make([][]float64, len(dense))
	for t, row := range dense {
		series[t] = make([]float64, len(ids))
		if row == nil {
			continue
		}
		for j, d := range ids {
			series[t][j] = row[d]
		}
	}
	return cells, series
}

// PointValues returns each distinct location holding matching incidents, with the number
// of them and the sum of their weights.
func (s *Snapshot) PointValues(q hexbeat.CellQuery, area *Area, w Weight) (pts []orb.Point, counts []int, values []float64) {
	sel := s.selection(q, area, w)
	if sel.lo >= sel.hi {
		return nil, nil, nil
	}
	n := make([]int32, s.Points())
	v := make([]float64, s.Points())
	s.eachRun(sel.lo, sel.hi, func(t int64, a, b int) {
		f := sel.factor(t)
		for i := a; i < b; i++ {
			if x := s.weight(&sel, i); x != 0 {
				n[s.ptIDs[i]]++
				v[s.ptIDs[i]] += x * f
			}
		}
	})
	for p, c := range n {
		if c > 0 {
			pts = append(pts, orb.Point{s.pts.lon[p], s.pts.lat[p]})
			counts = append(counts, int(c))
			values = append(values, v[p])
		}
	}
	return pts, counts, values
}

// collect keeps the cells with incidents, ordered by cell.
func collect(all []uint64, n []int32, v []float64) (cells []uint64, counts []int, values []float64) {
	var ids []int
	for d, c := range n {
		if c > 0 {
			ids = append(ids, d)
		}
	}
	sortByCell(ids, all)
	cells = make([]uint64, len(ids))
	counts = make([]int, len(ids))
	values = make([]float64, len(ids))
	for j, d := range ids {
		cells[j], counts[j], values[j] = all[d], int(n[d]), v[d]
	}
	return cells, counts, values
}

// sortByCell orders dense ids by their cell.
func sortByCell(ids []int, cells []uint64) {
	slices.SortFunc(ids, func(a, b int) int { return cmp.Compare(cells[a], cells[b]) })
}

// CategoryCounts returns the number of matching incidents of each category present.
func (s *Snapshot) CategoryCounts(q hexbeat.CellQuery, area *Area) map[string]int {
	sel := s.selection(q, area, Weight{})
	n := make([]int, len(s.catNames))
	for i := sel.lo; i < sel.hi; i++ {
		if s.weight(&sel, i) != 0 {
			n[s.cats[i]]++
		}
	}
	out := map[string]int{}
	for code, c := range n {
		if c > 0 {
			out[s.catNames[code]] = c
		}
	}
	return out
}

// MonthPrecision reports whether every incident is dated only to its month (police.uk
// publishes the month alone, so its incidents all fall at 00:00 on the 1st): analyses must
// then not slice time more finely than months.
func (s *Snapshot) MonthPrecision() bool {
	m := &s.monthly
	m.once.Do(func() {
		m.v = len(s.runT) > 0
		for _, t := range s.runT {
			if u := time.Unix(t, 0).UTC(); u.Day() != 1 || u.Hour() != 0 || u.Minute() != 0 || u.Second() != 0 {
				m.v = false
				return
			}
		}
	})
	return m.v
}

// CellDetail describes one cell at q.Res: its matching incidents by category over q's
// period (q.Categories ignored, so that the mix shows) and its matching incidents in each
// slice between consecutive edges (unix seconds, ascending; q.Categories applied).
func (s *Snapshot) CellDetail(q hexbeat.CellQuery, cell uint64, edges []int64) (byCategory map[string]int, series []int) {
	series = make([]int, max(len(edges)-1, 0))
	byCategory = map[string]int{}
	lv := s.level(q.Res)
	d := slices.Index(lv.cells, cell)
	if d < 0 {
		return byCategory, series
	}
	dense := uint32(d)
	all := q
	all.Categories = nil
	selAll := s.selection(all, nil, Weight{})
	n := make([]int, len(s.catNames))
	for i := selAll.lo; i < selAll.hi; i++ {
		if lv.ptDense[s.ptIDs[i]] == dense && s.weight(&selAll, i) != 0 {
			n[s.cats[i]]++
		}
	}
	for code, c := range n {
		if c > 0 {
			byCategory[s.catNames[code]] = c
		}
	}
	if len(edges) < 2 {
		return byCategory, series
	}
	q.From, q.To = time.Unix(edges[0], 0), time.Unix(edges[len(edges)-1], 0)
	selCat := s.selection(q, nil, Weight{})
	k := 0
	s.eachRun(selCat.lo, selCat.hi, func(t int64, a, b int) {
		for t >= edges[k+1] {
			k++
		}
		for i := a; i < b; i++ {
			if lv.ptDense[s.ptIDs[i]] == dense && s.weight(&selCat, i) != 0 {
				series[k]++
			}
		}
	})
	return byCategory, series
}

package index

import (
	"math"
	"slices"
	"sort"
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

// selection is a query resolved against one snapshot: the incidents of the period in the
// parts that may match, the weight of each category code (0 for categories filtered out)
// and the passing points.
type selection struct {
	spans []span
	catW  []float64
	ptOK  bitset // nil: all points
	decay func(t int64) float64
}

func (s *Snapshot) selection(q hexbeat.CellQuery, area *Area, w Weight) selection {
	sel := selection{spans: s.spans(q, area), catW: make([]float64, len(s.catNames))}
	if len(sel.spans) > 0 {
		sel.ptOK = s.pointMask(q, area)
	}
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

// weight returns incident i of part p's weight before recency decay, 0 when it does not
// match.
func (sel *selection) weight(p *part, i int) float64 {
	w := sel.catW[p.cats[i]]
	if w == 0 || (sel.ptOK != nil && !sel.ptOK.has(p.ptIDs[i])) {
		return 0
	}
	return w
}

// eachRun calls fn for the incidents [a, b) of part p at each time t in the selection, part
// by part (each part's times ascending).
func (sel *selection) eachRun(fn func(p *part, t int64, a, b int)) {
	for _, sp := range sel.spans {
		sp.eachRun(sp.lo, sp.hi, func(t int64, a, b int) { fn(sp.part, t, a, b) })
	}
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
	if len(sel.spans) == 0 {
		return nil, nil, nil
	}
	lv := s.level(q.Res)
	n := make([]int32, len(lv.cells))
	v := make([]float64, len(lv.cells))
	sel.eachRun(func(p *part, t int64, a, b int) {
		f := sel.factor(t)
		for i := a; i < b; i++ {
			if x := sel.weight(p, i); x != 0 {
				d := lv.ptDense[p.ptIDs[i]]
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
// cells[j]. q's own period is ignored. It takes two passes over the incidents, the first to
// find the cells, so that it holds slices x cells of the answer, not of the country; when
// that passes max (0: no bound) it stops there and returns the cells alone, ok false.
func (s *Snapshot) CellSeries(q hexbeat.CellQuery, area *Area, w Weight, edges []int64, max int) (cells []uint64, series [][]float64, ok bool) {
	if len(edges) < 2 {
		return nil, nil, true
	}
	q.From, q.To = time.Unix(edges[0], 0), time.Unix(edges[len(edges)-1], 0)
	sel := s.selection(q, area, w)
	lv := s.level(q.Res)
	col := make([]int32, len(lv.cells)) // dense id -> 1 + the cell's place in the answer; 0: none
	for _, sp := range sel.spans {
		for i := sp.lo; i < sp.hi; i++ {
			if sel.weight(sp.part, i) != 0 {
				col[lv.ptDense[sp.ptIDs[i]]] = 1
			}
		}
	}
	for d, c := range col { // in cell order, as dense ids are
		if c != 0 {
			cells = append(cells, lv.cells[d])
			col[d] = int32(len(cells))
		}
	}
	if max > 0 && len(cells)*(len(edges)-1) > max {
		return cells, nil, false
	}
	series = make([][]float64, len(edges)-1)
	for t := range series {
		series[t] = make([]float64, len(cells))
	}
	var at *part // the part whose runs are being read, at slice k (a part's times ascend)
	k := 0
	sel.eachRun(func(p *part, t int64, a, b int) {
		if p != at {
			at, k = p, sliceOf(edges, t)
		}
		for t >= edges[k+1] {
			k++
		}
		row, f := series[k], sel.factor(t)
		for i := a; i < b; i++ {
			if x := sel.weight(p, i); x != 0 {
				row[col[lv.ptDense[p.ptIDs[i]]]-1] += x * f
			}
		}
	})
	for _, row := range series {
		for j, x := range row {
			row[j] = tidy(x)
		}
	}
	return cells, series, true
}

// PointValues returns each distinct location holding matching incidents, with the number
// of them and the sum of their weights.
func (s *Snapshot) PointValues(q hexbeat.CellQuery, area *Area, w Weight) (pts []orb.Point, counts []int, values []float64) {
	sel := s.selection(q, area, w)
	if len(sel.spans) == 0 {
		return nil, nil, nil
	}
	n := make([]int32, s.Points())
	v := make([]float64, s.Points())
	sel.eachRun(func(p *part, t int64, a, b int) {
		f := sel.factor(t)
		for i := a; i < b; i++ {
			if x := sel.weight(p, i); x != 0 {
				n[p.ptIDs[i]]++
				v[p.ptIDs[i]] += x * f
			}
		}
	})
	for p, c := range n {
		if c > 0 {
			pts = append(pts, orb.Point{s.pts.lon[p], s.pts.lat[p]})
			counts = append(counts, int(c))
			values = append(values, tidy(v[p]))
		}
	}
	return pts, counts, values
}

// collect keeps the cells with incidents, ordered by cell (as dense ids are).
func collect(all []uint64, n []int32, v []float64) (cells []uint64, counts []int, values []float64) {
	var ids []int
	for d, c := range n {
		if c > 0 {
			ids = append(ids, d)
		}
	}
	cells = make([]uint64, len(ids))
	counts = make([]int, len(ids))
	values = make([]float64, len(ids))
	for j, d := range ids {
		cells[j], counts[j], values[j] = all[d], int(n[d]), tidy(v[d])
	}
	return cells, counts, values
}

// CategoryCounts returns the number of matching incidents of each category present.
func (s *Snapshot) CategoryCounts(q hexbeat.CellQuery, area *Area) map[string]int {
	sel := s.selection(q, area, Weight{})
	n := make([]int, len(s.catNames))
	for _, sp := range sel.spans {
		for i := sp.lo; i < sp.hi; i++ {
			if sel.weight(sp.part, i) != 0 {
				n[sp.cats[i]]++
			}
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
		m.v = s.n > 0
		for _, p := range s.parts {
			for _, t := range p.runT {
				if u := time.Unix(t, 0).UTC(); u.Day() != 1 || u.Hour() != 0 || u.Minute() != 0 || u.Second() != 0 {
					m.v = false
					return
				}
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
	// only the parts holding the cell's points: one pass over the points, not the incidents
	holds := make([]bool, len(s.parts))
	for p, pd := range lv.ptDense {
		if pd == dense {
			holds[s.pts.part[p]] = true
		}
	}
	inCell := func(sel *selection) {
		sel.spans = slices.DeleteFunc(sel.spans, func(sp span) bool { return !holds[sp.id] })
	}
	all := q
	all.Categories = nil
	selAll := s.selection(all, nil, Weight{})
	inCell(&selAll)
	n := make([]int, len(s.catNames))
	for _, sp := range selAll.spans {
		for i := sp.lo; i < sp.hi; i++ {
			if lv.ptDense[sp.ptIDs[i]] == dense && selAll.weight(sp.part, i) != 0 {
				n[sp.cats[i]]++
			}
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
	inCell(&selCat)
	selCat.eachRun(func(p *part, t int64, a, b int) {
		k := sliceOf(edges, t)
		for i := a; i < b; i++ {
			if lv.ptDense[p.ptIDs[i]] == dense && selCat.weight(p, i) != 0 {
				series[k]++
			}
		}
	})
	return byCategory, series
}

// sliceOf returns the slice between consecutive edges (unix seconds, ascending) that holds
// t, which lies in [edges[0], edges[len-1]).
func sliceOf(edges []int64, t int64) int {
	return sort.Search(len(edges)-1, func(k int) bool { return edges[k+1] > t })
}

// tidy rounds a sum of weights to 10 significant digits. A float sum depends on the order of
// its terms ((0.1+0.2)+0.3 is 0.6000000000000001, (0.3+0.2)+0.1 is 0.6), and the index adds
// a cell's incidents in time order, so two cells holding the same crimes could differ in
// the last bits: a tie between them would then be settled by those bits rather than by the
// ranking's tie-break, Mann–Kendall would count two equal slices as a rise, and a harm
// total would read 10871.50999999999. Ten digits are beyond any weight's precision, and the
// rounding error of a sum (about sqrt(n) x 1e-16 of it for n terms) is a thousandth of the
// last digit kept even for a million incidents, so equal sums come out equal unless they
// straddle a rounding boundary.
func tidy(v float64) float64 {
	// whole numbers below 1e10 (every count) already have at most 10 digits: they are
	// returned at once, so counting by the hundred thousand cells pays nothing for this
	if (v == math.Trunc(v) && math.Abs(v) < 1e10) || math.IsInf(v, 0) || math.IsNaN(v) {
		return v
	}
	// scale by a power of ten that is exact (10^0 to 10^22), dividing or multiplying
	e := 9 - math.Floor(math.Log10(math.Abs(v)))
	if e < 0 {
		d := math.Pow(10, -e)
		return math.Round(v/d) * d
	}
	if e > 22 {
		return v
	}
	m := math.Pow(10, e)
	return math.Round(v*m) / m
}

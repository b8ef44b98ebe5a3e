package index

import (
	"slices"

	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// Area is a polygon filter on incident locations. Key, when not empty, names the polygon
// (a boundary id) so that a snapshot computes each boundary's membership once.
type Area struct {
	Key      string
	Geometry orb.Geometry // orb.Polygon or orb.MultiPolygon, [lon,lat]
}

// Cells counts the incidents matching q in each cell at q.Res. area, when not nil, is the
// resolved q.Area (or q.Polygon). Cells with no incidents are left out; the result is
// ordered by cell. total is the number of incidents counted.
func (s *Snapshot) Cells(q hexbeat.CellQuery, area *Area) (cells []hexbeat.CellCount, total int) {
	spans := s.spans(q, area)
	if len(spans) == 0 {
		return nil, 0
	}
	lv := s.level(q.Res)
	catOK := s.categoryMask(q.Categories)
	ptOK := s.pointMask(q, area)
	if ptOK != nil && len(lv.cells) > s.sparseFrom {
		return s.sparseCells(lv, spans, catOK, ptOK)
	}
	n := len(lv.cells)
	counts := make([]int32, n)
	dense := lv.ptDense
	var lanes [][]int32 // see countAll
	if q.Res <= regionRes && catOK == nil && ptOK == nil {
		lanes = [][]int32{counts, make([]int32, n), make([]int32, n), make([]int32, n)}
	}
	for _, sp := range spans {
		cats, pts := sp.cats[sp.lo:sp.hi], sp.ptIDs[sp.lo:sp.hi]
		switch {
		case catOK == nil && ptOK == nil:
			countAll(counts, lanes, dense, pts)
		case ptOK == nil:
			for i, p := range pts {
				if catOK[cats[i]] {
					counts[dense[p]]++
				}
			}
		default:
			for i, p := range pts {
				if (catOK == nil || catOK[cats[i]]) && ptOK.has(p) {
					counts[dense[p]]++
				}
			}
		}
	}
	for _, l := range lanes[min(len(lanes), 1):] {
		for id, c := range l {
			counts[id] += c
		}
	}
	for id, c := range counts { // dense ids are in cell order
		if c > 0 {
			cells = append(cells, hexbeat.CellCount{Cell: lv.cells[id], Count: int(c)})
			total += int(c)
		}
	}
	return cells, total
}

// defaultSparseFrom is the number of cells at a resolution from which a query on an area, a
// polygon or a box counts sparsely (sparseCells); below it, allocating and scanning every
// counter costs less than keeping the list of those counted.
const defaultSparseFrom = 1 << 16 // Index.sparseFrom

// sparseCells is Cells for a query on an area, a polygon or a box when the resolution has
// many cells: its answer holds few of them, so the counters come zeroed from a pool and only
// those counted are read and zeroed again, rather than every counter allocated and scanned.
func (s *Snapshot) sparseCells(lv *level, spans []span, catOK []bool, ptOK bitset) (cells []hexbeat.CellCount, total int) {
	counts, _ := lv.zeroed.Get().(*[]int32)
	if counts == nil {
		c := make([]int32, len(lv.cells))
		counts = &c
	}
	cs, dense := *counts, lv.ptDense
	var touched []uint32
	for _, sp := range spans {
		cats, pts := sp.cats[sp.lo:sp.hi], sp.ptIDs[sp.lo:sp.hi]
		for i, p := range pts {
			if (catOK == nil || catOK[cats[i]]) && ptOK.has(p) {
				d := dense[p]
				if cs[d] == 0 {
					touched = append(touched, d)
				}
				cs[d]++
			}
		}
	}
	slices.Sort(touched) // dense ids are in cell order
	for _, d := range touched {
		cells = append(cells, hexbeat.CellCount{Cell: lv.cells[d], Count: int(cs[d])})
		total += int(cs[d])
		cs[d] = 0
	}
	lv.zeroed.Put(counts)
	return cells, total
}

// countAll adds one to counts[dense[p]] for each p in pts. At the regions' resolution or
// coarser, a region's incidents fall in one or two cells, so that each increment would
// wait for the one before: then four sets of counters (lanes, the first of them counts),
// taking the incidents in turn, keep them apart, and the caller sums them.
func countAll(counts []int32, lanes [][]int32, dense []uint32, pts []uint32) {
	i := 0
	if len(lanes) == 4 {
		c0, c1, c2, c3 := lanes[0], lanes[1], lanes[2], lanes[3]
		for ; i+4 <= len(pts); i += 4 {
			c0[dense[pts[i]]]++
			c1[dense[pts[i+1]]]++
			c2[dense[pts[i+2]]]++
			c3[dense[pts[i+3]]]++
		}
	}
	for _, p := range pts[i:] {
		counts[dense[p]]++
	}
}

// span is the incidents [lo, hi) of one part that fall in a query's period.
type span struct {
	*part
	lo, hi int
}

// spans returns, for each part that may hold incidents matching q's area, polygon and box
// (its points' box meets theirs), the incidents inside q's period; parts with none are
// left out.
func (s *Snapshot) spans(q hexbeat.CellQuery, area *Area) []span {
	var boxes []orb.Bound
	if area != nil && area.Geometry != nil {
		boxes = append(boxes, area.Geometry.Bound())
	}
	if q.Polygon != nil {
		boxes = append(boxes, q.Polygon.Bound())
	}
	if q.BBox != nil {
		boxes = append(boxes, *q.BBox)
	}
	var out []span
parts:
	for _, p := range s.parts {
		for _, b := range boxes {
			if !p.bound.Intersects(b) {
				continue parts
			}
		}
		lo, hi := 0, p.Len()
		if !q.From.IsZero() {
			lo = p.firstAt(q.From.Unix())
		}
		if !q.To.IsZero() {
			hi = p.firstAt(q.To.Unix())
		}
		if lo < hi {
			out = append(out, span{p, lo, hi})
		}
	}
	return out
}

// categoryMask returns which category codes to count, or nil for all.
func (s *Snapshot) categoryMask(names []string) []bool {
	if len(names) == 0 {
		return nil
	}
	mask := make([]bool, len(s.catNames))
	for _, n := range names {
		for code, c := range s.catNames {
			if c == n {
				mask[code] = true
			}
		}
	}
	return mask
}

// pointMask returns which points pass the area and bounding-box filters, or nil for all.
func (s *Snapshot) pointMask(q hexbeat.CellQuery, area *Area) bitset {
	var m bitset
	if area != nil && area.Geometry != nil {
		m = s.areaMembership(area).clone()
	}
	if q.Polygon != nil {
		pm := s.membership(q.Polygon)
		if m == nil {
			m = pm
		} else {
			m.and(pm)
		}
	}
	if q.BBox != nil {
		b := *q.BBox
		in := newBitset(s.Points())
		s.eachPointNear(b, func(p uint32, pt orb.Point) {
			if b.Contains(pt) {
				in.set(p)
			}
		})
		if m == nil {
			m = in
		} else {
			m.and(in)
		}
	}
	return m
}

// eachPointNear calls fn for every point of the regions whose box meets b (a superset of
// the points inside b), not for the country's.
func (s *Snapshot) eachPointNear(b orb.Bound, fn func(p uint32, pt orb.Point)) {
	byPart := s.partPoints()
	for _, part := range s.parts {
		if part.bound.Intersects(b) {
			for _, p := range byPart[part.id] {
				fn(p, orb.Point{s.pts.lon[p], s.pts.lat[p]})
			}
		}
	}
}

// partPoints lists each part's points, computed once per snapshot (4 bytes a point).
func (s *Snapshot) partPoints() [][]uint32 {
	e := &s.byPart
	e.once.Do(func() {
		n := len(s.pts.lon)
		first := make([]int, len(s.parts)+1)
		for _, p := range s.pts.part[:n] {
			first[p+1]++
		}
		for p := range s.parts {
			first[p+1] += first[p]
		}
		all := make([]uint32, n)
		next := slices.Clone(first[:len(s.parts)])
		for pt, p := range s.pts.part[:n] {
			all[next[p]] = uint32(pt)
			next[p]++
		}
		e.v = make([][]uint32, len(s.parts))
		for p := range e.v {
			e.v[p] = all[first[p]:first[p+1]]
		}
	})
	return e.v
}

// areaMembership returns the points inside a named area, computed once per snapshot.
func (s *Snapshot) areaMembership(a *Area) bitset {
	if a.Key == "" {
		return s.membership(a.Geometry)
	}
	if v, ok := s.areas.Load(a.Key); ok {
		return v.(bitset)
	}
	m := s.membership(a.Geometry)
	s.areas.Store(a.Key, m)
	return m
}

// membership tests the points of the regions near a polygon against it: a bounding-box
// test first, then the exact planar point-in-polygon test (on a boundary edge counts as
// inside).
func (s *Snapshot) membership(g orb.Geometry) bitset {
	m := newBitset(s.Points())
	var contains func(orb.Point) bool
	switch p := g.(type) {
	case orb.Polygon:
		contains = func(pt orb.Point) bool { return planar.PolygonContains(p, pt) }
	case orb.MultiPolygon:
		contains = func(pt orb.Point) bool { return planar.MultiPolygonContains(p, pt) }
	default:
		return m
	}
	b := g.Bound()
	s.eachPointNear(b, func(p uint32, pt orb.Point) {
		if b.Contains(pt) && contains(pt) {
			m.set(p)
		}
	})
	return m
}

// bitset is a set of point ids.
type bitset []uint64

func newBitset(n int) bitset       { return make(bitset, (n+63)/64) }
func (b bitset) set(i uint32)      { b[i>>6] |= 1 << (i & 63) }
func (b bitset) has(i uint32) bool { return b[i>>6]&(1<<(i&63)) != 0 }
func (b bitset) clone() bitset     { return slices.Clone(b) }
func (b bitset) and(o bitset) {
	for i := range b {
		b[i] &= o[i]
	}
}

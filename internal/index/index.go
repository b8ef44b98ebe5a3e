package index

import (
	"cmp"
	"slices"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/hexbeat/hexbeat/internal/grid"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/paulmach/orb"
)

// Index holds the current snapshot and builds the next one when incidents are added.
type Index struct {
	seq     atomic.Uint64 // numbers snapshots
	mu      sync.Mutex    // serialises Add
	cur     atomic.Pointer[Snapshot]
	cells   *pointCells
	pointID map[[2]float64]uint32
	catCode map[string]uint16

	bmu     sync.Mutex // guards batches; separate so a Builder can ask HasBatch
	batches map[int64]bool
}

// New returns an empty index.
func New() *Index {
	ix := &Index{pointID: map[[2]float64]uint32{}, catCode: map[string]uint16{}, batches: map[int64]bool{}, cells: &pointCells{}}
	ix.cur.Store(ix.newSnapshot(columns{}, points{}, nil))
	return ix
}

// Snapshot returns the current snapshot; it stays valid (and unchanged) for as long as the
// caller holds it.
func (ix *Index) Snapshot() *Snapshot { return ix.cur.Load() }

// HasBatch reports whether the incidents of a batch are in the index.
func (ix *Index) HasBatch(id int64) bool {
	ix.bmu.Lock()
	defer ix.bmu.Unlock()
	return ix.batches[id]
}

// MarkBatches records batches whose incidents have been added.
func (ix *Index) MarkBatches(ids ...int64) {
	ix.bmu.Lock()
	defer ix.bmu.Unlock()
	for _, id := range ids {
		ix.batches[id] = true
	}
}

// Add merges incidents into a new snapshot and makes it current.
func (ix *Index) Add(incs []hexbeat.Incident) {
	b := ix.Begin()
	b.Add(incs)
	b.Commit()
}

// Builder collects incidents for one new snapshot in compact form (16 bytes each), so that
// a large load never holds full Incident values. Only one Builder is open at a time:
// Begin waits for the previous Commit.
type Builder struct {
	ix       *Index
	old      *Snapshot
	rows     []row
	pts      points
	catNames []string
}

type row struct {
	t   int64
	cat uint16
	pt  uint32
}

// Begin starts a Builder; it must be finished with Commit.
func (ix *Index) Begin() *Builder {
	ix.mu.Lock()
	old := ix.cur.Load()
	return &Builder{ix: ix, old: old, pts: old.pts, catNames: old.catNames}
}

// Add converts incidents into the builder's rows, registering new points and categories.
func (b *Builder) Add(incs []hexbeat.Incident) {
	ix := b.ix
	for i := range incs {
		inc := &incs[i]
		code, ok := ix.catCode[inc.Category]
		if !ok {
			code = uint16(len(b.catNames))
			ix.catCode[inc.Category] = code
			b.catNames = append(slices.Clip(b.catNames), inc.Category)
		}
		k := [2]float64{inc.Lon, inc.Lat}
		id, ok := ix.pointID[k]
		if !ok {
			id = uint32(len(b.pts.lon))
			ix.pointID[k] = id
			// the point columns only grow: older snapshots never read past their own length
			b.pts.lon = append(b.pts.lon, inc.Lon)
			b.pts.lat = append(b.pts.lat, inc.Lat)
			b.pts.cell = append(b.pts.cell, inc.Cell)
		}
		b.rows = append(b.rows, row{inc.OccurredAt.Unix(), code, id})
	}
}

// Abort drops what the builder collected, forgets the points and categories it registered,
// and releases the index; the current snapshot is unchanged.
func (b *Builder) Abort() {
	defer b.ix.mu.Unlock()
	for _, c := range b.catNames[len(b.old.catNames):] {
		delete(b.ix.catCode, c)
	}
	for p := len(b.old.pts.lon); p < len(b.pts.lon); p++ {
		delete(b.ix.pointID, [2]float64{b.pts.lon[p], b.pts.lat[p]})
	}
}

// Commit merges the rows into a new snapshot, makes it current and releases the index.
func (b *Builder) Commit() {
	ix, old, rows := b.ix, b.old, b.rows
	defer ix.mu.Unlock()
	if len(rows) == 0 && len(b.catNames) == len(old.catNames) {
		return
	}
	byTime := func(a, b row) int { return cmp.Compare(a.t, b.t) }
	if !slices.IsSortedFunc(rows, byTime) {
		slices.SortStableFunc(rows, byTime)
	}
	n := old.Len() + len(rows)
	next := columns{cats: make([]uint16, 0, n), ptIDs: make([]uint32, 0, n), runT: make([]int64, 0, len(old.runT)+1)}
	j := 0
	for r, t := range old.runT {
		for ; j < len(rows) && rows[j].t < t; j++ {
			next.add(rows[j].t, rows[j].cat, rows[j].pt)
		}
		for i := old.runStart(r); i < int(old.runEnd[r]); i++ {
			next.add(t, old.cats[i], old.ptIDs[i])
		}
	}
	for ; j < len(rows); j++ {
		next.add(rows[j].t, rows[j].cat, rows[j].pt)
	}
	ix.cur.Store(ix.newSnapshot(next, b.pts, b.catNames))
}

// columns are a snapshot's incidents, sorted by time. Times are held as runs: each distinct
// time once, with the end of its incidents. police.uk data is dated by month, so a
// month's incidents are one run and time costs nothing per incident; data with exact
// times costs 12 bytes an incident, 4 more than a plain column.
type columns struct {
	runT   []int64  // distinct times, unix seconds, ascending
	runEnd []uint32 // runEnd[r]: one past the last incident of run r
	cats   []uint16 // index into catNames
	ptIDs  []uint32 // index into pts
}

// add appends an incident no earlier than the last.
func (c *columns) add(t int64, cat uint16, pt uint32) {
	if k := len(c.runT); k == 0 || c.runT[k-1] != t {
		c.runT = append(c.runT, t)
		c.runEnd = append(c.runEnd, uint32(len(c.cats)))
	}
	c.cats = append(c.cats, cat)
	c.ptIDs = append(c.ptIDs, pt)
	c.runEnd[len(c.runEnd)-1]++
}

// runStart returns the first incident of run r.
func (c *columns) runStart(r int) int {
	if r == 0 {
		return 0
	}
	return int(c.runEnd[r-1])
}

// eachRun calls fn for the incidents [a, b) of each run of one time t within [lo, hi).
func (c *columns) eachRun(lo, hi int, fn func(t int64, a, b int)) {
	r := sort.Search(len(c.runEnd), func(r int) bool { return int(c.runEnd[r]) > lo })
	for ; lo < hi; r++ {
		b := min(int(c.runEnd[r]), hi)
		fn(c.runT[r], lo, b)
		lo = b
	}
}

// firstAt returns the first incident at or after time t.
func (c *columns) firstAt(t int64) int {
	return c.runStart(sort.Search(len(c.runT), func(r int) bool { return c.runT[r] >= t }))
}

// points holds each distinct incident location once.
type points struct {
	lon, lat []float64
	cell     []uint64 // resolution 15
}

// pointCells holds each point's cell at each resolution, computed on first use and only for
// points not seen before. A point's cell at a coarser resolution is computed from the point,
// not taken as the parent of its resolution-15 cell: H3 cells are not exactly nested, and
// near a cell's edge the parent of the fine cell is a neighbour of the coarse cell that
// holds the point (on six months of Thames Valley data, 298 of 925 Milton Keynes res-9
// cells would be off).
type pointCells struct {
	mu    sync.Mutex
	byRes [grid.MaxRes + 1][]uint64 // append-only
}

// upTo returns the cells at res of the first len(pts.lon) points.
func (pc *pointCells) upTo(res int, pts points) []uint64 {
	n := len(pts.lon)
	if res == grid.MaxRes {
		return pts.cell[:n]
	}
	pc.mu.Lock()
	defer pc.mu.Unlock()
	have := pc.byRes[res]
	for p := len(have); p < n; p++ {
		c, err := grid.FromLonLat(pts.lon[p], pts.lat[p], res)
		if err != nil {
			c = grid.Parent(pts.cell[p], res) // unreachable for stored points, which were validated
		}
		have = append(have, c)
	}
	pc.byRes[res] = have
	return have[:n]
}

// Snapshot is an immutable view of the indexed incidents.
type Snapshot struct {
	columns
	pts      points
	catNames []string

	cellsOf *pointCells
	version uint64

	levels [grid.MaxRes + 1]struct {
		once sync.Once
		l    *level
	}
	areas sync.Map // area key -> *bitset over points

	monthly struct {
		once sync.Once
		v    bool
	}
	bounds struct {
		once sync.Once
		b    orb.Bound
	}
}

func (ix *Index) newSnapshot(c columns, pts points, catNames []string) *Snapshot {
	return &Snapshot{columns: c, pts: pts, catNames: catNames, cellsOf: ix.cells, version: ix.seq.Add(1)}
}

// Version numbers the snapshot: a later snapshot of the same index has a higher one.
func (s *Snapshot) Version() uint64 { return s.version }

// Len is the number of incidents.
func (s *Snapshot) Len() int { return len(s.cats) }

// Points is the number of distinct incident locations.
func (s *Snapshot) Points() int { return len(s.pts.cell) }

// Categories returns the category names present, in the order first seen.
func (s *Snapshot) Categories() []string { return slices.Clone(s.catNames) }

// TimeRange returns the first and last incident times (unix seconds); ok is false when empty.
func (s *Snapshot) TimeRange() (first, last int64, ok bool) {
	if len(s.runT) == 0 {
		return 0, 0, false
	}
	return s.runT[0], s.runT[len(s.runT)-1], true
}

// Bounds returns the box around every incident location; ok is false when empty.
func (s *Snapshot) Bounds() (b orb.Bound, ok bool) {
	if len(s.pts.lon) == 0 {
		return b, false
	}
	e := &s.bounds
	e.once.Do(func() {
		e.b = orb.Bound{Min: orb.Point{s.pts.lon[0], s.pts.lat[0]}, Max: orb.Point{s.pts.lon[0], s.pts.lat[0]}}
		for p := range s.pts.lon {
			e.b = e.b.Extend(orb.Point{s.pts.lon[p], s.pts.lat[p]})
		}
	})
	return e.b, true
}

// level numbers the distinct cells of one resolution densely. It maps points, not
// incidents, to cells, so that each resolution queried costs 4 bytes a distinct point
// rather than an incident.
type level struct {
	cells   []uint64 // dense id -> cell
	ptDense []uint32 // point -> dense id
}

// level returns the dense cell numbering at resolution res, building it on first use.
func (s *Snapshot) level(res int) *level {
	e := &s.levels[res]
	e.once.Do(func() {
		ids := map[uint64]uint32{}
		ptDense := make([]uint32, len(s.pts.cell))
		var cells []uint64
		for p, c := range s.cellsOf.upTo(res, s.pts) {
			id, ok := ids[c]
			if !ok {
				id = uint32(len(cells))
				ids[c] = id
				cells = append(cells, c)
			}
			ptDense[p] = id
		}
		e.l = &level{cells: cells, ptDense: ptDense}
	})
	return e.l
}

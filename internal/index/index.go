package index

import (
	"cmp"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/hexbeat/hexbeat/internal/grid"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
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
	ix.cur.Store(ix.newSnapshot(nil, nil, nil, points{}, nil))
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
	n := len(old.times) + len(rows)
	times, cats, ptIDs := make([]int64, 0, n), make([]uint16, 0, n), make([]uint32, 0, n)
	i, j := 0, 0
	for i < len(old.times) || j < len(rows) {
		if j >= len(rows) || (i < len(old.times) && old.times[i] <= rows[j].t) {
			times, cats, ptIDs = append(times, old.times[i]), append(cats, old.cats[i]), append(ptIDs, old.ptIDs[i])
			i++
		} else {
			times, cats, ptIDs = append(times, rows[j].t), append(cats, rows[j].cat), append(ptIDs, rows[j].pt)
			j++
		}
	}
	ix.cur.Store(ix.newSnapshot(times, cats, ptIDs, b.pts, b.catNames))
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
	times    []int64  // unix seconds, ascending
	cats     []uint16 // index into catNames
	ptIDs    []uint32 // index into pts
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
}

func (ix *Index) newSnapshot(times []int64, cats []uint16, ptIDs []uint32, pts points, catNames []string) *Snapshot {
	return &Snapshot{times: times, cats: cats, ptIDs: ptIDs, pts: pts, catNames: catNames, cellsOf: ix.cells, version: ix.seq.Add(1)}
}

// Version numbers the snapshot: a later snapshot of the same index has a higher one.
func (s *Snapshot) Version() uint64 { return s.version }

// Len is the number of incidents.
func (s *Snapshot) Len() int { return len(s.times) }

// Points is the number of distinct incident locations.
func (s *Snapshot) Points() int { return len(s.pts.cell) }

// Categories returns the category names present, in the order first seen.
func (s *Snapshot) Categories() []string { return slices.Clone(s.catNames) }

// TimeRange returns the first and last incident times (unix seconds); ok is false when empty.
func (s *Snapshot) TimeRange() (first, last int64, ok bool) {
	if len(s.times) == 0 {
		return 0, 0, false
	}
	return s.times[0], s.times[len(s.times)-1], true
}

// level numbers the distinct cells of one resolution densely.
type level struct {
	cells    []uint64 // dense id -> cell
	incDense []uint32 // incident -> dense id
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
		inc := make([]uint32, len(s.ptIDs))
		for i, p := range s.ptIDs {
			inc[i] = ptDense[p]
		}
		e.l = &level{cells: cells, incDense: inc}
	})
	return e.l
}

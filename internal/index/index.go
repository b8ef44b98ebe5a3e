package index

import (
	"cmp"
	"maps"
	"slices"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/hexbeat/hexbeat/internal/grid"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/paulmach/orb"
)

// regionRes is the H3 resolution of the regions the incidents are held in (about 250 km²
// a cell): a query on an area, a polygon or a box reads only the regions around it, so a
// commander's view costs the same whether the index holds one force or forty-three.
const regionRes = 5

// Index holds the current snapshot and builds the next one when incidents are added.
type Index struct {
	seq      atomic.Uint64 // numbers snapshots
	mu       sync.Mutex    // serialises Add
	cur      atomic.Pointer[Snapshot]
	cells    *pointCells
	pointID  map[[2]float64]uint32
	catCode  map[string]uint16
	regionID map[uint64]uint32 // region cell -> part number

	bmu     sync.Mutex // guards batches; separate so a Builder can ask HasBatch
	batches map[int64]bool

	sparseFrom int // see defaultSparseFrom; each index its own, so that tests set theirs
}

// New returns an empty index.
func New() *Index {
	ix := &Index{pointID: map[[2]float64]uint32{}, catCode: map[string]uint16{}, regionID: map[uint64]uint32{}, batches: map[int64]bool{}, cells: &pointCells{}, sparseFrom: defaultSparseFrom}
	ix.cur.Store(ix.newSnapshot(nil, 0, points{}, nil))
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

// Batches returns the ids of the batches whose incidents are in the index, in no order.
func (ix *Index) Batches() []int64 {
	ix.bmu.Lock()
	defer ix.bmu.Unlock()
	ids := make([]int64, 0, len(ix.batches))
	for id := range ix.batches {
		ids = append(ids, id)
	}
	return ids
}

// Replace makes nx's incidents and batches this index's, as a snapshot numbered after this
// index's last, so that anything cached by version is asked again. It is how the index is
// rebuilt after incidents were withdrawn from the store: nx is loaded apart while readers
// go on with the current snapshot. nx must not be used afterwards.
func (ix *Index) Replace(nx *Index) {
	nx.mu.Lock() // no Builder of nx is open
	defer nx.mu.Unlock()
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.cells, ix.pointID, ix.catCode, ix.regionID = nx.cells, nx.pointID, nx.catCode, nx.regionID
	nx.bmu.Lock()
	batches := maps.Clone(nx.batches)
	nx.bmu.Unlock()
	ix.bmu.Lock()
	ix.batches = batches
	ix.bmu.Unlock()
	snap := nx.cur.Load() // nx's own: no reader holds it yet
	snap.version = ix.seq.Add(1)
	ix.cur.Store(snap)
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
	regions  []uint64    // region cell of each part, the old snapshot's and new ones
	bounds   []orb.Bound // box around each part's points, grown as points arrive
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
	b := &Builder{ix: ix, old: old, pts: old.pts, catNames: old.catNames}
	for _, p := range old.parts {
		b.regions, b.bounds = append(b.regions, p.region), append(b.bounds, p.bound)
	}
	return b
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
			b.pts.part = append(b.pts.part, b.part(inc))
		}
		b.rows = append(b.rows, row{inc.OccurredAt.Unix(), code, id})
	}
}

// part returns the part of a new point's region, registering the region when new, and
// widens the part's box to take the point in.
func (b *Builder) part(inc *hexbeat.Incident) uint32 {
	pt := orb.Point{inc.Lon, inc.Lat}
	region := grid.Parent(inc.Cell, regionRes)
	id, ok := b.ix.regionID[region]
	if !ok {
		id = uint32(len(b.regions))
		b.ix.regionID[region] = id
		b.regions = append(b.regions, region)
		b.bounds = append(b.bounds, orb.Bound{Min: pt, Max: pt})
	}
	b.bounds[id] = b.bounds[id].Extend(pt)
	return id
}

// Abort drops what the builder collected, forgets the points, categories and regions it
// registered, and releases the index; the current snapshot is unchanged.
func (b *Builder) Abort() {
	defer b.ix.mu.Unlock()
	for _, c := range b.catNames[len(b.old.catNames):] {
		delete(b.ix.catCode, c)
	}
	for _, r := range b.regions[len(b.old.parts):] {
		delete(b.ix.regionID, r)
	}
	for p := len(b.old.pts.lon); p < len(b.pts.lon); p++ {
		delete(b.ix.pointID, [2]float64{b.pts.lon[p], b.pts.lat[p]})
	}
}

// Commit merges the rows into a new snapshot, makes it current and releases the index.
// Each region's rows are merged into its part by time; a part with no new rows is shared
// with the old snapshot as it is.
func (b *Builder) Commit() {
	ix, old, rows := b.ix, b.old, b.rows
	defer ix.mu.Unlock()
	if len(rows) == 0 && len(b.catNames) == len(old.catNames) {
		return
	}
	// the rows of each part, in arrival order (a counting sort of row positions by part)
	first := make([]int, len(b.regions)+1)
	for _, r := range rows {
		first[b.pts.part[r.pt]+1]++
	}
	for p := range b.regions {
		first[p+1] += first[p]
	}
	order := make([]uint32, len(rows))
	next := slices.Clone(first[:len(b.regions)])
	for i, r := range rows {
		p := b.pts.part[r.pt]
		order[next[p]] = uint32(i)
		next[p]++
	}
	byTime := func(i, j uint32) int { return cmp.Compare(rows[i].t, rows[j].t) }
	parts := make([]*part, len(b.regions))
	n := 0
	for p := range parts {
		mine := order[first[p]:first[p+1]]
		var was *part
		if p < len(old.parts) {
			was = old.parts[p]
		}
		switch {
		case len(mine) == 0 && was != nil:
			parts[p] = was
		default:
			if !slices.IsSortedFunc(mine, byTime) {
				slices.SortStableFunc(mine, byTime)
			}
			parts[p] = &part{id: uint32(p), region: b.regions[p], bound: b.bounds[p], columns: mergeByTime(was, rows, mine)}
		}
		n += parts[p].Len()
	}
	ix.cur.Store(ix.newSnapshot(parts, n, b.pts, b.catNames))
}

// mergeByTime returns the columns of a part (nil when new) with the rows at positions mine (in
// time order) merged in by time, after the part's own incidents of the same time.
func mergeByTime(was *part, rows []row, mine []uint32) columns {
	var old columns
	if was != nil {
		old = was.columns
	}
	n := old.Len() + len(mine)
	next := columns{cats: make([]uint16, 0, n), ptIDs: make([]uint32, 0, n), runT: make([]int64, 0, len(old.runT)+1)}
	j := 0
	for r, t := range old.runT {
		for ; j < len(mine) && rows[mine[j]].t < t; j++ {
			x := rows[mine[j]]
			next.add(x.t, x.cat, x.pt)
		}
		for i := old.runStart(r); i < int(old.runEnd[r]); i++ {
			next.add(t, old.cats[i], old.ptIDs[i])
		}
	}
	for ; j < len(mine); j++ {
		x := rows[mine[j]]
		next.add(x.t, x.cat, x.pt)
	}
	return next
}

// part is the incidents at the points of one region, an H3 cell at regionRes, in time
// order, with the box around the region's points.
type part struct {
	columns
	id     uint32 // its place in a snapshot's parts
	region uint64
	bound  orb.Bound
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

// Len is the number of incidents.
func (c *columns) Len() int { return len(c.cats) }

// points holds each distinct incident location once.
type points struct {
	lon, lat []float64
	cell     []uint64 // resolution 15
	part     []uint32 // the part of the point's region
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
	parts    []*part // by region, in the order regions were first seen
	n        int     // incidents
	pts      points
	catNames []string

	cellsOf    *pointCells
	version    uint64
	sparseFrom int // a query on an area counts sparsely from this many cells at its resolution

	levels [grid.MaxRes + 1]struct {
		once sync.Once
		l    *level
	}
	areas sync.Map // area key -> *bitset over points

	byPart struct { // see partPoints
		once sync.Once
		v    [][]uint32
	}

	monthly struct {
		once sync.Once
		v    bool
	}
}

func (ix *Index) newSnapshot(parts []*part, n int, pts points, catNames []string) *Snapshot {
	return &Snapshot{parts: parts, n: n, pts: pts, catNames: catNames, cellsOf: ix.cells, version: ix.seq.Add(1), sparseFrom: ix.sparseFrom}
}

// Version numbers the snapshot: a later snapshot of the same index has a higher one.
func (s *Snapshot) Version() uint64 { return s.version }

// Len is the number of incidents.
func (s *Snapshot) Len() int { return s.n }

// Points is the number of distinct incident locations.
func (s *Snapshot) Points() int { return len(s.pts.cell) }

// Categories returns the category names present, in the order first seen.
func (s *Snapshot) Categories() []string { return slices.Clone(s.catNames) }

// TimeRange returns the first and last incident times (unix seconds); ok is false when empty.
func (s *Snapshot) TimeRange() (first, last int64, ok bool) {
	for _, p := range s.parts {
		if len(p.runT) == 0 {
			continue
		}
		f, l := p.runT[0], p.runT[len(p.runT)-1]
		if !ok || f < first {
			first = f
		}
		if !ok || l > last {
			last = l
		}
		ok = true
	}
	return first, last, ok
}

// Bounds returns the box around every incident location; ok is false when empty.
func (s *Snapshot) Bounds() (b orb.Bound, ok bool) {
	for i, p := range s.parts { // each part's box is the box around its points
		if i == 0 {
			b = p.bound
		} else {
			b = b.Union(p.bound)
		}
	}
	return b, len(s.parts) > 0
}

// level numbers the distinct cells of one resolution densely, in cell order, so that an
// answer read off in dense order is ordered by cell. It maps points, not incidents, to
// cells, so that each resolution queried costs 4 bytes a distinct point rather than an
// incident.
type level struct {
	cells   []uint64  // dense id -> cell, ascending
	ptDense []uint32  // point -> dense id
	zeroed  sync.Pool // *[]int32 of len(cells), all zero: counters for a sparse count
}

// level returns the dense cell numbering at resolution res, building it on first use.
func (s *Snapshot) level(res int) *level {
	e := &s.levels[res]
	e.once.Do(func() {
		of := s.cellsOf.upTo(res, s.pts)
		sorted := slices.Clone(of)
		slices.Sort(sorted)
		cells := slices.Clone(slices.Compact(sorted)) // its own array, not the points'-length one
		ptDense := make([]uint32, len(of))
		for p, c := range of {
			id, _ := slices.BinarySearch(cells, c)
			ptDense[p] = uint32(id)
		}
		e.l = &level{cells: cells, ptDense: ptDense}
	})
	return e.l
}

package service

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hexbeat/hexbeat/geodata"
	"github.com/hexbeat/hexbeat/internal/analysis"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/hexbeat/hexbeat/internal/index"
	"github.com/hexbeat/hexbeat/internal/ingest"
	"github.com/paulmach/orb"
)

// Store is what the service needs of a store.
type Store interface {
	hexbeat.Importer
	LoadNew(ctx context.Context, have func(int64) bool, fn func([]hexbeat.Incident) error) ([]hexbeat.Batch, []int64, error)
	Batches(ctx context.Context) ([]hexbeat.Batch, error)
	WithdrawBatch(ctx context.Context, id int64, ev hexbeat.AuditEvent) (hexbeat.Withdrawal, error)
	Boundaries(ctx context.Context) ([]hexbeat.Boundary, error)
	Boundary(ctx context.Context, id string) (hexbeat.Boundary, error)
	Register
	Keystore
	Population
	Sessions
	Incidents(ctx context.Context, f hexbeat.IncidentFilter) ([]hexbeat.IncidentRecord, error)
	Incident(ctx context.Context, id int64) (hexbeat.IncidentRecord, error)
	Meta(ctx context.Context, key string) (string, error)
	Ping(ctx context.Context) error
	Dialect() string
}

// Service answers queries from the index and keeps it in step with the store.
type Service struct {
	store  Store
	ix     *index.Index
	tax    *hexbeat.Taxonomy
	engine *analysis.Engine

	uploadLimits ingest.UploadLimits // what one upload may unpack to
	log          *slog.Logger

	syncMu   sync.Mutex // one Sync at a time
	ready    atomic.Bool
	demo     atomic.Bool
	batches  atomic.Int64
	storeErr atomic.Pointer[error] // the last sync's failure, nil when it succeeded

	bmu        sync.RWMutex
	boundaries map[string]hexbeat.Boundary // by id; nil until loaded
	bordered   []hexbeat.Boundary          // as the store orders them: by kind, then id
	bbounds    []orb.Bound                 // bordered's bounds, in its order
	bextent    orb.Bound                   // the bound of them all
	bversion   int                         // bumped when a boundary batch arrives

	pmu sync.Mutex
	pop *residents // the census and centroids, nil until read and after an import of either

	rmu       sync.Mutex
	shops     []hexbeat.Retailer // the retailer register, when shopsHeld
	shopsHeld bool               // false until read, and again after a retailer import

	now func() time.Time // the clock; tests may set it

	keys   keyCache
	layers layerCache
}

// New returns a service over st; call Sync (or Run) to load the index.
func New(st Store, tax *hexbeat.Taxonomy, log *slog.Logger) *Service {
	return &Service{store: st, ix: index.New(), tax: tax, log: log, engine: analysis.New(geodata.HarmWeights(tax)), uploadLimits: DefaultUploadLimits, now: func() time.Time { return time.Now().UTC() }}
}

// SetClock replaces the clock (for tests of time-bound rules).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// SetHarmWeights replaces the default harm weights (the embedded Cambridge Crime Harm
// Index) with a user's table. Call it before serving.
func (s *Service) SetHarmWeights(h *hexbeat.HarmWeights) {
	s.engine = analysis.New(h)
	s.layers.clear()
}

// Engine returns the analysis engine.
func (s *Service) Engine() *analysis.Engine { return s.engine }

// Index returns the in-memory index (for benchmarks and tests).
func (s *Service) Index() *index.Index { return s.ix }

// Taxonomy returns the category taxonomy.
func (s *Service) Taxonomy() *hexbeat.Taxonomy { return s.tax }

// Sync loads the incidents of committed batches the index does not have yet, and reloads
// boundaries when a boundary batch arrived. It is safe to call at any time.
func (s *Service) Sync(ctx context.Context) error {
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	start := time.Now()
	if !s.ready.Load() {
		demo, err := s.store.Meta(ctx, "demo")
		if err != nil {
			return err
		}
		s.demo.Store(demo == "true")
	}
	b := s.ix.Begin()
	added := 0
	batches, newIDs, err := s.store.LoadNew(ctx, s.ix.HasBatch, func(chunk []hexbeat.Incident) error {
		b.Add(chunk)
		added += len(chunk)
		return nil
	})
	if err != nil {
		b.Abort() // a partial load must leave no rows: the batches are read again next time
		return err
	}
	b.Commit()
	s.ix.MarkBatches(newIDs...)
	if gone := withdrawn(s.ix.Batches(), batches); len(gone) > 0 {
		// an import was withdrawn (here or by another replica): its incidents cannot be
		// picked out of the index, so the index is loaded again, apart, and swapped in
		n, err := s.rebuild(ctx)
		if err != nil {
			return err
		}
		s.log.Info("index rebuilt: imports withdrawn", "batches", gone, "incidents", n, "took", time.Since(start).Round(time.Millisecond))
		added = max(added, n)
	}
	if added >= 1<<20 {
		// a large load leaves its staging (about 60 bytes an incident) as garbage: return
		// it to the operating system now rather than over the next minutes, so that the
		// resident memory an operator sees is the index's
		debug.FreeOSMemory()
	}
	boundariesChanged := s.boundaryMap() == nil
	for _, bt := range batches {
		if !slices.Contains(newIDs, bt.ID) {
			continue
		}
		switch bt.Kind {
		case "boundaries":
			boundariesChanged = true
		case "retailers":
			s.forgetRegister()
		case hexbeat.KindCensus, hexbeat.KindCentroids:
			s.forgetResidents()
		}
	}
	if added > 0 || !s.ready.Load() {
		s.log.Info("index updated", "batches", len(newIDs), "incidents_added", added,
			"incidents", s.ix.Snapshot().Len(), "took", time.Since(start).Round(time.Millisecond))
	}
	if boundariesChanged {
		if err := s.loadBoundaries(ctx); err != nil {
			return err
		}
	}
	s.batches.Store(int64(len(batches)))
	s.ready.Store(true)
	return nil
}

func (s *Service) boundaryMap() map[string]hexbeat.Boundary {
	s.bmu.RLock()
	defer s.bmu.RUnlock()
	return s.boundaries
}

func (s *Service) loadBoundaries(ctx context.Context) error {
	bs, err := s.store.Boundaries(ctx)
	if err != nil {
		return err
	}
	m := make(map[string]hexbeat.Boundary, len(bs))
	bounds := make([]orb.Bound, len(bs))
	var extent orb.Bound
	for i, b := range bs {
		m[b.ID] = b
		bounds[i] = b.Geometry.Bound()
		if i == 0 {
			extent = bounds[i]
		} else {
			extent = extent.Union(bounds[i])
		}
	}
	s.bmu.Lock()
	s.boundaries, s.bordered, s.bbounds, s.bextent = m, bs, bounds, extent
	s.bversion++
	s.bmu.Unlock()
	return nil
}

// Run syncs every interval and whenever notify delivers, until ctx ends. Errors are logged
// and retried at the next tick.
func (s *Service) Run(ctx context.Context, interval time.Duration, notify <-chan struct{}) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-notify:
		}
		err := s.Sync(ctx)
		if err != nil && ctx.Err() == nil {
			if s.storeErr.Load() == nil {
				s.log.Warn("the store cannot be reached; answering 503 until it can", "err", err)
			}
			s.storeErr.Store(&err)
		} else if err == nil && s.storeErr.Swap(nil) != nil {
			s.log.Info("the store answers again")
		}
	}
}

// DataVersion changes whenever the answer to a query on incidents or boundaries may:
// when the index takes in a batch or the boundaries are reloaded.
func (s *Service) DataVersion() string {
	s.bmu.RLock()
	bv := s.bversion
	s.bmu.RUnlock()
	return strconv.FormatUint(s.ix.Snapshot().Version(), 10) + "." + strconv.Itoa(bv)
}

// StoreError is the error of the last sync with the store when it failed (nil when the
// store answered). While it is set the API answers 503: the index may be stale and keys
// cannot be checked.
func (s *Service) StoreError() error {
	if e := s.storeErr.Load(); e != nil {
		return *e
	}
	return nil
}

// Ready reports whether the index is loaded and the store answers.
func (s *Service) Ready(ctx context.Context) error {
	if !s.ready.Load() {
		return fmt.Errorf("index not loaded yet")
	}
	return s.store.Ping(ctx)
}

// Demo reports whether the store holds the synthetic demo data set.
func (s *Service) Demo() bool { return s.demo.Load() }

// Status describes the data held.
func (s *Service) Status(ctx context.Context) hexbeat.Status {
	snap := s.ix.Snapshot()
	st := hexbeat.Status{Demo: s.Demo(), Incidents: snap.Len(), Points: snap.Points(), Categories: snap.Categories(),
		Batches: int(s.batches.Load()), Ready: s.ready.Load(), StoreDialect: s.store.Dialect()}
	sort.Strings(st.Categories)
	if first, last, ok := snap.TimeRange(); ok {
		st.First, st.Last = time.Unix(first, 0).UTC(), time.Unix(last, 0).UTC()
		st.MonthsOnly = snap.MonthPrecision()
	}
	st.Bounds, _ = snap.Bounds()
	return st
}

// prepare resolves a query's categories and area (in place) against the current
// snapshot, which it returns with the area's polygon.
func (s *Service) prepare(q *hexbeat.CellQuery) (*index.Snapshot, *index.Area, error) {
	snap := s.ix.Snapshot()
	resolved, area, err := s.resolve(*q, snap)
	if err != nil {
		return nil, nil, err
	}
	*q = resolved
	return snap, area, nil
}

// resolve turns category spellings into canonical names and the area id into its polygon.
func (s *Service) resolve(q hexbeat.CellQuery, snap *index.Snapshot) (hexbeat.CellQuery, *index.Area, error) {
	var bad []hexbeat.FieldError
	present := snap.Categories()
	cats := make([]string, 0, len(q.Categories))
	for _, c := range q.Categories {
		if known, ok := s.tax.Lookup(c); ok {
			cats = append(cats, known.Name)
			continue
		}
		if i := slices.IndexFunc(present, func(p string) bool { return strings.EqualFold(p, strings.TrimSpace(c)) }); i >= 0 {
			cats = append(cats, present[i]) // a force's own category
			continue
		}
		bad = append(bad, hexbeat.FieldError{Field: "category", Message: fmt.Sprintf("unknown category %q; known: %s", c, strings.Join(s.categoryNames(present), ", "))})
	}
	q.Categories = cats
	var area *index.Area
	if q.Area != "" {
		s.bmu.RLock()
		b, ok := s.boundaries[q.Area]
		version := s.bversion
		s.bmu.RUnlock()
		if !ok {
			bad = append(bad, unknownArea(q.Area))
		} else {
			area = &index.Area{Key: fmt.Sprintf("%s#%d", b.ID, version), Geometry: b.Geometry}
		}
	}
	bad = append(bad, wholeMonths(snap, bound{"from", q.From, false}, bound{"to", q.To, true})...)
	if len(bad) > 0 {
		return q, nil, &hexbeat.Error{Code: hexbeat.EINVALID, Message: "invalid cell query", Fields: bad}
	}
	return q, area, nil
}

// unknownArea is the field error for an area id that names no boundary.
func unknownArea(id string) hexbeat.FieldError {
	return hexbeat.FieldError{Field: "area", Message: fmt.Sprintf("no boundary with id %q (see /api/v1/boundaries)", id)}
}

// bound is one end of a period a caller gave: the start, or the (exclusive) end.
type bound struct {
	field string
	t     time.Time
	end   bool
}

// wholeMonths refuses period bounds inside a month when every incident held is dated by its
// month only (police.uk): such incidents all fall on the 1st, so "15 January to 3 February"
// would count all of February and none of January, and say nothing. The error names the
// whole months to ask for instead.
func wholeMonths(snap *index.Snapshot, bounds ...bound) []hexbeat.FieldError {
	if !snap.MonthPrecision() {
		return nil
	}
	var bad []hexbeat.FieldError
	for _, b := range bounds {
		if b.t.IsZero() || hexbeat.MonthStart(b.t).Equal(b.t) {
			continue
		}
		m := hexbeat.MonthStart(b.t)
		suggest := fmt.Sprintf("%s=%s starts with %s", b.field, m.Format("2006-01"), m.Format("January 2006"))
		if b.end {
			suggest = fmt.Sprintf("%s=%s ends with %s", b.field, m.Format("2006-01"), m.Format("January 2006"))
		}
		bad = append(bad, hexbeat.FieldError{Field: b.field, Message: "the incidents held are dated by month only (police.uk gives no day), so a period must run in whole months: " + suggest})
	}
	return bad
}

func (s *Service) categoryNames(present []string) []string {
	var names []string
	for _, c := range s.tax.Categories() {
		names = append(names, c.Name)
	}
	for _, p := range present {
		if !slices.Contains(names, p) {
			names = append(names, p)
		}
	}
	return names
}

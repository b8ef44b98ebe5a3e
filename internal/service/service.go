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
	log    *slog.Logger

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

	rmu       sync.Mutex
	shops     []hexbeat.Retailer // the retailer register, when shopsHeld
	shopsHeld bool               // false until read, and again after a retailer import

	now func() time.Time // the clock; tests may set it

	keys   keyCache
	layers layerCache
}

// New returns a service over st; call Sync (or Run) to load the index.
func New(st Store, tax *hexbeat.Taxonomy, log *slog.Logger) *Service {
	return &Service{store: st, ix: index.New(), tax: tax, log: log, engine: analysis.New(geodata.HarmWeights(tax)), now: func() time.Time { return time.Now().UTC() }}
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

// BoundariesIn returns the boundaries held of kind (any kind when it is "") whose bound
// meets box (all of them when box is nil), ordered by kind and id, with their bounds. The
// slices may be shared: callers must not change them. The bounds are computed once, when
// the boundaries are loaded: a national set of 35,000 outlines has millions of points.
func (s *Service) BoundariesIn(kind string, box *orb.Bound) ([]hexbeat.Boundary, []orb.Bound) {
	s.bmu.RLock()
	defer s.bmu.RUnlock()
	if kind == "" && box == nil {
		return s.bordered, s.bbounds
	}
	var bs []hexbeat.Boundary
	var bounds []orb.Bound
	for i, b := range s.bordered {
		if (kind == "" || b.Kind == kind) && (box == nil || s.bbounds[i].Intersects(*box)) {
			bs, bounds = append(bs, b), append(bounds, s.bbounds[i])
		}
	}
	return bs, bounds
}

// BoundaryExtent is the bound of every boundary held; false when none is.
func (s *Service) BoundaryExtent() (orb.Bound, bool) {
	s.bmu.RLock()
	defer s.bmu.RUnlock()
	return s.bextent, len(s.bordered) > 0
}

// Boundary returns one boundary or an ENOTFOUND error.
func (s *Service) Boundary(ctx context.Context, id string) (hexbeat.Boundary, error) {
	s.bmu.RLock()
	b, ok := s.boundaries[id]
	s.bmu.RUnlock()
	if !ok {
		return b, hexbeat.Errorf(hexbeat.ENOTFOUND, "no boundary with id %q", id)
	}
	return b, nil
}

// Cells aggregates the incidents matching q to cells.
func (s *Service) Cells(ctx context.Context, q hexbeat.CellQuery) (hexbeat.CellLayer, error) {
	if err := q.Validate(); err != nil {
		return hexbeat.CellLayer{}, err
	}
	snap, area, err := s.prepare(&q)
	if err != nil {
		return hexbeat.CellLayer{}, err
	}
	cells, total := snap.Cells(q, area)
	return hexbeat.CellLayer{Res: q.Res, Cells: cells, Total: total, Notes: analysis.PeriodNotes(snap, q.From, q.To)}, nil
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

// Cameras plans mobile CCTV sites (see analysis.Engine.Cameras). With q.FromRegister, the
// cameras already there are the register's fixed cameras in service today (or on
// q.RegisterOn); the plan names them.
func (s *Service) Cameras(ctx context.Context, q hexbeat.CameraQuery) (hexbeat.CameraPlan, error) {
	q = q.WithDefaults()
	if err := q.Validate(); err != nil {
		return hexbeat.CameraPlan{}, err
	}
	var held []hexbeat.Camera
	today := s.now()
	if !q.RegisterOn.IsZero() {
		today = q.RegisterOn
	}
	if q.FromRegister {
		cams, err := s.store.Cameras(ctx)
		if err != nil {
			return hexbeat.CameraPlan{}, err
		}
		for _, c := range cams {
			if c.Kind == hexbeat.CameraFixed && c.InServiceOn(today) {
				held = append(held, c)
				q.Existing = append(q.Existing, orb.Point{c.Lon, c.Lat})
			}
		}
	}
	snap, area, err := s.prepare(&q.CellQuery)
	if err != nil {
		return hexbeat.CameraPlan{}, err
	}
	p, err := s.engine.Cameras(snap, q, area)
	if q.FromRegister {
		p.Registered, p.RegisterDay = held, today
	}
	return p, err
}

// RecordCamera adds a camera to the register, or replaces the one with its id (a mobile
// unit moved to a new site, a camera taken out of service), and audits it under actor.
func (s *Service) RecordCamera(ctx context.Context, c hexbeat.Camera, actor string) (hexbeat.Camera, error) {
	if c.Name == "" {
		c.Name = c.ID
	}
	if err := c.Validate(); err != nil {
		return c, err
	}
	err := s.store.PutCamera(ctx, c, hexbeat.AuditEvent{At: s.now(), Actor: actor, Action: "camera.record",
		Detail: detail(map[string]any{"name": c.Name, "kind": c.Kind, "lon": c.Lon, "lat": c.Lat,
			"active_from": hexbeat.DayOrNil(c.ActiveFrom), "active_to": hexbeat.DayOrNil(c.ActiveTo)})})
	return c, err
}

// CameraRegister returns the camera register, ordered by id. It is read each time: a
// register holds hundreds of cameras, and any replica may import one.
func (s *Service) CameraRegister(ctx context.Context) ([]hexbeat.Camera, error) {
	return s.store.Cameras(ctx)
}

// Section60Proposals proposes Section 60 areas (see analysis.Engine.Section60).
func (s *Service) Section60Proposals(ctx context.Context, q hexbeat.ProposalQuery) (hexbeat.Proposals, error) {
	q = q.WithDefaults()
	if err := q.Validate(); err != nil {
		return hexbeat.Proposals{}, err
	}
	snap, area, err := s.prepare(&q.CellQuery)
	if err != nil {
		return hexbeat.Proposals{}, err
	}
	return s.engine.Section60(ctx, snap, q, area)
}

// Incidents pages through the stored incidents (for feature services).
func (s *Service) Incidents(ctx context.Context, f hexbeat.IncidentFilter) ([]hexbeat.IncidentRecord, error) {
	return s.store.Incidents(ctx, f)
}

// CountIncidents counts the incidents Incidents pages through, without the page: the index
// applies the same inclusive box and half-open period as the store.
func (s *Service) CountIncidents(ctx context.Context, f hexbeat.IncidentFilter) int {
	_, total := s.ix.Snapshot().Cells(hexbeat.CellQuery{Res: 0, From: f.From, To: f.To, BBox: f.BBox}, nil)
	return total
}

// Incident returns one stored incident.
func (s *Service) Incident(ctx context.Context, id int64) (hexbeat.IncidentRecord, error) {
	return s.store.Incident(ctx, id)
}

// CellDetail describes one cell over q's period (by default all the data), month by month.
func (s *Service) CellDetail(ctx context.Context, q hexbeat.CellQuery, cell uint64) (hexbeat.CellDetail, error) {
	if err := q.Validate(); err != nil {
		return hexbeat.CellDetail{}, err
	}
	snap, _, err := s.prepare(&q)
	if err != nil {
		return hexbeat.CellDetail{}, err
	}
	// by default the whole months the data cover (the answer said "to 2025-06-01T00:00:01Z"
	// of data whose last month is June); no incident lies outside, so the counts are the same
	first, last, ok := snap.TimeRange()
	if q.From.IsZero() && ok {
		q.From = hexbeat.MonthStart(time.Unix(first, 0))
	}
	if q.To.IsZero() && ok {
		q.To = hexbeat.MonthEnd(time.Unix(last, 0))
	}
	d := hexbeat.CellDetail{Cell: cell, Res: q.Res, From: q.From, To: q.To}
	var edges []int64
	if !q.From.IsZero() && q.To.After(q.From) {
		m := hexbeat.MonthStart(q.From)
		for ; m.Before(q.To) && len(d.Months) < 240; m = m.AddDate(0, 1, 0) {
			d.Months = append(d.Months, m)
			edges = append(edges, m.Unix())
		}
		edges = append(edges, m.Unix())
	}
	d.ByCategory, d.Series = snap.CellDetail(q, cell, edges)
	return d, nil
}

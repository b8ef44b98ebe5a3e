package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/jmoiron/sqlx"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// Batches returns every committed batch not withdrawn, oldest first.
func (s *Store) Batches(ctx context.Context) ([]hexbeat.Batch, error) { return s.batches(ctx, s.db) }

func (s *Store) batches(ctx context.Context, q sqlx.QueryerContext) ([]hexbeat.Batch, error) {
	return queryList(ctx, q, "batches", `SELECT `+batchCols+` FROM batches WHERE withdrawn_at IS NULL ORDER BY id`, nil,
		func(r *sqlx.Rows) (hexbeat.Batch, error) { return scanBatch(r) })
}

// batchCols are the columns scanBatch reads, in its order.
const batchCols = `id, kind, source, sha256, imported_at, rows, added`

// scanBatch reads a batch from batchCols, then into more any further columns selected.
func scanBatch(r scanner, more ...any) (hexbeat.Batch, error) {
	var b hexbeat.Batch
	var at any
	err := r.Scan(append([]any{&b.ID, &b.Kind, &b.Source, &b.SHA256, &at, &b.Rows, &b.Added}, more...)...)
	b.ImportedAt = scanTime(at)
	return b, err
}

// queryList runs a query and reads each row into a list with scan; what names the list in
// errors.
func queryList[T any](ctx context.Context, q sqlx.QueryerContext, what, query string, args []any, scan func(*sqlx.Rows) (T, error)) ([]T, error) {
	rows, err := q.QueryxContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", what, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("store: %s: %w", what, err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// scanTime reads a time column: unix seconds in SQLite, timestamptz in PostgreSQL.
func scanTime(v any) time.Time {
	switch x := v.(type) {
	case int64:
		return time.Unix(x, 0).UTC()
	case time.Time:
		return x.UTC()
	}
	return time.Time{}
}

// LoadIncidents streams the incidents of the given batches (all batches when ids is nil)
// to fn in chunks, with the fields the in-memory index needs: time, precision, category,
// point and cell.
func (s *Store) LoadIncidents(ctx context.Context, ids []int64, fn func([]hexbeat.Incident) error) error {
	return s.loadIncidents(ctx, s.db, ids, fn)
}

// LoadNew reads, in one consistent snapshot, every committed batch and the incidents of the
// batches for which have is false, so that a batch committed meanwhile is either wholly in
// or wholly out. It returns every batch and the ids of the new ones.
func (s *Store) LoadNew(ctx context.Context, have func(int64) bool, fn func([]hexbeat.Incident) error) ([]hexbeat.Batch, []int64, error) {
	opts := &sql.TxOptions{ReadOnly: true}
	if s.dialect == Postgres {
		opts.Isolation = sql.LevelRepeatableRead
	}
	tx, err := s.db.BeginTxx(ctx, opts)
	if err != nil {
		return nil, nil, fmt.Errorf("store: load: %w", err)
	}
	defer tx.Rollback()
	batches, err := s.batches(ctx, tx)
	if err != nil {
		return nil, nil, err
	}
	var ids []int64
	for _, b := range batches {
		if !have(b.ID) {
			ids = append(ids, b.ID)
		}
	}
	if len(ids) == 0 {
		return batches, nil, nil
	}
	filter := ids
	if len(ids) == len(batches) {
		filter = nil // everything is new: scan the table, not the batch index
	}
	if filter == nil && s.dialect == Postgres {
		err = s.loadAllPostgres(ctx, tx, fn)
	} else {
		err = s.loadIncidents(ctx, tx, filter, fn)
	}
	if err != nil {
		return nil, nil, err
	}
	return batches, ids, nil
}

func (s *Store) loadIncidents(ctx context.Context, q sqlx.QueryerContext, ids []int64, fn func([]hexbeat.Incident) error) error {
	where := ""
	var args []any
	if ids != nil {
		if len(ids) == 0 {
			return nil
		}
		ph := make([]string, len(ids))
		for i, id := range ids {
			ph[i] = "?"
			args = append(args, id)
		}
		where = " WHERE batch_id IN (" + strings.Join(ph, ",") + ")"
	}
	return s.scanIncidents(ctx, q, where, args, fn)
}

// incidentColumns are what the index needs of an incident, the time as unix seconds in
// both stores (PostgreSQL computes them faster than a driver parses timestamps).
func (s *Store) incidentColumns() string {
	if s.dialect == Postgres {
		return `SELECT floor(extract(epoch FROM occurred_at))::bigint, precision, category, lon, lat, cell FROM incidents`
	}
	return `SELECT occurred_at, precision, category, lon, lat, cell FROM incidents`
}

// scanIncidents reads the incidents selected by where and hands them to fn in chunks.
func (s *Store) scanIncidents(ctx context.Context, q sqlx.QueryerContext, where string, args []any, fn func([]hexbeat.Incident) error) error {
	rows, err := q.QueryContext(ctx, s.db.Rebind(s.incidentColumns()+where), args...)
	if err != nil {
		return fmt.Errorf("store: load incidents: %w", err)
	}
	defer rows.Close()
	chunk := make([]hexbeat.Incident, 0, 16384)
	strs := map[string]string{}
	var cat []byte
	var unix int64
	for rows.Next() {
		var inc hexbeat.Incident
		var prec int
		var cell int64
		if err := rows.Scan(&unix, &prec, &cat, &inc.Lon, &inc.Lat, &cell); err != nil {
			return fmt.Errorf("store: load incidents: %w", err)
		}
		inc.OccurredAt = time.Unix(unix, 0).UTC()
		inc.Precision = hexbeat.Precision(prec)
		inc.Cell = uint64(cell)
		c, ok := strs[string(cat)]
		if !ok {
			c = string(cat)
			strs[c] = c
		}
		inc.Category = c
		chunk = append(chunk, inc)
		if len(chunk) == cap(chunk) {
			if err := fn(chunk); err != nil {
				return err
			}
			chunk = chunk[:0]
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: load incidents: %w", err)
	}
	if len(chunk) > 0 {
		return fn(chunk)
	}
	return nil
}

// defaultParallelLoadPages is the table size (8 KiB pages) from which a full load is read in
// parts (Store.parallelLoadPages).
const defaultParallelLoadPages int64 = 1024

// loadAllPostgres reads the whole incidents table in parts, one per CPU (at most four),
// each a range of the table's pages (a TID range scan) read on a connection of its own in
// the snapshot of tx, so that a replica's start-up uses the cores of both PostgreSQL and
// hexbeat. fn is called by one part at a time.
func (s *Store) loadAllPostgres(ctx context.Context, tx *sqlx.Tx, fn func([]hexbeat.Incident) error) error {
	var snapshot string
	var pages int64
	if err := tx.QueryRowxContext(ctx, `SELECT pg_export_snapshot(),
		pg_relation_size('incidents') / current_setting('block_size')::bigint`).Scan(&snapshot, &pages); err != nil {
		return fmt.Errorf("store: load incidents: %w", err)
	}
	parts := min(runtime.GOMAXPROCS(0), 4)
	if pages < s.parallelLoadPages || parts < 2 {
		return s.scanIncidents(ctx, tx, "", nil, fn)
	}
	var mu sync.Mutex
	serial := func(chunk []hexbeat.Incident) error {
		mu.Lock()
		defer mu.Unlock()
		return fn(chunk)
	}
	gctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make([]error, parts)
	var wg sync.WaitGroup
	for k := range parts {
		lo, hi := pages*int64(k)/int64(parts), pages*int64(k+1)/int64(parts)
		where := fmt.Sprintf(" WHERE ctid >= '(%d,0)'::tid", lo)
		if k < parts-1 {
			where += fmt.Sprintf(" AND ctid < '(%d,0)'::tid", hi)
		}
		wg.Go(func() {
			if errs[k] = s.loadPart(gctx, tx, k, snapshot, where, serial); errs[k] != nil {
				cancel()
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// loadPart reads one part of loadAllPostgres: the first on tx, the others on a
// transaction of their own in tx's snapshot.
func (s *Store) loadPart(ctx context.Context, tx *sqlx.Tx, k int, snapshot, where string, fn func([]hexbeat.Incident) error) error {
	if k == 0 {
		return s.scanIncidents(ctx, tx, where, nil, fn)
	}
	part, err := s.db.BeginTxx(ctx, &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead})
	if err != nil {
		return fmt.Errorf("store: load incidents: %w", err)
	}
	defer part.Rollback()
	if _, err := part.ExecContext(ctx, "SET TRANSACTION SNAPSHOT '"+snapshot+"'"); err != nil {
		return fmt.Errorf("store: load incidents: %w", err)
	}
	return s.scanIncidents(ctx, part, where, nil, fn)
}

// Boundaries returns every boundary, ordered by kind and id.
func (s *Store) Boundaries(ctx context.Context) ([]hexbeat.Boundary, error) {
	rows, err := s.db.QueryxContext(ctx, `SELECT id, kind, name, geojson FROM boundaries ORDER BY kind, id`)
	if err != nil {
		return nil, fmt.Errorf("store: boundaries: %w", err)
	}
	defer rows.Close()
	var out []hexbeat.Boundary
	for rows.Next() {
		b, err := scanBoundary(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// Boundary returns one boundary; a hexbeat ENOTFOUND error when there is none.
func (s *Store) Boundary(ctx context.Context, id string) (hexbeat.Boundary, error) {
	row := s.db.QueryRowxContext(ctx, s.db.Rebind(`SELECT id, kind, name, geojson FROM boundaries WHERE id = ?`), id)
	b, err := scanBoundary(row)
	if errors.Is(err, sql.ErrNoRows) {
		return b, hexbeat.Errorf(hexbeat.ENOTFOUND, "no boundary with id %q", id)
	}
	return b, err
}

type scanner interface{ Scan(...any) error }

func scanBoundary(r scanner) (hexbeat.Boundary, error) {
	var b hexbeat.Boundary
	var gj string
	if err := r.Scan(&b.ID, &b.Kind, &b.Name, &gj); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return b, err
		}
		return b, fmt.Errorf("store: boundary: %w", err)
	}
	if mp, ok := readMultiPolygon(gj); ok {
		b.Geometry = mp
		return b, nil
	}
	g, err := geojson.UnmarshalGeometry([]byte(gj))
	if err != nil {
		return b, fmt.Errorf("store: boundary %s geometry: %w", b.ID, err)
	}
	mp, ok := g.Geometry().(orb.MultiPolygon)
	if !ok {
		return b, fmt.Errorf("store: boundary %s is a %s", b.ID, g.Geometry().GeoJSONType())
	}
	b.Geometry = mp
	return b, nil
}

// geometryJSON encodes a geometry as a GeoJSON geometry object.
func geometryJSON(g orb.Geometry) (string, error) {
	b, err := json.Marshal(geojson.NewGeometry(g))
	return string(b), err
}

// Retailers returns the retailer register, ordered by id.
func (s *Store) Retailers(ctx context.Context) ([]hexbeat.Retailer, error) {
	return queryList(ctx, s.db, "retailers", `SELECT id, name, category, address, size_band, lon, lat, grid_square FROM retailers ORDER BY id`, nil,
		func(r *sqlx.Rows) (hexbeat.Retailer, error) {
			var x hexbeat.Retailer
			err := r.Scan(&x.ID, &x.Name, &x.Category, &x.Address, &x.SizeBand, &x.Lon, &x.Lat, &x.GridSquare)
			return x, err
		})
}

// Cameras returns the camera register, ordered by id.
func (s *Store) Cameras(ctx context.Context) ([]hexbeat.Camera, error) {
	return queryList(ctx, s.db, "cameras", `SELECT id, name, kind, lon, lat, active_from, active_to, grid_square FROM cameras ORDER BY id`, nil,
		func(r *sqlx.Rows) (hexbeat.Camera, error) {
			var c hexbeat.Camera
			var from, to any
			err := r.Scan(&c.ID, &c.Name, &c.Kind, &c.Lon, &c.Lat, &from, &to, &c.GridSquare)
			c.ActiveFrom, c.ActiveTo = scanTime(from), scanTime(to)
			return c, err
		})
}

// putCamera adds a camera to the register or replaces the one with its id; batch is the
// import's batch id, or nil for a camera recorded through the API.
func (s *Store) putCamera(ctx context.Context, tx sqlx.ExecerContext, c hexbeat.Camera, batch any) error {
	day := func(d time.Time) any { // PostgreSQL's date column, SQLite's unix seconds of the UTC midnight
		if d.IsZero() || s.dialect == Postgres {
			return hexbeat.DayOrNil(d)
		}
		return d.Unix()
	}
	_, err := tx.ExecContext(ctx, s.db.Rebind(`INSERT INTO cameras (id, name, kind, lon, lat, active_from, active_to, grid_square, batch_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET name = excluded.name, kind = excluded.kind, lon = excluded.lon, lat = excluded.lat,
		active_from = excluded.active_from, active_to = excluded.active_to, grid_square = excluded.grid_square, batch_id = excluded.batch_id`),
		c.ID, c.Name, c.Kind, c.Lon, c.Lat, day(c.ActiveFrom), day(c.ActiveTo), c.GridSquare, batch)
	if err != nil {
		return fmt.Errorf("store: camera %s: %w", c.ID, err)
	}
	return nil
}

// PutCamera records one camera in the register (added, or replacing the one with its id)
// with its audit event: a mobile unit moved to a new site, a camera taken out of service.
func (s *Store) PutCamera(ctx context.Context, c hexbeat.Camera, ev hexbeat.AuditEvent) error {
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := s.putCamera(ctx, tx, c, nil); err != nil {
			return err
		}
		ev.Subject = "camera/" + c.ID
		return s.audit(ctx, tx, ev)
	})
}

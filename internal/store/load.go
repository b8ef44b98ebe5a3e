package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// Batches returns every committed batch, oldest first.
func (s *Store) Batches(ctx context.Context) ([]hexbeat.Batch, error) {
	rows, err := s.db.QueryxContext(ctx, `SELECT id, kind, source, sha256, imported_at, rows, added FROM batches ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("store: batches: %w", err)
	}
	defer rows.Close()
	var out []hexbeat.Batch
	for rows.Next() {
		var b hexbeat.Batch
		var at any
		if err := rows.Scan(&b.ID, &b.Kind, &b.Source, &b.SHA256, &at, &b.Rows, &b.Added); err != nil {
			return nil, fmt.Errorf("store: batches: %w", err)
		}
		b.ImportedAt = scanTime(at)
		out = append(out, b)
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
	q := `SELECT occurred_at, precision, category, lon, lat, cell FROM incidents`
	var args []any
	if ids != nil {
		if len(ids) == 0 {
			return nil
		}
		ph := ""
		for i, id := range ids {
			if i > 0 {
				ph += ","
			}
			ph += "?"
			args = append(args, id)
		}
		q += " WHERE batch_id IN (" + ph + ")"
	}
	rows, err := s.db.QueryContext(ctx, s.db.Rebind(q), args...)
	if err != nil {
		return fmt.Errorf("store: load incidents: %w", err)
	}
	defer rows.Close()
	chunk := make([]hexbeat.Incident, 0, 16384)
	strs := map[string]string{}
	var cat []byte
	for rows.Next() {
		var inc hexbeat.Incident
		var at any
		var prec int
		var cell int64
		if err := rows.Scan(&at, &prec, &cat, &inc.Lon, &inc.Lat, &cell); err != nil {
			return fmt.Errorf("store: load incidents: %w", err)
		}
		inc.OccurredAt = scanTime(at)
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
	var out []hexbeat.Retailer
	rows, err := s.db.QueryxContext(ctx, `SELECT id, name, category, address, size_band, lon, lat FROM retailers ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("store: retailers: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r hexbeat.Retailer
		if err := rows.Scan(&r.ID, &r.Name, &r.Category, &r.Address, &r.SizeBand, &r.Lon, &r.Lat); err != nil {
			return nil, fmt.Errorf("store: retailers: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

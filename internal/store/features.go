package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/hexbeat/hexbeat/internal/hexbeat"
)

const incidentRowCols = `id, source_id, occurred_at, precision, category, lon, lat, location, area_code, area_name, outcome, grid_square`

func (s *Store) scanIncidentRecord(r scanner) (hexbeat.IncidentRecord, error) {
	var x hexbeat.IncidentRecord
	var at any
	var prec int
	if err := r.Scan(&x.ID, &x.SourceID, &at, &prec, &x.Category, &x.Lon, &x.Lat, &x.Location, &x.AreaCode, &x.AreaName, &x.Outcome, &x.GridSquare); err != nil {
		return x, err
	}
	x.OccurredAt, x.Precision = scanTime(at), hexbeat.Precision(prec)
	return x, nil
}

// Incidents returns the incidents matching q, in id order, paged by Limit and Offset.
func (s *Store) Incidents(ctx context.Context, q hexbeat.IncidentFilter) ([]hexbeat.IncidentRecord, error) {
	var where []string
	var args []any
	if q.BBox != nil {
		if s.dialect == Postgres {
			// the GiST index finds the box's rows (a national table is not read whole for a
			// street's); its boxes are rounded outward to float4, so the exact test follows
			where = append(where, "geom && ST_MakeEnvelope(?, ?, ?, ?, 4326)")
			args = append(args, q.BBox.Min[0], q.BBox.Min[1], q.BBox.Max[0], q.BBox.Max[1])
		}
		where = append(where, "lon >= ? AND lon <= ? AND lat >= ? AND lat <= ?")
		args = append(args, q.BBox.Min[0], q.BBox.Max[0], q.BBox.Min[1], q.BBox.Max[1])
	}
	if !q.From.IsZero() {
		where = append(where, "occurred_at >= ?")
		args = append(args, s.timeArg(q.From))
	}
	if !q.To.IsZero() {
		where = append(where, "occurred_at < ?")
		args = append(args, s.timeArg(q.To))
	}
	query := `SELECT ` + incidentRowCols + ` FROM incidents`
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += " ORDER BY id LIMIT ? OFFSET ?"
	args = append(args, q.Limit, q.Offset)
	rows, err := s.db.QueryxContext(ctx, s.db.Rebind(query), args...)
	if err != nil {
		return nil, fmt.Errorf("store: incidents: %w", err)
	}
	defer rows.Close()
	var out []hexbeat.IncidentRecord
	for rows.Next() {
		x, err := s.scanIncidentRecord(rows)
		if err != nil {
			return nil, fmt.Errorf("store: incidents: %w", err)
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// Incident returns one incident by id, or ENOTFOUND.
func (s *Store) Incident(ctx context.Context, id int64) (hexbeat.IncidentRecord, error) {
	x, err := s.scanIncidentRecord(s.db.QueryRowxContext(ctx, s.db.Rebind(`SELECT `+incidentRowCols+` FROM incidents WHERE id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return x, hexbeat.Errorf(hexbeat.ENOTFOUND, "no incident %d", id)
	}
	if err != nil {
		return x, fmt.Errorf("store: incident %d: %w", id, err)
	}
	return x, nil
}

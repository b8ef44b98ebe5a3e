package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/hexbeat/hexbeat/internal/hexbeat"
)

// Census tables and population-weighted centroids are registers: an import replaces the
// rows of the codes it holds. They are written many rows to a statement (35,672 LSOAs one
// at a time took tens of seconds on PostgreSQL), and the rows an import adds are counted as
// the growth of the table within its transaction.

const censusCols = "code, level, name, year, total, asian, black, mixed, white, other, detailed, batch_id"

// PutCensus adds census areas, or replaces those with the same code.
func (t *importTx) PutCensus(ctx context.Context, areas []hexbeat.CensusArea) error {
	return t.putRows(ctx, "census_areas", censusCols, len(areas), func(i int) []any {
		a := &areas[i]
		detailed := ""
		if len(a.Detailed) > 0 {
			b, _ := json.Marshal(a.Detailed)
			detailed = string(b)
		}
		return []any{a.Code, a.Level, a.Name, a.Year, a.Total, a.Groups[0], a.Groups[1], a.Groups[2], a.Groups[3], a.Groups[4], detailed, t.batchID}
	})
}

// PutCentroids adds LSOA centroids, or replaces those with the same code.
func (t *importTx) PutCentroids(ctx context.Context, cs []hexbeat.Centroid) error {
	return t.putRows(ctx, "centroids", "code, lon, lat, batch_id", len(cs), func(i int) []any {
		return []any{cs[i].Code, cs[i].Lon, cs[i].Lat, t.batchID}
	})
}

// putRows upserts n rows into table (keyed by its first column, code), row(i) giving the
// values of cols, and counts those it added.
func (t *importTx) putRows(ctx context.Context, table, cols string, n int, row func(i int) []any) error {
	if err := t.openBatch(ctx); err != nil {
		return err
	}
	count := func() (int, error) {
		var c int
		err := t.tx.GetContext(ctx, &c, "SELECT count(*) FROM "+table)
		return c, err
	}
	before, err := count()
	if err != nil {
		return fmt.Errorf("store: %s: %w", table, err)
	}
	names := strings.Split(cols, ", ")
	var set []string
	for _, c := range names[1:] {
		set = append(set, c+" = excluded."+c)
	}
	one := "(" + strings.TrimSuffix(strings.Repeat("?,", len(names)), ",") + ")"
	const perStatement = 500 // well under SQLite's 32,766 parameters
	for start := 0; start < n; start += perStatement {
		end := min(n, start+perStatement)
		args := make([]any, 0, (end-start)*len(names))
		for i := start; i < end; i++ {
			args = append(args, row(i)...)
		}
		q := "INSERT INTO " + table + " (" + cols + ") VALUES " + strings.TrimSuffix(strings.Repeat(one+",", end-start), ",") +
			" ON CONFLICT (code) DO UPDATE SET " + strings.Join(set, ", ")
		if _, err := t.tx.ExecContext(ctx, t.s.db.Rebind(q), args...); err != nil {
			return fmt.Errorf("store: %s: %w", table, err)
		}
	}
	after, err := count()
	if err != nil {
		return fmt.Errorf("store: %s: %w", table, err)
	}
	t.added += after - before
	return nil
}

// CensusAreas returns the census areas held at a level (lsoa, msoa, lad, ...; "" for
// every level), in code order.
func (s *Store) CensusAreas(ctx context.Context, level string) ([]hexbeat.CensusArea, error) {
	if level != "" {
		return s.censusAreas(ctx, `WHERE level = ?`, level)
	}
	return s.censusAreas(ctx, ``)
}

// censusAreas reads the census rows where says, in code order.
func (s *Store) censusAreas(ctx context.Context, where string, args ...any) ([]hexbeat.CensusArea, error) {
	q := `SELECT code, level, name, year, total, asian, black, mixed, white, other, detailed FROM census_areas ` + where
	rows, err := s.db.QueryxContext(ctx, s.db.Rebind(q+` ORDER BY code`), args...)
	if err != nil {
		return nil, fmt.Errorf("store: census areas: %w", err)
	}
	defer rows.Close()
	var out []hexbeat.CensusArea
	for rows.Next() {
		var a hexbeat.CensusArea
		var detailed string
		g := &a.Groups
		if err := rows.Scan(&a.Code, &a.Level, &a.Name, &a.Year, &a.Total, &g[0], &g[1], &g[2], &g[3], &g[4], &detailed); err != nil {
			return nil, fmt.Errorf("store: census areas: %w", err)
		}
		if detailed != "" {
			if err := json.Unmarshal([]byte(detailed), &a.Detailed); err != nil {
				return nil, fmt.Errorf("store: census area %s: %w", a.Code, err)
			}
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// CensusArea returns the census row of one code; ok is false when none is held.
func (s *Store) CensusArea(ctx context.Context, code string) (hexbeat.CensusArea, bool, error) {
	all, err := s.censusAreas(ctx, `WHERE code = ?`, code)
	if err != nil || len(all) == 0 {
		return hexbeat.CensusArea{}, false, err
	}
	return all[0], true, nil
}

// Centroids returns the LSOA centroids held, in code order.
func (s *Store) Centroids(ctx context.Context) ([]hexbeat.Centroid, error) {
	var out []hexbeat.Centroid
	err := s.db.SelectContext(ctx, &out, `SELECT code AS "code", lon AS "lon", lat AS "lat" FROM centroids ORDER BY code`)
	if err != nil {
		return nil, fmt.Errorf("store: centroids: %w", err)
	}
	return out, nil
}

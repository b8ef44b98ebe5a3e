package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"strings"

	"github.com/jmoiron/sqlx"
)

// SetBulkMinRows lets tests exercise the bulk import path with small files.
func (s *Store) SetBulkMinRows(n int) { s.bulkMinRows = n }

// IndexNames lists the indexes on a table (SQLite: the named ones).
func (s *Store) IndexNames(table string) ([]string, error) {
	var names []string
	q := `SELECT indexname FROM pg_indexes WHERE tablename = $1 ORDER BY indexname`
	if s.dialect == SQLite {
		q = `SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL ORDER BY name`
	}
	err := s.db.Select(&names, q, table)
	return names, err
}

// IndexIdentities identifies the indexes on a table as created, so that an index dropped and
// created again shows: in PostgreSQL each index's oid, in SQLite (which reuses schema rows
// and pages) the schema version, which every CREATE and DROP increments.
func (s *Store) IndexIdentities(table string) (string, error) {
	var ids []string
	if s.dialect == SQLite {
		var v int
		err := s.db.Get(&v, `PRAGMA schema_version`)
		return fmt.Sprintf("schema version %d", v), err
	}
	err := s.db.Select(&ids, `SELECT indexname || '=' || (quote_ident(schemaname) || '.' || quote_ident(indexname))::regclass::oid
		FROM pg_indexes WHERE tablename = $1 ORDER BY indexname`, table)
	return strings.Join(ids, ","), err
}

// Constraints lists the constraints on a PostgreSQL table (SQLite: none are named).
func (s *Store) Constraints(table string) ([]string, error) {
	if s.dialect == SQLite {
		return nil, nil
	}
	var names []string
	err := s.db.Select(&names, `SELECT conname FROM pg_constraint WHERE conrelid = $1::regclass ORDER BY conname`, table)
	return names, err
}

// Exec runs raw SQL, for tests that try what the API never does (altering the audit log).
func (s *Store) Exec(ctx context.Context, query string) error {
	_, err := s.db.ExecContext(ctx, query)
	return err
}

// SetParallelLoadPages lets tests read a small table in parts.
func (s *Store) SetParallelLoadPages(n int64) { s.parallelLoadPages = n }

// ForeignKeys reports, for SQLite, the rows that break a foreign key (PRAGMA
// foreign_key_check) and whether every pooled connection is restored: foreign keys enforced
// again and the 64 MiB page cache of sqliteCacheKiB back (a bulk import shrinks it for its
// index rebuild). It holds all four connections at once, so the one an import used is
// among them.
func (s *Store) ForeignKeys(ctx context.Context) (broken int, restored bool, err error) {
	if s.dialect != SQLite {
		return 0, true, nil
	}
	var rows []struct {
		Table  string        `db:"table"`
		RowID  sql.NullInt64 `db:"rowid"`
		Parent string        `db:"parent"`
		FKID   int           `db:"fkid"`
	}
	if err := s.db.SelectContext(ctx, &rows, `PRAGMA foreign_key_check`); err != nil {
		return 0, false, err
	}
	restored = true
	var conns []*sqlx.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for range 4 {
		c, err := s.db.Connx(ctx)
		if err != nil {
			return 0, false, err
		}
		conns = append(conns, c)
		var on, cache int
		if err := c.GetContext(ctx, &on, `PRAGMA foreign_keys`); err != nil {
			return 0, false, err
		}
		if err := c.GetContext(ctx, &cache, `PRAGMA cache_size`); err != nil {
			return 0, false, err
		}
		restored = restored && on == 1 && cache == -sqliteCacheKiB
	}
	return len(rows), restored, nil
}

// SetBindRaw chooses how a SQLite import binds its values: through SQLite's API or the driver.
func (s *Store) SetBindRaw(raw bool) { s.bindRaw = raw }

// RawSQLiteReachable reports whether the SQLite connection under the store's driver can be
// reached for binding.
func (s *Store) RawSQLiteReachable(ctx context.Context) (bool, error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return false, err
	}
	defer conn.Close()
	ok := false
	err = conn.Raw(func(dc any) error {
		_, ok = rawSQLite(dc)
		return nil
	})
	return ok, err
}

// IncidentRows dumps every stored incident, each column with its SQLite storage class,
// in key order.
func (s *Store) IncidentRows(ctx context.Context) ([]string, error) {
	cols := "key, batch_id, " + strings.Join(incidentCols[1:], ", ")
	var typed []string
	for _, c := range strings.Split(cols, ", ") {
		typed = append(typed, "typeof("+c+") || ':' || quote("+c+")")
	}
	var rows []string
	err := s.db.SelectContext(ctx, &rows, `SELECT `+strings.Join(typed, " || '|' || ")+` FROM incidents ORDER BY key`)
	return rows, err
}

// Abandon leaves the run as a killed process would: its connection gone, nothing rebuilt.
func (r *Run) Abandon() {
	r.closed = true
	r.conn.Raw(func(any) error { return driver.ErrBadConn })
	r.conn.Close()
}

// PostgresURL is a PostgreSQL store's database URL, for a second store on the same database.
func (s *Store) PostgresURL() string { return s.url }

// QueryInt reads one integer.
func (s *Store) QueryInt(ctx context.Context, q string, out *int) error {
	return s.db.GetContext(ctx, out, q)
}

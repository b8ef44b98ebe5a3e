package store

import "context"

// SetBulkMinRows lets tests exercise the bulk import path with small files.
func SetBulkMinRows(n int) (restore func()) {
	old := bulkMinRows
	bulkMinRows = n
	return func() { bulkMinRows = old }
}

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
func SetParallelLoadPages(n int64) (restore func()) {
	old := parallelLoadPages
	parallelLoadPages = n
	return func() { parallelLoadPages = old }
}

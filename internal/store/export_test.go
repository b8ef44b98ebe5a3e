package store

// SetBulkMinRows lets tests exercise the bulk import path with small files.
func SetBulkMinRows(n int) (restore func()) {
	old := bulkMinRows
	bulkMinRows = n
	return func() { bulkMinRows = old }
}

// IndexNames lists the indexes on a table (PostgreSQL).
func (s *Store) IndexNames(table string) ([]string, error) {
	var names []string
	err := s.db.Select(&names, `SELECT indexname FROM pg_indexes WHERE tablename = $1 ORDER BY indexname`, table)
	return names, err
}

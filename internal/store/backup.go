package store

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/hexbeat/hexbeat/internal/hexbeat"
)

// Backup writes a copy of an SQLite store to path, consistent as of one moment, while the
// store stays in use: a server goes on answering and an import goes on writing (SQLite's
// VACUUM INTO reads in one transaction; copying the file itself beside its -wal file could
// catch an import half written). The copy is compacted and opens as a store of its own.
// The audit event ev (its subject and detail are filled in here) is written once the copy
// is whole. PostgreSQL is backed up with its own tools.
func (s *Store) Backup(ctx context.Context, path string, ev hexbeat.AuditEvent) (int64, error) {
	if s.dialect != SQLite {
		return 0, &hexbeat.Error{Code: hexbeat.EINVALID, Message: "a PostgreSQL store is backed up with PostgreSQL's tools: pg_dump --format=custom \"$DATABASE_URL\" > hexbeat.dump (pg_restore brings it back)"}
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return 0, fmt.Errorf("store: backup: %w", err)
	}
	if _, err := os.Stat(abs); err == nil {
		return 0, &hexbeat.Error{Code: hexbeat.EINVALID, Message: abs + " exists already: a backup never overwrites a file"}
	}
	if _, err := s.db.ExecContext(ctx, `VACUUM INTO ?`, abs); err != nil {
		os.Remove(abs) // nothing half written is left behind
		return 0, fmt.Errorf("store: backup to %s: %w", abs, err)
	}
	st, err := os.Stat(abs)
	if err != nil {
		return 0, fmt.Errorf("store: backup: %w", err)
	}
	detail, _ := json.Marshal(map[string]any{"file": abs, "bytes": st.Size()})
	ev.Subject, ev.Detail = "backup", string(detail)
	if err := s.Audit(ctx, ev); err != nil {
		return st.Size(), err
	}
	return st.Size(), nil
}

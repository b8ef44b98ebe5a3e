package store

import (
	"context"
	"database/sql/driver"
	"fmt"
	"slices"

	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/jmoiron/sqlx"
)

// A run of imports (`hexbeat import DIR`, a ZIP of a year's months) is many files, each
// still its own all-or-nothing transaction, committed and announced (NOTIFY) as it ends; the
// run decides for all of them how the incident indexes are kept. Imported one at a time,
// each monthly file of about 15,000 rows is far too small against the table to rebuild its
// indexes, so it pays for them row by row (a GiST insert costs tens of microseconds): 66
// such files, a million rows, took 36.5 s into an empty PostgreSQL table, against 9.7 s for
// the same rows as one file (docs/benchmarks.md). A run whose files are large against the table instead
// drops the indexes in the transaction of its first file that writes incidents, checks keys
// against every stored key held in memory (as the one-file bulk path does), and rebuilds the
// indexes once, when it closes.
//
// While the indexes are dropped the run holds the import lock (PostgreSQL: a session-level
// advisory lock on the one connection every file of the run uses), so no other import
// writes incidents the unique key does not check; readers read on, without the indexes. A
// run that never closes (its process killed) leaves the indexes to RestoreIndexes (serve
// and migrate call it) or to the next import, which rebuilds whatever is missing before it
// writes (restoreIndexes).

// Run is a run of imports; see BeginRun.
type Run struct {
	s      *Store
	conn   *sqlx.Conn
	rows   int // the incidents the run expects to bring (an estimate from its files' sizes)
	closed bool

	decided bool                     // the run's first file writing incidents has decided
	bulk    bool                     // the run checks keys in memory, indexes dropped
	locked  bool                     // PostgreSQL: the session holds the import lock
	dropped bool                     // a committed file dropped the indexes: Close rebuilds them
	keys    map[hexbeat.Key]struct{} // bulk: every key stored or committed by the run
}

// BeginRun starts a run of imports expected to bring about rows incidents; its BeginImport
// starts each file's import. Close ends it, and must be called.
func (s *Store) BeginRun(ctx context.Context, rows int) (*Run, error) {
	conn, err := s.db.Connx(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: begin import run: %w", err)
	}
	return &Run{s: s, conn: conn, rows: rows}, nil
}

// BeginImportRun is BeginRun as a hexbeat.RunImporter.
func (s *Store) BeginImportRun(ctx context.Context, rows int) (hexbeat.ImportRun, error) {
	r, err := s.BeginRun(ctx, rows)
	if err != nil {
		return nil, err
	}
	return r, nil
}

// BeginImport starts one file's all-or-nothing import within the run.
func (r *Run) BeginImport(ctx context.Context) (hexbeat.ImportTx, error) {
	if r.closed {
		return nil, fmt.Errorf("store: import run closed")
	}
	return r.s.beginImport(ctx, r.conn, r)
}

// join makes t, a file's import starting to write incidents, part of the run: the first
// such file decides whether the run is large enough against the table for the bulk path
// (the same test as one file's, by the run's expected rows), and if so takes the import lock
// for the session and reads every stored key.
func (r *Run) join(ctx context.Context, t *importTx) error {
	if !r.decided {
		factor := pgBulkFactor
		if r.s.dialect == SQLite {
			factor = sqliteBulkFactor
		}
		small, err := t.storedBelow(ctx, r.rows*factor)
		if err != nil {
			return err
		}
		r.decided = true
		if small && r.rows > 0 {
			if r.s.dialect == Postgres {
				// session-level, so that it outlives this transaction; the file's own
				// transaction-level lock is the same session's, so no file waits on it
				if _, err := t.tx.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, importLockKey); err != nil {
					return fmt.Errorf("store: lock incidents for the run: %w", err)
				}
				r.locked = true
			}
			t.keys = nil
			if err := t.rememberKeys(ctx, t.stored+r.rows, `SELECT key FROM incidents`); err != nil {
				return fmt.Errorf("store: read keys: %w", err)
			}
			r.keys, r.bulk = t.keys, true
		}
	}
	if !r.bulk {
		return t.restoreIndexes(ctx)
	}
	t.bulk, t.keys = true, r.keys
	return nil
}

// committed notes a file of the run committed: its keys stay, its dropping of the indexes
// holds.
func (r *Run) committed(t *importTx) {
	if t.inBulkRun() && t.dropped {
		r.dropped = true
	}
}

// rolledBack forgets the keys a file of the run added before it rolled back.
func (r *Run) rolledBack(t *importTx) {
	for _, k := range t.runKeys {
		delete(r.keys, k)
	}
}

// inBulkRun says whether t is a file of a run on the bulk path, whose keys are the run's
// and whose dropped indexes the run rebuilds.
func (t *importTx) inBulkRun() bool { return t.run != nil && t.run.bulk }

// Close ends the run: it rebuilds the indexes its files dropped (in one transaction, even
// when ctx was cancelled: a run stopped part way still leaves the table indexed), gives up
// the import lock and the connection.
func (r *Run) Close(ctx context.Context) error {
	if r.closed {
		return nil
	}
	r.closed = true
	ctx = context.WithoutCancel(ctx)
	var err error
	if r.dropped { // the run's session holds the import lock, which rebuildMissing takes again
		_, err = r.s.rebuildMissing(ctx, r.conn)
	}
	reset := []string{}
	if r.locked {
		reset = append(reset, `SELECT pg_advisory_unlock_all()`)
	}
	if r.s.dialect == SQLite {
		reset = append(reset, `PRAGMA foreign_keys = ON`, `PRAGMA `+sqliteCacheSize)
	}
	for _, q := range reset {
		if _, rerr := r.conn.ExecContext(ctx, q); rerr != nil {
			// a connection that may still hold the lock never goes back to the pool
			r.conn.Raw(func(any) error { return driver.ErrBadConn })
			err = fmt.Errorf("store: end import run: %w", rerr)
			break
		}
	}
	r.conn.Close()
	return err
}

// restoreIndexes rebuilds any of the incident indexes that are missing: after a run that
// never closed, before this import writes.
func (t *importTx) restoreIndexes(ctx context.Context) error {
	missing, err := t.missingIndexes(ctx)
	if err != nil {
		return err
	}
	return t.buildIndexes(ctx, missing)
}

// missingIndexes are the incident indexes (of the bulk path's) the table lacks.
func (t *importTx) missingIndexes(ctx context.Context) ([]bulkIndex, error) {
	q := `SELECT conname FROM pg_constraint WHERE conrelid = 'incidents'::regclass
		UNION SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'incidents'`
	if t.s.dialect == SQLite {
		q = `SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'incidents'`
	}
	var names []string
	if err := t.tx.SelectContext(ctx, &names, q); err != nil {
		return nil, fmt.Errorf("store: incident indexes: %w", err)
	}
	var missing []bulkIndex
	for _, ix := range t.bulkIndexes() {
		if !slices.Contains(names, ix.name) {
			missing = append(missing, ix)
		}
	}
	return missing, nil
}

// Rebuilds says whether Close will rebuild indexes the run dropped (for progress).
func (r *Run) Rebuilds() bool { return r.dropped && !r.closed }

// RestoreIndexes rebuilds the incident indexes an import run left dropped (its process
// killed) and returns their names; `hexbeat serve` and `hexbeat migrate` call it, so that a
// store is not left without them until the next import. PostgreSQL: when an import holds
// the import lock it does nothing, as that import rebuilds them (or is a run still at work).
func (s *Store) RestoreIndexes(ctx context.Context) ([]string, error) {
	conn, err := s.db.Connx(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: restore indexes: %w", err)
	}
	defer conn.Close()
	if s.dialect == SQLite { // buildIndexes sets a small page cache for its sort
		defer conn.ExecContext(context.WithoutCancel(ctx), `PRAGMA `+sqliteCacheSize)
	}
	return s.rebuildMissing(ctx, conn)
}

// rebuildMissing rebuilds the incident indexes missing, in a transaction of its own on conn,
// and names them. PostgreSQL: only when this session may take the import lock (another
// import at work rebuilds them itself).
func (s *Store) rebuildMissing(ctx context.Context, conn *sqlx.Conn) ([]string, error) {
	tx, err := conn.BeginTxx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("store: rebuild indexes: %w", err)
	}
	defer tx.Rollback()
	if s.dialect == Postgres {
		var free bool
		if err := tx.GetContext(ctx, &free, `SELECT pg_try_advisory_xact_lock($1)`, importLockKey); err != nil {
			return nil, fmt.Errorf("store: rebuild indexes: %w", err)
		}
		if !free {
			return nil, nil
		}
	}
	t := &importTx{s: s, conn: conn, tx: tx}
	missing, err := t.missingIndexes(ctx)
	if err != nil || len(missing) == 0 {
		return nil, err
	}
	if err := t.buildIndexes(ctx, missing); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("store: rebuild indexes: %w", err)
	}
	names := make([]string, len(missing))
	for i, ix := range missing {
		names[i] = ix.name
	}
	return names, nil
}

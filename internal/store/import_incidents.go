package store

import (
	"context"
	"fmt"

	"github.com/hexbeat/hexbeat/internal/hexbeat"
)

// Incidents reach the table in chunks. The first bulkMinRows wait until there are enough to
// judge the import against the table: an import large against what is stored (see
// sqliteBulkFactor and pgBulkFactor) reads the stored keys into memory, drops the incident
// indexes inside its transaction once it has new rows to write, and rebuilds them at
// commit, which is several times faster than updating them row by row. SQLite otherwise
// leaves duplicates to INSERT OR IGNORE and the unique index; PostgreSQL checks every row
// before writing it (against the keys in memory, or a lookup per chunk), so its COPY
// straight into incidents never conflicts.

// defaultBulkMinRows is the smallest import that may take the bulk path (Store.bulkMinRows).
const defaultBulkMinRows = 20_000

// importLockKey is the PostgreSQL advisory lock that imports of incidents take in turn.
const importLockKey int64 = 0x68657862_696d7074 // "hexbimpt"

// bulkIndex is an index (or constraint) a bulk import drops and rebuilds, by its name.
type bulkIndex struct{ name, drop, create string }

func (t *importTx) AddIncidents(ctx context.Context, incs []hexbeat.Incident) error {
	t.seen += len(incs)
	if !t.decided && t.run == nil { // a run decides by its files' size, not this file's
		t.pending = append(t.pending, incs...)
		if len(t.pending) < t.s.bulkMinRows {
			return nil
		}
		incs, t.pending = t.pending, nil
	}
	if err := t.startIncidents(ctx); err != nil {
		return err
	}
	return t.writeNew(ctx, incs, true)
}

// flushIncidents writes what is still pending at commit (an import smaller than
// bulkMinRows) and rebuilds the indexes a bulk import dropped.
func (t *importTx) flushIncidents(ctx context.Context) error {
	if !t.decided {
		if len(t.pending) == 0 {
			return nil
		}
		if err := t.startIncidents(ctx); err != nil {
			return err
		}
		if err := t.writeNew(ctx, t.pending, false); err != nil {
			return err
		}
		t.pending = nil
	}
	if !t.dropped || t.inBulkRun() { // a bulk run rebuilds them when it ends
		return nil
	}
	return t.buildIndexes(ctx, t.bulkIndexes())
}

// buildIndexes builds the incident indexes list, in the import's transaction.
func (t *importTx) buildIndexes(ctx context.Context, list []bulkIndex) error {
	if len(list) == 0 {
		return nil
	}
	// PostgreSQL: more sort memory than the default 64 MB keeps the key index build off
	// disk. SQLite: sort with a helper thread, in runs of at most 4 MiB. SQLite's sorter
	// takes the page cache's size as its run size; with the 64 MiB cache a million keys
	// are one run, sorted on the main thread after the table has been read, while small
	// runs are sorted by the helper as the main thread reads on (935k rows: the rebuild
	// 1.5 s -> 0.7 s). release restores the cache.
	settings := []string{`SET LOCAL maintenance_work_mem = '256MB'`}
	if t.s.dialect == SQLite {
		settings = []string{`PRAGMA threads = 2`, `PRAGMA cache_size = -4096`}
	}
	for _, q := range settings {
		if _, err := t.tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("store: bulk import: %w", err)
		}
	}
	for _, ix := range list {
		if _, err := t.tx.ExecContext(ctx, ix.create); err != nil {
			return fmt.Errorf("store: bulk import: rebuild index %s: %w", ix.name, err)
		}
	}
	return nil
}

// bulkIndexes are the indexes the bulk path drops and rebuilds. A run keeps the batch
// index: each file it commits is loaded by a running server at once, by its batch, which
// without the index would read the whole table each time; kept, it costs a run about 7 %
// (66 files, 1M rows: 12.1-13.0 s against 11.3-12.0 s).
func (t *importTx) bulkIndexes() []bulkIndex {
	list := sqliteBulkIndexes
	if t.s.dialect == Postgres {
		list = pgBulkIndexes
	}
	if !t.inBulkRun() {
		return list
	}
	var out []bulkIndex
	for _, ix := range list {
		if ix.name != "incidents_batch" {
			out = append(out, ix)
		}
	}
	return out
}

// startIncidents, once per import, takes the incidents table for this import (PostgreSQL)
// and opens the batch.
func (t *importTx) startIncidents(ctx context.Context) error {
	if !t.decided {
		t.decided = true
		if t.s.dialect == Postgres {
			// One import writes incidents at a time, so the keys it checked stay absent until
			// it commits. Only imports write incidents, so a transaction-scoped advisory lock
			// is enough; unlike LOCK TABLE it does not cancel autovacuum, which back-to-back
			// imports would otherwise starve (stale statistics after a backfill).
			if _, err := t.tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, importLockKey); err != nil {
				return fmt.Errorf("store: lock incidents: %w", err)
			}
		}
		if err := t.openBatch(ctx); err != nil {
			return err
		}
		if t.run != nil {
			return t.run.join(ctx, t)
		}
		return t.restoreIndexes(ctx)
	}
	return nil
}

// storedBelow reports whether fewer than n incidents were stored before this import. It
// counts at most 2n rows, and again only when n has outgrown what it counted (doubling), so
// a small import into a big table does not count the table: at 10M rows a full count took
// 2 s of a 9 s monthly import.
func (t *importTx) storedBelow(ctx context.Context, n int) (bool, error) {
	if t.storedKnown {
		return t.stored < n, nil
	}
	if n <= t.stored { // at least t.stored are stored
		return false, nil
	}
	if t.s.dialect == Postgres {
		// PostgreSQL's own estimate settles a big table without counting; hexbeat never
		// deletes incidents, so the estimate errs low, if at all (then the count decides)
		var est float64
		if err := t.tx.GetContext(ctx, &est, `SELECT reltuples FROM pg_class WHERE oid = 'incidents'::regclass`); err != nil {
			return false, fmt.Errorf("store: size incidents: %w", err)
		}
		if est >= float64(2*n+t.added) {
			t.stored = 2 * n
			return false, nil
		}
	}
	// the count sees the t.added rows this import has written so far
	limit := 2*n + t.added
	var c int
	if err := t.tx.GetContext(ctx, &c, t.s.db.Rebind(`SELECT count(*) FROM (SELECT 1 FROM incidents LIMIT ?) t`), limit); err != nil {
		return false, fmt.Errorf("store: size incidents: %w", err)
	}
	t.stored, t.storedKnown = c-t.added, c < limit
	return t.stored < n, nil
}

// toBulk switches to the bulk path when n rows (see writeNew) reach the factor's share of the
// stored rows: it reads every stored key into t.keys (dropIndexes follows when there are
// new rows).
func (t *importTx) toBulk(ctx context.Context, n, factor int) error {
	if t.bulk {
		return nil
	}
	if small, err := t.storedBelow(ctx, n*factor); err != nil || !small {
		return err
	}
	t.bulk = true
	if err := t.rememberKeys(ctx, t.stored+n, `SELECT key FROM incidents`); err != nil {
		return fmt.Errorf("store: read keys: %w", err)
	}
	return nil
}

// dropIndexes drops the incident indexes, once, when a bulk import first has new rows to
// write: a file imported again, which has none, leaves them as they are and rebuilds
// nothing at commit.
func (t *importTx) dropIndexes(ctx context.Context) error {
	if t.dropped || (t.inBulkRun() && t.run.dropped) {
		return nil
	}
	t.dropped = true
	for _, ix := range t.bulkIndexes() {
		if _, err := t.tx.ExecContext(ctx, ix.drop); err != nil {
			return fmt.Errorf("store: bulk import: %w", err)
		}
	}
	return nil
}

// writeNew writes the incidents not yet stored. When mayBulk it first asks whether the
// import is now large enough for the bulk path (each chunk: an import may outgrow the table
// part way). SQLite judges by the rows handed in; PostgreSQL, which looks each chunk's keys
// up first, by the rows that are new, so importing a file again never rebuilds the indexes.
func (t *importTx) writeNew(ctx context.Context, incs []hexbeat.Incident, mayBulk bool) error {
	if t.s.dialect == SQLite {
		if mayBulk {
			if err := t.toBulk(ctx, t.seen, sqliteBulkFactor); err != nil {
				return err
			}
		}
		if t.bulk {
			if incs = t.unseen(incs); len(incs) > 0 {
				if err := t.dropIndexes(ctx); err != nil {
					return err
				}
			}
		}
		return t.insertIncidentsSQLite(ctx, incs)
	}
	if !t.bulk {
		if err := t.rememberStored(ctx, incs); err != nil {
			return err
		}
	}
	incs = t.unseen(incs)
	if mayBulk {
		if err := t.toBulk(ctx, t.added+len(incs), pgBulkFactor); err != nil {
			return err
		}
	}
	if t.bulk && len(incs) > 0 {
		if err := t.dropIndexes(ctx); err != nil {
			return err
		}
	}
	return t.copyIncidents(ctx, incs)
}

// rememberKeys adds to t.keys the keys that query (one bytea or blob column) returns;
// sizeHint sizes t.keys when it is made.
func (t *importTx) rememberKeys(ctx context.Context, sizeHint int, query string, args ...any) error {
	if t.keys == nil {
		t.keys = make(map[hexbeat.Key]struct{}, sizeHint)
	}
	rows, err := t.tx.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			return err
		}
		var k hexbeat.Key
		copy(k[:], b)
		t.keys[k] = struct{}{}
	}
	return rows.Err()
}

// unseen drops incidents whose key is in t.keys (stored, or earlier in this import) and
// remembers the rest.
func (t *importTx) unseen(incs []hexbeat.Incident) []hexbeat.Incident {
	if t.keys == nil {
		t.keys = make(map[hexbeat.Key]struct{}, len(incs))
	}
	out := incs[:0:0]
	for _, inc := range incs {
		if _, dup := t.keys[inc.Key]; dup {
			continue
		}
		t.keys[inc.Key] = struct{}{}
		if t.inBulkRun() {
			t.runKeys = append(t.runKeys, inc.Key)
		}
		out = append(out, inc)
	}
	return out
}

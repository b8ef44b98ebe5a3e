package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/hexbeat/hexbeat/internal/hexbeat"
)

// The SQLite import path: multi-row INSERT OR IGNORE through prepared statements, and for a
// large import into a small table, keys checked in memory with the indexes rebuilt at commit.

// sqliteRowsPerInsert rows go into one multi-row INSERT: fewer statement executions is what
// makes SQLite imports fast.
const sqliteRowsPerInsert = 64

// sqliteBulkFactor: SQLite rebuilds its indexes for an import of at least half the rows
// stored. Rebuilding costs about 3 µs a stored row and reading the stored keys 1 µs, against
// about 13 µs a row for updating the unique index row by row.
const sqliteBulkFactor = 2

// maxCountRows bounds the count of stored rows behind the bulk decision: a table this big
// takes the row-by-row path for any import that fits in memory.
const maxCountRows = 50_000_000

// decideSQLite chooses between row-by-row index updates and the bulk path once the import
// has bulkMinRows rows, and again after each chunk (an import may outgrow the table part
// way). In bulk mode the key and batch indexes are dropped inside the transaction (SQLite's
// single writer holds the write lock throughout) and the stored keys are read into memory
// to keep the import idempotent.
func (t *importTx) decideSQLite(ctx context.Context, seen int) error {
	if !t.decided {
		t.decided = true
		if err := t.tx.GetContext(ctx, &t.stored, `SELECT count(*) FROM (SELECT 1 FROM incidents LIMIT ?)`, maxCountRows); err != nil {
			return fmt.Errorf("store: size incidents: %w", err)
		}
	}
	if t.bulk || seen*sqliteBulkFactor <= t.stored {
		return nil
	}
	t.bulk = true
	t.keys = make(map[hexbeat.Key]struct{}, t.stored+seen)
	rows, err := t.tx.QueryContext(ctx, `SELECT key FROM incidents`)
	if err != nil {
		return fmt.Errorf("store: read keys: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			return fmt.Errorf("store: read keys: %w", err)
		}
		var k hexbeat.Key
		copy(k[:], b)
		t.keys[k] = struct{}{}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: read keys: %w", err)
	}
	for _, ix := range []string{"incidents_key", "incidents_batch"} {
		if _, err := t.tx.ExecContext(ctx, "DROP INDEX IF EXISTS "+ix); err != nil {
			return fmt.Errorf("store: bulk import: %w", err)
		}
	}
	return nil
}

// newOnly drops incidents whose key is stored or already in this import (bulk mode only;
// otherwise the unique index does it).
func (t *importTx) newOnly(incs []hexbeat.Incident) []hexbeat.Incident {
	if !t.bulk {
		return incs
	}
	out := incs[:0:0]
	for _, inc := range incs {
		if _, dup := t.keys[inc.Key]; dup {
			continue
		}
		t.keys[inc.Key] = struct{}{}
		out = append(out, inc)
	}
	return out
}

// finishSQLite stores rows still pending and rebuilds the indexes a bulk import dropped.
func (t *importTx) finishSQLite(ctx context.Context) error {
	if !t.decided {
		t.decided = true
		if err := t.insertIncidentsSQLite(ctx, t.pending); err != nil {
			return err
		}
		t.pending = nil
	}
	if t.bulk {
		for _, def := range []string{"CREATE UNIQUE INDEX incidents_key ON incidents (key)", "CREATE INDEX incidents_batch ON incidents (batch_id)"} {
			if _, err := t.tx.ExecContext(ctx, def); err != nil {
				return fmt.Errorf("store: bulk import: %w", err)
			}
		}
	}
	return nil
}

// incidentArgs appends one incident's values for sqliteInsertSQL (time as unix seconds).
func incidentArgs(args []any, inc *hexbeat.Incident, batchID int64) []any {
	return append(args, inc.Key[:], batchID, inc.SourceID, inc.OccurredAt.Unix(), int(inc.Precision), inc.Category,
		inc.Lon, inc.Lat, int64(inc.Cell), inc.Location, inc.AreaCode, inc.AreaName, inc.Force, inc.Outcome)
}

func sqliteInsertSQL(rows int) string {
	one := "(" + strings.TrimSuffix(strings.Repeat("?,", len(incidentCols)+1), ",") + ")"
	return "INSERT OR IGNORE INTO incidents (key, batch_id, " + strings.Join(incidentCols[1:], ", ") + ") VALUES " +
		strings.TrimSuffix(strings.Repeat(one+",", rows), ",")
}

func (t *importTx) insertIncidentsSQLite(ctx context.Context, incs []hexbeat.Incident) error {
	if t.multi == nil {
		st, err := t.tx.PrepareContext(ctx, sqliteInsertSQL(sqliteRowsPerInsert))
		if err != nil {
			return fmt.Errorf("store: prepare insert: %w", err)
		}
		t.multi = st
	}
	args := make([]any, 0, sqliteRowsPerInsert*(len(incidentCols)+1))
	exec := func(st *sql.Stmt, rows []hexbeat.Incident) error {
		args = args[:0]
		for i := range rows {
			args = incidentArgs(args, &rows[i], t.batchID)
		}
		res, err := st.ExecContext(ctx, args...)
		if err != nil {
			return fmt.Errorf("store: insert incidents: %w", err)
		}
		n, _ := res.RowsAffected()
		t.added += int(n)
		return nil
	}
	for len(incs) >= sqliteRowsPerInsert {
		if err := exec(t.multi, incs[:sqliteRowsPerInsert]); err != nil {
			return err
		}
		incs = incs[sqliteRowsPerInsert:]
	}
	if len(incs) > 0 {
		st, err := t.tx.PrepareContext(ctx, sqliteInsertSQL(len(incs)))
		if err != nil {
			return fmt.Errorf("store: prepare insert: %w", err)
		}
		defer st.Close()
		return exec(st, incs)
	}
	return nil
}

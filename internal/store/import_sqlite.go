package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/hexbeat/hexbeat/internal/hexbeat"
)

// The SQLite import path: multi-row INSERT OR IGNORE through prepared statements (the shared
// chunking and bulk decision are in import_incidents.go).

// sqliteRowsPerInsert rows go into one multi-row INSERT: fewer statement executions is what
// makes SQLite imports fast.
const sqliteRowsPerInsert = 64

// sqliteBulkFactor: SQLite rebuilds its indexes for an import of at least half the rows
// stored. Rebuilding costs about 3 µs a stored row and reading the stored keys 1 µs, against
// about 13 µs a row for updating the unique index row by row.
const sqliteBulkFactor = 2

// sqliteBulkIndexes are dropped and rebuilt by a bulk import; SQLite's single writer holds
// the write lock throughout the transaction.
var sqliteBulkIndexes = []bulkIndex{
	{"DROP INDEX IF EXISTS incidents_key", "CREATE UNIQUE INDEX incidents_key ON incidents (key)"},
	{"DROP INDEX IF EXISTS incidents_batch", "CREATE INDEX incidents_batch ON incidents (batch_id)"},
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

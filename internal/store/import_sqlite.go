package store

import (
	"context"
	"database/sql/driver"
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
	{"incidents_key", "DROP INDEX IF EXISTS incidents_key", "CREATE UNIQUE INDEX incidents_key ON incidents (key)"},
	{"incidents_batch", "DROP INDEX IF EXISTS incidents_batch", "CREATE INDEX incidents_batch ON incidents (batch_id)"},
}

// incidentValues sets one incident's values for sqliteInsertSQL at vals (time as unix
// seconds); the ordinals are set once, by sqliteValues.
func incidentValues(vals []driver.NamedValue, inc *hexbeat.Incident, batchID int64) {
	vals[0].Value, vals[1].Value, vals[2].Value, vals[3].Value = inc.Key[:], batchID, inc.SourceID, inc.OccurredAt.Unix()
	vals[4].Value, vals[5].Value, vals[6].Value, vals[7].Value = int64(inc.Precision), inc.Category, inc.Lon, inc.Lat
	vals[8].Value, vals[9].Value, vals[10].Value, vals[11].Value = int64(inc.Cell), inc.Location, inc.AreaCode, inc.AreaName
	vals[12].Value, vals[13].Value, vals[14].Value = inc.Force, inc.Outcome, int64(inc.GridSquare)
}

// sqliteValues are the arguments of sqliteInsertSQL(rows), numbered.
func sqliteValues(rows int) []driver.NamedValue {
	vals := make([]driver.NamedValue, rows*(len(incidentCols)+1))
	for i := range vals {
		vals[i].Ordinal = i + 1
	}
	return vals
}

func sqliteInsertSQL(rows int) string {
	one := "(" + strings.TrimSuffix(strings.Repeat("?,", len(incidentCols)+1), ",") + ")"
	return "INSERT OR IGNORE INTO incidents (key, batch_id, " + strings.Join(incidentCols[1:], ", ") + ") VALUES " +
		strings.TrimSuffix(strings.Repeat(one+",", rows), ",")
}

// insertIncidentsSQLite inserts incs sqliteRowsPerInsert at a time, binding the values
// through SQLite's API where it can reach it (sqlite_raw.go), else through the driver.
func (t *importTx) insertIncidentsSQLite(ctx context.Context, incs []hexbeat.Incident) error {
	if len(incs) == 0 {
		return nil
	}
	err := t.conn.Raw(func(dc any) error {
		prepare := driverInserter(ctx, dc)
		if h, ok := rawSQLite(dc); ok && t.s.bindRaw {
			prepare = rawInserter(h)
		}
		exec := func(rows []hexbeat.Incident) error {
			ins, err := prepare(min(len(rows), sqliteRowsPerInsert), t.batchID)
			if err != nil {
				return err
			}
			defer ins.close()
			for len(rows) > 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
				added, err := ins.exec(rows[:ins.rows])
				if err != nil {
					return err
				}
				t.added += int(added)
				rows = rows[ins.rows:]
			}
			return nil
		}
		whole := len(incs) / sqliteRowsPerInsert * sqliteRowsPerInsert
		if whole > 0 {
			if err := exec(incs[:whole]); err != nil {
				return err
			}
		}
		if whole < len(incs) {
			return exec(incs[whole:])
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: insert incidents: %w", err)
	}
	return nil
}

// incidentInserter runs sqliteInsertSQL(rows) for rows incidents at a time.
type incidentInserter struct {
	rows  int
	exec  func([]hexbeat.Incident) (added int64, err error)
	close func()
}

// driverInserter binds through the driver, handing it the values directly: through
// database/sql each statement would pay for converting and checking its 900 arguments and
// for locking, about a tenth of the import.
func driverInserter(ctx context.Context, dc any) func(rows int, batchID int64) (*incidentInserter, error) {
	return func(rows int, batchID int64) (*incidentInserter, error) {
		conn, ok := dc.(driver.ConnPrepareContext)
		if !ok {
			return nil, fmt.Errorf("driver connection %T", dc)
		}
		st, err := conn.PrepareContext(ctx, sqliteInsertSQL(rows))
		if err != nil {
			return nil, err
		}
		ex, ok := st.(driver.StmtExecContext)
		if !ok {
			st.Close()
			return nil, fmt.Errorf("driver statement %T", st)
		}
		vals, w := sqliteValues(rows), len(incidentCols)+1
		return &incidentInserter{rows: rows, close: func() { st.Close() },
			exec: func(incs []hexbeat.Incident) (int64, error) {
				for i := range incs {
					incidentValues(vals[i*w:], &incs[i], batchID)
				}
				res, err := ex.ExecContext(ctx, vals)
				if err != nil {
					return 0, err
				}
				return res.RowsAffected()
			}}, nil
	}
}

// rawInserter binds through SQLite's API.
func rawInserter(h sqliteHandle) func(rows int, batchID int64) (*incidentInserter, error) {
	return func(rows int, batchID int64) (*incidentInserter, error) {
		st, err := h.prepare(sqliteInsertSQL(rows))
		if err != nil {
			return nil, err
		}
		w := int32(len(incidentCols) + 1)
		return &incidentInserter{rows: rows, close: st.close,
			exec: func(incs []hexbeat.Incident) (int64, error) {
				n := 0
				for i := range incs {
					n += incidentBytes(&incs[i])
				}
				if err := st.reserve(n); err != nil {
					return 0, err
				}
				for i := range incs {
					st.bindIncident(int32(i)*w+1, &incs[i], batchID)
				}
				return st.exec()
			}}, nil
	}
}

package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/lib/pq"
)

// The PostgreSQL import path: COPY into a temporary staging table, then one INSERT ...
// ON CONFLICT DO NOTHING into incidents at commit, rebuilding the GiST and batch indexes
// when the import is large against the table.

// copyIncidents streams rows into a temporary staging table with COPY; Commit moves the
// new ones into incidents.
func (t *importTx) copyIncidents(ctx context.Context, incs []hexbeat.Incident) error {
	if t.staged == 0 {
		if _, err := t.tx.ExecContext(ctx, `CREATE TEMP TABLE IF NOT EXISTS incidents_stage (
			key bytea, source_id text, occurred_at timestamptz, precision smallint, category text,
			lon double precision, lat double precision, cell bigint, location text, area_code text,
			area_name text, force text, outcome text) ON COMMIT DROP`); err != nil {
			return fmt.Errorf("store: staging table: %w", err)
		}
	}
	st, err := t.tx.PrepareContext(ctx, pq.CopyIn("incidents_stage", incidentCols...))
	if err != nil {
		return fmt.Errorf("store: copy: %w", err)
	}
	for i := range incs {
		inc := &incs[i]
		if _, err := st.ExecContext(ctx, inc.Key[:], inc.SourceID, inc.OccurredAt, int(inc.Precision), inc.Category,
			inc.Lon, inc.Lat, int64(inc.Cell), inc.Location, inc.AreaCode, inc.AreaName, inc.Force, inc.Outcome); err != nil {
			st.Close()
			return fmt.Errorf("store: copy: %w", err)
		}
	}
	if _, err := st.ExecContext(ctx); err != nil {
		st.Close()
		return fmt.Errorf("store: copy: %w", err)
	}
	t.staged += len(incs)
	return st.Close()
}

// pgBulkFactor: an import of at least a pgBulkFactor-th of the rows already stored rebuilds
// the secondary indexes instead of updating them row by row. Inserting one point into a
// GiST index costs tens of microseconds, while PostgreSQL 15 builds a GiST index over sorted
// points at a few microseconds a row, so rebuilding wins until the table is about ten times
// the size of the import.
const pgBulkFactor = 8

// pgSecondaryIndexes are dropped and rebuilt by a bulk import (PostgreSQL); the unique key
// index stays, for ON CONFLICT.
var pgSecondaryIndexes = []struct{ name, def string }{
	{"incidents_geom", "CREATE INDEX incidents_geom ON incidents USING gist (geom)"},
	{"incidents_batch", "CREATE INDEX incidents_batch ON incidents (batch_id)"},
}

// moveStaged moves the staged rows that are new into incidents.
func (t *importTx) moveStaged(ctx context.Context) error {
	bulk := false
	if t.staged >= bulkMinRows {
		// are there fewer than bulkFactor rows stored per staged row? (bounded scan)
		var n int
		if err := t.tx.GetContext(ctx, &n, `SELECT count(*) FROM (SELECT 1 FROM incidents LIMIT $1) t`, t.staged*pgBulkFactor); err != nil {
			return fmt.Errorf("store: size incidents: %w", err)
		}
		bulk = n < t.staged*pgBulkFactor
	}
	if bulk {
		for _, ix := range pgSecondaryIndexes {
			if _, err := t.tx.ExecContext(ctx, "DROP INDEX IF EXISTS "+ix.name); err != nil {
				return fmt.Errorf("store: bulk import: %w", err)
			}
		}
	}
	res, err := t.tx.ExecContext(ctx, `INSERT INTO incidents (key, batch_id, `+strings.Join(incidentCols[1:], ", ")+`)
		SELECT key, $1, `+strings.Join(incidentCols[1:], ", ")+` FROM incidents_stage ON CONFLICT (key) DO NOTHING`, t.batchID)
	if err != nil {
		return fmt.Errorf("store: move staged incidents: %w", err)
	}
	n, _ := res.RowsAffected()
	t.added += int(n)
	if bulk {
		for _, ix := range pgSecondaryIndexes {
			if _, err := t.tx.ExecContext(ctx, ix.def); err != nil {
				return fmt.Errorf("store: bulk import: rebuild %s: %w", ix.name, err)
			}
		}
	}
	return nil
}

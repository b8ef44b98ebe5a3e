package store

import (
	"context"
	"database/sql/driver"
	"fmt"
	"time"

	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/lib/pq"
)

// The PostgreSQL import path: the import locks incidents against other writers, looks up
// each chunk's keys (or holds every stored key in memory on the bulk path), and COPYs the
// new rows straight into incidents, where PostgreSQL inserts them a page at a time.

// pgBulkFactor: an import of at least a pgBulkFactor-th of the rows already stored drops
// the incident indexes and rebuilds them at commit. Inserting one point into a GiST index
// costs tens of microseconds and a random key into the unique index several, while
// PostgreSQL 15 builds a GiST index over sorted points at a few microseconds a row and the
// key index at about one, so rebuilding wins until the table is about ten times the size of
// the import.
const pgBulkFactor = 8

// pgBulkIndexes are dropped and rebuilt by a bulk import. The foreign key to batches is one
// of them: checked row by row it doubles the cost of COPY (a lookup in batches per row),
// while adding it back checks the whole table in one join. So is the primary key: its
// inserts are sequential, but building it afterwards is cheaper still (a million rows by
// psql's COPY: 2.7-3.0 s with it, 2.4-2.5 s without it and adding it back).
var pgBulkIndexes = []bulkIndex{
	{"incidents_pkey", "ALTER TABLE incidents DROP CONSTRAINT IF EXISTS incidents_pkey", "ALTER TABLE incidents ADD CONSTRAINT incidents_pkey PRIMARY KEY (id)"},
	{"incidents_batch_id_fkey", "ALTER TABLE incidents DROP CONSTRAINT IF EXISTS incidents_batch_id_fkey",
		"ALTER TABLE incidents ADD CONSTRAINT incidents_batch_id_fkey FOREIGN KEY (batch_id) REFERENCES batches (id)"},
	{"incidents_key_key", "ALTER TABLE incidents DROP CONSTRAINT IF EXISTS incidents_key_key", "ALTER TABLE incidents ADD CONSTRAINT incidents_key_key UNIQUE (key)"},
	{"incidents_geom", "DROP INDEX IF EXISTS incidents_geom", "CREATE INDEX incidents_geom ON incidents USING gist (geom)"},
	{"incidents_batch", "DROP INDEX IF EXISTS incidents_batch", "CREATE INDEX incidents_batch ON incidents (batch_id)"},
}

// rememberStored adds to t.keys the keys of incs that incidents already holds.
func (t *importTx) rememberStored(ctx context.Context, incs []hexbeat.Incident) error {
	keys := make(pq.ByteaArray, len(incs))
	for i := range incs {
		keys[i] = incs[i].Key[:]
	}
	if err := t.rememberKeys(ctx, len(incs), `SELECT key FROM incidents WHERE key = ANY($1)`, keys); err != nil {
		return fmt.Errorf("store: look up keys: %w", err)
	}
	return nil
}

// copyIncidents streams new rows into incidents with COPY. It hands the driver its values
// directly: through database/sql each row would pay for argument conversion and locking,
// about a fifth of the client's work.
func (t *importTx) copyIncidents(ctx context.Context, incs []hexbeat.Incident) error {
	if len(incs) == 0 {
		return nil
	}
	err := t.conn.Raw(func(dc any) error {
		conn, ok := dc.(driver.Conn)
		if !ok {
			return fmt.Errorf("driver connection %T", dc)
		}
		st, err := conn.Prepare(pq.CopyIn("incidents", append([]string{"batch_id"}, incidentCols...)...))
		if err != nil {
			return err
		}
		defer st.Close()
		row := make([]driver.Value, len(incidentCols)+1)
		var lastAt time.Time
		var at string
		for i := range incs {
			inc := &incs[i]
			if i%4096 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			if !inc.OccurredAt.Equal(lastAt) || at == "" { // police.uk data has one time a month
				lastAt, at = inc.OccurredAt, string(pq.FormatTimestamp(inc.OccurredAt))
			}
			row[0], row[1], row[2], row[3], row[4], row[5] = t.batchID, inc.Key[:], inc.SourceID, at, int64(inc.Precision), inc.Category
			row[6], row[7], row[8], row[9], row[10] = inc.Lon, inc.Lat, int64(inc.Cell), inc.Location, inc.AreaCode
			row[11], row[12], row[13], row[14] = inc.AreaName, inc.Force, inc.Outcome, int64(inc.GridSquare)
			if _, err := st.Exec(row); err != nil { //nolint:staticcheck // lib/pq's COPY statement has no ExecContext
				return err
			}
		}
		_, err = st.Exec(nil) //nolint:staticcheck
		return err
	})
	if err != nil {
		return fmt.Errorf("store: copy: %w", err)
	}
	t.added += len(incs)
	return nil
}

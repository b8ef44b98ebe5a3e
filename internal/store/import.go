package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// importTx is one import in one database transaction.
type importTx struct {
	s       *Store
	tx      *sqlx.Tx
	batchID int64
	added   int // rows known to be new so far
	staged  int // PostgreSQL: incident rows waiting in the staging table
	multi   *sql.Stmt
	done    bool

	// SQLite bulk path: the first rows wait in pending until there are enough to decide;
	// in bulk mode the unique index is rebuilt at commit and keys are checked in memory.
	pending []hexbeat.Incident
	decided bool
	bulk    bool
	keys    map[hexbeat.Key]struct{}
}

// incidentCols are the incident columns an import writes, besides batch_id.
var incidentCols = []string{"key", "source_id", "occurred_at", "precision", "category", "lon", "lat", "cell",
	"location", "area_code", "area_name", "force", "outcome"}

// sqliteRowsPerInsert rows go into one multi-row INSERT: fewer statement executions is what
// makes SQLite imports fast.
const sqliteRowsPerInsert = 64

// BeginImport starts an all-or-nothing import.
func (s *Store) BeginImport(ctx context.Context) (hexbeat.ImportTx, error) {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("store: begin import: %w", err)
	}
	t := &importTx{s: s, tx: tx}
	now := time.Now().UTC()
	if s.dialect == Postgres {
		err = tx.QueryRowxContext(ctx, `INSERT INTO batches (kind, source, sha256, imported_at) VALUES ('', '', '', $1) RETURNING id`, now).Scan(&t.batchID)
	} else {
		var res sql.Result
		res, err = tx.ExecContext(ctx, `INSERT INTO batches (kind, source, sha256, imported_at) VALUES ('', '', '', ?)`, now.Unix())
		if err == nil {
			t.batchID, err = res.LastInsertId()
		}
	}
	if err != nil {
		tx.Rollback()
		return nil, fmt.Errorf("store: begin import: %w", err)
	}
	return t, nil
}

func (t *importTx) AddIncidents(ctx context.Context, incs []hexbeat.Incident) error {
	if t.s.dialect == Postgres {
		return t.copyIncidents(ctx, incs)
	}
	if !t.decided {
		t.pending = append(t.pending, incs...)
		if len(t.pending) < bulkMinRows {
			return nil
		}
		if err := t.decideSQLite(ctx); err != nil {
			return err
		}
		incs, t.pending = t.pending, nil
	}
	return t.insertIncidentsSQLite(ctx, t.newOnly(incs))
}

// sqliteBulkFactor: SQLite rebuilds its indexes for an import of at least half the rows
// stored. Rebuilding costs about 3 µs a stored row and reading the stored keys 1 µs, against
// about 13 µs a row for updating the unique index row by row.
const sqliteBulkFactor = 2

// decideSQLite chooses between row-by-row index updates and the bulk path, once the import
// has bulkMinRows rows. In bulk mode the key and batch indexes are dropped inside the
// transaction (SQLite's single writer holds the write lock throughout) and the stored keys
// are read into memory to keep the import idempotent.
func (t *importTx) decideSQLite(ctx context.Context) error {
	t.decided = true
	limit := len(t.pending) * sqliteBulkFactor
	var n int
	if err := t.tx.GetContext(ctx, &n, `SELECT count(*) FROM (SELECT 1 FROM incidents LIMIT ?)`, limit); err != nil {
		return fmt.Errorf("store: size incidents: %w", err)
	}
	if n >= limit {
		return nil
	}
	t.bulk = true
	t.keys = make(map[hexbeat.Key]struct{}, n+len(t.pending))
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

func incidentArgs(args []any, inc *hexbeat.Incident, batchID int64, unixTime bool) []any {
	var at any = inc.OccurredAt
	if unixTime {
		at = inc.OccurredAt.Unix()
	}
	return append(args, inc.Key[:], batchID, inc.SourceID, at, int(inc.Precision), inc.Category,
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
			args = incidentArgs(args, &rows[i], t.batchID, true)
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

func (t *importTx) AddStopSearches(ctx context.Context, ss []hexbeat.StopSearch) error {
	st, err := t.tx.PreparexContext(ctx, t.s.db.Rebind(`INSERT INTO stop_searches (key, batch_id, occurred_at, lon, lat,
		type, operation, operation_name, gender, age_range, self_defined_ethnicity, officer_defined_ethnicity,
		legislation, object, outcome, outcome_linked, outer_clothing)
		VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (key) DO NOTHING`))
	if err != nil {
		return fmt.Errorf("store: insert stop searches: %w", err)
	}
	defer st.Close()
	for i := range ss {
		s := &ss[i]
		res, err := st.ExecContext(ctx, s.Key[:], t.batchID, t.timeArg(s.OccurredAt), s.Lon, s.Lat, s.Type, s.Operation,
			s.OperationName, s.Gender, s.AgeRange, s.SelfDefinedEthnicity, s.OfficerEthnicity, s.Legislation,
			s.Object, s.Outcome, s.OutcomeLinked, s.OuterClothing)
		if err != nil {
			return fmt.Errorf("store: insert stop search: %w", err)
		}
		n, _ := res.RowsAffected()
		t.added += int(n)
	}
	return nil
}

func (t *importTx) AddOutcomes(ctx context.Context, os []hexbeat.Outcome) error {
	st, err := t.tx.PreparexContext(ctx, t.s.db.Rebind(`INSERT INTO outcomes (key, batch_id, crime_id, month, type, lon, lat, area_code)
		VALUES (?,?,?,?,?,?,?,?) ON CONFLICT (key) DO NOTHING`))
	if err != nil {
		return fmt.Errorf("store: insert outcomes: %w", err)
	}
	defer st.Close()
	for i := range os {
		o := &os[i]
		res, err := st.ExecContext(ctx, o.Key[:], t.batchID, o.CrimeID, t.timeArg(o.Month), o.Type, o.Lon, o.Lat, o.AreaCode)
		if err != nil {
			return fmt.Errorf("store: insert outcome: %w", err)
		}
		n, _ := res.RowsAffected()
		t.added += int(n)
	}
	return nil
}

// timeArg is a time as the dialect stores it: unix seconds in SQLite, timestamptz in PostgreSQL.
func (t *importTx) timeArg(at time.Time) any {
	if t.s.dialect == Postgres {
		return at
	}
	return at.Unix()
}

// exists reports whether table holds a row with this text id.
func (t *importTx) exists(ctx context.Context, table, id string) (bool, error) {
	var n int
	err := t.tx.GetContext(ctx, &n, t.s.db.Rebind("SELECT count(*) FROM "+table+" WHERE id = ?"), id)
	return n > 0, err
}

func (t *importTx) PutBoundaries(ctx context.Context, bs []hexbeat.Boundary) error {
	geomSet, geomVal := "", ""
	if t.s.dialect == Postgres {
		geomSet, geomVal = ", geom = excluded.geom", ", ST_SetSRID(ST_Multi(ST_GeomFromGeoJSON(?)), 4326)"
	}
	q := t.s.db.Rebind(`INSERT INTO boundaries (id, kind, name, geojson, batch_id` + map[bool]string{true: ", geom", false: ""}[geomVal != ""] + `)
		VALUES (?, ?, ?, ?, ?` + geomVal + `)
		ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, name = excluded.name, geojson = excluded.geojson,
		batch_id = excluded.batch_id` + geomSet)
	for _, b := range bs {
		gj, err := geometryJSON(b.Geometry)
		if err != nil {
			return fmt.Errorf("store: boundary %s: %w", b.ID, err)
		}
		had, err := t.exists(ctx, "boundaries", b.ID)
		if err != nil {
			return fmt.Errorf("store: boundary %s: %w", b.ID, err)
		}
		args := []any{b.ID, b.Kind, b.Name, gj, t.batchID}
		if geomVal != "" {
			args = append(args, gj)
		}
		if _, err := t.tx.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("store: boundary %s: %w", b.ID, err)
		}
		if !had {
			t.added++
		}
	}
	return nil
}

func (t *importTx) PutRetailers(ctx context.Context, rs []hexbeat.Retailer) error {
	q := t.s.db.Rebind(`INSERT INTO retailers (id, name, category, address, size_band, lon, lat, batch_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET name = excluded.name, category = excluded.category, address = excluded.address,
		size_band = excluded.size_band, lon = excluded.lon, lat = excluded.lat, batch_id = excluded.batch_id`)
	for _, r := range rs {
		had, err := t.exists(ctx, "retailers", r.ID)
		if err != nil {
			return fmt.Errorf("store: retailer %s: %w", r.ID, err)
		}
		if _, err := t.tx.ExecContext(ctx, q, r.ID, r.Name, r.Category, r.Address, r.SizeBand, r.Lon, r.Lat, t.batchID); err != nil {
			return fmt.Errorf("store: retailer %s: %w", r.ID, err)
		}
		if !had {
			t.added++
		}
	}
	return nil
}

// Commit moves staged rows in, records the batch and commits. PostgreSQL replicas are told
// of the new batch with NOTIFY, delivered when the transaction commits.
func (t *importTx) Commit(ctx context.Context, b hexbeat.Batch) (hexbeat.Batch, error) {
	if t.done {
		return b, fmt.Errorf("store: import already finished")
	}
	if t.s.dialect == SQLite {
		if err := t.finishSQLite(ctx); err != nil {
			return b, err
		}
	}
	if t.multi != nil {
		t.multi.Close()
		t.multi = nil
	}
	if t.staged > 0 {
		if err := t.moveStaged(ctx); err != nil {
			return b, err
		}
	}
	b.ID, b.Added = t.batchID, t.added
	if b.ImportedAt.IsZero() {
		b.ImportedAt = time.Now().UTC()
	}
	if _, err := t.tx.ExecContext(ctx, t.s.db.Rebind(`UPDATE batches SET kind = ?, source = ?, sha256 = ?, imported_at = ?, rows = ?, added = ? WHERE id = ?`),
		b.Kind, b.Source, b.SHA256, t.timeArg(b.ImportedAt), b.Rows, b.Added, b.ID); err != nil {
		return b, fmt.Errorf("store: record batch: %w", err)
	}
	if t.s.dialect == Postgres {
		if _, err := t.tx.ExecContext(ctx, `SELECT pg_notify($1, $2)`, notifyChannel, fmt.Sprint(b.ID)); err != nil {
			return b, fmt.Errorf("store: notify: %w", err)
		}
	}
	if err := t.tx.Commit(); err != nil {
		return b, fmt.Errorf("store: commit import: %w", err)
	}
	t.done = true
	return b, nil
}

// bulkFactor: an import of at least a bulkFactor-th of the rows already stored rebuilds
// the secondary indexes instead of updating them row by row. Inserting one point into a
// GiST index costs tens of microseconds, while PostgreSQL 15 builds a GiST index over sorted
// points at a few microseconds a row, so rebuilding wins until the table is about ten times
// the size of the import.
const bulkFactor = 8

// bulkMinRows is the smallest import that may take the bulk path (a variable for tests).
var bulkMinRows = 20_000

// secondaryIndexes are dropped and rebuilt by a bulk import (PostgreSQL); the unique key
// index stays, for ON CONFLICT.
var secondaryIndexes = []struct{ name, def string }{
	{"incidents_geom", "CREATE INDEX incidents_geom ON incidents USING gist (geom)"},
	{"incidents_batch", "CREATE INDEX incidents_batch ON incidents (batch_id)"},
}

// moveStaged moves the staged rows that are new into incidents.
func (t *importTx) moveStaged(ctx context.Context) error {
	bulk := false
	if t.staged >= bulkMinRows {
		// are there fewer than bulkFactor rows stored per staged row? (bounded scan)
		var n int
		if err := t.tx.GetContext(ctx, &n, `SELECT count(*) FROM (SELECT 1 FROM incidents LIMIT $1) t`, t.staged*bulkFactor); err != nil {
			return fmt.Errorf("store: size incidents: %w", err)
		}
		bulk = n < t.staged*bulkFactor
	}
	if bulk {
		for _, ix := range secondaryIndexes {
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
		for _, ix := range secondaryIndexes {
			if _, err := t.tx.ExecContext(ctx, ix.def); err != nil {
				return fmt.Errorf("store: bulk import: rebuild %s: %w", ix.name, err)
			}
		}
	}
	return nil
}

func (t *importTx) Rollback() error {
	if t.done {
		return nil
	}
	t.done = true
	if t.multi != nil {
		t.multi.Close()
	}
	return t.tx.Rollback()
}

// notifyChannel is the PostgreSQL channel on which committed batch ids are announced.
const notifyChannel = "hexbeat_batches"

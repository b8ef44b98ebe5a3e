package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"time"

	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/jmoiron/sqlx"
)

// importTx is one import in one database transaction.
type importTx struct {
	s       *Store
	conn    *sqlx.Conn
	tx      *sqlx.Tx
	batchID int64
	added   int // rows known to be new so far
	done    bool

	// Incidents (import_incidents.go): the first rows wait in pending until there are enough
	// to decide; in bulk mode the indexes are rebuilt at commit. keys holds the keys known to
	// be stored or in this import (all stored keys in bulk mode; PostgreSQL always).
	pending []hexbeat.Incident
	decided bool
	// stored counts the incidents stored before this import: exactly when storedKnown,
	// else a lower bound (see storedBelow)
	stored      int
	storedKnown bool
	seen        int // incidents handed to this import so far
	bulk        bool
	dropped     bool // the bulk path has dropped the indexes, to be rebuilt at commit (in a run, at its end)
	keys        map[hexbeat.Key]struct{}

	run     *Run          // the run of imports this one is part of (import_run.go), if any
	runKeys []hexbeat.Key // the keys this import added to the run's
}

// incidentCols are the incident columns an import writes, besides batch_id.
var incidentCols = []string{"key", "source_id", "occurred_at", "precision", "category", "lon", "lat", "cell",
	"location", "area_code", "area_name", "force", "outcome", "grid_square"}

// BeginImport starts an all-or-nothing import.
func (s *Store) BeginImport(ctx context.Context) (hexbeat.ImportTx, error) {
	// the import holds its own connection: PostgreSQL's COPY talks to the driver directly
	conn, err := s.db.Connx(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: begin import: %w", err)
	}
	return s.beginImport(ctx, conn, nil)
}

// beginImport starts an import on conn, which it releases when it ends unless the import
// is part of run (whose connection it is).
func (s *Store) beginImport(ctx context.Context, conn *sqlx.Conn, run *Run) (hexbeat.ImportTx, error) {
	var err error
	t := &importTx{s: s, conn: conn, run: run}
	if s.dialect == SQLite {
		// Every row an import writes refers to the batch row it inserts itself, in the
		// same transaction; checking that for each row cost a tenth of an import. The
		// pragma is per connection and cannot change inside a transaction.
		if _, err := conn.ExecContext(ctx, `PRAGMA foreign_keys = OFF`); err != nil {
			t.release()
			return nil, fmt.Errorf("store: begin import: %w", err)
		}
	}
	if t.tx, err = conn.BeginTxx(ctx, nil); err != nil {
		t.release()
		return nil, fmt.Errorf("store: begin import: %w", err)
	}
	if s.dialect == SQLite {
		// the batch row takes SQLite's write lock at once, so two imports cannot both read
		// and then deadlock on upgrading to write
		if err := t.openBatch(ctx); err != nil {
			t.Rollback()
			return nil, err
		}
	}
	return t, nil
}

// openBatch inserts the import's batch row, once. PostgreSQL opens it only when the import
// first writes: an import of incidents locks that table first, as adding back the foreign
// key after a bulk import needs a lock on batches that another import's new batch row
// would hold while it waited for incidents.
func (t *importTx) openBatch(ctx context.Context) error {
	if t.batchID != 0 {
		return nil
	}
	now := time.Now().UTC()
	var err error
	if t.s.dialect == Postgres {
		err = t.tx.QueryRowxContext(ctx, `INSERT INTO batches (kind, source, sha256, imported_at) VALUES ('', '', '', $1) RETURNING id`, now).Scan(&t.batchID)
	} else {
		var res sql.Result
		res, err = t.tx.ExecContext(ctx, `INSERT INTO batches (kind, source, sha256, imported_at) VALUES ('', '', '', ?)`, now.Unix())
		if err == nil {
			t.batchID, err = res.LastInsertId()
		}
	}
	if err != nil {
		return fmt.Errorf("store: open batch: %w", err)
	}
	return nil
}

func (t *importTx) AddStopSearches(ctx context.Context, ss []hexbeat.StopSearch) error {
	if err := t.openBatch(ctx); err != nil {
		return err
	}
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
	if err := t.openBatch(ctx); err != nil {
		return err
	}
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
func (t *importTx) timeArg(at time.Time) any { return t.s.timeArg(at) }

// timeArg writes a time for a time column: unix seconds in SQLite, timestamptz in PostgreSQL.
func (s *Store) timeArg(at time.Time) any {
	if s.dialect == Postgres {
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
	if err := t.openBatch(ctx); err != nil {
		return err
	}
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
	if err := t.openBatch(ctx); err != nil {
		return err
	}
	q := t.s.db.Rebind(`INSERT INTO retailers (id, name, category, address, size_band, lon, lat, grid_square, batch_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET name = excluded.name, category = excluded.category, address = excluded.address,
		size_band = excluded.size_band, lon = excluded.lon, lat = excluded.lat, grid_square = excluded.grid_square, batch_id = excluded.batch_id`)
	for _, r := range rs {
		had, err := t.exists(ctx, "retailers", r.ID)
		if err != nil {
			return fmt.Errorf("store: retailer %s: %w", r.ID, err)
		}
		if _, err := t.tx.ExecContext(ctx, q, r.ID, r.Name, r.Category, r.Address, r.SizeBand, r.Lon, r.Lat, r.GridSquare, t.batchID); err != nil {
			return fmt.Errorf("store: retailer %s: %w", r.ID, err)
		}
		if !had {
			t.added++
		}
	}
	return nil
}

// PutCameras adds cameras to the register, or replaces those with the same id.
func (t *importTx) PutCameras(ctx context.Context, cs []hexbeat.Camera) error {
	if err := t.openBatch(ctx); err != nil {
		return err
	}
	for _, c := range cs {
		had, err := t.exists(ctx, "cameras", c.ID)
		if err != nil {
			return fmt.Errorf("store: camera %s: %w", c.ID, err)
		}
		if err := t.s.putCamera(ctx, t.tx, c, t.batchID); err != nil {
			return err
		}
		if !had {
			t.added++
		}
	}
	return nil
}

// Commit writes the incidents still pending, records the batch and commits. PostgreSQL
// replicas are told of the new batch with NOTIFY, delivered when the transaction commits.
func (t *importTx) Commit(ctx context.Context, b hexbeat.Batch, audit func(hexbeat.Batch) hexbeat.AuditEvent) (hexbeat.Batch, error) {
	if t.done {
		return b, fmt.Errorf("store: import already finished")
	}
	if err := t.flushIncidents(ctx); err != nil {
		return b, err
	}
	if err := t.openBatch(ctx); err != nil {
		return b, err
	}
	b.ID, b.Added = t.batchID, t.added
	if b.ImportedAt.IsZero() {
		b.ImportedAt = time.Now().UTC()
	}
	if _, err := t.tx.ExecContext(ctx, t.s.db.Rebind(`UPDATE batches SET kind = ?, source = ?, sha256 = ?, imported_at = ?, rows = ?, added = ? WHERE id = ?`),
		b.Kind, b.Source, b.SHA256, t.timeArg(b.ImportedAt), b.Rows, b.Added, b.ID); err != nil {
		return b, fmt.Errorf("store: record batch: %w", err)
	}
	if audit != nil {
		if err := t.s.audit(ctx, t.tx, audit(b)); err != nil {
			return b, err
		}
	}
	if t.s.dialect == Postgres {
		if _, err := t.tx.ExecContext(ctx, `SELECT pg_notify($1, $2)`, notifyChannel, fmt.Sprint(b.ID)); err != nil {
			return b, fmt.Errorf("store: notify: %w", err)
		}
	}
	err := t.tx.Commit()
	t.done = true
	t.release()
	if err != nil {
		if t.run != nil {
			t.run.rolledBack(t)
		}
		return b, fmt.Errorf("store: commit import: %w", err)
	}
	if t.run != nil {
		t.run.committed(t)
	}
	return b, nil
}

func (t *importTx) Rollback() error {
	if t.done {
		return nil
	}
	t.done = true
	err := t.tx.Rollback()
	t.release()
	if t.run != nil {
		t.run.rolledBack(t)
	}
	if t.s.dialect == SQLite && t.seen > 0 {
		// a large import that failed has left its pages in the write-ahead log (775 MB once);
		// give the space back, without making the caller wait for readers to finish
		go t.s.db.ExecContext(context.Background(), `PRAGMA wal_checkpoint(TRUNCATE)`)
	}
	return err
}

// release hands the import's connection back to the pool, foreign keys checked again and
// its page cache restored (SQLite); a connection that cannot be restored is discarded. A
// run's connection stays with the run.
func (t *importTx) release() {
	if t.run != nil {
		return
	}
	if t.s.dialect == SQLite {
		for _, q := range []string{`PRAGMA foreign_keys = ON`, `PRAGMA ` + sqliteCacheSize} {
			if _, err := t.conn.ExecContext(context.Background(), q); err != nil {
				t.conn.Raw(func(any) error { return driver.ErrBadConn })
				break
			}
		}
	}
	t.conn.Close()
}

// notifyChannel is the PostgreSQL channel on which committed batch ids are announced.
const notifyChannel = "hexbeat_batches"

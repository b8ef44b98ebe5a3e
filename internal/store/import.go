package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/jmoiron/sqlx"
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
	stored  int // incidents stored before this import (counted once, when deciding)
	seen    int // incidents handed to this import so far
	bulk    bool
	keys    map[hexbeat.Key]struct{}
}

// incidentCols are the incident columns an import writes, besides batch_id.
var incidentCols = []string{"key", "source_id", "occurred_at", "precision", "category", "lon", "lat", "cell",
	"location", "area_code", "area_name", "force", "outcome"}

// bulkMinRows is the smallest import that may take the bulk path (a variable for tests).
var bulkMinRows = 20_000

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
	t.seen += len(incs)
	if !t.decided {
		t.pending = append(t.pending, incs...)
		if len(t.pending) < bulkMinRows {
			return nil
		}
		incs, t.pending = t.pending, nil
	}
	if err := t.decideSQLite(ctx, t.seen); err != nil {
		return err
	}
	return t.insertIncidentsSQLite(ctx, t.newOnly(incs))
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

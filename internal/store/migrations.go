package store

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jmoiron/sqlx"
)

// migration is one schema step, in each dialect's SQL. Steps are applied in order, each in
// its own transaction, and recorded in schema_migrations; they are never edited once
// released, only followed by new ones.
type migration struct {
	version          int
	sqlite, postgres string
	// then, when set, runs in the migration's transaction after its SQL
	then func(ctx context.Context, s *Store, tx *sqlx.Tx) error
}

var migrations = []migration{
	{1, `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE batches (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL, source TEXT NOT NULL, sha256 TEXT NOT NULL,
  imported_at INTEGER NOT NULL, rows INTEGER NOT NULL DEFAULT 0, added INTEGER NOT NULL DEFAULT 0);
CREATE TABLE incidents (
  id INTEGER PRIMARY KEY,
  key BLOB NOT NULL,
  batch_id INTEGER NOT NULL REFERENCES batches(id),
  source_id TEXT NOT NULL,
  occurred_at INTEGER NOT NULL,
  precision INTEGER NOT NULL,
  category TEXT NOT NULL,
  lon REAL NOT NULL, lat REAL NOT NULL,
  cell INTEGER NOT NULL,
  location TEXT NOT NULL, area_code TEXT NOT NULL, area_name TEXT NOT NULL,
  force TEXT NOT NULL, outcome TEXT NOT NULL);
CREATE UNIQUE INDEX incidents_key ON incidents (key);
CREATE INDEX incidents_batch ON incidents (batch_id);
CREATE TABLE stop_searches (
  id INTEGER PRIMARY KEY,
  key BLOB NOT NULL UNIQUE,
  batch_id INTEGER NOT NULL REFERENCES batches(id),
  occurred_at INTEGER NOT NULL,
  lon REAL, lat REAL,
  type TEXT NOT NULL, operation INTEGER NOT NULL, operation_name TEXT NOT NULL,
  gender TEXT NOT NULL, age_range TEXT NOT NULL,
  self_defined_ethnicity TEXT NOT NULL, officer_defined_ethnicity TEXT NOT NULL,
  legislation TEXT NOT NULL, object TEXT NOT NULL, outcome TEXT NOT NULL,
  outcome_linked INTEGER, outer_clothing INTEGER);
CREATE INDEX stop_searches_time ON stop_searches (occurred_at);
CREATE TABLE outcomes (
  id INTEGER PRIMARY KEY,
  key BLOB NOT NULL UNIQUE,
  batch_id INTEGER NOT NULL REFERENCES batches(id),
  crime_id TEXT NOT NULL, month INTEGER NOT NULL, type TEXT NOT NULL,
  lon REAL, lat REAL, area_code TEXT NOT NULL);
CREATE INDEX outcomes_crime ON outcomes (crime_id);
CREATE TABLE boundaries (
  id TEXT PRIMARY KEY, kind TEXT NOT NULL, name TEXT NOT NULL,
  geojson TEXT NOT NULL, batch_id INTEGER NOT NULL REFERENCES batches(id));
CREATE TABLE retailers (
  id TEXT PRIMARY KEY, name TEXT NOT NULL, category TEXT NOT NULL, address TEXT NOT NULL,
  size_band TEXT NOT NULL, lon REAL NOT NULL, lat REAL NOT NULL,
  batch_id INTEGER NOT NULL REFERENCES batches(id));
`, `
CREATE EXTENSION IF NOT EXISTS postgis;
CREATE TABLE meta (key text PRIMARY KEY, value text NOT NULL);
CREATE TABLE batches (
  id bigserial PRIMARY KEY,
  kind text NOT NULL, source text NOT NULL, sha256 text NOT NULL,
  imported_at timestamptz NOT NULL, rows integer NOT NULL DEFAULT 0, added integer NOT NULL DEFAULT 0);
CREATE TABLE incidents (
  id bigserial PRIMARY KEY,
  key bytea NOT NULL UNIQUE,
  batch_id bigint NOT NULL REFERENCES batches(id),
  source_id text NOT NULL,
  occurred_at timestamptz NOT NULL,
  precision smallint NOT NULL,
  category text NOT NULL,
  lon double precision NOT NULL, lat double precision NOT NULL,
  cell bigint NOT NULL,
  location text NOT NULL, area_code text NOT NULL, area_name text NOT NULL,
  force text NOT NULL, outcome text NOT NULL,
  geom geometry(Point, 4326) GENERATED ALWAYS AS (ST_SetSRID(ST_MakePoint(lon, lat), 4326)) STORED);
CREATE INDEX incidents_batch ON incidents (batch_id);
CREATE INDEX incidents_geom ON incidents USING gist (geom);
CREATE TABLE stop_searches (
  id bigserial PRIMARY KEY,
  key bytea NOT NULL UNIQUE,
  batch_id bigint NOT NULL REFERENCES batches(id),
  occurred_at timestamptz NOT NULL,
  lon double precision, lat double precision,
  type text NOT NULL, operation boolean NOT NULL, operation_name text NOT NULL,
  gender text NOT NULL, age_range text NOT NULL,
  self_defined_ethnicity text NOT NULL, officer_defined_ethnicity text NOT NULL,
  legislation text NOT NULL, object text NOT NULL, outcome text NOT NULL,
  outcome_linked boolean, outer_clothing boolean,
  geom geometry(Point, 4326) GENERATED ALWAYS AS (ST_SetSRID(ST_MakePoint(lon, lat), 4326)) STORED);
CREATE INDEX stop_searches_time ON stop_searches (occurred_at);
CREATE INDEX stop_searches_geom ON stop_searches USING gist (geom);
CREATE TABLE outcomes (
  id bigserial PRIMARY KEY,
  key bytea NOT NULL UNIQUE,
  batch_id bigint NOT NULL REFERENCES batches(id),
  crime_id text NOT NULL, month date NOT NULL, type text NOT NULL,
  lon double precision, lat double precision, area_code text NOT NULL);
CREATE INDEX outcomes_crime ON outcomes (crime_id);
CREATE TABLE boundaries (
  id text PRIMARY KEY, kind text NOT NULL, name text NOT NULL,
  geojson text NOT NULL, batch_id bigint NOT NULL REFERENCES batches(id),
  geom geometry(MultiPolygon, 4326) NOT NULL);
CREATE INDEX boundaries_geom ON boundaries USING gist (geom);
CREATE TABLE retailers (
  id text PRIMARY KEY, name text NOT NULL, category text NOT NULL, address text NOT NULL,
  size_band text NOT NULL, lon double precision NOT NULL, lat double precision NOT NULL,
  batch_id bigint NOT NULL REFERENCES batches(id),
  geom geometry(Point, 4326) GENERATED ALWAYS AS (ST_SetSRID(ST_MakePoint(lon, lat), 4326)) STORED);
CREATE INDEX retailers_geom ON retailers USING gist (geom);
`, nil},
	// 2: the Section 60 register, the append-only audit log, retailers' test results.
	{2, `
CREATE TABLE authorisations (
  id INTEGER PRIMARY KEY,
  area TEXT NOT NULL,
  grounds TEXT NOT NULL, officer TEXT NOT NULL, rank TEXT NOT NULL,
  starts_at INTEGER NOT NULL, ends_at INTEGER NOT NULL,
  ext_officer TEXT, ext_rank TEXT, ext_ends_at INTEGER, ext_at INTEGER, ext_reason TEXT,
  cancelled_at INTEGER, cancelled_by TEXT, cancel_reason TEXT,
  proposal TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL, created_by TEXT NOT NULL);
CREATE INDEX authorisations_time ON authorisations (starts_at);
CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY, at INTEGER NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
  subject TEXT NOT NULL, detail TEXT NOT NULL);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TABLE retailer_tests (
  id INTEGER PRIMARY KEY, retailer_id TEXT NOT NULL, tested_on INTEGER NOT NULL,
  result TEXT NOT NULL, notes TEXT NOT NULL, recorded_at INTEGER NOT NULL, recorded_by TEXT NOT NULL);
CREATE INDEX retailer_tests_retailer ON retailer_tests (retailer_id, tested_on);
`, `
CREATE TABLE authorisations (
  id bigserial PRIMARY KEY,
  area text NOT NULL,
  geom geometry(MultiPolygon, 4326) NOT NULL,
  grounds text NOT NULL, officer text NOT NULL, rank text NOT NULL,
  starts_at timestamptz NOT NULL, ends_at timestamptz NOT NULL,
  ext_officer text, ext_rank text, ext_ends_at timestamptz, ext_at timestamptz, ext_reason text,
  cancelled_at timestamptz, cancelled_by text, cancel_reason text,
  proposal text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL, created_by text NOT NULL);
CREATE INDEX authorisations_time ON authorisations (starts_at);
CREATE INDEX authorisations_geom ON authorisations USING gist (geom);
CREATE TABLE audit_log (
  id bigserial PRIMARY KEY, at timestamptz NOT NULL, actor text NOT NULL, action text NOT NULL,
  subject text NOT NULL, detail text NOT NULL);
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
CREATE TABLE retailer_tests (
  id bigserial PRIMARY KEY, retailer_id text NOT NULL, tested_on date NOT NULL,
  result text NOT NULL, notes text NOT NULL, recorded_at timestamptz NOT NULL, recorded_by text NOT NULL);
CREATE INDEX retailer_tests_retailer ON retailer_tests (retailer_id, tested_on);
`, nil},
	// 3: API keys, stored as SHA-256 hashes.
	{3, `
CREATE TABLE api_keys (
  id INTEGER PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, prefix TEXT NOT NULL,
  hash BLOB NOT NULL UNIQUE, created_at INTEGER NOT NULL, created_by TEXT NOT NULL, revoked_at INTEGER);
`, `
CREATE TABLE api_keys (
  id bigserial PRIMARY KEY, name text NOT NULL, role text NOT NULL, prefix text NOT NULL,
  hash bytea NOT NULL UNIQUE, created_at timestamptz NOT NULL, created_by text NOT NULL, revoked_at timestamptz);
`, nil},
	// 4: the camera register: fixed and mobile CCTV, each in service between two days; a
	// camera recorded through the API has no batch.
	{4, `
CREATE TABLE cameras (
  id TEXT PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL CHECK (kind IN ('fixed', 'mobile')),
  lon REAL NOT NULL, lat REAL NOT NULL, active_from INTEGER, active_to INTEGER,
  batch_id INTEGER REFERENCES batches(id));
`, `
CREATE TABLE cameras (
  id text PRIMARY KEY, name text NOT NULL, kind text NOT NULL CHECK (kind IN ('fixed', 'mobile')),
  lon double precision NOT NULL, lat double precision NOT NULL, active_from date, active_to date,
  batch_id bigint REFERENCES batches(id),
  geom geometry(Point, 4326) GENERATED ALWAYS AS (ST_SetSRID(ST_MakePoint(lon, lat), 4326)) STORED);
CREATE INDEX cameras_geom ON cameras USING gist (geom);
`, nil},
	// 5: a withdrawn import keeps its batch row, marked, so that its id is never given to
	// another import (SQLite hands a deleted row's id to the next, and a server holding that
	// id would take the new import for the withdrawn one).
	{5, `
ALTER TABLE batches ADD COLUMN withdrawn_at INTEGER;
`, `
ALTER TABLE batches ADD COLUMN withdrawn_at timestamptz;
`, nil},
	// 6: the audit log becomes a hash chain (each row holds the hash of the row before it and
	// of its own content; audit.go), the rows already there chained in id order; SQLite
	// refuses a row that is not appended at the end (INSERT OR REPLACE of an old row, an id
	// back-dated or out of order), which its delete trigger could not see, or that does not
	// chain onto the last row.
	{6, `
ALTER TABLE audit_log ADD COLUMN prev_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_log ADD COLUMN hash TEXT NOT NULL DEFAULT '';
CREATE TRIGGER audit_log_append_at_end AFTER INSERT ON audit_log WHEN NEW.id <> (SELECT max(id) FROM audit_log) OR NEW.id <= 0
  OR NEW.prev_hash <> coalesce((SELECT hash FROM audit_log WHERE id < NEW.id ORDER BY id DESC LIMIT 1), '')
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: a row goes at its end, chained to the last'); END;
`, `
ALTER TABLE audit_log ADD COLUMN prev_hash text NOT NULL DEFAULT '';
ALTER TABLE audit_log ADD COLUMN hash text NOT NULL DEFAULT '';
`, chainAuditLog},
	// 7: an incident placed by an Ordnance Survey grid reference keeps the side of the square
	// the reference named (its point is the square's centre); 0 for coordinates.
	{7, `
ALTER TABLE incidents ADD COLUMN grid_square INTEGER NOT NULL DEFAULT 0;
`, `
ALTER TABLE incidents ADD COLUMN grid_square integer NOT NULL DEFAULT 0;
`, nil},
	// 8: who lives where: Census 2021 residents by ethnic group (TS021) for each geography,
	// and the LSOAs' population-weighted centroids; both replaced by code on import.
	{8, `
CREATE TABLE census_areas (
  code TEXT PRIMARY KEY, level TEXT NOT NULL, name TEXT NOT NULL, year INTEGER NOT NULL, total INTEGER NOT NULL,
  asian INTEGER NOT NULL, black INTEGER NOT NULL, mixed INTEGER NOT NULL, white INTEGER NOT NULL, other INTEGER NOT NULL,
  detailed TEXT NOT NULL, batch_id INTEGER REFERENCES batches(id));
CREATE INDEX census_areas_level ON census_areas (level);
CREATE TABLE centroids (code TEXT PRIMARY KEY, lon REAL NOT NULL, lat REAL NOT NULL, batch_id INTEGER REFERENCES batches(id));
`, `
CREATE TABLE census_areas (
  code text PRIMARY KEY, level text NOT NULL, name text NOT NULL, year integer NOT NULL, total integer NOT NULL,
  asian integer NOT NULL, black integer NOT NULL, mixed integer NOT NULL, white integer NOT NULL, other integer NOT NULL,
  detailed text NOT NULL, batch_id bigint REFERENCES batches(id));
CREATE INDEX census_areas_level ON census_areas (level);
CREATE TABLE centroids (code text PRIMARY KEY, lon double precision NOT NULL, lat double precision NOT NULL, batch_id bigint REFERENCES batches(id));
`, nil},
	// 9: the Section 60 cycle: the superintendent informed of an inspector's authorisation
	// (s60(3A)), and the notices given to the community (JSON, appended in order).
	{9, `
ALTER TABLE authorisations ADD COLUMN inf_officer TEXT;
ALTER TABLE authorisations ADD COLUMN inf_rank TEXT;
ALTER TABLE authorisations ADD COLUMN inf_at INTEGER;
ALTER TABLE authorisations ADD COLUMN inf_recorded_by TEXT;
ALTER TABLE authorisations ADD COLUMN inf_recorded_at INTEGER;
ALTER TABLE authorisations ADD COLUMN notices TEXT NOT NULL DEFAULT '[]';
`, `
ALTER TABLE authorisations ADD COLUMN inf_officer text;
ALTER TABLE authorisations ADD COLUMN inf_rank text;
ALTER TABLE authorisations ADD COLUMN inf_at timestamptz;
ALTER TABLE authorisations ADD COLUMN inf_recorded_by text;
ALTER TABLE authorisations ADD COLUMN inf_recorded_at timestamptz;
ALTER TABLE authorisations ADD COLUMN notices text NOT NULL DEFAULT '[]';
`, nil},
	// 10: a retailer or camera placed by an Ordnance Survey grid reference keeps the side of
	// the square it named, as an incident does (7).
	{10, `
ALTER TABLE retailers ADD COLUMN grid_square INTEGER NOT NULL DEFAULT 0;
ALTER TABLE cameras ADD COLUMN grid_square INTEGER NOT NULL DEFAULT 0;
`, `
ALTER TABLE retailers ADD COLUMN grid_square integer NOT NULL DEFAULT 0;
ALTER TABLE cameras ADD COLUMN grid_square integer NOT NULL DEFAULT 0;
`, nil},
	// 11: sign-in through the force's identity provider: the sign-ins under way (their state,
	// nonce and PKCE verifier, each taken once) and the sessions, by the SHA-256 of the
	// cookie's secret.
	{11, `
CREATE TABLE sign_ins (state TEXT PRIMARY KEY, nonce TEXT NOT NULL, verifier TEXT NOT NULL, created_at INTEGER NOT NULL);
CREATE TABLE sessions (
  hash BLOB PRIMARY KEY, sub TEXT NOT NULL, name TEXT NOT NULL, username TEXT NOT NULL, email TEXT NOT NULL,
  role TEXT NOT NULL, csrf TEXT NOT NULL, id_token TEXT NOT NULL, created_at INTEGER NOT NULL, seen_at INTEGER NOT NULL,
  ended_at INTEGER);
`, `
CREATE TABLE sign_ins (state text PRIMARY KEY, nonce text NOT NULL, verifier text NOT NULL, created_at timestamptz NOT NULL);
CREATE TABLE sessions (
  hash bytea PRIMARY KEY, sub text NOT NULL, name text NOT NULL, username text NOT NULL, email text NOT NULL,
  role text NOT NULL, csrf text NOT NULL, id_token text NOT NULL, created_at timestamptz NOT NULL, seen_at timestamptz NOT NULL,
  ended_at timestamptz);
`, nil},
}

// Migrate applies the migrations the database has not had yet. Concurrent starts are
// safe: PostgreSQL takes an advisory lock, SQLite an immediate transaction. A store that is
// up to date is only read: an SQLite import holds the one write lock for as long as it
// runs, and a server, a backup or a key list opened meanwhile must not wait for it.
func (s *Store) Migrate(ctx context.Context) error {
	if s.upToDate(ctx) {
		return nil
	}
	conn, err := s.db.Connx(ctx)
	if err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	defer conn.Close()
	if s.dialect == Postgres {
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(727274)`); err != nil {
			return fmt.Errorf("store: migrate lock: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(727274)`)
	}
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY)`); err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	for _, m := range migrations {
		tx, err := conn.BeginTxx(ctx, nil)
		if err != nil {
			return fmt.Errorf("store: migrate %d: %w", m.version, err)
		}
		var n int
		if err := tx.GetContext(ctx, &n, s.db.Rebind(`SELECT count(*) FROM schema_migrations WHERE version = ?`), m.version); err != nil {
			tx.Rollback()
			return fmt.Errorf("store: migrate %d: %w", m.version, err)
		}
		if n > 0 {
			tx.Rollback()
			continue
		}
		body := m.sqlite
		if s.dialect == Postgres {
			body = m.postgres
		}
		for _, stmt := range strings.Split(body, ";\n") {
			if strings.TrimSpace(stmt) == "" {
				continue
			}
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				tx.Rollback()
				return fmt.Errorf("store: migrate %d: %w", m.version, err)
			}
		}
		if m.then != nil {
			if err := m.then(ctx, s, tx); err != nil {
				tx.Rollback()
				return fmt.Errorf("store: migrate %d: %w", m.version, err)
			}
		}
		if _, err := tx.ExecContext(ctx, s.db.Rebind(`INSERT INTO schema_migrations (version) VALUES (?)`), m.version); err != nil {
			tx.Rollback()
			return fmt.Errorf("store: migrate %d: %w", m.version, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("store: migrate %d: %w", m.version, err)
		}
	}
	return nil
}

// upToDate reports whether every migration has been applied, by reading alone (false
// when that cannot be read, for example before the first migration).
func (s *Store) upToDate(ctx context.Context) bool {
	var have []int
	if err := s.db.SelectContext(ctx, &have, `SELECT version FROM schema_migrations`); err != nil {
		return false
	}
	for _, m := range migrations {
		if !slices.Contains(have, m.version) {
			return false
		}
	}
	return true
}

// SchemaVersion returns the newest applied migration.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := s.db.GetContext(ctx, &v, `SELECT coalesce(max(version), 0) FROM schema_migrations`)
	return v, err
}

package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/jmoiron/sqlx"
)

// The audit log is a hash chain: each row holds the hash of the row before it (prev_hash,
// empty for the first) and its own hash, SHA-256 over the previous hash and the row's id,
// time (Unix seconds), actor, action, subject and detail. A row changed, removed or
// inserted out of order behind the application's back breaks the chain at that row, which
// VerifyAudit names; the chain's head (the last row's id and hash), kept somewhere else,
// shows rows removed from the end. The databases also refuse updates and deletes
// (triggers), and SQLite a row not appended at the end.

// auditSchema is the PostgreSQL schema ProtectAudit moves the audit log to, owned by the
// log's own owner.
const auditSchema = "hexbeat_audit"

// auditLockKey is the PostgreSQL advisory lock that appends to the audit log take in turn,
// so that two transactions cannot both chain onto the same last row.
const auditLockKey int64 = 0x68657862_61756474 // "hexbaudt"

// auditHash is the hash of one row of the chain.
func auditHash(prev string, id int64, at time.Time, actor, action, subject, detail string) string {
	h := sha256.New()
	for _, part := range []string{prev, strconv.FormatInt(id, 10), strconv.FormatInt(at.Unix(), 10), actor, action, subject, detail} {
		h.Write([]byte(strconv.Itoa(len(part))))
		h.Write([]byte{':'})
		h.Write([]byte(part))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// audit appends ev to the audit log in tx, chained to the last row.
func (s *Store) audit(ctx context.Context, tx *sqlx.Tx, ev hexbeat.AuditEvent) error {
	if ev.At.IsZero() {
		ev.At = time.Now()
	}
	ev.At = ev.At.UTC().Truncate(time.Second) // as both stores keep it, so that the hash can be checked
	if s.dialect == Postgres {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, auditLockKey); err != nil {
			return fmt.Errorf("store: audit lock: %w", err)
		}
	}
	head, err := auditHead(ctx, tx)
	if err != nil {
		return err
	}
	id := head.ID + 1
	hash := auditHash(head.Hash, id, ev.At, ev.Actor, ev.Action, ev.Subject, ev.Detail)
	if _, err := tx.ExecContext(ctx, s.db.Rebind(`INSERT INTO audit_log (id, at, actor, action, subject, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
		id, s.timeArg(ev.At), ev.Actor, ev.Action, ev.Subject, ev.Detail, head.Hash, hash); err != nil {
		return fmt.Errorf("store: audit: %w", err)
	}
	return nil
}

// auditHead reads the last row's id and hash (zero and "" for an empty log).
func auditHead(ctx context.Context, q sqlx.QueryerContext) (hexbeat.AuditHead, error) {
	var h hexbeat.AuditHead
	rows, err := q.QueryxContext(ctx, `SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1`)
	if err != nil {
		return h, fmt.Errorf("store: audit head: %w", err)
	}
	defer rows.Close()
	if rows.Next() {
		if err := rows.Scan(&h.ID, &h.Hash); err != nil {
			return h, fmt.Errorf("store: audit head: %w", err)
		}
	}
	return h, rows.Err()
}

// Audit appends one event to the audit log.
func (s *Store) Audit(ctx context.Context, ev hexbeat.AuditEvent) error {
	return s.inTx(ctx, func(tx *sqlx.Tx) error { return s.audit(ctx, tx, ev) })
}

// AuditHead returns the chain's head: the last row's id and hash. Kept somewhere else, it
// shows whether rows were later removed from the end.
func (s *Store) AuditHead(ctx context.Context) (hexbeat.AuditHead, error) {
	return auditHead(ctx, s.db)
}

// VerifyAudit recomputes the whole chain and reports the first row that breaks it: one
// changed (its hash is not its content's), or removed or inserted (it does not follow the
// row before it).
func (s *Store) VerifyAudit(ctx context.Context) (hexbeat.AuditCheck, error) {
	var c hexbeat.AuditCheck
	rows, err := s.db.QueryxContext(ctx, `SELECT id, at, actor, action, subject, detail, prev_hash, hash FROM audit_log ORDER BY id`)
	if err != nil {
		return c, fmt.Errorf("store: verify audit: %w", err)
	}
	defer rows.Close()
	prev := ""
	for rows.Next() {
		var id int64
		var at any
		var actor, action, subject, detail, prevHash, hash string
		if err := rows.Scan(&id, &at, &actor, &action, &subject, &detail, &prevHash, &hash); err != nil {
			return c, fmt.Errorf("store: verify audit: %w", err)
		}
		c.Rows++
		switch {
		case prevHash != prev:
			c.BadID, c.Problem = id, fmt.Sprintf("row %d does not follow row %d: a row before it was removed or changed, or it was inserted", id, c.Head.ID)
		case hash != auditHash(prevHash, id, scanTime(at), actor, action, subject, detail):
			c.BadID, c.Problem = id, fmt.Sprintf("row %d was changed after it was written (%s by %s)", id, action, actor)
		}
		if c.BadID != 0 {
			return c, nil
		}
		c.Head = hexbeat.AuditHead{ID: id, Hash: hash}
		prev = hash
	}
	return c, rows.Err()
}

// chainAuditLog chains the rows written before the log was a chain (migration 6), in id
// order, with the triggers that refuse updates set aside for it.
func chainAuditLog(ctx context.Context, s *Store, tx *sqlx.Tx) error {
	off, on := []string{`DROP TRIGGER audit_log_no_update`}, []string{`CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END`}
	if s.dialect == Postgres {
		off, on = []string{`ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change`}, []string{`ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_change`}
	}
	type row struct {
		id                             int64
		at                             any
		actor, action, subject, detail string
	}
	var all []row
	rs, err := tx.QueryxContext(ctx, `SELECT id, at, actor, action, subject, detail FROM audit_log ORDER BY id`)
	if err != nil {
		return err
	}
	for rs.Next() {
		var r row
		if err := rs.Scan(&r.id, &r.at, &r.actor, &r.action, &r.subject, &r.detail); err != nil {
			rs.Close()
			return err
		}
		all = append(all, r)
	}
	rs.Close()
	if len(all) == 0 {
		return nil
	}
	for _, q := range off {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	prev := ""
	for _, r := range all {
		at := scanTime(r.at).Truncate(time.Second)
		h := auditHash(prev, r.id, at, r.actor, r.action, r.subject, r.detail)
		if _, err := tx.ExecContext(ctx, s.db.Rebind(`UPDATE audit_log SET at = ?, prev_hash = ?, hash = ? WHERE id = ?`), s.timeArg(at), prev, h, r.id); err != nil {
			return err
		}
		prev = h
	}
	for _, q := range on {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

// AuditLog returns audit events with id > after, oldest first, at most limit.
func (s *Store) AuditLog(ctx context.Context, after int64, limit int) ([]hexbeat.AuditEvent, error) {
	return queryList(ctx, s.db, "audit log", s.db.Rebind(`SELECT id, at, actor, action, subject, detail FROM audit_log WHERE id > ? ORDER BY id LIMIT ?`), []any{after, limit},
		func(r *sqlx.Rows) (hexbeat.AuditEvent, error) {
			var ev hexbeat.AuditEvent
			var at any
			err := r.Scan(&ev.ID, &at, &ev.Actor, &ev.Action, &ev.Subject, &ev.Detail)
			ev.At = scanTime(at)
			return ev, err
		})
}

// ProtectAudit gives the PostgreSQL audit log an owner of its own, so that the role hexbeat
// serves and imports as (writer, which owns every other table: a bulk import drops and
// rebuilds the incidents' indexes) may only add rows to it and read them: not update or
// delete them, not set its triggers aside, not drop it. It is run once, after the
// migrations, by a role that may hand the table over (a superuser, or a member of owner);
// migrations that change the audit log later are run as owner (docs/scaling.md).
func (s *Store) ProtectAudit(ctx context.Context, owner, writer string) error {
	if s.dialect != Postgres {
		return hexbeat.Errorf(hexbeat.EINVALID, "only a PostgreSQL audit log is handed to a role of its own; SQLite's file is as safe as the file's permissions")
	}
	for _, r := range []string{owner, writer} {
		var n int
		if err := s.db.GetContext(ctx, &n, `SELECT count(*) FROM pg_roles WHERE rolname = $1`, r); err != nil {
			return fmt.Errorf("store: protect audit: %w", err)
		}
		if n == 0 {
			return hexbeat.Errorf(hexbeat.EINVALID, "no PostgreSQL role %q: create it first (docs/scaling.md)", r)
		}
	}
	if owner == writer {
		return hexbeat.Errorf(hexbeat.EINVALID, "the audit log's owner must not be the role hexbeat runs as")
	}
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		q := func(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }
		var dbname string
		if err := tx.GetContext(ctx, &dbname, `SELECT current_database()`); err != nil {
			return fmt.Errorf("store: protect audit: %w", err)
		}
		// the table and its trigger function move to a schema of the owner's: the writer
		// owns the public schema (it owns the database), and a schema's owner may drop what
		// is in it; the database's search path finds the table there for every new connection
		for _, stmt := range []string{
			`CREATE SCHEMA IF NOT EXISTS ` + auditSchema + ` AUTHORIZATION ` + q(owner),
			`ALTER TABLE public.audit_log SET SCHEMA ` + auditSchema,
			`ALTER FUNCTION public.audit_log_append_only() SET SCHEMA ` + auditSchema,
			`ALTER TABLE ` + auditSchema + `.audit_log OWNER TO ` + q(owner),
			`ALTER FUNCTION ` + auditSchema + `.audit_log_append_only() OWNER TO ` + q(owner),
			`REVOKE ALL ON SCHEMA ` + auditSchema + ` FROM PUBLIC`,
			`GRANT USAGE ON SCHEMA ` + auditSchema + ` TO ` + q(writer),
			`REVOKE ALL ON ` + auditSchema + `.audit_log FROM PUBLIC`,
			`REVOKE ALL ON ` + auditSchema + `.audit_log FROM ` + q(writer),
			`GRANT SELECT, INSERT ON ` + auditSchema + `.audit_log TO ` + q(writer),
			`ALTER DATABASE ` + q(dbname) + ` SET search_path = "$user", public, ` + auditSchema,
		} {
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("store: protect audit: %s: %w", stmt, err)
			}
		}
		return nil
	})
}

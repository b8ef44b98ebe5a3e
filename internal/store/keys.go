package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/jmoiron/sqlx"
)

// CreateKey stores a key's hash and its audit event.
func (s *Store) CreateKey(ctx context.Context, k hexbeat.APIKey, hash []byte, ev hexbeat.AuditEvent) (hexbeat.APIKey, error) {
	if k.CreatedAt.IsZero() {
		k.CreatedAt = time.Now().UTC()
	}
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := tx.QueryRowxContext(ctx, s.db.Rebind(`INSERT INTO api_keys (name, role, prefix, hash, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`),
			k.Name, string(k.Role), k.Prefix, hash, s.timeArg(k.CreatedAt), k.CreatedBy).Scan(&k.ID); err != nil {
			return fmt.Errorf("store: create key: %w", err)
		}
		ev.Subject = fmt.Sprintf("key/%d", k.ID)
		return s.audit(ctx, tx, ev)
	})
	return k, err
}

const keyCols = `id, name, role, prefix, created_at, created_by, revoked_at`

func scanKey(r scanner) (hexbeat.APIKey, error) {
	var k hexbeat.APIKey
	var role string
	var created, revoked any
	if err := r.Scan(&k.ID, &k.Name, &role, &k.Prefix, &created, &k.CreatedBy, &revoked); err != nil {
		return k, err
	}
	k.Role, k.CreatedAt = hexbeat.Role(role), scanTime(created)
	if revoked != nil {
		t := scanTime(revoked)
		k.RevokedAt = &t
	}
	return k, nil
}

// KeyByHash finds the key with this hash (revoked ones too: the caller decides).
func (s *Store) KeyByHash(ctx context.Context, hash []byte) (hexbeat.APIKey, error) {
	k, err := scanKey(s.db.QueryRowxContext(ctx, s.db.Rebind(`SELECT `+keyCols+` FROM api_keys WHERE hash = ?`), hash))
	if errors.Is(err, sql.ErrNoRows) {
		return k, hexbeat.Errorf(hexbeat.ENOTFOUND, "no such key")
	}
	if err != nil {
		return k, fmt.Errorf("store: key: %w", err)
	}
	return k, nil
}

// Keys lists every key, oldest first.
func (s *Store) Keys(ctx context.Context) ([]hexbeat.APIKey, error) {
	return queryList(ctx, s.db, "keys", `SELECT `+keyCols+` FROM api_keys ORDER BY id`, nil,
		func(r *sqlx.Rows) (hexbeat.APIKey, error) { return scanKey(r) })
}

// RevokeKey marks a key revoked, with its audit event; ENOTFOUND for an unknown id,
// ECONFLICT when it is revoked already.
func (s *Store) RevokeKey(ctx context.Context, id int64, at time.Time, ev hexbeat.AuditEvent) error {
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		if s.dialect == Postgres { // revocations take turns, so two cannot each leave the other the last admin
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, keysLockKey); err != nil {
				return fmt.Errorf("store: lock keys: %w", err)
			}
		}
		res, err := tx.ExecContext(ctx, s.db.Rebind(`UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`), s.timeArg(at), id)
		if err != nil {
			return fmt.Errorf("store: revoke key: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			var exists int
			tx.GetContext(ctx, &exists, s.db.Rebind(`SELECT count(*) FROM api_keys WHERE id = ?`), id)
			if exists == 0 {
				return hexbeat.Errorf(hexbeat.ENOTFOUND, "no key %d", id)
			}
			return hexbeat.Errorf(hexbeat.ECONFLICT, "key %d is revoked already", id)
		}
		var admins int
		if err := tx.GetContext(ctx, &admins, `SELECT count(*) FROM api_keys WHERE role = 'admin' AND revoked_at IS NULL`); err != nil {
			return fmt.Errorf("store: count admin keys: %w", err)
		}
		var role string
		if err := tx.GetContext(ctx, &role, s.db.Rebind(`SELECT role FROM api_keys WHERE id = ?`), id); err != nil {
			return fmt.Errorf("store: revoke key: %w", err)
		}
		if admins == 0 && role == string(hexbeat.RoleAdmin) {
			return hexbeat.Errorf(hexbeat.ECONFLICT, "key %d is the last admin key: create another admin key before revoking it, or nobody could manage keys", id)
		}
		ev.Subject = fmt.Sprintf("key/%d", id)
		return s.audit(ctx, tx, ev)
	})
}

// keysLockKey is the PostgreSQL advisory lock that revocations of keys take in turn.
const keysLockKey int64 = 0x68657862_6b657973 // "hexbkeys"

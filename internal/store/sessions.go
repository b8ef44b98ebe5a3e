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

// signInTTL is how long a sign-in under way may take, from the redirect to the callback.
const signInTTL = 10 * time.Minute

// PutSignIn keeps a sign-in under way until its callback; older ones are dropped.
func (s *Store) PutSignIn(ctx context.Context, state, nonce, verifier string, at time.Time) error {
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, s.db.Rebind(`DELETE FROM sign_ins WHERE created_at < ?`), s.timeArg(at.Add(-signInTTL))); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.db.Rebind(`INSERT INTO sign_ins (state, nonce, verifier, created_at) VALUES (?, ?, ?, ?)`), state, nonce, verifier, s.timeArg(at))
		return err
	})
}

// TakeSignIn takes the sign-in a callback's state names, once: ok is false for a state
// never given, taken already (a replay) or older than signInTTL.
func (s *Store) TakeSignIn(ctx context.Context, state string, now time.Time) (nonce, verifier string, ok bool, err error) {
	var created any
	err = s.inTx(ctx, func(tx *sqlx.Tx) error {
		err := tx.QueryRowContext(ctx, s.db.Rebind(`SELECT nonce, verifier, created_at FROM sign_ins WHERE state = ?`), state).Scan(&nonce, &verifier, &created)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, s.db.Rebind(`DELETE FROM sign_ins WHERE state = ?`), state)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		ok = n == 1 && now.Sub(scanTime(created)) <= signInTTL
		return nil
	})
	if err != nil {
		return "", "", false, fmt.Errorf("store: sign-in: %w", err)
	}
	return nonce, verifier, ok, nil
}

// CreateSession keeps a session by the hash of its secret.
func (s *Store) CreateSession(ctx context.Context, hash []byte, x hexbeat.Session) error {
	_, err := s.db.ExecContext(ctx, s.db.Rebind(`INSERT INTO sessions (hash, sub, name, username, email, role, csrf, id_token, created_at, seen_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`), hash, x.Sub, x.Name, x.Username, x.Email, string(x.Role), x.CSRF, x.IDToken,
		s.timeArg(x.CreatedAt), s.timeArg(x.SeenAt))
	if err != nil {
		return fmt.Errorf("store: session: %w", err)
	}
	return nil
}

// SessionByHash returns the session of a secret's hash; ok is false when there is none.
func (s *Store) SessionByHash(ctx context.Context, hash []byte) (hexbeat.Session, bool, error) {
	var x hexbeat.Session
	var role string
	var created, seen, ended any
	err := s.db.QueryRowContext(ctx, s.db.Rebind(`SELECT sub, name, username, email, role, csrf, id_token, created_at, seen_at, ended_at
		FROM sessions WHERE hash = ?`), hash).Scan(&x.Sub, &x.Name, &x.Username, &x.Email, &role, &x.CSRF, &x.IDToken, &created, &seen, &ended)
	if errors.Is(err, sql.ErrNoRows) {
		return x, false, nil
	}
	if err != nil {
		return x, false, fmt.Errorf("store: session: %w", err)
	}
	x.Role, x.CreatedAt, x.SeenAt = hexbeat.Role(role), scanTime(created), scanTime(seen)
	if ended != nil {
		t := scanTime(ended)
		x.EndedAt = &t
	}
	return x, true, nil
}

// TouchSession notes a session's use.
func (s *Store) TouchSession(ctx context.Context, hash []byte, at time.Time) error {
	_, err := s.db.ExecContext(ctx, s.db.Rebind(`UPDATE sessions SET seen_at = ? WHERE hash = ?`), s.timeArg(at), hash)
	return err
}

// EndSession ends a session (signed out, or timed out).
func (s *Store) EndSession(ctx context.Context, hash []byte, at time.Time) error {
	_, err := s.db.ExecContext(ctx, s.db.Rebind(`UPDATE sessions SET ended_at = ? WHERE hash = ? AND ended_at IS NULL`), s.timeArg(at), hash)
	return err
}

// LiveSessions lists the sessions not ended, newest first, by the hash of their secret.
func (s *Store) LiveSessions(ctx context.Context) ([][]byte, []hexbeat.Session, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT hash, sub, name, username, email, role, created_at, seen_at FROM sessions WHERE ended_at IS NULL ORDER BY created_at DESC`)
	if err != nil {
		return nil, nil, fmt.Errorf("store: sessions: %w", err)
	}
	defer rows.Close()
	var hashes [][]byte
	var out []hexbeat.Session
	for rows.Next() {
		var h []byte
		var x hexbeat.Session
		var role string
		var created, seen any
		if err := rows.Scan(&h, &x.Sub, &x.Name, &x.Username, &x.Email, &role, &created, &seen); err != nil {
			return nil, nil, fmt.Errorf("store: sessions: %w", err)
		}
		x.Role, x.CreatedAt, x.SeenAt = hexbeat.Role(role), scanTime(created), scanTime(seen)
		hashes, out = append(hashes, h), append(out, x)
	}
	return hashes, out, rows.Err()
}

package service

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/hexbeat/hexbeat/internal/hexbeat"
)

// Keystore is what key management needs of a store.
type Keystore interface {
	CreateKey(ctx context.Context, k hexbeat.APIKey, hash []byte, ev hexbeat.AuditEvent) (hexbeat.APIKey, error)
	KeyByHash(ctx context.Context, hash []byte) (hexbeat.APIKey, error)
	Keys(ctx context.Context) ([]hexbeat.APIKey, error)
	RevokeKey(ctx context.Context, id int64, at time.Time, ev hexbeat.AuditEvent) error
	Audit(ctx context.Context, ev hexbeat.AuditEvent) error
	AuditLog(ctx context.Context, after int64, limit int) ([]hexbeat.AuditEvent, error)
	VerifyAudit(ctx context.Context) (hexbeat.AuditCheck, error)
}

// keyPrefix starts every key, so that a leaked one is easy to recognise (and to scan for).
const keyPrefix = "hb_"

// keyCacheTTL bounds how long a key checked once is trusted without asking the store: a
// revocation made by another process takes effect within it.
const keyCacheTTL = 5 * time.Second

type keyCache struct {
	entries expiring[[32]byte, keyEntry]

	mu     sync.Mutex // for anyKey and failed
	anyKey struct {
		v     bool
		until time.Time
	}
	failed map[string]time.Time // remote address -> last failed sign-in audited
}

type keyEntry struct {
	key hexbeat.APIKey
	err error
}

func hashKey(secret string) [32]byte { return sha256.Sum256([]byte(secret)) }

// CreateKey makes a key and returns it with its secret, which is shown this once and
// never stored.
func (s *Service) CreateKey(ctx context.Context, name string, role hexbeat.Role, actor string) (hexbeat.APIKey, string, error) {
	var fe hexbeat.FieldErrors
	switch {
	case strings.TrimSpace(name) == "":
		fe.Add("name", "name the key (who or what will use it)")
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		fe.Add("name", "must be one line of text, without control characters (a name is shown in lists and the audit log)")
	case utf8.RuneCountInString(name) > 200:
		fe.Add("name", "at most 200 characters")
	}
	if !hexbeat.ValidRole(role) {
		fe.Add("role", "unknown role %q; use viewer, analyst, trading-standards, commander or admin", role)
	}
	if err := fe.Err("invalid key"); err != nil {
		return hexbeat.APIKey{}, "", err
	}
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return hexbeat.APIKey{}, "", err
	}
	secret := keyPrefix + base64.RawURLEncoding.EncodeToString(raw[:])
	h := hashKey(secret)
	k := hexbeat.APIKey{Name: strings.TrimSpace(name), Role: role, Prefix: secret[:10], CreatedAt: s.now(), CreatedBy: actor}
	k, err := s.store.CreateKey(ctx, k, h[:], hexbeat.AuditEvent{At: k.CreatedAt, Actor: actor, Action: "keys.create",
		Detail: detail(map[string]any{"name": k.Name, "role": k.Role, "prefix": k.Prefix})})
	if err != nil {
		return k, "", err
	}
	s.keys.mu.Lock()
	s.keys.anyKey.until = time.Time{}
	s.keys.mu.Unlock()
	return k, secret, nil
}

// Keys lists the keys (never their secrets).
func (s *Service) Keys(ctx context.Context) ([]hexbeat.APIKey, error) { return s.store.Keys(ctx) }

// RevokeKey revokes a key at once in this process (other processes within keyCacheTTL).
func (s *Service) RevokeKey(ctx context.Context, id int64, actor string) error {
	now := s.now()
	if err := s.store.RevokeKey(ctx, id, now, hexbeat.AuditEvent{At: now, Actor: actor, Action: "keys.revoke"}); err != nil {
		return err
	}
	s.keys.entries.forgetAll()
	return nil
}

// AuthRequired reports whether the store holds any key: until the first key exists (or
// in demo mode on loopback, which the caller decides) requests go without one.
func (s *Service) AuthRequired(ctx context.Context) (bool, error) {
	s.keys.mu.Lock()
	if time.Now().Before(s.keys.anyKey.until) {
		v := s.keys.anyKey.v
		s.keys.mu.Unlock()
		return v, nil
	}
	s.keys.mu.Unlock()
	ks, err := s.store.Keys(ctx)
	if err != nil {
		return true, err // fail closed
	}
	s.keys.mu.Lock()
	s.keys.anyKey.v, s.keys.anyKey.until = len(ks) > 0, time.Now().Add(keyCacheTTL)
	s.keys.mu.Unlock()
	return len(ks) > 0, nil
}

// Authenticate finds the live key with this secret; an EUNAUTHORIZED error otherwise.
func (s *Service) Authenticate(ctx context.Context, secret string) (hexbeat.APIKey, error) {
	h := hashKey(secret)
	now := time.Now()
	if e, ok := s.keys.entries.get(h, now); ok {
		return e.key, e.err
	}
	k, err := s.store.KeyByHash(ctx, h[:])
	switch {
	case hexbeat.ErrorCode(err) == hexbeat.ENOTFOUND:
		err = hexbeat.Errorf(hexbeat.EUNAUTHORIZED, "unknown API key")
	case err != nil:
		return k, err // the store failed: not cached, not the caller's fault
	case k.RevokedAt != nil:
		err = hexbeat.Errorf(hexbeat.EUNAUTHORIZED, "this API key was revoked on %s", k.RevokedAt.Format(time.RFC3339))
	}
	s.keys.entries.put(h, keyEntry{key: k, err: err}, now.Add(keyCacheTTL))
	return k, err
}

// FailedSignIn audits a refused key, at most once a second per remote address so that a
// flood of bad keys cannot flood the log.
func (s *Service) FailedSignIn(ctx context.Context, remote, reason string) {
	now := time.Now()
	s.keys.mu.Lock()
	if s.keys.failed == nil || len(s.keys.failed) > 10_000 {
		s.keys.failed = map[string]time.Time{}
	}
	last, seen := s.keys.failed[remote]
	if seen && now.Sub(last) < time.Second {
		s.keys.mu.Unlock()
		return
	}
	s.keys.failed[remote] = now
	s.keys.mu.Unlock()
	if err := s.store.Audit(ctx, hexbeat.AuditEvent{At: s.now(), Actor: "remote " + remote, Action: "auth.failed", Subject: "api", Detail: detail(map[string]any{"reason": reason})}); err != nil {
		s.log.Warn("audit failed sign-in", "err", err)
	}
}

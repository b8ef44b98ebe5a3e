package service

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"time"

	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/hexbeat/hexbeat/internal/signin"
)

// Sessions is what sign-in needs of a store: the sign-ins under way and the sessions.
type Sessions interface {
	PutSignIn(ctx context.Context, state, nonce, verifier string, at time.Time) error
	TakeSignIn(ctx context.Context, state string, now time.Time) (nonce, verifier string, ok bool, err error)
	CreateSession(ctx context.Context, hash []byte, x hexbeat.Session) error
	SessionByHash(ctx context.Context, hash []byte) (hexbeat.Session, bool, error)
	TouchSession(ctx context.Context, hash []byte, at time.Time) error
	EndSession(ctx context.Context, hash []byte, at time.Time) error
	LiveSessions(ctx context.Context) ([][]byte, []hexbeat.Session, error)
}

// SignIn is the service's sign-in through the force's identity provider (a
// hexbeat.SignInService), over the relying party rp.
type SignIn struct {
	s  *Service
	rp *signin.RP

	cache expiring[[sha256.Size]byte, hexbeat.Session] // live sessions read lately, by hash
}

// sessionCacheTTL bounds how long a session read once is trusted without asking the store,
// as keyCacheTTL does for keys: a sign-out or an admin's ending of a session made by another
// replica takes effect within it (one made here, at once).
const sessionCacheTTL = 5 * time.Second

// SignIn returns the sign-in service over rp.
func (s *Service) SignIn(rp *signin.RP) *SignIn { return &SignIn{s: s, rp: rp} }

func randomText(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func hashOf(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// BeginSignIn keeps a new sign-in's state, nonce and PKCE verifier and gives the
// provider's URL to send the browser to.
func (si *SignIn) BeginSignIn(ctx context.Context) (string, string, error) {
	b := signin.NewBegin()
	u, err := si.rp.AuthURL(ctx, b)
	if err != nil {
		return "", "", &hexbeat.Error{Code: hexbeat.EUNAVAILABLE, Message: "sign-in: " + err.Error() + "; try again later, or use an API key"}
	}
	if err := si.s.store.PutSignIn(ctx, b.State, b.Nonce, b.Verifier, si.s.now()); err != nil {
		return "", "", err
	}
	return u, b.State, nil
}

// FinishSignIn completes a sign-in from its callback and makes the person's session; a
// refusal is audited with its reason.
func (si *SignIn) FinishSignIn(ctx context.Context, state, code, iss string) (string, hexbeat.Session, error) {
	now := si.s.now()
	refuse := func(code, why string, p hexbeat.Person) (string, hexbeat.Session, error) {
		d, _ := json.Marshal(map[string]any{"reason": why, "sub": p.Sub, "name": p.Name})
		subject := "sign-in"
		if p.Sub != "" {
			subject = p.String()
		}
		if err := si.s.Audit(ctx, hexbeat.AuditEvent{At: now, Actor: "sign-in", Action: "signin.refused", Subject: subject, Detail: string(d)}); err != nil {
			return "", hexbeat.Session{}, err
		}
		return "", hexbeat.Session{}, &hexbeat.Error{Code: code, Message: why}
	}
	nonce, verifier, ok, err := si.s.store.TakeSignIn(ctx, state, now)
	if err != nil {
		return "", hexbeat.Session{}, err
	}
	if !ok || state == "" {
		return refuse(hexbeat.EINVALID, "this sign-in's state is unknown, was used already or has expired (a link opened twice, or forged): sign in again", hexbeat.Person{})
	}
	person, role, idToken, err := si.rp.Finish(ctx, signin.Begin{State: state, Nonce: nonce, Verifier: verifier}, code, iss)
	switch {
	case errors.Is(err, signin.ErrNoRole):
		return refuse(hexbeat.EFORBIDDEN, "you are signed in to the identity provider, but none of your roles or groups is mapped to a role of hexbeat's: ask the administrator to give you one", person)
	case errors.Is(err, signin.ErrUnreachable):
		return "", hexbeat.Session{}, &hexbeat.Error{Code: hexbeat.EUNAVAILABLE, Message: "sign-in: " + err.Error()}
	case err != nil:
		return refuse(hexbeat.EUNAUTHORIZED, "sign-in failed: "+err.Error(), person)
	}
	secret := randomText(32)
	x := hexbeat.Session{Person: person, Role: role, CSRF: randomText(24), IDToken: idToken, CreatedAt: now, SeenAt: now}
	if err := si.s.store.CreateSession(ctx, hashOf(secret), x); err != nil {
		return "", hexbeat.Session{}, err
	}
	d, _ := json.Marshal(map[string]any{"sub": person.Sub, "role": role, "email": person.Email})
	if err := si.s.Audit(ctx, hexbeat.AuditEvent{At: now, Actor: person.String(), Action: "signin", Subject: "session", Detail: string(d)}); err != nil {
		return "", hexbeat.Session{}, err
	}
	return secret, x, nil
}

// Session is the live session a cookie's secret names: one ended, idle for longer than
// hexbeat.IdleTimeout or older than hexbeat.AbsoluteTimeout is refused (and ended).
func (si *SignIn) Session(ctx context.Context, secret string) (hexbeat.Session, error) {
	now := si.s.now()
	h := hashOf(secret)
	x, ok := si.cached(h, now)
	if !ok {
		var err error
		if x, ok, err = si.s.store.SessionByHash(ctx, h); err != nil {
			return x, err
		}
		if ok && x.EndedAt == nil {
			si.remember(h, x, now)
		}
	}
	expired := ""
	switch {
	case !ok || x.EndedAt != nil:
		return hexbeat.Session{}, hexbeat.Errorf(hexbeat.EUNAUTHORIZED, "your session has ended: sign in again")
	case now.Sub(x.SeenAt) > hexbeat.IdleTimeout:
		expired = "idle for too long"
	case now.Sub(x.CreatedAt) > hexbeat.AbsoluteTimeout:
		expired = "older than its limit"
	}
	if expired != "" {
		si.forget(h)
		if err := si.s.store.EndSession(ctx, h, now); err != nil {
			return hexbeat.Session{}, err
		}
		return hexbeat.Session{}, hexbeat.Errorf(hexbeat.EUNAUTHORIZED, "your session has ended (%s): sign in again", expired)
	}
	if now.Sub(x.SeenAt) > time.Minute { // note its use, a minute at a time at most
		if err := si.s.store.TouchSession(ctx, h, now); err != nil {
			return hexbeat.Session{}, err
		}
		x.SeenAt = now
		si.remember(h, x, now)
	}
	return x, nil
}

// cached is the session of hash h read within sessionCacheTTL of now, if any.
func (si *SignIn) cached(h []byte, now time.Time) (hexbeat.Session, bool) {
	return si.cache.get([sha256.Size]byte(h), now)
}

// remember keeps a live session read at now for sessionCacheTTL.
func (si *SignIn) remember(h []byte, x hexbeat.Session, now time.Time) {
	si.cache.put([sha256.Size]byte(h), x, now.Add(sessionCacheTTL))
}

// forget drops a session ended here from the cache, so that it ends at once.
func (si *SignIn) forget(h []byte) { si.cache.forget([sha256.Size]byte(h)) }

// EndSession signs the person out, and says where to end the provider's session too.
func (si *SignIn) EndSession(ctx context.Context, secret string) (string, error) {
	h := hashOf(secret)
	x, ok, err := si.s.store.SessionByHash(ctx, h)
	if err != nil || !ok {
		return "", err
	}
	si.forget(h)
	if err := si.s.store.EndSession(ctx, h, si.s.now()); err != nil {
		return "", err
	}
	if err := si.s.Audit(ctx, hexbeat.AuditEvent{At: si.s.now(), Actor: x.Person.String(), Action: "signout", Subject: "session"}); err != nil {
		return "", err
	}
	if si.rp == nil { // the sessions alone (tests)
		return "", nil
	}
	return si.rp.LogoutURL(x.IDToken), nil
}

// AccessToken checks a program's access token from the provider (signin.RP.VerifyAccessToken).
func (si *SignIn) AccessToken(ctx context.Context, raw string) (hexbeat.Person, hexbeat.Role, error) {
	p, role, err := si.rp.VerifyAccessToken(ctx, raw)
	switch {
	case errors.Is(err, signin.ErrNoRole):
		return p, "", hexbeat.Errorf(hexbeat.EFORBIDDEN, "the token's roles map to no role of hexbeat's")
	case errors.Is(err, signin.ErrUnreachable):
		return p, "", &hexbeat.Error{Code: hexbeat.EUNAVAILABLE, Message: err.Error()}
	case err != nil:
		return p, "", hexbeat.Errorf(hexbeat.EUNAUTHORIZED, "the access token is refused: %v", err)
	}
	return p, role, nil
}

// Sessions lists the live sessions (those not ended; one past its time-out ends at its next
// use), for an admin.
func (si *SignIn) Sessions(ctx context.Context) ([]hexbeat.SessionInfo, error) {
	hashes, list, err := si.s.store.LiveSessions(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]hexbeat.SessionInfo, len(list))
	for i, x := range list {
		out[i] = hexbeat.SessionInfo{ID: hex.EncodeToString(hashes[i]), Person: x.Person, Role: x.Role, CreatedAt: x.CreatedAt, SeenAt: x.SeenAt}
	}
	return out, nil
}

// EndSessionByID ends a session an admin names by its id, audited; ENOTFOUND for none live.
func (si *SignIn) EndSessionByID(ctx context.Context, id, actor string) error {
	h, err := hex.DecodeString(id)
	if err != nil || len(h) != sha256.Size {
		return hexbeat.Errorf(hexbeat.ENOTFOUND, "no session %q", id)
	}
	x, ok, err := si.s.store.SessionByHash(ctx, h)
	if err != nil {
		return err
	}
	if !ok || x.EndedAt != nil {
		return hexbeat.Errorf(hexbeat.ENOTFOUND, "no live session %q", id)
	}
	si.forget(h)
	if err := si.s.store.EndSession(ctx, h, si.s.now()); err != nil {
		return err
	}
	return si.s.Audit(ctx, hexbeat.AuditEvent{At: si.s.now(), Actor: actor, Action: "session.end", Subject: x.Person.String()})
}

package hexbeat

import (
	"context"
	"time"
)

// Person is someone signed in through the force's identity provider.
type Person struct {
	Sub      string // the provider's subject: stable, unique
	Name     string
	Username string // preferred_username
	Email    string
}

// String names the person as the audit log records them: name, username and subject.
func (p Person) String() string {
	s := p.Name
	if p.Username != "" && p.Username != p.Name {
		if s != "" {
			s += " "
		}
		s += "(" + p.Username + ")"
	}
	if s == "" {
		s = p.Sub
	}
	return s + " [sub " + p.Sub + "]"
}

// Session is a person's sign-in to the map: a cookie names it, the store keeps it (so that
// replicas share it and an admin can end it).
type Session struct {
	Person
	Role      Role
	CSRF      string // the token the page sends with each write
	IDToken   string // for the provider's logout
	CreatedAt time.Time
	SeenAt    time.Time
	EndedAt   *time.Time
}

// Sign-in's time-outs: a session ends after IdleTimeout without a request, and
// AbsoluteTimeout after it began, whatever.
const (
	IdleTimeout     = 30 * time.Minute
	AbsoluteTimeout = 10 * time.Hour
)

// SignInService signs people in through the force's identity provider and keeps their
// sessions.
type SignInService interface {
	// BeginSignIn starts a sign-in: the URL of the provider to send the browser to, and
	// the sign-in's state, which the browser keeps too (so that a callback started in
	// another browser, a login CSRF, is refused)
	BeginSignIn(ctx context.Context) (url, state string, err error)
	// FinishSignIn takes the callback's state (once: a replay is refused), code and iss,
	// and makes a session; its secret goes in the cookie
	FinishSignIn(ctx context.Context, state, code, iss string) (secret string, s Session, err error)
	// Session is the session a cookie's secret names, when it is live (its time-outs
	// checked; its last use noted)
	Session(ctx context.Context, secret string) (Session, error)
	// EndSession ends it, and says where to end the provider's session too ("" if nowhere)
	EndSession(ctx context.Context, secret string) (string, error)
	// AccessToken checks a program's access token (a JWT from the same provider) and gives
	// whom it was issued to and their role
	AccessToken(ctx context.Context, raw string) (Person, Role, error)
	// Sessions lists the live sessions, each by an id (the hex of its secret's SHA-256),
	// for an admin; EndSessionByID ends one, audited
	Sessions(ctx context.Context) ([]SessionInfo, error)
	EndSessionByID(ctx context.Context, id, actor string) error
}

// SessionInfo is a live session as an admin sees it: never its secret or its CSRF token.
type SessionInfo struct {
	ID string
	Person
	Role              Role
	CreatedAt, SeenAt time.Time
}

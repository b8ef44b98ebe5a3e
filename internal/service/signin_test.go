package service_test

import (
	"context"
	"crypto/sha256"
	"testing"
	"time"

	"github.com/hexbeat/hexbeat/internal/hexbeat"
)

// TestSessionTimeOuts: a session lives while used; idle for longer than 30 minutes, or 10
// hours after it began however busy, it is refused and ended; an ended one stays ended.
func TestSessionTimeOuts(t *testing.T) {
	ctx := context.Background()
	st, svc := sqliteService(t)
	t0 := time.Date(2026, 12, 5, 8, 0, 0, 0, time.UTC)
	now := t0
	svc.SetClock(func() time.Time { return now })
	si := svc.SignIn(nil) // the sessions alone: no provider is asked
	start := func(secret string) {
		h := sha256.Sum256([]byte(secret))
		if err := st.CreateSession(ctx, h[:], hexbeat.Session{Person: hexbeat.Person{Sub: secret}, Role: hexbeat.RoleViewer, CSRF: "t", CreatedAt: now, SeenAt: now}); err != nil {
			t.Fatal(err)
		}
	}
	live := func(secret string) bool { _, err := si.Session(ctx, secret); return err == nil }
	start("idle")
	start("busy")
	for range 22 { // 22 x 29 minutes, used each time: alive until 10 hours have passed
		now = now.Add(29 * time.Minute)
		if got := live("busy"); got != (now.Sub(t0) <= hexbeat.AbsoluteTimeout) {
			t.Fatalf("busy session at +%s: live %v", now.Sub(t0), got)
		}
	}
	if live("idle") {
		t.Error("a session idle for hours is live")
	}
	now = t0.Add(time.Hour)
	if live("idle") || live("busy") {
		t.Error("an ended session came back")
	}
	start("fresh")
	now = now.Add(31 * time.Minute)
	if live("fresh") {
		t.Error("a session idle for 31 minutes is live")
	}
}

// TestSessionCache: a session read once is trusted for a few seconds without the store;
// ended by this process (sign-out, an admin) it ends at once, and ended by another replica
// within those seconds.
func TestSessionCache(t *testing.T) {
	ctx := context.Background()
	st, svc := sqliteService(t)
	now := time.Date(2026, 12, 5, 8, 0, 0, 0, time.UTC)
	svc.SetClock(func() time.Time { return now })
	here, replica := svc.SignIn(nil), svc.SignIn(nil)
	for _, secret := range []string{"a", "b"} {
		h := sha256.Sum256([]byte(secret))
		if err := st.CreateSession(ctx, h[:], hexbeat.Session{Person: hexbeat.Person{Sub: secret}, Role: hexbeat.RoleViewer, CSRF: "t", CreatedAt: now, SeenAt: now}); err != nil {
			t.Fatal(err)
		}
	}
	live := func(si interface {
		Session(context.Context, string) (hexbeat.Session, error)
	}, secret string) bool {
		_, err := si.Session(ctx, secret)
		return err == nil
	}
	if !live(here, "a") || !live(here, "b") {
		t.Fatal("new sessions refused")
	}
	// ended by another replica: still trusted here until the cached read is 5 s old
	if _, err := replica.EndSession(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	now = now.Add(4 * time.Second)
	if !live(here, "a") {
		t.Error("session a refused 4 s after another replica ended it: the cache was not used")
	}
	now = now.Add(2 * time.Second)
	if live(here, "a") {
		t.Error("session a live 6 s after another replica ended it")
	}
	// ended here by an admin: at once
	sessions, err := here.Sessions(ctx)
	if err != nil || len(sessions) != 1 {
		t.Fatalf("live sessions: %v %v", sessions, err)
	}
	if err := here.EndSessionByID(ctx, sessions[0].ID, "admin"); err != nil {
		t.Fatal(err)
	}
	if live(here, "b") {
		t.Error("session b live after an admin ended it here")
	}
}

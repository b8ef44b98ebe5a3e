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

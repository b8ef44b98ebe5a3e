package store_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/hexbeat/hexbeat/internal/store"
	"github.com/paulmach/orb"
)

// TestAuthorisationRegister: authorisations round-trip with their extension and
// cancellation, every change writes an audit event in the same transaction, a failed change
// writes none, and two concurrent extensions cannot both pass the check.
func TestAuthorisationRegister(t *testing.T) {
	eachStore(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		start := time.Date(2025, 6, 1, 18, 0, 0, 0, time.UTC)
		area := orb.MultiPolygon{{{{-0.77, 52.03}, {-0.75, 52.03}, {-0.75, 52.045}, {-0.77, 52.045}, {-0.77, 52.03}}}}
		a, err := s.CreateAuthorisation(ctx, hexbeat.Authorisation{Area: area, Grounds: "g", Officer: "Insp 1", Rank: "inspector",
			Start: start, End: start.Add(24 * time.Hour), CreatedBy: "tester", CreatedAt: start},
			hexbeat.AuditEvent{Actor: "tester", Action: "section60.authorise", Detail: `{"x":1}`})
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.Authorisation(ctx, a.ID)
		if err != nil || !got.Start.Equal(start) || got.Officer != "Insp 1" || got.Extension != nil || got.CancelledAt != nil {
			t.Fatalf("read back: %+v %v", got, err)
		}
		if mp, ok := got.Area.(orb.MultiPolygon); !ok || len(mp[0][0]) != 5 {
			t.Fatalf("area read back as %#v", got.Area)
		}
		// Two extensions at once: the row is locked for the check, so one fails.
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i := range errs {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				_, errs[i] = s.UpdateAuthorisation(ctx, a.ID, func(x *hexbeat.Authorisation) error {
					if x.Extension != nil {
						return hexbeat.Errorf(hexbeat.EUNPROCESSABLE, "already extended")
					}
					x.Extension = &hexbeat.Extension{Officer: "Supt", Rank: "superintendent", End: start.Add(40 * time.Hour), At: start.Add(time.Hour)}
					return nil
				}, hexbeat.AuditEvent{Actor: "tester", Action: "section60.extend"})
			}(i)
		}
		wg.Wait()
		if (errs[0] == nil) == (errs[1] == nil) {
			t.Fatalf("concurrent extensions: %v, %v; want exactly one to succeed", errs[0], errs[1])
		}
		cancel := start.Add(30 * time.Hour)
		if _, err := s.UpdateAuthorisation(ctx, a.ID, func(x *hexbeat.Authorisation) error {
			x.CancelledAt, x.CancelledBy, x.CancelReason = &cancel, "Supt", "calm"
			return nil
		}, hexbeat.AuditEvent{Actor: "tester", Action: "section60.cancel"}); err != nil {
			t.Fatal(err)
		}
		got, _ = s.Authorisation(ctx, a.ID)
		if got.Extension == nil || !got.Extension.End.Equal(start.Add(40*time.Hour)) || got.CancelledAt == nil || !got.Ends().Equal(cancel) {
			t.Fatalf("after extension and cancellation: %+v", got)
		}
		if _, err := s.Authorisation(ctx, 999); hexbeat.ErrorCode(err) != hexbeat.ENOTFOUND {
			t.Errorf("missing authorisation: %v", err)
		}
		log, err := s.AuditLog(ctx, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, ev := range log {
			actions = append(actions, ev.Action+" "+ev.Subject)
		}
		want := "section60.authorise authorisation/1|section60.extend authorisation/1|section60.cancel authorisation/1"
		if strings.Join(actions, "|") != want {
			t.Errorf("audit log %q, want %q (the refused extension writes nothing)", strings.Join(actions, "|"), want)
		}
		list, err := s.Authorisations(ctx)
		if err != nil || len(list) != 1 {
			t.Errorf("list: %d %v", len(list), err)
		}
	})
}

// TestAuditLogIsAppendOnly: the database itself refuses to change or delete audit events.
func TestAuditLogIsAppendOnly(t *testing.T) {
	eachStore(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if err := s.Audit(ctx, hexbeat.AuditEvent{Actor: "a", Action: "keys.create", Subject: "key/1", Detail: "{}"}); err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{`UPDATE audit_log SET actor = 'someone else'`, `DELETE FROM audit_log`} {
			if err := s.Exec(ctx, q); err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Errorf("%s: %v; want it refused as append-only", q, err)
			}
		}
		log, _ := s.AuditLog(ctx, 0, 10)
		if len(log) != 1 || log[0].Actor != "a" {
			t.Errorf("audit log after the attempts: %+v", log)
		}

	})
}

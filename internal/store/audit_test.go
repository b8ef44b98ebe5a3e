package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/hexbeat/hexbeat/internal/store"
)

// TestAuditChain: the audit log is a hash chain that VerifyAudit recomputes; a row changed,
// removed or inserted behind the application's back (its triggers set aside first, as an
// owner of the database can) is named; SQLite refuses INSERT OR REPLACE of an old row and
// ids out of order, which its delete trigger did not see.
func TestAuditChain(t *testing.T) {
	ctx := context.Background()
	eachStore(t, func(t *testing.T, s *store.Store) {
		write := func(n int) {
			for i := range n {
				if err := s.Audit(ctx, hexbeat.AuditEvent{Actor: "tester", Action: "test", Subject: fmt.Sprint("row ", i), Detail: `{"n":` + fmt.Sprint(i) + `}`}); err != nil {
					t.Fatal(err)
				}
			}
		}
		write(6)
		c, err := s.VerifyAudit(ctx)
		if err != nil || !c.OK() || c.Rows != 6 || c.Head.ID != 6 || len(c.Head.Hash) != 64 {
			t.Fatalf("untouched: %+v %v", c, err)
		}
		head, _ := s.AuditHead(ctx)
		if head != c.Head {
			t.Fatalf("head %+v, verify's %+v", head, c.Head)
		}
		sqlite := s.Dialect() == store.SQLite
		if sqlite {
			for _, q := range []string{
				`INSERT OR REPLACE INTO audit_log (id, at, actor, action, subject, detail, prev_hash, hash) VALUES (1, 0, 'forged', 'x', 'y', 'z', '', '')`,
				`INSERT INTO audit_log (id, at, actor, action, subject, detail) VALUES (-5, 0, 'back-dated', 'x', 'y', 'z')`,
				`INSERT INTO audit_log (id, at, actor, action, subject, detail, prev_hash, hash) VALUES (7, 0, 'appended', 'x', 'y', 'z', 'not the last hash', '')`,
				`INSERT INTO audit_log (at, actor, action, subject, detail) VALUES (0, 'no chain', 'x', 'y', 'z')`,
			} {
				if err := s.Exec(ctx, q); err == nil {
					t.Errorf("accepted: %s", q)
				}
			}
			if c, _ := s.VerifyAudit(ctx); !c.OK() || c.Rows != 6 {
				t.Fatalf("after refused forgeries: %+v", c)
			}
		}
		// behind its back: the triggers set aside, then a row changed, one removed, one inserted
		off := []string{`DROP TRIGGER audit_log_no_update`, `DROP TRIGGER audit_log_no_delete`, `DROP TRIGGER audit_log_append_at_end`}
		if !sqlite {
			off = []string{`ALTER TABLE audit_log DISABLE TRIGGER USER`}
		}
		for _, q := range off {
			if err := s.Exec(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		for _, tc := range []struct {
			tamper, want string
			bad          int64
		}{
			{`UPDATE audit_log SET detail = '{"n":99}' WHERE id = 3`, "row 3 was changed", 3},
			{`UPDATE audit_log SET detail = '{"n":2}' WHERE id = 3`, "", 0}, // put back
			{`DELETE FROM audit_log WHERE id = 4`, "row 5 does not follow row 3", 5},
		} {
			if err := s.Exec(ctx, tc.tamper); err != nil {
				t.Fatal(err)
			}
			c, err := s.VerifyAudit(ctx)
			if err != nil || c.BadID != tc.bad || !strings.Contains(c.Problem, tc.want) {
				t.Errorf("after %s: %+v %v, want row %d (%q)", tc.tamper, c, err, tc.bad, tc.want)
			}
		}
	})
}

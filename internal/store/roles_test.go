package store_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/hexbeat/hexbeat/internal/store"
	"github.com/hexbeat/hexbeat/internal/testkit"
)

// TestAuditOwnedApart: with two real PostgreSQL roles, the role hexbeat migrates, serves and
// imports as (owning the data tables, so a bulk import can drop and rebuild the incidents'
// indexes) may, once the audit log is handed to an owner of its own, still import and audit
// but neither change nor delete the log's rows, nor set its triggers aside, nor drop it: the
// attack that worked while it owned the table (DISABLE TRIGGER USER, then DELETE).
func TestAuditOwnedApart(t *testing.T) {
	base := os.Getenv("HEXBEAT_TEST_POSTGRES")
	if base == "" {
		t.Skip("HEXBEAT_TEST_POSTGRES not set: `make test` starts PostgreSQL and sets it")
	}
	ctx := context.Background()
	var b [5]byte
	rand.Read(b[:])
	suffix := hex.EncodeToString(b[:])
	app, owner, db := "hexbeat_app_"+suffix, "hexbeat_audit_"+suffix, "hexbeat_r_"+suffix
	super, err := sql.Open("postgres", base)
	if err != nil {
		t.Fatal(err)
	}
	defer super.Close()
	for _, q := range []string{
		`CREATE ROLE ` + app + ` LOGIN PASSWORD 'app'`, `CREATE ROLE ` + owner + ` NOLOGIN`, `CREATE DATABASE ` + db + ` OWNER ` + app,
	} {
		if _, err := super.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		super.Exec(`DROP DATABASE IF EXISTS ` + db + ` WITH (FORCE)`)
		super.Exec(`DROP ROLE IF EXISTS ` + app)
		super.Exec(`DROP ROLE IF EXISTS ` + owner)
	})
	at := func(user, pass string) string {
		u, _ := url.Parse(base)
		u.Path = "/" + db
		if user != "" {
			u.User = url.UserPassword(user, pass)
		}
		return u.String()
	}
	// a DBA installs PostGIS (not an extension a database owner may create)
	dba, err := sql.Open("postgres", at("", ""))
	if err != nil {
		t.Fatal(err)
	}
	defer dba.Close()
	if _, err := dba.Exec(`CREATE EXTENSION IF NOT EXISTS postgis`); err != nil {
		t.Fatal(err)
	}
	s, err := store.Open(ctx, at(app, "app")) // migrates as the app role
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.SetBulkMinRows(1000) // the bulk path drops and rebuilds indexes: it needs the tables' ownership
	if _, err := importFile(t, s, testkit.Data(t, "police/street/2025-01-thames-valley-street.csv")); err != nil {
		t.Fatal(err)
	}
	if err := s.Audit(ctx, hexbeat.AuditEvent{Actor: "tester", Action: "test"}); err != nil {
		t.Fatal(err)
	}
	protector, err := store.Open(ctx, at("", ""))
	if err != nil {
		t.Fatal(err)
	}
	defer protector.Close()
	if err := protector.ProtectAudit(ctx, owner, app); err != nil {
		t.Fatal(err)
	}
	// the app role, connecting again, imports (on the bulk path) and audits as before
	s.Close()
	if s, err = store.Open(ctx, at(app, "app")); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.SetBulkMinRows(1000)
	if _, err := importFile(t, s, testkit.Data(t, "police/street/2025-02-thames-valley-street.csv")); err != nil {
		t.Fatalf("import after the audit log was handed over: %v", err)
	}
	if err := s.Audit(ctx, hexbeat.AuditEvent{Actor: "tester", Action: "test again"}); err != nil {
		t.Fatal(err)
	}
	if c, err := s.VerifyAudit(ctx); err != nil || !c.OK() || c.Rows != 2 {
		t.Fatalf("verify as the app role: %+v %v", c, err)
	}
	// and may no longer tamper with it
	for _, q := range []string{
		`ALTER TABLE audit_log DISABLE TRIGGER USER`, `DELETE FROM audit_log`, `UPDATE audit_log SET detail = 'x'`,
		`TRUNCATE audit_log`, `DROP TABLE audit_log`, `DROP TRIGGER audit_log_no_change ON audit_log`, `ALTER TABLE audit_log OWNER TO ` + app,
		`DROP FUNCTION hexbeat_audit.audit_log_append_only() CASCADE`, `DROP SCHEMA hexbeat_audit CASCADE`, `ALTER TABLE audit_log SET SCHEMA public`,
	} {
		if err := s.Exec(ctx, q); err == nil {
			t.Errorf("the app role could: %s", q)
		}
	}
	if c, err := s.VerifyAudit(ctx); err != nil || !c.OK() {
		t.Errorf("after the attempts: %+v %v", c, err)
	}
}

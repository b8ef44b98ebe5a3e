package store_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/hexbeat/hexbeat/internal/store"
	_ "github.com/lib/pq"
)

// eachStore runs fn against a fresh SQLite file and, when HEXBEAT_TEST_POSTGRES names a
// server (make test starts one), a fresh PostgreSQL database on it. Both stores must pass
// the same behaviour.
func eachStore(t *testing.T, fn func(t *testing.T, s *store.Store)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		fn(t, freshSQLite(t))
	})
	t.Run("postgres", func(t *testing.T) {
		fn(t, freshPostgres(t))
	})
}

// freshSQLite opens a new SQLite file, closed after the test.
func freshSQLite(t *testing.T) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "h.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// freshPostgres creates a database of its own on the test server and drops it afterwards.
func freshPostgres(t *testing.T) *store.Store { return freshPostgresTB(t) }

func freshPostgresB(b *testing.B) *store.Store { return freshPostgresTB(b) }

func freshPostgresTB(t testing.TB) *store.Store {
	t.Helper()
	base := os.Getenv("HEXBEAT_TEST_POSTGRES")
	if base == "" {
		t.Skip("HEXBEAT_TEST_POSTGRES not set: `make test` starts PostgreSQL and sets it")
	}
	admin, err := sql.Open("postgres", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	var b [6]byte
	rand.Read(b[:])
	name := "hexbeat_t_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	u, _ := url.Parse(base)
	u.Path = "/" + name
	s, err := store.Open(context.Background(), u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.Close()
		if a, err := sql.Open("postgres", base); err == nil {
			a.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
			a.Close()
		}
	})
	return s
}

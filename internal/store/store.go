package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq"  // PostgreSQL driver
	_ "modernc.org/sqlite" // SQLite driver
)

// Dialects.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

// Store is a connection to one hexbeat database.
type Store struct {
	db      *sqlx.DB
	dialect string
	url     string // for PostgreSQL LISTEN connections; never logged with its password

	// tunables, each store its own, so that tests set them on theirs and run in parallel
	bulkMinRows       int   // the smallest import that may take the bulk path
	parallelLoadPages int64 // the table size (8 KiB pages) from which a full load is read in parts
	bindRaw           bool  // bind a SQLite import's values through SQLite's API when it can be reached
}

// Open connects to the database named by url: "sqlite:PATH" (a file, created if missing)
// or "postgres://..." / "postgresql://...". It applies pending migrations.
func Open(ctx context.Context, rawURL string) (*Store, error) {
	s, err := open(rawURL)
	if err != nil {
		return nil, err
	}
	if err := s.Migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// OpenNoMigrate connects without applying migrations (for `hexbeat migrate` itself).
func OpenNoMigrate(rawURL string) (*Store, error) { return open(rawURL) }

func open(rawURL string) (*Store, error) {
	dialect, dsn, err := ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	if dialect == SQLite {
		path := strings.TrimPrefix(strings.TrimPrefix(rawURL, "sqlite:"), "//")
		if err := writable(path); err != nil {
			return nil, err
		}
		if err := initSQLiteFile(path); err != nil {
			return nil, err
		}
	}
	driver := map[string]string{SQLite: "sqlite", Postgres: "postgres"}[dialect]
	db, err := sqlx.Open(driver, dsn)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", Redact(rawURL), err)
	}
	if dialect == SQLite {
		// one writer at a time is SQLite's rule; readers use WAL snapshots
		db.SetMaxOpenConns(4)
	} else {
		db.SetMaxOpenConns(16)
		db.SetConnMaxIdleTime(5 * time.Minute)
	}
	return &Store{db: db, dialect: dialect, url: dsn, bulkMinRows: defaultBulkMinRows, parallelLoadPages: defaultParallelLoadPages, bindRaw: true}, nil
}

// sqlitePageSize is the page size of new SQLite files: 16 KiB pages write a large import
// in a quarter of the system calls of the default 4 KiB.
const sqlitePageSize = 16384

// sqliteCacheKiB is each SQLite connection's page cache: 64 MiB.
const sqliteCacheKiB = 65536

// sqliteCacheSize is the pragma that sets it.
var sqliteCacheSize = fmt.Sprintf("cache_size(-%d)", sqliteCacheKiB)

// initSQLiteFile creates a new SQLite file with hexbeat's page size. The size must be set
// before the file's first page exists, and the connection pragmas switch WAL on first, so a
// new file is made here, before the pool opens it.
func initSQLiteFile(path string) error {
	if st, err := os.Stat(path); err == nil && st.Size() > 0 {
		return nil
	}
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		return fmt.Errorf("store: create %s: %w", path, err)
	}
	defer db.Close()
	for _, q := range []string{fmt.Sprintf("PRAGMA page_size = %d", sqlitePageSize),
		"CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY)"} {
		if _, err := db.Exec(q); err != nil {
			return fmt.Errorf("store: create %s: %w", path, err)
		}
	}
	return nil
}

// ParseURL splits a store URL into its dialect and the driver's data source name.
func ParseURL(raw string) (dialect, dsn string, err error) {
	switch {
	case strings.HasPrefix(raw, "sqlite:"):
		path := strings.TrimPrefix(strings.TrimPrefix(raw, "sqlite:"), "//")
		if path == "" {
			return "", "", fmt.Errorf("store: %q names no file (want sqlite:PATH)", raw)
		}
		q := url.Values{}
		for _, p := range []string{"journal_mode(WAL)", "busy_timeout(30000)", "synchronous(NORMAL)", "foreign_keys(1)", sqliteCacheSize} {
			q.Add("_pragma", p)
		}
		q.Set("_txlock", "immediate")
		return SQLite, "file:" + path + "?" + q.Encode(), nil
	case strings.HasPrefix(raw, "postgres://"), strings.HasPrefix(raw, "postgresql://"):
		if _, err := url.Parse(raw); err != nil {
			return "", "", fmt.Errorf("store: bad PostgreSQL URL %s", Redact(raw))
		}
		return Postgres, raw, nil
	}
	return "", "", fmt.Errorf("store: %q is not sqlite:PATH or postgres://...", Redact(raw))
}

// Redact hides the password of a URL for logs and messages.
func Redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// Dialect is SQLite or Postgres.
func (s *Store) Dialect() string { return s.dialect }

// Close closes the connection pool.
func (s *Store) Close() error { return s.db.Close() }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

// Meta returns a value from the meta table ("" when unset).
func (s *Store) Meta(ctx context.Context, key string) (string, error) {
	var v string
	err := s.db.GetContext(ctx, &v, s.db.Rebind(`SELECT value FROM meta WHERE key = ?`), key)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("store: meta %s: %w", key, err)
	}
	return v, nil
}

// SetMeta stores a value in the meta table.
func (s *Store) SetMeta(ctx context.Context, key, value string) error {
	_, err := s.db.ExecContext(ctx, s.db.Rebind(`INSERT INTO meta (key, value) VALUES (?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`), key, value)
	if err != nil {
		return fmt.Errorf("store: set meta %s: %w", key, err)
	}
	return nil
}

// Counts returns the number of rows in the data tables, for status pages and tests.
func (s *Store) Counts(ctx context.Context) (map[string]int, error) {
	out := map[string]int{}
	for _, t := range []string{"incidents", "stop_searches", "outcomes", "boundaries", "retailers", "cameras", "batches"} {
		var n int
		if err := s.db.GetContext(ctx, &n, "SELECT count(*) FROM "+t); err != nil {
			return nil, fmt.Errorf("store: count %s: %w", t, err)
		}
		out[t] = n
	}
	return out, nil
}

// writable checks that an SQLite store and its directory can be written (the store, its
// -wal and -shm files), so that a read-only store is named as such instead of failing later
// with SQLite's "unable to open database file".
func writable(path string) error {
	dir := filepath.Dir(path)
	if err := syscall.Access(dir, 2 /* W_OK */); err != nil {
		return fmt.Errorf("store: %s cannot be written (%v): the store needs its directory writable for its -wal and -shm files", dir, err)
	}
	if _, err := os.Stat(path); err == nil {
		if err := syscall.Access(path, 2); err != nil {
			return fmt.Errorf("store: %s is read-only (%v)", path, err)
		}
	}
	return nil
}

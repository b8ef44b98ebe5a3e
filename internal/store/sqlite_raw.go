package store

import (
	"fmt"
	"reflect"
	"unsafe"

	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"modernc.org/libc"
	"modernc.org/libc/sys/types"
	sqlite3 "modernc.org/sqlite/lib"
)

// A bulk SQLite import binds its values through SQLite's own API (modernc's translation of
// it) instead of the database/sql driver. The driver copies each text value into memory
// it allocates for the purpose, binds it, and frees it after the statement, taking the
// connection's mutex for each step; here the values of one statement are copied into one
// reused buffer that SQLite reads in place (SQLITE_STATIC). 935k rows: 2.3-2.6 s of
// inserting became 1.3-1.7 s (benchmarks.md, "import, fourth pass").
//
// The driver does not export its connection's handle; rawSQLite reads it from the fields
// the pinned version has. If a new version moves them, the import falls back to the
// driver and TestRawBindingStoresWhatTheDriverStores fails, so the change is seen.

// sqliteHandle is an open SQLite connection: its handle and its thread state.
type sqliteHandle struct {
	tls *libc.TLS
	db  uintptr
}

var tlsType = reflect.TypeFor[*libc.TLS]()

// rawSQLite finds the SQLite connection under a modernc driver connection.
func rawSQLite(dc any) (sqliteHandle, bool) {
	v := reflect.ValueOf(dc)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return sqliteHandle{}, false
	}
	e := v.Elem()
	if e.Type().PkgPath() != "modernc.org/sqlite" || e.Type().Name() != "conn" {
		return sqliteHandle{}, false
	}
	db, tls := e.FieldByName("db"), e.FieldByName("tls")
	if !db.IsValid() || db.Kind() != reflect.Uintptr || db.Uint() == 0 || !tls.IsValid() || tls.Type() != tlsType || tls.IsNil() {
		return sqliteHandle{}, false
	}
	return sqliteHandle{tls: (*libc.TLS)(tls.UnsafePointer()), db: uintptr(db.Uint())}, true
}

func (h sqliteHandle) err(rc int32, what string) error {
	return fmt.Errorf("%s: %s (%d)", what, libc.GoString(sqlite3.Xsqlite3_errmsg(h.tls, h.db)), rc)
}

// rawStmt is a prepared statement whose text and blob values are bound from one buffer.
type rawStmt struct {
	h    sqliteHandle
	st   uintptr
	buf  uintptr // C memory the bound values point into
	size int
	mem  []byte // buf, seen from Go
	used int
}

func (h sqliteHandle) prepare(query string) (*rawStmt, error) {
	q, err := libc.CString(query)
	if err != nil {
		return nil, err
	}
	defer libc.Xfree(h.tls, q)
	pp := libc.Xmalloc(h.tls, types.Size_t(unsafe.Sizeof(uintptr(0))))
	if pp == 0 {
		return nil, fmt.Errorf("prepare: out of memory")
	}
	defer libc.Xfree(h.tls, pp)
	if rc := sqlite3.Xsqlite3_prepare_v2(h.tls, h.db, q, -1, pp, 0); rc != sqlite3.SQLITE_OK {
		return nil, h.err(rc, "prepare")
	}
	return &rawStmt{h: h, st: *(*uintptr)(unsafe.Pointer(&cMem(pp, int(unsafe.Sizeof(uintptr(0))))[0]))}, nil
}

// cMem is n bytes of C memory seen from Go. modernc's allocator takes it from outside the
// Go heap, so the collector neither moves nor frees it; it lives until Xfree.
func cMem(p uintptr, n int) []byte {
	return unsafe.Slice(*(**byte)(unsafe.Pointer(&p)), n)
}

// reserve makes room for n bytes of values, before the first is bound: the buffer
// cannot move while values point into it.
func (s *rawStmt) reserve(n int) error {
	s.used = 0
	if n <= s.size && s.buf != 0 { // never a null pointer: SQLite would bind an empty text as NULL
		return nil
	}
	s.release()
	size := max(n, 64<<10)
	s.buf = libc.Xmalloc(s.h.tls, types.Size_t(size))
	if s.buf == 0 {
		return fmt.Errorf("bind: out of memory for %d bytes", size)
	}
	s.size, s.mem = size, cMem(s.buf, size)
	return nil
}

func (s *rawStmt) release() {
	if s.buf != 0 {
		libc.Xfree(s.h.tls, s.buf)
		s.buf, s.size, s.mem = 0, 0, nil
	}
}

// text and blob bind parameter i (from 1) to a copy of b in the buffer; int64 and float64
// bind numbers. Their errors (a parameter out of range, or SQLITE_TOOBIG) are found by
// step, which then fails with SQLite's message.
func (s *rawStmt) text(i int32, v string) {
	n := copy(s.mem[s.used:], v)
	sqlite3.Xsqlite3_bind_text(s.h.tls, s.st, i, s.buf+uintptr(s.used), int32(n), 0) // 0: SQLITE_STATIC
	s.used += n
}

func (s *rawStmt) blob(i int32, v []byte) {
	n := copy(s.mem[s.used:], v)
	sqlite3.Xsqlite3_bind_blob(s.h.tls, s.st, i, s.buf+uintptr(s.used), int32(n), 0)
	s.used += n
}

func (s *rawStmt) int64(i int32, v int64) { sqlite3.Xsqlite3_bind_int64(s.h.tls, s.st, i, v) }

func (s *rawStmt) float64(i int32, v float64) { sqlite3.Xsqlite3_bind_double(s.h.tls, s.st, i, v) }

// exec runs the statement once and returns the rows it changed.
func (s *rawStmt) exec() (int64, error) {
	rc := sqlite3.Xsqlite3_step(s.h.tls, s.st)
	sqlite3.Xsqlite3_reset(s.h.tls, s.st)
	if rc != sqlite3.SQLITE_DONE {
		return 0, s.h.err(rc, "insert")
	}
	return sqlite3.Xsqlite3_changes64(s.h.tls, s.h.db), nil
}

// close finalizes the statement, then frees the buffer its values pointed into.
func (s *rawStmt) close() {
	sqlite3.Xsqlite3_finalize(s.h.tls, s.st)
	s.release()
}

// incidentBytes is what bindIncident copies into the buffer.
func incidentBytes(inc *hexbeat.Incident) int {
	return len(inc.Key) + len(inc.SourceID) + len(inc.Category) + len(inc.Location) + len(inc.AreaCode) +
		len(inc.AreaName) + len(inc.Force) + len(inc.Outcome)
}

// bindIncident binds one incident's values at parameters p.. in sqliteInsertSQL's order.
func (s *rawStmt) bindIncident(p int32, inc *hexbeat.Incident, batchID int64) {
	s.blob(p, inc.Key[:])
	s.int64(p+1, batchID)
	s.text(p+2, inc.SourceID)
	s.int64(p+3, inc.OccurredAt.Unix())
	s.int64(p+4, int64(inc.Precision))
	s.text(p+5, inc.Category)
	s.float64(p+6, inc.Lon)
	s.float64(p+7, inc.Lat)
	s.int64(p+8, int64(inc.Cell))
	s.text(p+9, inc.Location)
	s.text(p+10, inc.AreaCode)
	s.text(p+11, inc.AreaName)
	s.text(p+12, inc.Force)
	s.text(p+13, inc.Outcome)
	s.int64(p+14, int64(inc.GridSquare))
}

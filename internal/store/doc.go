// Package store persists hexbeat's data with sqlx: SQLite (modernc.org/sqlite, pure Go) as
// the embedded default and PostgreSQL 15+ with PostGIS in production. Both run the same
// migrations (in their own dialect) and pass one behaviour suite. An import is one
// transaction: SQLite inserts through prepared multi-row statements; PostgreSQL locks the
// incidents table against other writers, looks up each chunk's keys and COPYs the new rows
// straight in (import_incidents.go has the shared bulk path). PostgreSQL
// tables carry real PostGIS geometry columns with GiST indexes so that analysts can open
// them in QGIS.
package store

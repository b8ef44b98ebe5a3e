// Package gpkg reads the feature layers of an OGC GeoPackage (an SQLite database whose
// geometries are WKB behind a small header; OGC 12-128r18). It only reads: the file is
// opened read-only, its schema is not trusted (a view cannot call functions with side
// effects), and only the tables the GeoPackage lists as feature layers are read.
package gpkg

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
	_ "modernc.org/sqlite" // the SQLite driver
)

// File is an open GeoPackage.
type File struct {
	db *sql.DB
}

// SRS is a layer's spatial reference system as the GeoPackage defines it.
type SRS struct {
	ID           int64
	Name         string
	Organization string // "EPSG" for most
	Code         int64  // the organisation's number for it: 27700 for British National Grid
	Definition   string // OGC WKT
}

// Layer is a feature table.
type Layer struct {
	Name           string
	GeometryColumn string
	GeometryType   string // as declared: POINT, MULTIPOLYGON, GEOMETRY...
	SRS            SRS
}

// Feature is one row of a layer: its geometry (nil when empty or null) and its other columns.
type Feature struct {
	Geometry   orb.Geometry
	Properties map[string]any
}

// Open opens the GeoPackage at path for reading; an SQLite file that is not a GeoPackage
// is an error that says so.
func Open(path string) (*File, error) {
	q := url.Values{}
	q.Set("mode", "ro")
	for _, p := range []string{"query_only(1)", "trusted_schema(0)"} {
		q.Add("_pragma", p)
	}
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('gpkg_contents', 'gpkg_geometry_columns', 'gpkg_spatial_ref_sys')`).Scan(&n); err != nil {
		db.Close()
		return nil, fmt.Errorf("not a readable SQLite database: %w", err)
	}
	if n != 3 {
		db.Close()
		return nil, errors.New("an SQLite database without the GeoPackage tables (gpkg_contents, gpkg_geometry_columns, gpkg_spatial_ref_sys): not a GeoPackage")
	}
	return &File{db: db}, nil
}

// Close closes the file.
func (f *File) Close() error { return f.db.Close() }

// Layers lists the feature layers, in name order.
func (f *File) Layers(ctx context.Context) ([]Layer, error) {
	rows, err := f.db.QueryContext(ctx, `
		SELECT c.table_name, g.column_name, g.geometry_type_name, g.srs_id,
		       coalesce(s.srs_name, ''), coalesce(s.organization, ''), coalesce(s.organization_coordsys_id, 0), coalesce(s.definition, '')
		FROM gpkg_contents c
		JOIN gpkg_geometry_columns g ON g.table_name = c.table_name
		LEFT JOIN gpkg_spatial_ref_sys s ON s.srs_id = g.srs_id
		WHERE c.data_type = 'features'
		ORDER BY c.table_name`)
	if err != nil {
		return nil, fmt.Errorf("reading the GeoPackage's layers: %w", err)
	}
	defer rows.Close()
	var out []Layer
	for rows.Next() {
		var l Layer
		if err := rows.Scan(&l.Name, &l.GeometryColumn, &l.GeometryType, &l.SRS.ID, &l.SRS.Name, &l.SRS.Organization, &l.SRS.Code, &l.SRS.Definition); err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// quote quotes an SQL identifier.
func quote(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }

// Features calls fn with each of a layer's rows in the order of its rowid; n counts them
// from 1. A geometry that cannot be read is an error naming the row.
func (f *File) Features(ctx context.Context, l Layer, fn func(n int, ft Feature) error) error {
	rows, err := f.db.QueryContext(ctx, "SELECT * FROM "+quote(l.Name))
	if err != nil {
		return fmt.Errorf("layer %s: %w", l.Name, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	geomAt := -1
	for i, c := range cols {
		if strings.EqualFold(c, l.GeometryColumn) {
			geomAt = i
		}
	}
	if geomAt < 0 {
		return fmt.Errorf("layer %s: no geometry column %q", l.Name, l.GeometryColumn)
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for n := 1; rows.Next(); n++ {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		ft := Feature{Properties: make(map[string]any, len(cols)-1)}
		for i, c := range cols {
			if i == geomAt {
				continue
			}
			if b, ok := vals[i].([]byte); ok {
				vals[i] = string(b)
			}
			ft.Properties[c] = vals[i]
		}
		if blob, ok := vals[geomAt].([]byte); ok {
			if ft.Geometry, err = Geometry(blob); err != nil {
				return fmt.Errorf("layer %s, feature %d: %w", l.Name, n, err)
			}
		}
		if err := fn(n, ft); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Geometry reads a GeoPackage geometry blob: "GP", a version, flags, the SRS id and an
// optional envelope, then the geometry as WKB. An empty geometry is nil.
func Geometry(b []byte) (orb.Geometry, error) {
	if len(b) < 8 || b[0] != 'G' || b[1] != 'P' {
		return nil, errors.New("not a GeoPackage geometry (no GP header)")
	}
	flags := b[3]
	if flags&0x20 != 0 {
		return nil, errors.New("an extended GeoPackage geometry type, which hexbeat does not read")
	}
	envelope := [...]int{0, 32, 48, 48, 64}
	e := int(flags>>1) & 7
	if e >= len(envelope) {
		return nil, fmt.Errorf("a GeoPackage geometry with envelope code %d, which the standard does not define", e)
	}
	start := 8 + envelope[e]
	if len(b) < start {
		return nil, errors.New("a GeoPackage geometry shorter than its header")
	}
	if flags&0x10 != 0 {
		return nil, nil
	}
	if e >= 2 {
		return nil, errors.New("a geometry with heights or measures (Z or M); hexbeat reads two-dimensional geometries: write the layer in 2D (ogr2ogr -dim XY)")
	}
	g, err := wkb.Unmarshal(b[start:])
	if err != nil {
		if t := wkbType(b[start:]); t > 1000 {
			return nil, errors.New("a geometry with heights or measures (Z or M); hexbeat reads two-dimensional geometries: write the layer in 2D (ogr2ogr -dim XY)")
		}
		return nil, fmt.Errorf("the geometry is not well-formed WKB: %w", err)
	}
	return g, nil
}

// wkbType is a WKB geometry's type code, 0 when there is none.
func wkbType(b []byte) uint32 {
	if len(b) < 5 {
		return 0
	}
	if b[0] == 1 {
		return binary.LittleEndian.Uint32(b[1:5])
	}
	return binary.BigEndian.Uint32(b[1:5])
}

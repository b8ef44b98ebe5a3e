package ingest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/hexbeat/hexbeat/internal/hexbeat"
)

// Point collections are read a feature at a time. Decoded whole (orb's FeatureCollection),
// 935k points took 2.2 GB and 18 s, all parsed before the first reached the store; here
// each feature is decoded, checked and handed on in chunks, so the store works while the
// rest is read. Boundary files, which are few and whose polygons are wanted whole, still go
// through orb.

// geoMembers is one GeoJSON object's members, undecoded (names are case-sensitive, as in
// orb).
type geoMembers map[string]json.RawMessage

// isNull reports whether a member is absent or JSON null.
func isNull(raw json.RawMessage) bool { return len(raw) == 0 || bytes.Equal(raw, []byte("null")) }

// eachFeature calls fn with each member of the collection's "features" array, numbered
// from 1, until fn returns an error; a null member is refused. data has already been
// checked to be one valid JSON object.
func eachFeature(data []byte, fn func(n int, f geoMembers) error) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if _, err := dec.Token(); err != nil { // {
		return err
	}
	seen := false
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return err
		}
		if key != "features" {
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return err
			}
			continue
		}
		if seen {
			return &FormatError{Line: 1, Reason: `"features" given twice`}
		}
		seen = true
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		if tok == nil { // "features": null
			continue
		}
		if tok != json.Delim('[') {
			return &FormatError{Line: 1, Reason: `"features" is not an array`}
		}
		for n := 1; dec.More(); n++ {
			var f geoMembers
			if err := dec.Decode(&f); err != nil {
				return &FormatError{Line: n, Reason: fmt.Sprintf("feature %d is not an object: %v", n, err)}
			}
			if f == nil {
				return &FormatError{Line: n, Reason: fmt.Sprintf("feature %d is null, not a Feature", n)}
			}
			var typ string
			if err := json.Unmarshal(f["type"], &typ); err != nil || typ != "Feature" {
				return &FormatError{Line: n, Reason: fmt.Sprintf("feature %d is not of type Feature", n)}
			}
			if err := fn(n, f); err != nil {
				return err
			}
		}
		if _, err := dec.Token(); err != nil { // ]
			return err
		}
	}
	return nil
}

// errStop ends eachFeature early without an error.
var errStop = errors.New("stop")

// firstGeometryType is the type of the first feature's geometry that is not null ("" when
// there is none): it decides whether a GeoJSON file holds points or boundaries.
func firstGeometryType(data []byte) (string, error) {
	var typ string
	err := eachFeature(data, func(n int, f geoMembers) error {
		if isNull(f["geometry"]) {
			return nil
		}
		var g struct {
			Type string `json:"type"`
		}
		if err := json.Unmarshal(f["geometry"], &g); err != nil {
			return &FormatError{Line: n, Reason: fmt.Sprintf("feature %d: geometry is not an object: %v", n, err)}
		}
		typ = g.Type
		return errStop
	})
	if err == errStop {
		err = nil
	}
	return typ, err
}

// geometryTypes are GeoJSON's geometry types; a point file's features of the others are
// rejected as rows, a type outside them refuses the file.
var geometryTypes = map[string]bool{"Point": true, "MultiPoint": true, "LineString": true, "MultiLineString": true,
	"Polygon": true, "MultiPolygon": true, "GeometryCollection": true}

// featurePoint reads a feature's point: ok is false for a feature without a usable point
// (no geometry, another type, fewer than two coordinates); err refuses the file.
func featurePoint(n int, raw json.RawMessage) (lon, lat float64, ok bool, err error) {
	if isNull(raw) {
		return 0, 0, false, nil
	}
	var g struct {
		Type        string          `json:"type"`
		Coordinates json.RawMessage `json:"coordinates"`
	}
	if err := json.Unmarshal(raw, &g); err != nil {
		return 0, 0, false, &FormatError{Line: n, Reason: fmt.Sprintf("feature %d: geometry is not an object: %v", n, err)}
	}
	if !geometryTypes[g.Type] {
		return 0, 0, false, &FormatError{Line: n, Reason: fmt.Sprintf("feature %d: %q is not a GeoJSON geometry type", n, g.Type)}
	}
	if g.Type != "Point" {
		return 0, 0, false, nil
	}
	var c []float64
	if err := json.Unmarshal(g.Coordinates, &c); err != nil {
		return 0, 0, false, &FormatError{Line: n, Reason: fmt.Sprintf("feature %d: the point's coordinates are not numbers: %v", n, err)}
	}
	if len(c) < 2 {
		return 0, 0, false, nil // [lon] alone once became latitude 0
	}
	return c[0], c[1], true, nil
}

// readPoints reads a point collection's features as incidents.
func readPoints(ctx context.Context, data []byte, opts Options, rep *Report, sink hexbeat.ImportSink) error {
	c := opts.Columns
	timeKeys := nonEmpty(c.Time, "time", "datetime", "date", "occurred_at", "month", "Month")
	catKeys := nonEmpty(c.Category, "category", "crime_type", "Crime type", "type", "offence")
	idKeys := nonEmpty(c.ID, "id", "crime_id", "Crime ID", "reference")
	locKeys := nonEmpty(c.Location, "location", "Location")
	ns := genericNamespace(Columns{ID: "geojson"})
	cells, occ := cellCache{}, occurrences{}
	times := timeParser{loc: opts.Location}
	cats := categoryCache{}
	seenIDs := map[string]bool{}
	chunk := newChunker(ctx, opts.ChunkSize, sink.AddIncidents)
	err := eachFeature(data, func(n int, f geoMembers) error {
		rep.Rows++
		lon, lat, ok, err := featurePoint(n, f["geometry"])
		if err != nil {
			return err
		}
		var props map[string]any
		if raw := f["properties"]; !isNull(raw) {
			if err := json.Unmarshal(raw, &props); err != nil {
				return &FormatError{Line: n, Reason: fmt.Sprintf("feature %d: properties are not an object: %v", n, err)}
			}
		}
		if !ok {
			rep.reject(ReasonBadGeometry, n)
			return nil
		}
		if !hexbeat.ValidLonLat(lon, lat) {
			rep.reject(ReasonBadLocation, n)
			return nil
		}
		ts, _ := firstString(props, timeKeys...)
		at, prec, ok := times.parse(ts)
		if !ok {
			rep.reject(ReasonBadTime, n)
			return nil
		}
		cat, _ := firstString(props, catKeys...)
		if cat == "" {
			rep.reject(ReasonNoCategory, n)
			return nil
		}
		if known, ok := cats.lookup([]byte(cat), opts.Taxonomy); ok {
			cat = known.Name
		}
		cell, err := cells.cell(lon, lat)
		if err != nil {
			rep.reject(ReasonBadLocation, n)
			return nil
		}
		inc := hexbeat.Incident{OccurredAt: at, Precision: prec, Category: cat, Lon: lon, Lat: lat, Cell: cell}
		inc.Location, _ = firstString(props, locKeys...)
		id, _ := firstString(props, idKeys...)
		if raw := f["id"]; id == "" && !isNull(raw) {
			var v any
			if err := json.Unmarshal(raw, &v); err != nil {
				return &FormatError{Line: n, Reason: fmt.Sprintf("feature %d: id: %v", n, err)}
			}
			id = fmt.Sprint(v)
		}
		if id != "" {
			if seenIDs[id] {
				rep.Duplicates++
				rep.InFileDups++
				return nil
			}
			seenIDs[id] = true
			inc.SourceID = id
			inc.Key = hexbeat.IncidentKey(ns, id, nil, 0)
		} else {
			content := []byte(fmt.Sprintf("%v|%v|%s|%s", lon, lat, at.Format("2006-01-02T15:04:05Z"), cat))
			inc.Key = hexbeat.IncidentKey(ns, "", content, occ.next(sha256.Sum256(content)))
		}
		rep.Accepted++
		return chunk.add(inc)
	})
	if err != nil {
		return err
	}
	return chunk.flush()
}

package ingest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/hexbeat/hexbeat/internal/hexbeat"
)

// Point collections are read a feature at a time (see geojson_stream.go). Decoded whole
// (orb's FeatureCollection), 935k points took 2.2 GB and 18 s, all parsed before the first
// reached the store; here each feature is decoded, checked and handed on in chunks, so the
// store works while the rest is read.

// geoFeature is one member of a collection's "features", decoded in one pass. (As
// encoding/json does, member names match without regard to case.)
type geoFeature struct {
	Type       string          `json:"type"`
	ID         json.RawMessage `json:"id"`
	Geometry   *geoGeometry    `json:"geometry"`   // nil for null
	Properties map[string]any  `json:"properties"` // nil for null
}

// geoGeometry is a feature's geometry, its coordinates not yet decoded.
type geoGeometry struct {
	Type        string          `json:"type"`
	Coordinates json.RawMessage `json:"coordinates"`
}

// id is the feature's own id as text, "" when it has none (a number is written as Go
// writes it: 7.0 becomes "7").
func (f *geoFeature) id(n int) (string, error) {
	if len(f.ID) == 0 || bytes.Equal(f.ID, []byte("null")) {
		return "", nil
	}
	var v any
	if err := json.Unmarshal(f.ID, &v); err != nil {
		return "", &FormatError{Line: n, Reason: fmt.Sprintf("feature %d: id: %v", n, err)}
	}
	return fmt.Sprint(v), nil
}

// geometryTypes are GeoJSON's geometry types: a feature of a type outside them refuses the
// file (walkCollection); one of a type its file's kind cannot use is a rejected row.
var geometryTypes = map[string]bool{"Point": true, "MultiPoint": true, "LineString": true, "MultiLineString": true,
	"Polygon": true, "MultiPolygon": true, "GeometryCollection": true}

// featurePoint reads a feature's point: ok is false for a feature without a usable point
// (no geometry, another type, fewer than two coordinates); err refuses the file.
func featurePoint(n int, g *geoGeometry) (lon, lat float64, ok bool, err error) {
	if g == nil {
		return 0, 0, false, nil
	}
	if g.Type != "Point" {
		return 0, 0, false, nil
	}
	if lon, lat, ok := plainPosition(g.Coordinates); ok {
		return lon, lat, true, nil
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

// plainPosition reads a position of two or more JSON numbers, [lon, lat, ...], as
// encoding/json would, a third of the time; ok is false for anything else, which is left
// to encoding/json and its errors.
func plainPosition(b []byte) (lon, lat float64, ok bool) {
	i := skipSpace(b, 0)
	if i == len(b) || b[i] != '[' {
		return 0, 0, false
	}
	var c [2]float64
	for k := 0; ; k++ {
		i = skipSpace(b, i+1)
		end := jsonNumberEnd(b, i)
		if end == i {
			return 0, 0, false
		}
		// an elevation is read only to be refused as encoding/json refuses it (out of
		// float64's range)
		v, err := strconv.ParseFloat(string(b[i:end]), 64)
		if err != nil {
			return 0, 0, false
		}
		if k < 2 {
			c[k] = v
		}
		i = skipSpace(b, end)
		if i == len(b) {
			return 0, 0, false
		}
		if b[i] == ']' {
			if k < 1 || skipSpace(b, i+1) != len(b) {
				return 0, 0, false
			}
			return c[0], c[1], true
		}
		if b[i] != ',' {
			return 0, 0, false
		}
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// jsonNumberEnd is the end of the JSON number (RFC 8259) that starts at b[i], or i if none
// does.
func jsonNumberEnd(b []byte, i int) int {
	start := i
	digits := func(i int) int {
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		return i
	}
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		i = digits(i)
	default:
		return start
	}
	if i < len(b) && b[i] == '.' {
		j := digits(i + 1)
		if j == i+1 {
			return start
		}
		i = j
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		j := digits(i)
		if j == i {
			return start
		}
		i = j
	}
	return i
}

// pointTimeKeys are the properties a point's time is read from, unless one is named.
var pointTimeKeys = []string{"time", "datetime", "date", "occurred_at", "month", "Month"}

// pointReader reads a point collection's features as incidents.
type pointReader struct {
	opts                               Options
	rep                                *Report
	timeKeys, catKeys, idKeys, locKeys []string
	ns                                 string
	cells                              cellCache
	occ                                occurrences
	times                              timeParser
	cats                               categoryCache
	seenIDs                            map[hexbeat.Key]struct{} // keys of the features with an id
	chunk                              *chunker[hexbeat.Incident]
}

func newPointReader(ctx context.Context, opts Options, rep *Report, sink hexbeat.ImportSink) *pointReader {
	c := opts.Columns
	return &pointReader{
		opts: opts, rep: rep,
		timeKeys: nonEmpty(c.Time, pointTimeKeys...),
		catKeys:  nonEmpty(c.Category, "category", "crime_type", "Crime type", "type", "offence"),
		idKeys:   nonEmpty(c.ID, "id", "crime_id", "Crime ID", "reference"),
		locKeys:  nonEmpty(c.Location, "location", "Location"),
		ns:       genericNamespace(Columns{ID: "geojson"}),
		cells:    cellCache{}, occ: occurrences{},
		times:   timeParser{loc: opts.Location},
		cats:    categoryCache{},
		seenIDs: map[hexbeat.Key]struct{}{},
		chunk:   newChunker(ctx, opts.ChunkSize, sink.AddIncidents),
	}
}

// feature reads feature n.
func (p *pointReader) feature(n int, f *geoFeature) error {
	rep := p.rep
	rep.Rows++
	lon, lat, ok, err := featurePoint(n, f.Geometry)
	if err != nil {
		return err
	}
	props := f.Properties
	if !ok {
		rep.reject(ReasonBadGeometry, n)
		return nil
	}
	if !hexbeat.ValidLonLat(lon, lat) {
		rep.reject(ReasonBadLocation, n)
		return nil
	}
	ts, _ := firstString(props, p.timeKeys...)
	at, prec, ok := p.times.parse(ts)
	if !ok {
		rep.reject(ReasonBadTime, n)
		return nil
	}
	cat, _ := firstString(props, p.catKeys...)
	if cat == "" {
		rep.reject(ReasonNoCategory, n)
		return nil
	}
	if known, ok := p.cats.lookup([]byte(cat), p.opts.Taxonomy); ok {
		cat = known.Name
	}
	cell, err := p.cells.cell(lon, lat)
	if err != nil {
		rep.reject(ReasonBadLocation, n)
		return nil
	}
	inc := hexbeat.Incident{OccurredAt: at, Precision: prec, Category: cat, Lon: lon, Lat: lat, Cell: cell}
	inc.Location, _ = firstString(props, p.locKeys...)
	id, _ := firstString(props, p.idKeys...)
	if id == "" {
		if id, err = f.id(n); err != nil {
			return err
		}
	}
	if id != "" {
		inc.SourceID = id
		inc.Key = hexbeat.IncidentKey(p.ns, id, nil, 0)
		if _, dup := p.seenIDs[inc.Key]; dup {
			rep.Duplicates++
			rep.InFileDups++
			return nil
		}
		p.seenIDs[inc.Key] = struct{}{}
	} else {
		content := []byte(fmt.Sprintf("%v|%v|%s|%s", lon, lat, at.Format("2006-01-02T15:04:05Z"), cat))
		inc.Key = hexbeat.IncidentKey(p.ns, "", content, p.occ.next(sha256.Sum256(content)))
	}
	rep.Accepted++
	return p.chunk.add(inc)
}

// finish hands on the last incidents.
func (p *pointReader) finish() error { return p.chunk.flush() }

package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// MaxGeoJSONBytes bounds a GeoJSON file, which is read whole (a point collection is then
// decoded a feature at a time, a boundary collection whole).
const MaxGeoJSONBytes = 512 << 20

// In GeoJSON reports, a "line" is the feature's 1-based position in the collection.

func readGeoJSON(ctx context.Context, r io.Reader, kind string, opts Options, rep *Report, sink hexbeat.ImportSink) error {
	data, err := io.ReadAll(io.LimitReader(r, MaxGeoJSONBytes+1))
	if err != nil {
		return err
	}
	if len(data) > MaxGeoJSONBytes {
		return &FormatError{Line: 1, Reason: fmt.Sprintf("GeoJSON larger than %d MiB", MaxGeoJSONBytes>>20)}
	}
	if !utf8.Valid(data) {
		return &FormatError{Line: lineOfInvalidUTF8(data), Reason: "text is not valid UTF-8"}
	}
	var probe struct {
		Type string `json:"type"`
		CRS  *struct {
			Properties struct {
				Name string `json:"name"`
			} `json:"properties"`
		} `json:"crs"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return &FormatError{Line: jsonErrorLine(data, err), Reason: "not valid JSON: " + err.Error()}
	}
	if probe.Type != "FeatureCollection" {
		return &FormatError{Line: 1, Reason: fmt.Sprintf("GeoJSON of type %q; hexbeat imports a FeatureCollection", probe.Type)}
	}
	if probe.CRS != nil {
		name := probe.CRS.Properties.Name
		if !strings.Contains(name, "CRS84") && !strings.HasSuffix(name, "EPSG::4326") && !strings.HasSuffix(name, "EPSG:4326") {
			return &FormatError{Line: 1, Reason: fmt.Sprintf("coordinates in %q; hexbeat needs WGS84 longitude/latitude (RFC 7946)", name)}
		}
	}
	if kind == "geojson" {
		typ, err := firstGeometryType(data)
		if err != nil {
			return err
		}
		kind = KindPoints
		if typ == "Polygon" || typ == "MultiPolygon" {
			kind = KindBoundaries
		}
	}
	rep.Kind = kind
	if kind != KindBoundaries {
		return readPoints(ctx, data, opts, rep, sink)
	}
	fc, err := unmarshalCollection(data)
	if err != nil {
		return &FormatError{Line: 1, Reason: "not a valid GeoJSON FeatureCollection: " + err.Error()}
	}
	for i, f := range fc.Features {
		if f == nil { // orb leaves a null member of "features" as a nil feature
			return &FormatError{Line: i + 1, Reason: fmt.Sprintf("feature %d is null, not a Feature", i+1)}
		}
	}
	return readBoundaries(ctx, fc, opts, rep, sink)
}

// unmarshalCollection decodes a whole collection with orb, whose decoder panics on some
// malformed input (a geometry collection holding a null geometry); that is an error here.
func unmarshalCollection(data []byte) (fc *geojson.FeatureCollection, err error) {
	defer func() {
		if v := recover(); v != nil {
			fc, err = nil, fmt.Errorf("a geometry the decoder could not take (%v)", v)
		}
	}()
	return geojson.UnmarshalFeatureCollection(data)
}

var codeProperty = regexp.MustCompile(`^([A-Za-z]+)\d*CD$`)

// boundaryKinds maps ONS code prefixes to boundary kinds.
var boundaryKinds = map[string]string{"lsoa": "lsoa", "msoa": "msoa", "wd": "ward", "lad": "lad", "oa": "oa", "ctry": "country", "rgn": "region", "cty": "county", "pfa": "force", "csp": "csp"}

func readBoundaries(ctx context.Context, fc *geojson.FeatureCollection, opts Options, rep *Report, sink hexbeat.ImportSink) error {
	var out []hexbeat.Boundary
	seen := map[string]bool{}
	for i, f := range fc.Features {
		n := i + 1
		rep.Rows++
		var mp orb.MultiPolygon
		switch g := f.Geometry.(type) {
		case orb.Polygon:
			mp = orb.MultiPolygon{g}
		case orb.MultiPolygon:
			mp = g
		}
		if mp == nil || !usablePolygons(mp) {
			rep.reject(ReasonBadGeometry, n)
			continue
		}
		b := hexbeat.Boundary{Geometry: mp, Kind: opts.BoundaryKind}
		if f.ID != nil {
			b.ID = fmt.Sprint(f.ID)
		}
		for key, v := range f.Properties {
			m := codeProperty.FindStringSubmatch(key)
			if m == nil {
				continue
			}
			code, _ := v.(string)
			if code == "" {
				continue
			}
			if b.ID == "" {
				b.ID = code
			}
			if b.Kind == "" {
				b.Kind = boundaryKinds[strings.ToLower(m[1])]
			}
			if nm, ok := f.Properties[strings.TrimSuffix(key, "CD")+"NM"].(string); ok && b.Name == "" {
				b.Name = nm
			}
		}
		if b.Name == "" {
			b.Name, _ = firstString(f.Properties, "name", "Name", "NAME", "title")
		}
		if b.ID == "" && b.Name != "" {
			b.ID = slug(b.Name)
		}
		if b.ID == "" {
			rep.reject("no id or name", n)
			continue
		}
		if b.Name == "" {
			b.Name = b.ID
		}
		if b.Kind == "" {
			b.Kind = "custom"
		}
		if seen[b.ID] {
			rep.Duplicates++
			rep.InFileDups++
			continue
		}
		seen[b.ID] = true
		out = append(out, b)
		rep.Accepted++
	}
	if len(out) == 0 {
		return nil
	}
	return sink.PutBoundaries(ctx, out)
}

func usablePolygons(mp orb.MultiPolygon) bool {
	for _, p := range mp {
		if len(p) == 0 {
			return false
		}
		for _, ring := range p {
			if len(ring) < 4 || ring[0] != ring[len(ring)-1] {
				return false
			}
			for _, pt := range ring {
				if !hexbeat.ValidLonLat(pt[0], pt[1]) {
					return false
				}
			}
		}
	}
	return len(mp) > 0
}

func nonEmpty(first string, rest ...string) []string {
	if first != "" {
		return []string{first}
	}
	return rest
}

// firstString returns the first of the named properties that is present, as text.
func firstString(props geojson.Properties, keys ...string) (string, bool) {
	for _, k := range keys {
		if v, ok := props[k]; ok && v != nil {
			switch x := v.(type) {
			case string:
				return strings.TrimSpace(x), true
			case float64:
				return fmt.Sprint(x), true
			}
		}
	}
	return "", false
}

var nonSlug = regexp.MustCompile(`[^a-z0-9]+`)

func slug(s string) string {
	return strings.Trim(nonSlug.ReplaceAllString(strings.ToLower(s), "-"), "-")
}

func lineOfInvalidUTF8(data []byte) int {
	line := 1
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size <= 1 {
			return line
		}
		if r == '\n' {
			line++
		}
		i += size
	}
	return line
}

func jsonErrorLine(data []byte, err error) int {
	var se *json.SyntaxError
	off := int64(0)
	if errors.As(err, &se) {
		off = se.Offset
	}
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	return 1 + strings.Count(string(data[:off]), "\n")
}

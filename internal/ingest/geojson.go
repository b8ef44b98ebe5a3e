package ingest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// In GeoJSON reports, a "line" is the feature's 1-based position in the collection, except
// for faults in the text itself (a syntax error, bytes that are not UTF-8), which are given
// by their line in the file.

// readGeoJSON reads a FeatureCollection as a stream (geojson_stream.go).
func readGeoJSON(ctx context.Context, r io.Reader, kind string, opts Options, rep *Report, sink hexbeat.ImportSink) error {
	fs := newFeatureSet(ctx, kind, opts, rep, sink)
	if err := walkCollection(r, opts.MaxFeatureBytes, fs.feature); err != nil {
		return err
	}
	return fs.finish()
}

// featureSet reads the features of a GeoJSON collection, a Shapefile or a GeoPackage's
// layers. Unless kind says, the first feature with a geometry decides what the file holds:
// boundaries if it is a polygon, else points. A feature without a geometry is a rejected
// row of either.
type featureSet struct {
	ctx       context.Context
	opts      Options
	rep       *Report
	sink      hexbeat.ImportSink
	points    *pointReader
	bounds    *boundaryReader
	centroids *centroidFeatures
}

// newFeatureSet reads features as kind (boundaries or points), or as the first says when
// kind is "" or "geojson".
func newFeatureSet(ctx context.Context, kind string, opts Options, rep *Report, sink hexbeat.ImportSink) *featureSet {
	fs := &featureSet{ctx: ctx, opts: opts, rep: rep, sink: sink}
	if kind != "" && kind != "geojson" {
		fs.decide(kind)
	}
	return fs
}

func (fs *featureSet) decide(k string) {
	fs.rep.Kind = k
	switch k {
	case hexbeat.KindBoundaries:
		fs.bounds = &boundaryReader{opts: fs.opts, rep: fs.rep, seen: map[string]bool{}}
	case hexbeat.KindCentroids:
		fs.centroids = &centroidFeatures{rep: fs.rep, seen: map[string]bool{}}
	default:
		fs.points = newPointReader(fs.ctx, fs.opts, fs.rep, fs.sink)
	}
}

// feature reads feature n.
func (fs *featureSet) feature(n int, f *geoFeature) error {
	if fs.points == nil && fs.bounds == nil && fs.centroids == nil {
		if f.Geometry == nil { // a rejected row of either kind
			fs.rep.Rows++
			fs.rep.reject(ReasonBadGeometry, n)
			return nil
		}
		switch g := f.Geometry.Type; {
		case g == "Polygon" || g == "MultiPolygon":
			fs.decide(hexbeat.KindBoundaries)
		case g == "Point" && centroidProperty(f.Properties) != "" && !hasAny(f.Properties, fs.newPointKeys()):
			// ONS's population-weighted centroids: an LSOA code at a point, and no time
			fs.decide(hexbeat.KindCentroids)
		default:
			fs.decide(hexbeat.KindPoints)
		}
	}
	switch {
	case fs.bounds != nil:
		return fs.bounds.feature(n, f)
	case fs.centroids != nil:
		return fs.centroids.feature(n, f)
	}
	return fs.points.feature(n, f)
}

// finish hands on what is held.
func (fs *featureSet) finish() error {
	switch {
	case fs.bounds != nil:
		if len(fs.bounds.out) == 0 {
			return nil
		}
		return fs.sink.PutBoundaries(fs.ctx, fs.bounds.out)
	case fs.centroids != nil:
		if len(fs.centroids.out) == 0 {
			return nil
		}
		return fs.sink.PutCentroids(fs.ctx, fs.centroids.out)
	case fs.points != nil:
		return fs.points.finish()
	}
	fs.rep.Kind = hexbeat.KindPoints // no feature had a geometry
	return nil
}

var codeProperty = regexp.MustCompile(`^([A-Za-z]+)\d*CD$`)

// boundaryKinds maps ONS code prefixes to boundary kinds.
var boundaryKinds = map[string]string{"lsoa": "lsoa", "msoa": "msoa", "wd": "ward", "lad": "lad", "oa": "oa", "ctry": "country", "rgn": "region", "cty": "county", "pfa": "force", "csp": "csp"}

// boundaryReader reads a boundary collection's features; they are handed on together.
type boundaryReader struct {
	opts Options
	rep  *Report
	seen map[string]bool
	out  []hexbeat.Boundary
}

// boundaryPolygons reads a feature's polygons: nil for a feature without a geometry or
// with one of another type (a rejected row); err refuses the file.
func boundaryPolygons(n int, g *geoGeometry) (orb.MultiPolygon, error) {
	if g == nil {
		return nil, nil
	}
	var mp orb.MultiPolygon
	var err error
	switch g.Type {
	case "Polygon":
		var p orb.Polygon
		if err = json.Unmarshal(g.Coordinates, &p); p != nil {
			mp = orb.MultiPolygon{p}
		}
	case "MultiPolygon":
		err = json.Unmarshal(g.Coordinates, &mp)
	}
	if err != nil {
		return nil, &FormatError{Line: n, Reason: fmt.Sprintf("feature %d: the %s's coordinates are not rings of positions: %v", n, g.Type, err)}
	}
	return mp, nil
}

// feature reads feature n.
func (br *boundaryReader) feature(n int, f *geoFeature) error {
	rep := br.rep
	rep.Rows++
	mp, err := boundaryPolygons(n, f.Geometry)
	if err != nil {
		return err
	}
	props := geojson.Properties(f.Properties)
	if mp == nil || !usablePolygons(mp) {
		rep.reject(ReasonBadGeometry, n)
		return nil
	}
	b := hexbeat.Boundary{Geometry: mp, Kind: br.opts.BoundaryKind}
	if b.ID, err = f.id(n); err != nil {
		return err
	}
	for key, v := range props {
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
		if nm, ok := props[strings.TrimSuffix(key, "CD")+"NM"].(string); ok && b.Name == "" {
			b.Name = nm
		}
	}
	if b.Name == "" {
		b.Name, _ = firstString(props, "name", "Name", "NAME", "title")
	}
	if b.ID == "" && b.Name != "" {
		b.ID = slug(b.Name)
	}
	if b.ID == "" {
		rep.reject("no id or name", n)
		return nil
	}
	if b.Name == "" {
		b.Name = b.ID
	}
	if b.Kind == "" {
		b.Kind = "custom"
	}
	if br.seen[b.ID] {
		rep.Duplicates++
		rep.InFileDups++
		return nil
	}
	br.seen[b.ID] = true
	br.out = append(br.out, b)
	rep.Accepted++
	return nil
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

// newPointKeys are the properties a point reader would take a time from.
func (fs *featureSet) newPointKeys() []string {
	return nonEmpty(fs.opts.Columns.Time, pointTimeKeys...)
}

// hasAny says whether props has any of keys.
func hasAny(props map[string]any, keys []string) bool {
	for _, k := range keys {
		if _, ok := props[k]; ok {
			return true
		}
	}
	return false
}

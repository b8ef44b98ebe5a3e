package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/hexbeat/hexbeat/geodata"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
)

func pointFeature(geometry, props string) string {
	return `{"type":"Feature","geometry":` + geometry + `,"properties":` + props + `}`
}

func collection(features ...string) []byte {
	return []byte(`{"type":"FeatureCollection","features":[` + strings.Join(features, ",\n") + `]}`)
}

// TestGeoJSONPoints: a point collection, read a feature at a time: what each feature
// becomes, which rows are rejected with their position, and which files are refused.
func TestGeoJSONPoints(t *testing.T) {
	robbery := `{"time":"2025-01-02","category":"robbery","location":"High St"}`
	data := collection(
		pointFeature(`{"type":"Point","coordinates":[-0.75,52.04]}`, `{"id":"R1","time":"2025-01-02","category":"robbery","location":"High St"}`), // 1
		pointFeature(`{"type":"Point","coordinates":[-0.75,52.04,80]}`, robbery),                                                                  // 2: a height is ignored; no id, so keyed by content
		pointFeature(`{"type":"Point","coordinates":[-0.75]}`, robbery),                                                                           // 3: one coordinate is no point
		pointFeature(`null`, robbery), // 4: no geometry
		pointFeature(`{"type":"GeometryCollection","geometries":[null]}`, robbery),                                            // 5: not a point
		pointFeature(`{"type":"Point","coordinates":[-0.75,52.04]}`, `null`),                                                  // 6: no properties, so no time
		`{"type":"Feature","id":7.0,"geometry":{"type":"Point","coordinates":[-0.74,52.03]},"properties":`+robbery+`}`,        // 7: a numeric id, as text "7"
		pointFeature(`{"type":"Point","coordinates":[-0.75,52.04]}`, `{"id":"R1","time":"2025-01-03","category":"Burglary"}`), // 8: R1 again
		pointFeature(`{"type":"Point","coordinates":[-0.75,52.04]}`, robbery),                                                 // 9: the same as 2, a second incident
	)
	rep, sink, err := readAll(t, data, Options{ChunkSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Kind != hexbeat.KindPoints || rep.Rows != 9 || rep.Accepted != 4 || rep.InFileDups != 1 || rep.RejectedTotal() != 4 {
		t.Fatalf("report %+v", rep)
	}
	wantRejected(t, rep, map[string][]int{ReasonBadGeometry: {3, 4, 5}, ReasonBadTime: {6}})
	if s := rep.Summary(); !strings.Contains(s, "unusable geometry: 3 (features 3, 4, 5)") {
		t.Errorf("the summary does not give the features' positions:\n%s", s)
	}
	got := sink.Incidents
	if len(got) != 4 || got[0].SourceID != "R1" || got[0].Category != "Robbery" || got[0].Location != "High St" ||
		got[1].Lat != 52.04 || got[1].SourceID != "" || got[2].SourceID != "7" || got[3].Key == got[1].Key {
		t.Errorf("incidents %+v", got)
	}
	ns := genericNamespace(Columns{ID: "geojson"})
	if got[0].Key != hexbeat.IncidentKey(ns, "R1", nil, 0) || got[2].Key != hexbeat.IncidentKey(ns, "7", nil, 0) {
		t.Errorf("keys are not those of the references")
	}

	for name, tc := range map[string]struct {
		data   []byte
		line   int
		reason string
	}{
		"features twice":        {[]byte(`{"type":"FeatureCollection","features":[],"features":[]}`), 1, `"features" given twice`},
		"not a feature":         {collection(pointFeature(`null`, `{}`), `{"type":"Point","coordinates":[0,0]}`), 2, "feature 2 is not of type Feature"},
		"unknown geometry type": {collection(pointFeature(`{"type":"Circle","coordinates":[0,0]}`, `{}`)), 1, `"Circle" is not a GeoJSON geometry type`},
		"coordinates as text":   {collection(pointFeature(`{"type":"Point","coordinates":["0","0"]}`, `{}`)), 1, "coordinates are not numbers"},
		"properties a number":   {collection(pointFeature(`{"type":"Point","coordinates":[0,0]}`, `5`)), 1, "properties are not an object"},
	} {
		_, _, err := readAll(t, tc.data, Options{})
		var fe *FormatError
		if !errors.As(err, &fe) || fe.Line != tc.line || !strings.Contains(fe.Reason, tc.reason) {
			t.Errorf("%s: got %v, want line %d containing %q", name, err, tc.line, tc.reason)
		}
	}
}

// TestGeoJSONRefusedWhole: a file that is not a usable FeatureCollection is refused with the
// text line of the fault (a syntax error, bytes that are not UTF-8) or the feature's
// position, wherever in the file the fault lies.
func TestGeoJSONRefusedWhole(t *testing.T) {
	point := pointFeature(`{"type":"Point","coordinates":[-0.75,52.04]}`, `{"time":"2025-01-02","category":"robbery"}`)
	many := strings.Repeat(point+",\n", 3000) // past any one read of the file
	for name, tc := range map[string]struct {
		data   string
		line   int
		reason string
	}{
		"syntax error on line 3":               {"{\n\"type\": \"FeatureCollection\",\n\"features\": [}", 3, "not valid JSON"},
		"syntax error far in":                  {"{\"type\":\"FeatureCollection\",\"features\":[\n" + many + "{\"type\":\"Feature\",,}]}", 3002, "not valid JSON"},
		"syntax error in a key":                {"{\"type\":\"FeatureCollection\",\n\"fea\\qtures\":[]}", 2, "not valid JSON"},
		"truncated":                            {"{\"type\":\"FeatureCollection\",\"features\":[\n" + many, 3002, "not valid JSON"},
		"not UTF-8":                            {"{\"type\":\"FeatureCollection\",\n\"name\":\"caf\xe9\",\"features\":[]}", 2, "UTF-8"},
		"not UTF-8 far in":                     {"{\"type\":\"FeatureCollection\",\"features\":[\n" + many + point + "],\n\"name\":\"\xff\"}", 3003, "UTF-8"},
		"a rune cut short at the end":          {"{\"type\":\"FeatureCollection\",\"features\":[]}\n\xe2\x82", 2, "UTF-8"},
		"a Feature, not a collection":          {point, 1, `GeoJSON of type "Feature"`},
		"the type after the features":          {"{\"features\":[" + point + "],\"type\":\"Topology\"}", 1, `GeoJSON of type "Topology"`},
		"no type":                              {"{\"features\":[]}", 1, `GeoJSON of type ""`},
		"Web Mercator":                         {`{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::3857"}},"features":[]}`, 1, `coordinates in "urn:ogc:def:crs:EPSG::3857"`},
		"the grid after the features":          {`{"type":"FeatureCollection","features":[` + point + `],"crs":{"type":"name","properties":{"name":"EPSG:27700"}}}`, 1, "comes after the features"},
		"something after the object":           {`{"type":"FeatureCollection","features":[]} {}`, 1, "not valid JSON"},
		"an array, not an object":              {`[` + point + `]`, 1, "a JSON array, not a GeoJSON object"},
		"features an object":                   {`{"type":"FeatureCollection","features":{}}`, 1, `"features" is not an array`},
		"an unknown geometry first":            {`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Circle"},"properties":{}}]}`, 1, `"Circle" is not a GeoJSON geometry type`},
		"an unknown geometry among boundaries": {`{"type":"FeatureCollection","features":[` + geoSquare + `,{"type":"Feature","geometry":{"type":"Circle"},"properties":{"name":"y"}}]}`, 2, `"Circle" is not a GeoJSON geometry type`},
		"a boundary's geometry broken":         {`{"type":"FeatureCollection","features":[` + geoSquare + `,{"type":"Feature","geometry":{"type":"Polygon","coordinates":"x"},"properties":{"name":"y"}}]}`, 2, "feature 2"},
	} {
		_, _, err := readAll(t, []byte(tc.data), Options{})
		var fe *FormatError
		if !errors.As(err, &fe) || fe.Line != tc.line || !strings.Contains(fe.Reason, tc.reason) {
			t.Errorf("%s: got %v, want line %d containing %q", name, err, tc.line, tc.reason)
		}
	}
}

// TestGeoJSONMembersInAnyOrder: RFC 7946 puts no order on an object's members, and a byte
// order mark before the text is read past.
func TestGeoJSONMembersInAnyOrder(t *testing.T) {
	point := pointFeature(`{"type":"Point","coordinates":[-0.75,52.04]}`, `{"time":"2025-01-02","category":"robbery"}`)
	for name, data := range map[string]string{
		"type last":          `{"features":[` + point + `,` + point + `],"type":"FeatureCollection"}`,
		"crs and bbox first": `{"bbox":[-1,51,0,53],"crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:OGC:1.3:CRS84"}},"type":"FeatureCollection","features":[` + point + `,` + point + `]}`,
		"byte order mark":    "\xef\xbb\xbf" + string(collection(point, point)),
	} {
		rep, sink, err := readAll(t, []byte(data), Options{})
		if err != nil || rep.Kind != hexbeat.KindPoints || rep.Accepted != 2 || len(sink.Incidents) != 2 {
			t.Errorf("%s: %v, report %+v", name, err, rep)
		}
	}
	// a boundary file's features without a polygon are rejected rows: no geometry, a point,
	// a geometry collection (orb's decoder once panicked on one holding a null)
	boundaries := `{"features":[{"type":"Feature","geometry":null,"properties":{"name":"none"}},` + geoSquare +
		`,{"type":"Feature","geometry":{"type":"Point","coordinates":[0,0]},"properties":{"name":"p"}}` +
		`,{"type":"Feature","geometry":{"type":"GeometryCollection","geometries":[null]},"properties":{"name":"y"}}],"type":"FeatureCollection"}`
	rep, sink, err := readAll(t, []byte(boundaries), Options{})
	if err != nil || rep.Kind != hexbeat.KindBoundaries || rep.Rows != 4 || rep.Accepted != 1 || len(sink.Boundaries) != 1 || sink.Boundaries[0].ID != "b1" ||
		len(rep.Rejected) != 1 || fmt.Sprint(rep.Rejected[0].Lines) != "[1 3 4]" {
		t.Errorf("boundaries after a feature without geometry: %v, report %+v", err, rep)
	}
}

// FuzzPlainPosition: the hand-read position is encoding/json's, or left to it.
func FuzzPlainPosition(f *testing.F) {
	for _, s := range []string{"[-0.75,52.04]", " [ -0.75 , 52.04 , 80 ] ", "[1e2,-2E-3]", "[0,0]", "[-0,0.5]",
		"[01,2]", "[1.,2]", "[.5,2]", "[+1,2]", "[1,2,]", "[1]", "[]", "[1,2]x", "[1e400,2]", "[NaN,1]", "[Infinity,1]",
		"[1,null]", "[1,2,null]", "[[1,2]]", "null", `["1",2]`, "[0x10,1]", "[1_0,1]", "[1,2", "[-,1]", "[1e,1]", "[1e+,1]"} {
		f.Add([]byte(s))
	}
	for _, s := range []string{"[-0.75,52.04]", " [ -0.75 , 52.04 , 80 ] ", "[1e2,-2E-3]"} {
		if _, _, ok := plainPosition([]byte(s)); !ok {
			f.Fatalf("%s is left to encoding/json", s)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		lon, lat, ok := plainPosition(b)
		if !ok {
			return
		}
		var c []float64
		if err := json.Unmarshal(b, &c); err != nil || len(c) < 2 || c[0] != lon || c[1] != lat {
			t.Fatalf("%q: read as %v, %v; encoding/json gives %v, %v", b, lon, lat, c, err)
		}
	})
}

// collectionReader yields a point collection of n copies of one feature without holding it.
type collectionReader struct {
	head, feature, tail string
	n                   int
	buf                 []byte
}

func (r *collectionReader) Read(p []byte) (int, error) {
	for len(r.buf) < len(p) && (r.n > 0 || r.tail != "") {
		switch {
		case r.head != "":
			r.buf, r.head = append(r.buf, r.head...), ""
		case r.n > 0:
			r.buf, r.n = append(r.buf, r.feature...), r.n-1
			if r.n > 0 {
				r.buf = append(r.buf, ",\n"...)
			}
		default:
			r.buf, r.tail = append(r.buf, r.tail...), ""
		}
	}
	if len(r.buf) == 0 {
		return 0, io.EOF
	}
	k := copy(p, r.buf)
	r.buf = r.buf[:copy(r.buf, r.buf[k:])]
	return k, nil
}

// heapSink counts incidents and notes the largest heap seen while they arrive.
type heapSink struct {
	memSink
	rows     int
	peakHeap uint64
}

func (h *heapSink) AddIncidents(_ context.Context, x []hexbeat.Incident) error {
	h.rows += len(x)
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	h.peakHeap = max(h.peakHeap, m.HeapAlloc)
	return nil
}

// TestGeoJSONStreamsBoundedMemory: a 128 MB point collection is read with a small heap:
// the file is never held whole.
func TestGeoJSONStreamsBoundedMemory(t *testing.T) {
	feature := pointFeature(`{"type":"Point","coordinates":[-0.75,52.04]}`, `{"time":"2025-01-02","category":"robbery","location":"`+strings.Repeat("x", 300)+`"}`)
	n := (128 << 20) / len(feature)
	r := &collectionReader{head: `{"type":"FeatureCollection","features":[`, feature: feature, tail: "]}", n: n}
	runtime.GC()
	sink := &heapSink{}
	rep, err := Read(context.Background(), r, "big.geojson", Options{Taxonomy: geodata.Taxonomy()}, sink)
	if err != nil || rep.Rows != n || sink.rows != n {
		t.Fatalf("%v: %d rows read, %d handed on, want %d", err, rep.Rows, sink.rows, n)
	}
	t.Logf("%d features, %d MB; largest heap %d MB", n, (n*len(feature))>>20, sink.peakHeap>>20)
	if sink.peakHeap > 48<<20 {
		t.Errorf("reading a 128 MB collection took a heap of %d MB; want it bounded (< 48 MB)", sink.peakHeap>>20)
	}
}

// TestGeoJSONFeatureTooLong: one feature (or other member) longer than the bound refuses
// the file without being held.
func TestGeoJSONFeatureTooLong(t *testing.T) {
	point := pointFeature(`{"type":"Point","coordinates":[-0.75,52.04]}`, `{"time":"2025-01-02","category":"robbery"}`)
	long := pointFeature(`{"type":"Point","coordinates":[-0.75,52.04]}`, `{"time":"2025-01-02","category":"robbery","location":"`+strings.Repeat("x", 3<<20)+`"}`)
	for name, tc := range map[string]struct {
		data   string
		line   int
		reason string
	}{
		"a feature":      {string(collection(point, long, point)), 2, "feature 2 is longer than 1 MiB"},
		"another member": {`{"type":"FeatureCollection",` + "\n" + `"name":"` + strings.Repeat("x", 3<<20) + `","features":[]}`, 2, "a member of the collection is longer than 1 MiB"},
	} {
		_, _, err := readAll(t, []byte(tc.data), Options{MaxFeatureBytes: 1 << 20})
		var fe *FormatError
		if !errors.As(err, &fe) || fe.Line != tc.line || !strings.Contains(fe.Reason, tc.reason) {
			t.Errorf("%s: got %v, want line %d containing %q", name, err, tc.line, tc.reason)
		}
	}
}

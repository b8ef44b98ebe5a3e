package ingest

import (
	"errors"
	"fmt"
	"strings"
	"testing"

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
	if rep.Kind != KindPoints || rep.Rows != 9 || rep.Accepted != 4 || rep.InFileDups != 1 || rep.RejectedTotal() != 4 {
		t.Fatalf("report %+v", rep)
	}
	for reason, lines := range map[string]string{ReasonBadGeometry: "[3 4 5]", ReasonBadTime: "[6]"} {
		found := false
		for _, r := range rep.Rejected {
			found = found || (r.Reason == reason && fmt.Sprint(r.Lines) == lines)
		}
		if !found {
			t.Errorf("no %q rejection at %s: %+v", reason, lines, rep.Rejected)
		}
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

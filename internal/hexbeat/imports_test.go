package hexbeat

import (
	"errors"
	"testing"
)

// TestImportOptionsValidate: an upload's options name each fault as a field: a kind not
// read, two ways of giving the location, a CRS or a character set hexbeat does not read.
func TestImportOptionsValidate(t *testing.T) {
	for _, ok := range []ImportOptions{{}, {X: "E", Y: "N", CRS: "EPSG:27700"}, {Lon: "lon", Lat: "lat"}, {GridRef: "ref", Encoding: "windows-1252"}} {
		if err := ok.Validate(); err != nil {
			t.Errorf("%+v: %v", ok, err)
		}
	}
	for field, bad := range map[string]ImportOptions{
		"kind":     {Kind: "shapefile"},
		"x":        {X: "E", Y: "N", GridRef: "ref"},
		"crs":      {X: "E", Y: "N", CRS: "EPSG:3857"},
		"encoding": {Encoding: "utf-16"},
	} {
		var e *Error
		if err := bad.Validate(); !errors.As(err, &e) || len(e.Fields) != 1 || e.Fields[0].Field != field {
			t.Errorf("%+v: %v, want one error on %s", bad, err, field)
		}
	}
}

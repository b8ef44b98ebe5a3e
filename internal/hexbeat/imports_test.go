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

// TestCRSAndEncodingNames: every usual name of a CRS or character set reads as the one it
// names, and others are refused.
func TestCRSAndEncodingNames(t *testing.T) {
	for name, want := range map[string]CRS{"": CRS84, "CRS84": CRS84, "OGC:CRS84": CRS84, string(CRS84): CRS84,
		"EPSG:4326": EPSG4326, string(EPSG4326): EPSG4326, "EPSG:27700": EPSG27700, string(EPSG27700): EPSG27700} {
		if got, ok := ParseCRS(name); !ok || got != want {
			t.Errorf("%q: %q %v", name, got, ok)
		}
	}
	for _, bad := range []string{"EPSG:3857", "epsg:27700 ", "27700"} {
		if _, ok := ParseCRS(bad); ok {
			t.Errorf("%q read as a CRS", bad)
		}
	}
	for name, want := range map[string]bool{"": false, "UTF-8": false, "windows-1252": true, "CP1252": true, "latin1": true} {
		if got, ok := ParseEncoding(name); !ok || got != want {
			t.Errorf("%q: %v %v", name, got, ok)
		}
	}
	if _, ok := ParseEncoding("utf-16"); ok {
		t.Error("utf-16 read as an encoding hexbeat reads")
	}
}

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
		"EPSG:4326": EPSG4326, string(EPSG4326): EPSG4326, "EPSG:27700": EPSG27700, string(EPSG27700): EPSG27700,
		"urn:ogc:def:crs:EPSG::27700": EPSG27700, "urn:ogc:def:crs:OGC:1.3:CRS84": CRS84, "urn:ogc:def:crs:EPSG:6.6:4326": EPSG4326,
		"https://www.opengis.net/def/crs/EPSG/0/27700": EPSG27700, "epsg:27700": EPSG27700} {
		if got, ok := ParseCRS(name); !ok || got != want {
			t.Errorf("%q: %q %v", name, got, ok)
		}
	}
	for _, bad := range []string{"EPSG:3857", "epsg:27700 ", "27700", "urn:ogc:def:crs:EPSG::29903", "urn:ogc:def:crs:EPSG:27700", "http://www.opengis.net/def/crs/EPSG/27700"} {
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

// TestWKTCRS: British National Grid and WGS 84 as ONS's .prj, GDAL (WKT 1 and 2) and ESRI
// write them are read; another CRS is refused with its name. The definitions are
// gdalsrsinfo's (GDAL 3.6) but for ONS's, which is the population-weighted centroids'.
func TestWKTCRS(t *testing.T) {
	for wkt, want := range map[string]CRS{
		// ONS's LSOA_PopCentroids_EW_2021_V3.prj
		`PROJCS["British_National_Grid",GEOGCS["GCS_OSGB_1936",DATUM["D_OSGB_1936",SPHEROID["Airy_1830",6377563.396,299.3249646]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],PARAMETER["False_Easting",400000.0],PARAMETER["False_Northing",-100000.0],PARAMETER["Central_Meridian",-2.0],PARAMETER["Scale_Factor",0.9996012717],PARAMETER["Latitude_Of_Origin",49.0],UNIT["Meter",1.0]]`: EPSG27700,
		// unnamed, known by its parameters
		`PROJCS["unnamed",GEOGCS["OSGB 1936",DATUM["OSGB_1936",SPHEROID["Airy 1830",6377563.396,299.3249646]]],PROJECTION["Transverse_Mercator"],PARAMETER["latitude_of_origin",49],PARAMETER["central_meridian",-2],PARAMETER["scale_factor",0.9996012717],PARAMETER["false_easting",400000],PARAMETER["false_northing",-100000],UNIT["metre",1]]`: EPSG27700,
		`PROJCS["OSGB36 / British National Grid",GEOGCS["OSGB36",AUTHORITY["EPSG","4277"]],PROJECTION["Transverse_Mercator"],AUTHORITY["EPSG","27700"]]`:                                                                                                                                                                                            EPSG27700,
		`PROJCRS["OSGB36 / British National Grid",BASEGEOGCRS["OSGB36",ID["EPSG",4277]],USAGE[BBOX[49.75,-9,61.01,2.01]],ID["EPSG",27700]]`:                                                                                                                                                                                                         EPSG27700,
		`GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]`:                                                                                                                                                                                         CRS84,
		`GEOGCS["WGS 84",DATUM["WGS_1984"],AUTHORITY["EPSG","4326"]]`: CRS84,
	} {
		if got, name, ok := ParseWKTCRS(wkt); !ok || got != want {
			t.Errorf("%.60s: %q %q %v, want %q", wkt, got, name, ok, want)
		}
	}
	for wkt, wantName := range map[string]string{
		`PROJCS["TM75_Irish_Grid",GEOGCS["GCS_TM65",DATUM["D_TM65"]],PROJECTION["Transverse_Mercator"],PARAMETER["False_Easting",200000.0],PARAMETER["False_Northing",250000.0],PARAMETER["Central_Meridian",-8.0],PARAMETER["Scale_Factor",1.000035],PARAMETER["Latitude_Of_Origin",53.5]]`: "TM75_Irish_Grid",
		// the grid's projection on another datum is not the grid
		`PROJCS["mine",GEOGCS["WGS 84"],PROJECTION["Transverse_Mercator"],PARAMETER["False_Easting",400000],PARAMETER["False_Northing",-100000],PARAMETER["Central_Meridian",-2],PARAMETER["Scale_Factor",0.9996012717],PARAMETER["Latitude_Of_Origin",49]]`: "mine",
		`PROJCS["WGS 84 / Pseudo-Mercator",GEOGCS["WGS 84",AUTHORITY["EPSG","4326"]],AUTHORITY["EPSG","3857"]]`:                                                                                                                                              "WGS 84 / Pseudo-Mercator",
		`GEOGCS["OSGB36",AUTHORITY["EPSG","4277"]]`: "OSGB36",
		"not WKT": "not WKT",
	} {
		if got, name, ok := ParseWKTCRS(wkt); ok || name != wantName {
			t.Errorf("%.60s: read as %q %v, named %q", wkt, got, ok, name)
		}
	}
}

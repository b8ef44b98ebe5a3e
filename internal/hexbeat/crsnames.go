package hexbeat

import "strings"

// CRS names a coordinate reference system hexbeat reads and writes.
type CRS string

const (
	CRS84     CRS = "http://www.opengis.net/def/crs/OGC/1.3/CRS84" // WGS 84 longitude, latitude: GeoJSON's own
	EPSG4326  CRS = "http://www.opengis.net/def/crs/EPSG/0/4326"   // WGS 84, latitude first as the CRS orders its axes
	EPSG27700 CRS = "http://www.opengis.net/def/crs/EPSG/0/27700"  // British National Grid eastings, northings
)

// ParseCRS reads a CRS by any of its usual names: OGC's URI, or EPSG:4326, EPSG:27700,
// CRS84 and OGC:CRS84. An empty name is CRS84, the default everywhere; ok is false for a
// CRS hexbeat does not read.
func ParseCRS(name string) (c CRS, ok bool) {
	switch CRS(name) {
	case "", CRS84, "CRS84", "OGC:CRS84":
		return CRS84, true
	case EPSG4326, "EPSG:4326":
		return EPSG4326, true
	case EPSG27700, "EPSG:27700":
		return EPSG27700, true
	}
	return "", false
}

// ParseEncoding reads a text file's character set: UTF-8 (also when empty) or Windows-1252
// (also as cp1252, latin1 or ISO-8859-1, which WHATWG reads as Windows-1252); ok is false
// for another.
func ParseEncoding(name string) (windows1252, ok bool) {
	switch strings.ToLower(name) {
	case "", "utf-8", "utf8":
		return false, true
	case "windows-1252", "cp1252", "latin1", "iso-8859-1":
		return true, true
	}
	return false, false
}

package hexbeat

import (
	"math"
	"strconv"
	"strings"
)

// CRS names a coordinate reference system hexbeat reads and writes.
type CRS string

const (
	CRS84     CRS = "http://www.opengis.net/def/crs/OGC/1.3/CRS84" // WGS 84 longitude, latitude: GeoJSON's own
	EPSG4326  CRS = "http://www.opengis.net/def/crs/EPSG/0/4326"   // WGS 84, latitude first as the CRS orders its axes
	EPSG27700 CRS = "http://www.opengis.net/def/crs/EPSG/0/27700"  // British National Grid eastings, northings
)

// ParseCRS reads a CRS by any of its usual names: OGC's URI (http or https), its URN
// (urn:ogc:def:crs:EPSG::27700, as GDAL writes a GeoJSON file's crs member), or EPSG:4326,
// EPSG:27700, CRS84 and OGC:CRS84, in any case. An empty name is CRS84, the default
// everywhere; ok is false for a CRS hexbeat does not read.
func ParseCRS(name string) (c CRS, ok bool) {
	n := strings.ToLower(name)
	var authority, code string
	switch {
	case n == "":
		return CRS84, true
	case strings.HasPrefix(n, "urn:ogc:def:crs:"): // urn:ogc:def:crs:EPSG:[version]:27700
		parts := strings.Split(n, ":")
		if len(parts) != 7 {
			return "", false
		}
		authority, code = parts[4], parts[6]
	case strings.HasPrefix(n, "http://www.opengis.net/def/crs/") || strings.HasPrefix(n, "https://www.opengis.net/def/crs/"):
		parts := strings.Split(n[strings.Index(n, "/def/crs/")+len("/def/crs/"):], "/")
		if len(parts) != 3 {
			return "", false
		}
		authority, code = parts[0], parts[2]
	default:
		authority, code, _ = strings.Cut(n, ":")
		if code == "" {
			authority, code = "ogc", authority // CRS84 alone
		}
	}
	switch {
	case authority == "ogc" && code == "crs84":
		return CRS84, true
	case authority == "epsg" && code == "4326":
		return EPSG4326, true
	case authority == "epsg" && code == "27700":
		return EPSG27700, true
	}
	return "", false
}

// ParseWKTCRS reads the CRS a WKT definition (a Shapefile's .prj, a GeoPackage's
// definition; WKT 1 as ESRI and OGC write it, or WKT 2) describes: British National Grid by
// its EPSG code, its name or its projection's parameters on the OSGB 1936 datum; WGS 84
// longitude/latitude by its code or name. name is the CRS's own name in the text, to say
// what was refused; ok is false for any other CRS.
func ParseWKTCRS(wkt string) (c CRS, name string, ok bool) {
	w := strings.TrimSpace(wkt)
	open := strings.IndexByte(w, '[')
	if open < 0 {
		return "", w, false
	}
	keyword := strings.ToUpper(strings.TrimSpace(w[:open]))
	if q := strings.Split(w[open+1:], `"`); len(q) > 1 {
		name = q[1]
	}
	flat := strings.ToLower(strings.NewReplacer(" ", "", "_", "", "\t", "", "\n", "", "\r", "").Replace(w))
	norm := strings.ToLower(strings.ReplaceAll(name, "_", " "))
	switch keyword {
	case "PROJCS", "PROJCRS", "PROJECTEDCRS":
		// the code of the whole CRS is its last AUTHORITY or ID
		last := max(strings.LastIndex(flat, "authority["), strings.LastIndex(flat, "id["))
		if last >= 0 && (strings.HasPrefix(flat[last:], `authority["epsg","27700"]`) || strings.HasPrefix(flat[last:], `id["epsg",27700`)) {
			return EPSG27700, name, true
		}
		switch norm {
		case "british national grid", "osgb 1936 / british national grid", "osgb36 / british national grid", "osgb 1936 british national grid":
			return EPSG27700, name, true
		}
		if strings.Contains(flat, "osgb") && strings.Contains(flat, "transverse") &&
			hasParam(flat, "falseeasting", "400000") && hasParam(flat, "falsenorthing", "-100000") &&
			hasParam(flat, "centralmeridian", "-2") && hasParam(flat, "latitudeoforigin", "49") &&
			hasParam(flat, "scalefactor", "0.9996012717") {
			return EPSG27700, name, true
		}
	case "GEOGCS", "GEOGCRS", "GEODCRS", "GEOGRAPHICCRS":
		last := max(strings.LastIndex(flat, "authority["), strings.LastIndex(flat, "id["))
		if last >= 0 && (strings.HasPrefix(flat[last:], `authority["epsg","4326"]`) || strings.HasPrefix(flat[last:], `id["epsg",4326`)) {
			return CRS84, name, true
		}
		switch norm {
		case "gcs wgs 1984", "wgs 84", "wgs84", "wgs 1984":
			return CRS84, name, true
		}
	}
	return "", name, false
}

// hasParam says whether a flattened WKT sets a parameter (by its name in any of the
// usual spellings) to value.
func hasParam(flat, param, value string) bool {
	i := strings.Index(flat, param)
	if i < 0 {
		return false
	}
	rest := flat[i+len(param):]
	j := strings.IndexByte(rest, ',')
	if j < 0 {
		return false
	}
	rest = rest[j+1:]
	k := strings.IndexAny(rest, ",]")
	if k < 0 {
		return false
	}
	got, err1 := strconv.ParseFloat(rest[:k], 64)
	want, err2 := strconv.ParseFloat(value, 64)
	return err1 == nil && err2 == nil && math.Abs(got-want) < 1e-9*max(1, math.Abs(want))
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

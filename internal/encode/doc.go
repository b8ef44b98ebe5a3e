// Package encode writes hexbeat's answers for the outside world: GeoJSON features and
// collections (RFC 7946, written by hand for speed), CSV with formula-safe cells,
// newline-delimited GeoJSON, WKT and Mapbox Vector Tiles. Domain values go in, bytes come
// out; nothing here knows HTTP, so the API and the command line write the same bytes.
package encode

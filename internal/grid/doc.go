// Package grid is hexbeat's only importer of h3-go. It turns points into H3 cells, cells
// into polygons, polygons into cells, and derives parents by pure-Go bit arithmetic (25
// times faster than the cgo call). orb works in [lon,lat]; H3 works in (lat,lng): the
// conversion happens here and nowhere else.
package grid

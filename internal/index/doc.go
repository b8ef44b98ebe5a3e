// Package index is the in-memory incident index the server answers from. Incidents are held
// by region (an H3 cell of resolution 5, about 250 km²), each region's in columns sorted by
// time (category code, point id); the distinct points (police.uk map points are shared by
// many crimes) are held once with their resolution-15 H3 cell and region. A query on an
// area, a polygon or a box reads only the regions whose points' box meets it, so a
// commander's view costs what the incidents around it cost, not what the country's do; an
// import rebuilds only the regions it adds to. Aggregating to a resolution uses dense cell
// numbers built once per resolution, so a count is an array increment per incident. A
// Snapshot is immutable: an import builds a new one and swaps it in, so queries never wait
// for imports.
package index

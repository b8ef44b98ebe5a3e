// Package index is the in-memory incident index the server answers from. Incidents are held
// in columns sorted by time (time, category code, point id); the distinct points (police.uk
// map points are shared by many crimes) are held once with their resolution-15 H3 cell.
// Aggregating to a resolution uses dense cell numbers built once per resolution, so a count
// is an array increment per incident. A Snapshot is immutable: an import builds a new one and
// swaps it in, so queries never wait for imports.
package index

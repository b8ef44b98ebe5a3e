// Package stats holds hexbeat's spatial statistics on H3 cells, as docs/architecture.md ("Statistics")
// defines them: Getis–Ord Gi* with Benjamini–Hochberg FDR and ArcGIS-style confidence bins,
// quartic kernel density at cell centres, the Mann–Kendall trend test, Esri's emerging hot
// spot categories, and the hit rate, PAI and RRI of a forecast.
//
// The package computes on plain slices: a study area is a list of cells with one value each,
// and neighbourhoods are precomputed (Adjacency) so that one grid serves many analyses (the
// time slices of an emerging hot spot analysis, the months of a backtest). It knows nothing
// of incidents, stores or HTTP.
package stats

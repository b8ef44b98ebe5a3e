// Package analysis runs hexbeat's analyses on an index snapshot: hotspot layers (Gi*, KDE,
// counts), emerging hot spots, period change and the forecast backtest. It turns queries
// into the plain slices of package stats: it weights and bins incidents through the index,
// forms the study area, and keeps the caches (study-area cells per boundary, grid disks)
// that make repeated analyses cheap. The server (through package service) and the offline
// commands share it.
package analysis

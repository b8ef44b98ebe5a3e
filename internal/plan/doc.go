// Package plan holds hexbeat's deployment planners as pure functions over plain inputs:
// the mobile CCTV siting problem (maximal covering location), Section 60 candidate areas and
// the statutory rules of the Section 60 register, and the test-purchase ranking of
// retailers. No I/O: package analysis feeds them from the index and the store.
package plan

package hexbeat

import "github.com/paulmach/orb"

// Boundary is a named area: an LSOA, ward, local authority, policing area or a user's own.
type Boundary struct {
	ID       string // stable, URL-safe: the area code where the source has one
	Kind     string // lsoa, msoa, ward, lad, lpa, custom
	Name     string
	Geometry orb.MultiPolygon // WGS84 [lon,lat]
}

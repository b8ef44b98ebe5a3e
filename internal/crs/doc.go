// Package crs converts between the coordinate reference systems hexbeat reads and writes:
// British National Grid eastings and northings (EPSG:27700, on OSGB36's Airy 1830 ellipsoid)
// and WGS 84 longitude and latitude (EPSG:4326, CRS84 in GeoJSON), and reads Ordnance Survey
// grid references.
//
// The transformation is PROJ's default for EPSG:27700 to EPSG:4326, "OSGB36 to WGS 84 (6)":
// the inverse Transverse Mercator projection on Airy 1830, then the 7-parameter Helmert
// transformation (position vector) between the two datums' geocentric coordinates. It is
// pure Go (no PROJ library beside the binary, so make run keeps needing only Go and Node),
// equals PROJ's cs2cs to a hundredth of a millimetre (Krüger's series for the projection, as
// PROJ uses), and lies 0.1 to 5 m from Ordnance Survey's
// OSTN15 (which needs OS's grid file, not in any package reachable here): fine for placing
// a crime in its street and its H3 cell, not for surveying.
package crs

package crs

import (
	"fmt"
	"math"
)

// ellipsoid is a reference ellipsoid: semi-major axis a and eccentricity squared e2.
type ellipsoid struct{ a, e2 float64 }

var (
	airy1830 = ellipsoid{a: 6377563.396, e2: 1 - (6356256.909*6356256.909)/(6377563.396*6377563.396)}
	wgs84    = ellipsoid{a: 6378137, e2: 2/298.257223563 - 1/(298.257223563*298.257223563)}
)

// The National Grid's Transverse Mercator projection on Airy 1830.
const (
	gridK0   = 0.9996012717
	gridE0   = 400000.0
	gridN0   = -100000.0
	gridLat0 = 49 * math.Pi / 180
	gridLon0 = -2 * math.Pi / 180
)

// The Helmert transformation from OSGB36 to WGS 84 ("OSGB36 to WGS 84 (6)", EPSG:1314, position
// vector, as PROJ applies it: with the point's height kept at 0 on each side): metres,
// arc-seconds and parts per million.
var helmert = struct{ tx, ty, tz, rx, ry, rz, s float64 }{446.448, -125.157, 542.060, 0.150, 0.247, 0.842, -20.489}

// The extent of the grid: eastings 0 to 700 km, northings 0 to 1,300 km.
const (
	MaxEasting  = 700_000.0
	MaxNorthing = 1_300_000.0
)

// InGrid reports whether an easting and northing lie within the National Grid's extent.
func InGrid(e, n float64) bool {
	return e >= 0 && e <= MaxEasting && n >= 0 && n <= MaxNorthing && !math.IsNaN(e) && !math.IsNaN(n)
}

// BNGToWGS84 converts a British National Grid easting and northing (metres) to WGS 84
// longitude and latitude (degrees).
func BNGToWGS84(e, n float64) (lon, lat float64, err error) {
	if !InGrid(e, n) {
		return 0, 0, fmt.Errorf("crs: easting %g, northing %g lie outside the National Grid (0 to 700 km east, 0 to 1,300 km north)", e, n)
	}
	phi, lam := inverseTM(e, n)
	x, y, z := toGeocentric(airy1830, phi, lam)
	x, y, z = helmertForward(x, y, z)
	phi, lam = fromGeocentric(wgs84, x, y, z)
	return lam * 180 / math.Pi, phi * 180 / math.Pi, nil
}

// WGS84ToBNG converts WGS 84 longitude and latitude (degrees) to a British National Grid
// easting and northing (metres).
func WGS84ToBNG(lon, lat float64) (e, n float64, err error) {
	if !(lon >= -180 && lon <= 180 && lat >= -90 && lat <= 90) {
		return 0, 0, fmt.Errorf("crs: [%g,%g] is not a longitude and latitude", lon, lat)
	}
	x, y, z := toGeocentric(wgs84, lat*math.Pi/180, lon*math.Pi/180)
	x, y, z = helmertInverse(x, y, z)
	phi, lam := fromGeocentric(airy1830, x, y, z)
	e, n = forwardTM(phi, lam)
	return e, n, nil
}

func arcsec(v float64) float64 { return v * math.Pi / 648000 }

func helmertForward(x, y, z float64) (float64, float64, float64) {
	h := helmert
	rx, ry, rz, m := arcsec(h.rx), arcsec(h.ry), arcsec(h.rz), 1+h.s*1e-6
	return h.tx + m*(x-rz*y+ry*z), h.ty + m*(rz*x+y-rx*z), h.tz + m*(-ry*x+rx*y+z)
}

func helmertInverse(x, y, z float64) (float64, float64, float64) {
	h := helmert
	rx, ry, rz, m := arcsec(h.rx), arcsec(h.ry), arcsec(h.rz), 1+h.s*1e-6
	x, y, z = (x-h.tx)/m, (y-h.ty)/m, (z-h.tz)/m
	return x + rz*y - ry*z, -rz*x + y + rx*z, ry*x - rx*y + z // the rotation's transpose
}

// toGeocentric gives the geocentric coordinates of a point on the ellipsoid (height 0, as
// PROJ takes a two-dimensional point).
func toGeocentric(el ellipsoid, phi, lam float64) (x, y, z float64) {
	s, c := math.Sincos(phi)
	nu := el.a / math.Sqrt(1-el.e2*s*s)
	return nu * c * math.Cos(lam), nu * c * math.Sin(lam), nu * (1 - el.e2) * s
}

// fromGeocentric gives latitude and longitude (radians) on the ellipsoid, iterating to
// well below a micrometre.
func fromGeocentric(el ellipsoid, x, y, z float64) (phi, lam float64) {
	lam = math.Atan2(y, x)
	p := math.Hypot(x, y)
	phi = math.Atan2(z, p*(1-el.e2))
	for range 10 {
		s := math.Sin(phi)
		nu := el.a / math.Sqrt(1-el.e2*s*s)
		next := math.Atan2(z+el.e2*nu*s, p)
		if math.Abs(next-phi) < 1e-14 {
			return next, lam
		}
		phi = next
	}
	return phi, lam
}

// meridian is the meridional arc from the grid's true origin to latitude phi (Ordnance
// Survey, "A guide to coordinate systems in Great Britain", annex C).
func meridian(phi float64) float64 {
	el := airy1830
	b := el.a * math.Sqrt(1-el.e2)
	n := (el.a - b) / (el.a + b)
	n2, n3 := n*n, n*n*n
	d, s := phi-gridLat0, phi+gridLat0
	return b * gridK0 * ((1+n+1.25*n2+1.25*n3)*d -
		(3*n+3*n2+21.0/8*n3)*math.Sin(d)*math.Cos(s) +
		(15.0/8*n2+15.0/8*n3)*math.Sin(2*d)*math.Cos(2*s) -
		35.0/24*n3*math.Sin(3*d)*math.Cos(3*s))
}

// forwardTM projects latitude and longitude (radians, Airy 1830) to the grid.
func forwardTM(phi, lam float64) (e, n float64) {
	el := airy1830
	s, c := math.Sincos(phi)
	t := math.Tan(phi)
	nu := el.a * gridK0 / math.Sqrt(1-el.e2*s*s)
	rho := el.a * gridK0 * (1 - el.e2) / math.Pow(1-el.e2*s*s, 1.5)
	eta2 := nu/rho - 1
	m := meridian(phi)
	dl := lam - gridLon0
	c3, c5 := c*c*c, c*c*c*c*c
	t2, t4 := t*t, t*t*t*t
	i := m + gridN0
	ii := nu / 2 * s * c
	iii := nu / 24 * s * c3 * (5 - t2 + 9*eta2)
	iiia := nu / 720 * s * c5 * (61 - 58*t2 + t4)
	iv := nu * c
	v := nu / 6 * c3 * (nu/rho - t2)
	vi := nu / 120 * c5 * (5 - 18*t2 + t4 + 14*eta2 - 58*t2*eta2)
	n = i + ii*dl*dl + iii*math.Pow(dl, 4) + iiia*math.Pow(dl, 6)
	e = gridE0 + iv*dl + v*math.Pow(dl, 3) + vi*math.Pow(dl, 5)
	return e, n
}

// inverseTM gives latitude and longitude (radians, Airy 1830) of a grid point.
func inverseTM(e, n float64) (phi, lam float64) {
	el := airy1830
	phi = gridLat0 + (n-gridN0)/(el.a*gridK0)
	for range 100 {
		m := meridian(phi)
		if math.Abs(n-gridN0-m) < 1e-6 {
			break
		}
		phi += (n - gridN0 - m) / (el.a * gridK0)
	}
	s, c := math.Sincos(phi)
	t := math.Tan(phi)
	nu := el.a * gridK0 / math.Sqrt(1-el.e2*s*s)
	rho := el.a * gridK0 * (1 - el.e2) / math.Pow(1-el.e2*s*s, 1.5)
	eta2 := nu/rho - 1
	t2, t4, t6 := t*t, t*t*t*t, t*t*t*t*t*t
	sec := 1 / c
	vii := t / (2 * rho * nu)
	viii := t / (24 * rho * nu * nu * nu) * (5 + 3*t2 + eta2 - 9*t2*eta2)
	ix := t / (720 * rho * math.Pow(nu, 5)) * (61 + 90*t2 + 45*t4)
	x := sec / nu
	xi := sec / (6 * nu * nu * nu) * (nu/rho + 2*t2)
	xii := sec / (120 * math.Pow(nu, 5)) * (5 + 28*t2 + 24*t4)
	xiia := sec / (5040 * math.Pow(nu, 7)) * (61 + 662*t2 + 1320*t4 + 720*t6)
	de := e - gridE0
	phi = phi - vii*de*de + viii*math.Pow(de, 4) - ix*math.Pow(de, 6)
	lam = gridLon0 + x*de - xi*math.Pow(de, 3) + xii*math.Pow(de, 5) - xiia*math.Pow(de, 7)
	return phi, lam
}

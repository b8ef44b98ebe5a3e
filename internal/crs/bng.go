package crs

import (
	"fmt"
	"math"
)

// ellipsoid is a reference ellipsoid: semi-major axis a and eccentricity squared e2.
type ellipsoid struct{ a, e2 float64 }

var (
	airy1830 = flattened(6377563.396, 299.3249646) // EPSG:7001, as PROJ defines it
	wgs84    = flattened(6378137, 298.257223563)
)

func flattened(a, rf float64) ellipsoid { return ellipsoid{a: a, e2: 2/rf - 1/(rf*rf)} }

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
	lon, lat = toWGS84(e, n)
	return lon, lat, nil
}

func toWGS84(e, n float64) (lon, lat float64) {
	phi, lam := inverseTM(e, n)
	x, y, z := toGeocentric(airy1830, phi, lam)
	x, y, z = helmertForward(x, y, z)
	phi, lam = fromGeocentric(wgs84, x, y, z)
	return lam * 180 / math.Pi, phi * 180 / math.Pi
}

// toGrid is PROJ's way back (cs2cs EPSG:4326 EPSG:27700): the Helmert's inverse from WGS 84
// at height 0, then the projection. As each side drops the point's height, it is not quite
// the inverse of toWGS84: the round trip is up to a millimetre out.
func toGrid(lon, lat float64) (e, n float64) {
	x, y, z := toGeocentric(wgs84, lat*math.Pi/180, lon*math.Pi/180)
	x, y, z = helmertInverse(x, y, z)
	phi, lam := fromGeocentric(airy1830, x, y, z)
	return forwardTM(phi, lam)
}

// WGS84ToBNG converts WGS 84 longitude and latitude (degrees) to a British National Grid
// easting and northing (metres): the exact inverse of BNGToWGS84, within a millimetre of
// PROJ's cs2cs EPSG:4326 EPSG:27700.
func WGS84ToBNG(lon, lat float64) (e, n float64, err error) {
	if !(lon >= -180 && lon <= 180 && lat >= -90 && lat <= 90) {
		return 0, 0, fmt.Errorf("crs: [%g,%g] is not a longitude and latitude", lon, lat)
	}
	// Correct PROJ's way back until BNGToWGS84 of the answer is the point asked about, so an
	// imported easting and northing come back as they were read (to a micrometre) rather
	// than a millimetre off.
	e0, n0 := toGrid(lon, lat)
	e, n = e0, n0
	for range 5 {
		fe, fn := toGrid(toWGS84(e, n))
		de, dn := e0-fe, n0-fn
		e, n = e+de, n+dn
		if math.Abs(de) < 1e-7 && math.Abs(dn) < 1e-7 {
			break
		}
	}
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

// The Transverse Mercator here is Krüger's series in the third flattening n to n^6
// (C. F. F. Karney, "Transverse Mercator with an accuracy of a few nanometers", J. Geodesy 85,
// 2011), the same construction as PROJ's default (Poder/Engsager) projection; within the
// National Grid the two agree to well under a micrometre, where Ordnance Survey's shorter series
// is a few millimetres out at the grid's edges.
type kruger struct {
	e, rA       float64    // first eccentricity; the rectifying radius A scaled by k0
	alpha, beta [6]float64 // the series' coefficients, forward and inverse
	xi0         float64    // the rectifying latitude of the grid's true origin
}

var tm = newKruger(airy1830)

func newKruger(el ellipsoid) kruger {
	f := 1 - math.Sqrt(1-el.e2)
	n := f / (2 - f)
	n2 := n * n
	n3 := n2 * n
	n4, n5, n6 := n2*n2, n2*n3, n3*n3
	k := kruger{
		e:  math.Sqrt(el.e2),
		rA: gridK0 * el.a / (1 + n) * (1 + n2/4 + n4/64 + n6/256),
		alpha: [6]float64{
			n/2 - 2*n2/3 + 5*n3/16 + 41*n4/180 - 127*n5/288 + 7891*n6/37800,
			13*n2/48 - 3*n3/5 + 557*n4/1440 + 281*n5/630 - 1983433*n6/1935360,
			61*n3/240 - 103*n4/140 + 15061*n5/26880 + 167603*n6/181440,
			49561*n4/161280 - 179*n5/168 + 6601661*n6/7257600,
			34729*n5/80640 - 3418889*n6/1995840,
			212378941 * n6 / 319334400,
		},
		beta: [6]float64{
			n/2 - 2*n2/3 + 37*n3/96 - n4/360 - 81*n5/512 + 96199*n6/604800,
			n2/48 + n3/15 - 437*n4/1440 + 46*n5/105 - 1118711*n6/3870720,
			17*n3/480 - 37*n4/840 - 209*n5/4480 + 5569*n6/90720,
			4397*n4/161280 - 11*n5/504 - 830251*n6/7257600,
			4583*n5/161280 - 108847*n6/3991680,
			20648693 * n6 / 638668800,
		},
	}
	k.xi0, _ = k.forward(gridLat0, 0)
	return k
}

// conformal gives tan of the conformal latitude for tan of the geodetic latitude.
func (k kruger) conformal(tau float64) float64 {
	sigma := math.Sinh(k.e * math.Atanh(k.e*tau/math.Hypot(1, tau)))
	return tau*math.Hypot(1, sigma) - sigma*math.Hypot(1, tau)
}

// forward gives the scaled rectifying coordinates (xi, eta) of a latitude and a longitude
// from the central meridian (radians).
func (k kruger) forward(phi, dl float64) (xi, eta float64) {
	tp := k.conformal(math.Tan(phi))
	sl, cl := math.Sincos(dl)
	xp := math.Atan2(tp, cl)
	ep := math.Asinh(sl / math.Hypot(tp, cl))
	xi, eta = xp, ep
	for j, a := range k.alpha {
		s, c := math.Sincos(2 * float64(j+1) * xp)
		xi += a * s * math.Cosh(2*float64(j+1)*ep)
		eta += a * c * math.Sinh(2*float64(j+1)*ep)
	}
	return xi, eta
}

// forwardTM projects latitude and longitude (radians, Airy 1830) to the grid.
func forwardTM(phi, lam float64) (e, n float64) {
	xi, eta := tm.forward(phi, lam-gridLon0)
	return gridE0 + tm.rA*eta, gridN0 + tm.rA*(xi-tm.xi0)
}

// inverseTM gives latitude and longitude (radians, Airy 1830) of a grid point.
func inverseTM(e, n float64) (phi, lam float64) {
	xi, eta := (n-gridN0)/tm.rA+tm.xi0, (e-gridE0)/tm.rA
	xp, ep := xi, eta
	for j, b := range tm.beta {
		s, c := math.Sincos(2 * float64(j+1) * xi)
		xp -= b * s * math.Cosh(2*float64(j+1)*eta)
		ep -= b * c * math.Sinh(2*float64(j+1)*eta)
	}
	se, cx := math.Sinh(ep), math.Cos(xp)
	tp := math.Sin(xp) / math.Hypot(se, cx) // tan of the conformal latitude
	// Newton's method for the geodetic latitude (Karney's equations 19 to 21).
	e2 := tm.e * tm.e
	tau := tp
	for range 10 {
		tpi := tm.conformal(tau)
		d := (tp - tpi) / math.Hypot(1, tpi) * (1 + (1-e2)*tau*tau) / ((1 - e2) * math.Hypot(1, tau))
		tau += d
		if math.Abs(d) < 1e-15 {
			break
		}
	}
	return math.Atan(tau), gridLon0 + math.Atan2(se, cx)
}

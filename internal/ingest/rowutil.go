package ingest

import (
	"math"
	"strconv"
	"time"
	"unsafe"

	"github.com/hexbeat/hexbeat/internal/crs"
	"github.com/hexbeat/hexbeat/internal/grid"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
)

// interner shares one string among the many rows that repeat a value (category, LSOA,
// location, outcome), which keeps a large import's memory small.
type interner map[string]string

func (in interner) get(b []byte) string {
	if s, ok := in[string(b)]; ok {
		return s
	}
	s := string(b)
	if len(in) < 1<<18 {
		in[s] = s
	}
	return s
}

// cellCache memoises point -> res-15 cell for readers that get coordinates as numbers
// (GeoJSON); readers of text use pointCache.
type cellCache map[[2]float64]uint64

func (c cellCache) cell(lon, lat float64) (uint64, error) {
	k := [2]float64{lon, lat}
	if v, ok := c[k]; ok {
		return v, nil
	}
	v, err := grid.FromLonLat(lon, lat, grid.MaxRes)
	if err != nil {
		return 0, err
	}
	if len(c) >= 1<<20 {
		clear(c)
	}
	c[k] = v
	return v, nil
}

// unsafeString views b as a string without copying; the string must not outlive b.
func unsafeString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// pointCache memoises coordinate text -> parsed point and res-15 cell. police.uk
// coordinates are anonymised map points shared by many crimes (about 20,000 distinct
// points in six months of Thames Valley data), and the H3 computation costs a microsecond.
type pointCache struct {
	bng      bool // the text is a British National Grid easting and northing, not lon, lat
	gridRef  bool // the first text is an Ordnance Survey grid reference (the second is empty)
	m        map[string]*cachedPoint
	lastText []byte // "lon,lat" of the previous row, which often repeats
	last     *cachedPoint
}

func newPointCache() *pointCache { return &pointCache{m: map[string]*cachedPoint{}} }

type cachedPoint struct {
	lon, lat float64
	square   int // the side in metres of the grid square a grid reference named; 0 for coordinates
	cell     uint64
	why      string
	location string // the location text last seen at this point (a map point has one label)
}

// locationOf returns b as a string, reusing the text last seen at this point.
func (p *cachedPoint) locationOf(b []byte, in interner) string {
	if string(b) != p.location {
		p.location = in.get(b)
	}
	return p.location
}

func (c *pointCache) get(lonB, latB []byte) (*cachedPoint, string) {
	var kb [64]byte
	key := append(append(append(kb[:0], lonB...), ','), latB...)
	if c.last != nil && string(key) == string(c.lastText) {
		return c.last, c.last.why
	}
	p, ok := c.m[string(key)]
	if !ok {
		switch {
		case c.gridRef:
			p = gridRefPoint(lonB)
		case c.bng:
			p = bngPoint(lonB, latB)
		default:
			p = c.compute(lonB, latB)
		}
		if len(c.m) >= 1<<20 {
			clear(c.m)
		}
		c.m[string(key)] = p
	}
	c.lastText = append(c.lastText[:0], key...)
	c.last = p
	return p, p.why
}

func (c *pointCache) compute(lonB, latB []byte) *cachedPoint {
	p := &cachedPoint{}
	p.lon, p.lat, p.why = parseLonLat(lonB, latB)
	if p.why == "" {
		var err error
		if p.cell, err = grid.FromLonLat(p.lon, p.lat, grid.MaxRes); err != nil {
			p.why = ReasonBadLocation
		}
	}
	return p
}

// bngPoint reads an easting and northing (EPSG:27700) and places them in WGS 84.
func bngPoint(eB, nB []byte) *cachedPoint {
	p := &cachedPoint{}
	if len(eB) == 0 || len(nB) == 0 {
		p.why = ReasonNoLocation
		return p
	}
	e, err1 := parseFloat(eB)
	n, err2 := parseFloat(nB)
	switch {
	case err1 != nil || err2 != nil:
		p.why = ReasonBadLocation
	case math.Abs(e) <= 180 && math.Abs(n) <= 90: // degrees given for metres (the grid's corner there is open sea)
		p.why = ReasonLooksLonLat
	default:
		return placeBNG(e, n)
	}
	return p
}

// placeBNG places an easting and northing in WGS 84 and its cell, or says why it cannot.
func placeBNG(e, n float64) *cachedPoint {
	p := &cachedPoint{}
	if !crs.InGrid(e, n) {
		p.why = ReasonOffGrid
		return p
	}
	p.lon, p.lat, _ = crs.BNGToWGS84(e, n)
	var err error
	if p.cell, err = grid.FromLonLat(p.lon, p.lat, grid.MaxRes); err != nil {
		p.why = ReasonBadLocation
	}
	return p
}

// gridRefPoint places an Ordnance Survey grid reference ("SP 85402 38801") at the centre
// of the square it names.
func gridRefPoint(b []byte) *cachedPoint {
	if len(b) == 0 {
		return &cachedPoint{why: ReasonNoLocation}
	}
	e, n, side, err := crs.ParseGridRef(string(b))
	if err != nil {
		return &cachedPoint{why: ReasonBadGridRef}
	}
	p := placeBNG(e, n)
	p.square = int(side)
	return p // a square by the grid's origin (SV 00 00) is a square, not degrees
}

// lastString remembers a column's last value: police.uk files are sorted by LSOA, so the
// area columns repeat from row to row.
type lastString struct{ s string }

func (l *lastString) get(b []byte, in interner) string {
	if string(b) != l.s {
		l.s = in.get(b)
	}
	return l.s
}

// parseFloat parses b without copying it.
func parseFloat(b []byte) (float64, error) { return strconv.ParseFloat(unsafeString(b), 64) }

// parseLonLat reads a coordinate pair: ok false with a reason when unusable.
func parseLonLat(lonB, latB []byte) (lon, lat float64, reason string) {
	if len(lonB) == 0 || len(latB) == 0 {
		return 0, 0, ReasonNoLocation
	}
	lon, err1 := parseFloat(lonB)
	lat, err2 := parseFloat(latB)
	if err1 != nil || err2 != nil || math.IsInf(lon, 0) || math.IsInf(lat, 0) || !hexbeat.ValidLonLat(lon, lat) {
		return 0, 0, ReasonBadLocation
	}
	return lon, lat, ""
}

// monthCache parses police.uk "YYYY-MM" months, remembering the last one (a file holds one
// or two months).
type monthCache struct {
	last [7]byte
	t    time.Time
	ok   bool
}

func (m *monthCache) parse(b []byte) (time.Time, bool) {
	if len(b) != 7 {
		return time.Time{}, false
	}
	if m.ok && string(b) == string(m.last[:]) {
		return m.t, true
	}
	if b[4] != '-' {
		return time.Time{}, false
	}
	y, m1 := digits(b[0:4]), digits(b[5:7])
	if y < 1900 || y > 2200 || m1 < 1 || m1 > 12 {
		return time.Time{}, false
	}
	copy(m.last[:], b)
	m.t = time.Date(y, time.Month(m1), 1, 0, 0, 0, 0, time.UTC)
	m.ok = true
	return m.t, true
}

// digits parses a run of ASCII digits, -1 if any byte is not a digit.
func digits(b []byte) int {
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return -1
		}
		n = n*10 + int(c-'0')
	}
	return n
}

// occurrences numbers identical rows: the nth time the same content is seen it gets n.
type occurrences map[[32]byte]int

func (o occurrences) next(digest [32]byte) int {
	n := o[digest]
	o[digest] = n + 1
	return n
}

// categoryCache remembers the taxonomy's answer for each spelling met in a file.
type categoryCache map[string]categoryAnswer

type categoryAnswer struct {
	cat hexbeat.Category
	ok  bool
}

func (c categoryCache) lookup(b []byte, tax *hexbeat.Taxonomy) (hexbeat.Category, bool) {
	if a, ok := c[string(b)]; ok {
		return a.cat, a.ok
	}
	cat, ok := tax.Lookup(string(b))
	if len(c) < 1024 {
		c[string(b)] = categoryAnswer{cat, ok}
	}
	return cat, ok
}

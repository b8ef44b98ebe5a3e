package store

import (
	"strconv"
	"strings"

	"github.com/paulmach/orb"
)

// A boundary's outline is stored as the GeoJSON text geometryJSON writes. Reading it back
// with encoding/json (through orb) took 2 s of a server's start with a national set of
// 35,000 outlines (87 MB): the decoder checks the text, then walks it by reflection. The
// text the store wrote has one form, so it is read here by hand; any other text (a store
// written by another tool, say) goes to orb's decoder, which has the last word.

const multiPolygonPrefix = `{"type":"MultiPolygon","coordinates":`

// readMultiPolygon reads a MultiPolygon in the form json.Marshal gives orb's geometry:
// no spaces, members in that order, numbers as encoding/json reads them. It reports false
// for any text not in that form, and then nothing it read should be used.
func readMultiPolygon(text string) (orb.MultiPolygon, bool) {
	if !strings.HasPrefix(text, multiPolygonPrefix) || !strings.HasSuffix(text, "}") {
		return nil, false
	}
	r := coordReader{s: text[len(multiPolygonPrefix) : len(text)-1]}
	var mp orb.MultiPolygon
	ok := r.list(func() bool {
		var p orb.Polygon
		ok := r.list(func() bool {
			var ring orb.Ring
			ok := r.list(func() bool {
				pt, ok := r.position()
				ring = append(ring, pt)
				return ok
			})
			p = append(p, ring)
			return ok
		})
		mp = append(mp, p)
		return ok
	})
	return mp, ok && r.i == len(r.s)
}

// coordReader walks the coordinates of a geometry's text.
type coordReader struct {
	s string
	i int
}

// list reads a JSON array whose items item reads ("[]" has none), or reports false.
func (r *coordReader) list(item func() bool) bool {
	if !r.eat('[') {
		return false
	}
	if r.eat(']') {
		return true
	}
	for {
		if !item() {
			return false
		}
		if r.eat(']') {
			return true
		}
		if !r.eat(',') {
			return false
		}
	}
}

// position reads [lon,lat]; a position with a third number (a height) is not this form.
func (r *coordReader) position() (orb.Point, bool) {
	if !r.eat('[') {
		return orb.Point{}, false
	}
	x, ok := r.number()
	if !ok || !r.eat(',') {
		return orb.Point{}, false
	}
	y, ok := r.number()
	return orb.Point{x, y}, ok && r.eat(']')
}

// number reads a JSON number as encoding/json does (strconv.ParseFloat of its text); the
// text must be a JSON number, which ParseFloat alone does not insist on ("+1", "0x1p3",
// "Inf", "1_0" and ".5" are not).
func (r *coordReader) number() (float64, bool) {
	start := r.i
	if r.i < len(r.s) && r.s[r.i] == '-' {
		r.i++
	}
	switch {
	case r.i < len(r.s) && r.s[r.i] == '0':
		r.i++
	case r.i < len(r.s) && r.s[r.i] >= '1' && r.s[r.i] <= '9':
		r.digits()
	default:
		return 0, false
	}
	if r.i < len(r.s) && r.s[r.i] == '.' {
		r.i++
		if !r.digits() {
			return 0, false
		}
	}
	if r.i < len(r.s) && (r.s[r.i] == 'e' || r.s[r.i] == 'E') {
		r.i++
		if r.i < len(r.s) && (r.s[r.i] == '+' || r.s[r.i] == '-') {
			r.i++
		}
		if !r.digits() {
			return 0, false
		}
	}
	f, err := strconv.ParseFloat(r.s[start:r.i], 64)
	return f, err == nil
}

// digits reads one or more decimal digits.
func (r *coordReader) digits() bool {
	start := r.i
	for r.i < len(r.s) && r.s[r.i] >= '0' && r.s[r.i] <= '9' {
		r.i++
	}
	return r.i > start
}

func (r *coordReader) eat(c byte) bool {
	if r.i < len(r.s) && r.s[r.i] == c {
		r.i++
		return true
	}
	return false
}

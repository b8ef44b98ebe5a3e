package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/hexbeat/hexbeat/internal/crs"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
)

// A GeoJSON file is read as a stream: the collection's members are walked with a JSON
// decoder, each feature decoded, checked and handed on, so memory holds one feature (and a
// read's worth beyond it) whatever the file's size. Checks that need the whole file (the
// collection's type and CRS, which RFC 7946 lets come after the features) are made when
// their member is met; a refusal at the end rolls back what was handed on, as a CSV row
// refused late does.

// DefaultMaxFeatureBytes bounds the memory one GeoJSON feature (or any other member of
// the collection) may take: a detailed boundary polygon can be tens of MB.
const DefaultMaxFeatureBytes = 256 << 20

// jsonReadBytes is the most one read hands the decoder, so that it holds at most this much
// beyond the value it is decoding.
const jsonReadBytes = 64 << 10

// jsonText hands a JSON decoder a file's bytes. It refuses bytes that are not UTF-8 (with
// their line), skips a byte order mark, refuses a value longer than max, and keeps the
// bytes from a mark (the decoder's position after the last value it completed) onwards, so
// that a syntax error's offset can be turned into a line.
type jsonText struct {
	r       io.Reader
	max     int
	started bool
	carry   []byte // the start of a rune cut by the end of a read, not yet handed on
	buf     []byte // what was handed on, from buf[start] (the mark) to the end
	start   int
	mark    int64 // input offset of kept[0]
	line    int   // the line of mark (1-based)
	err     error // what the next read returns, once what came before it was handed on
	tooLong bool
}

func newJSONText(r io.Reader, max int) *jsonText {
	return &jsonText{r: r, max: max, line: 1}
}

func (t *jsonText) Read(p []byte) (int, error) {
	if t.err != nil {
		return 0, t.err
	}
	if len(t.kept()) > t.max+jsonReadBytes {
		t.tooLong = true
		return 0, errValueTooLong
	}
	p = p[:min(len(p), jsonReadBytes)]
	if len(p) < 2*utf8.UTFMax {
		return 0, io.ErrShortBuffer // the decoder always asks for at least 512
	}
	n := copy(p, t.carry)
	t.carry = t.carry[:0]
	least := 1
	if !t.started {
		least = 3 // enough to see a byte order mark
	}
	m, err := io.ReadAtLeast(t.r, p[n:], least)
	n += m
	if err == io.ErrUnexpectedEOF {
		err = io.EOF
	}
	if err != nil && err != io.EOF {
		return 0, err
	}
	b := p[:n]
	if !t.started {
		t.started = true
		if bytes.HasPrefix(b, []byte("\xef\xbb\xbf")) {
			b = p[:copy(p, b[3:])]
		}
	}
	if err == nil { // hold back a rune the read cut short
		for i := len(b) - 1; i >= max(0, len(b)-utf8.UTFMax+1); i-- {
			if utf8.RuneStart(b[i]) {
				if !utf8.FullRune(b[i:]) {
					t.carry = append(t.carry, b[i:]...)
					b = b[:i]
				}
				break
			}
		}
	}
	if !utf8.Valid(b) {
		bad := invalidUTF8At(b)
		t.err = &FormatError{Line: t.lineAt(t.end()) + bytes.Count(b[:bad], nl), Reason: "text is not valid UTF-8"}
		b = b[:bad]
	} else if err == io.EOF {
		t.err = io.EOF
	}
	if t.start > 0 && len(t.buf)+len(b) > cap(t.buf) { // make room by letting go of what was marked
		t.buf = t.buf[:copy(t.buf, t.buf[t.start:])]
		t.start = 0
	}
	t.buf = append(t.buf, b...)
	if len(b) == 0 && t.err != nil {
		return 0, t.err
	}
	return len(b), nil
}

var (
	nl              = []byte("\n")
	errValueTooLong = errors.New("value too long")
)

// invalidUTF8At is the offset of the first byte of b that does not begin a valid rune.
func invalidUTF8At(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return len(b)
}

// kept is the bytes from the mark to the end of what was handed on.
func (t *jsonText) kept() []byte { return t.buf[t.start:] }

// end is the input offset of the end of what was handed on.
func (t *jsonText) end() int64 { return t.mark + int64(len(t.kept())) }

// markAt drops what the decoder has finished with: the bytes before offset off.
func (t *jsonText) markAt(off int64) {
	kept := t.kept()
	k := min(int(off-t.mark), len(kept))
	if k <= 0 {
		return
	}
	t.line += bytes.Count(kept[:k], nl)
	t.start += k
	t.mark += int64(k)
}

// lineAt is the line of input offset off, which is at or after the mark.
func (t *jsonText) lineAt(off int64) int {
	kept := t.kept()
	k := max(0, min(int(off-t.mark), len(kept)))
	return t.line + bytes.Count(kept[:k], nl)
}

// collectionWalker walks a FeatureCollection's members from a decoder over a jsonText.
type collectionWalker struct {
	text *jsonText
	dec  *json.Decoder
	n    int  // the feature being read, from 1; 0 outside "features"
	bng  bool // the crs member named British National Grid: positions are eastings, northings
	read bool // the features have been read
}

// walkCollection calls fn with each member of the collection's "features" array, numbered
// from 1, until fn returns an error. The collection must be one JSON object of type
// FeatureCollection in WGS84 longitude/latitude (or in British National Grid, named by a
// crs member before the features: positions are handed on transformed), with nothing
// after it; a null member of
// "features" is refused, as is a member that is not a Feature or whose geometry is of no
// GeoJSON type.
func walkCollection(r io.Reader, maxFeature int, fn func(n int, f *geoFeature) error) error {
	w := &collectionWalker{text: newJSONText(r, maxFeature)}
	w.dec = json.NewDecoder(w.text)
	err := w.walk(fn)
	var fe *FormatError
	if err == nil || errors.As(err, &fe) {
		return err
	}
	return w.refusal(err)
}

func (w *collectionWalker) walk(fn func(n int, f *geoFeature) error) error {
	tok, err := w.token()
	if err != nil {
		return err
	}
	if tok != json.Delim('{') {
		return w.fault(fmt.Sprintf("a JSON %s, not a GeoJSON object", jsonKind(tok)))
	}
	var typ string
	features := false
	for w.dec.More() {
		key, err := w.token()
		if err != nil {
			return err
		}
		switch key {
		case "type":
			if err := w.decode(&typ); err != nil {
				return err
			}
			if typ != "FeatureCollection" {
				return w.notACollection(typ)
			}
		case "crs":
			if err := w.crs(); err != nil {
				return err
			}
		case "features":
			if features {
				return w.fault(`"features" given twice`)
			}
			features = true
			if err := w.features(fn); err != nil {
				return err
			}
			w.read = true
		default:
			var skip json.RawMessage
			if err := w.decode(&skip); err != nil {
				return err
			}
		}
	}
	if _, err := w.token(); err != nil { // }
		return err
	}
	if tok, err := w.dec.Token(); err != io.EOF {
		if err != nil {
			return err
		}
		return w.fault(fmt.Sprintf("not valid JSON: a %s after the collection's closing brace", jsonKind(tok)))
	}
	if typ != "FeatureCollection" {
		return w.notACollection(typ)
	}
	return nil
}

// jsonKind names what a decoder's token starts.
func jsonKind(tok json.Token) string {
	switch tok {
	case json.Delim('{'):
		return "object"
	case json.Delim('['):
		return "array"
	}
	switch tok.(type) {
	case string:
		return "string"
	case float64, json.Number:
		return "number"
	case nil:
		return "null"
	case bool:
		return "boolean"
	}
	return fmt.Sprint(tok)
}

// fault refuses the file at the decoder's line.
func (w *collectionWalker) fault(reason string) error {
	return &FormatError{Line: w.text.lineAt(w.dec.InputOffset()), Reason: reason}
}

func (w *collectionWalker) notACollection(typ string) error {
	return w.fault(fmt.Sprintf("GeoJSON of type %q; hexbeat imports a FeatureCollection", typ))
}

// crs reads the old (2008) GeoJSON's "crs" member: WGS 84 longitude/latitude (RFC 7946's,
// and the default), or British National Grid eastings and northings (EPSG:27700, as ONS and
// OS publish boundaries and GDAL writes them), whose positions are transformed as read. A
// file is read as a stream, so a crs member naming the grid after the features (read by then
// as longitude/latitude) refuses the file, saying so; any other CRS refuses it naming it.
func (w *collectionWalker) crs() error {
	var crs *struct {
		Properties struct {
			Name string `json:"name"`
		} `json:"properties"`
	}
	if err := w.decode(&crs); err != nil {
		return err
	}
	if crs == nil {
		return nil
	}
	name := crs.Properties.Name
	switch c, _ := hexbeat.ParseCRS(name); {
	case name == "":
		return w.fault("a crs member without a name; hexbeat reads a named CRS (EPSG:27700), or none for WGS 84 longitude/latitude")
	case c == hexbeat.CRS84 || c == hexbeat.EPSG4326: // GeoJSON's order, longitude first, as GDAL writes EPSG:4326
		return nil
	case c == hexbeat.EPSG27700:
		if w.read {
			return w.fault(fmt.Sprintf("the crs member (%q) comes after the features, which were read as WGS 84 longitude/latitude; hexbeat reads a file as a stream: put crs before features (as GDAL and QGIS write it)", name))
		}
		w.bng = true
		return nil
	}
	return w.fault(fmt.Sprintf("coordinates in %q; hexbeat reads WGS 84 longitude/latitude (RFC 7946) or British National Grid (EPSG:27700)", name))
}

// fromBNG rewrites a geometry's positions from eastings and northings to longitude and
// latitude; false when a position is not a number pair within the grid.
func fromBNG(raw json.RawMessage) (json.RawMessage, bool) {
	var c any
	if err := json.Unmarshal(raw, &c); err != nil {
		return raw, true // left for the reader to refuse as it refuses any bad coordinates
	}
	var walk func(v any) (any, bool)
	walk = func(v any) (any, bool) {
		a, ok := v.([]any)
		if !ok {
			return v, false
		}
		if len(a) > 0 {
			if e, isNum := a[0].(float64); isNum { // a position: [easting, northing, height?]
				if len(a) < 2 {
					return v, false
				}
				n, ok := a[1].(float64)
				if !ok {
					return v, false
				}
				lon, lat, err := crs.BNGToWGS84(e, n)
				if err != nil {
					return v, false
				}
				return []any{lon, lat}, true
			}
		}
		for i := range a {
			if a[i], ok = walk(a[i]); !ok {
				return v, false
			}
		}
		return a, true
	}
	out, ok := walk(c)
	if !ok {
		return raw, false
	}
	b, err := json.Marshal(out)
	return b, err == nil
}

func (w *collectionWalker) features(fn func(n int, f *geoFeature) error) error {
	tok, err := w.token()
	if err != nil {
		return err
	}
	if tok == nil { // "features": null
		return nil
	}
	if tok != json.Delim('[') {
		return w.fault(`"features" is not an array`)
	}
	var feature geoFeature // reused, with its map of properties
	for w.n = 1; w.dec.More(); w.n++ {
		props := feature.Properties
		clear(props)
		feature = geoFeature{Properties: props}
		f := &feature
		if err := w.decode(&f); err != nil {
			var te *json.UnmarshalTypeError
			if errors.As(err, &te) {
				return featureTypeError(w.n, te)
			}
			return err
		}
		if f == nil {
			return &FormatError{Line: w.n, Reason: fmt.Sprintf("feature %d is null, not a Feature", w.n)}
		}
		if f.Type != "Feature" {
			return &FormatError{Line: w.n, Reason: fmt.Sprintf("feature %d is not of type Feature", w.n)}
		}
		if g := f.Geometry; g != nil && !geometryTypes[g.Type] {
			return &FormatError{Line: w.n, Reason: fmt.Sprintf("feature %d: %q is not a GeoJSON geometry type", w.n, g.Type)}
		}
		if g := f.Geometry; w.bng && g != nil && len(g.Coordinates) > 0 {
			var ok bool
			if g.Coordinates, ok = fromBNG(g.Coordinates); !ok {
				f.Geometry = nil // off the grid, or not positions: a rejected row
			}
		}
		if err := fn(w.n, f); err != nil {
			return err
		}
	}
	w.n = 0
	_, err = w.token() // ]
	return err
}

// featureTypeError refuses feature n, a member of which is not of the JSON type GeoJSON
// gives it.
func featureTypeError(n int, te *json.UnmarshalTypeError) error {
	var reason string
	switch {
	case te.Field == "":
		reason = fmt.Sprintf("feature %d is not an object but a %s", n, te.Value)
	case te.Field == "type":
		reason = fmt.Sprintf("feature %d is not of type Feature", n)
	case te.Field == "geometry":
		reason = fmt.Sprintf("feature %d: geometry is not an object but a %s", n, te.Value)
	case te.Field == "properties":
		reason = fmt.Sprintf("feature %d: properties are not an object but a %s", n, te.Value)
	default:
		reason = fmt.Sprintf("feature %d: %s is a %s", n, te.Field, te.Value)
	}
	return &FormatError{Line: n, Reason: reason}
}

// token and decode read on, then let go of what the decoder has finished with.
func (w *collectionWalker) token() (json.Token, error) {
	tok, err := w.dec.Token()
	w.text.markAt(w.dec.InputOffset())
	return tok, err
}

func (w *collectionWalker) decode(v any) error {
	err := w.dec.Decode(v)
	w.text.markAt(w.dec.InputOffset())
	return err
}

// refusal turns a decoder's error into a refusal with the line it was met on.
func (w *collectionWalker) refusal(err error) error {
	at := w.dec.InputOffset()
	var se *json.SyntaxError
	switch {
	case w.text.tooLong && w.n > 0:
		return &FormatError{Line: w.n, Reason: fmt.Sprintf("feature %d is longer than %d MiB", w.n, w.text.max>>20)}
	case w.text.tooLong:
		return w.fault(fmt.Sprintf("a member of the collection is longer than %d MiB", w.text.max>>20))
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		if w.text.end() == 0 {
			return &FormatError{Line: 1, Reason: "the file is empty"}
		}
		return &FormatError{Line: w.text.lineAt(w.text.end()), Reason: "not valid JSON: the file ends inside the collection (truncated?)"}
	case errors.As(err, &se):
		// The decoder gives a syntax error inside a value as an offset into the value, and
		// a misplaced delimiter as an offset into the input.
		off := se.Offset
		if off != at {
			off += at
		}
		return &FormatError{Line: w.text.lineAt(off), Reason: "not valid JSON: " + err.Error()}
	case w.n > 0:
		return &FormatError{Line: w.n, Reason: fmt.Sprintf("feature %d: %v", w.n, err)}
	}
	return w.fault("not valid GeoJSON: " + err.Error())
}

package ingest

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"golang.org/x/text/encoding/charmap"
)

// Columns names the columns of a force's own CSV (or the properties of GeoJSON points).
type Columns struct {
	Lon, Lat, Time, Category, ID, Location string
	// TimeOfDay names a column holding the clock time of a Time that gives only the day
	// (725, 0725, 07:25 or 07:25:00), as some exports split them
	TimeOfDay string
	// X and Y name the coordinate columns in Options.CRS (eastings and northings for
	// EPSG:27700); Lon and Lat are WGS 84's. A file gives one pair or the other.
	X, Y string
	// GridRef names a column of Ordnance Survey grid references ("SP 85402 38801", 0 to 10
	// figures), placed at the centre of the square each names
	GridRef string
}

// Options control how a file is read.
type Options struct {
	Kind            string            // force a kind; empty means recognise it from the content
	Columns         Columns           // for generic CSV; setting Lon or Lat implies a generic CSV
	Taxonomy        *hexbeat.Taxonomy // known categories; police.uk files must use them
	Location        *time.Location    // for times without a zone in generic files; default Europe/London
	MaxRecordBytes  int               // default DefaultMaxRecordBytes
	BoundaryKind    string            // the kind given to imported boundaries when the file does not say
	ChunkSize       int               // rows per call to the sink; default 8192
	MaxFeatureBytes int               // bounds one GeoJSON feature; default DefaultMaxFeatureBytes
	// CRS is the coordinate reference system of Columns.X and Y: "EPSG:27700" (British
	// National Grid eastings and northings) or "EPSG:4326" (longitude, latitude); empty
	// with X and Y means EPSG:27700
	CRS string
	// Encoding is the text's character set: "" or "utf-8", or "windows-1252" (what Excel
	// and many Windows systems write; read as its UTF-8)
	Encoding string
	// Audit, when set, makes the audit event of an import from its committed batch; the
	// store writes it in the import's own transaction
	Audit func(hexbeat.Batch) hexbeat.AuditEvent
}

func (o *Options) defaults() {
	if o.ChunkSize <= 0 {
		o.ChunkSize = 8192
	}
	if o.MaxFeatureBytes <= 0 {
		o.MaxFeatureBytes = DefaultMaxFeatureBytes
	}
	if o.Location == nil {
		if loc, err := time.LoadLocation("Europe/London"); err == nil {
			o.Location = loc
		} else {
			o.Location = time.UTC
		}
	}
	if o.Taxonomy == nil {
		o.Taxonomy = hexbeat.NewTaxonomy(nil)
	}
}

// Read recognises the file in r, parses it, and hands its rows to sink in chunks. It
// returns a report of every row; a non-nil error means the file is refused (the caller
// rolls back whatever reached the sink).
func Read(ctx context.Context, r io.Reader, name string, opts Options, sink hexbeat.ImportSink) (*Report, error) {
	opts.defaults()
	rep := &Report{File: name}
	cp1252, ok := hexbeat.ParseEncoding(opts.Encoding)
	if !ok {
		return rep, fmt.Errorf("encoding %q: hexbeat reads utf-8 or windows-1252", opts.Encoding)
	}
	br := bufio.NewReaderSize(r, 64<<10)
	kind := opts.Kind
	if kind == "" && (opts.Columns.Lon != "" || opts.Columns.Lat != "" || opts.Columns.X != "" || opts.Columns.Y != "" || opts.Columns.GridRef != "" || opts.Columns.Time != "") {
		kind = hexbeat.KindGeneric
	}
	// binary formats, known by their first bytes; their text's encoding is their own
	switch magic, _ := br.Peek(len(gpkgMagic)); {
	case bytes.HasPrefix(magic, zipMagic): // a ZIP that reaches here holds a Shapefile (Sources)
		return rep, readLayers(ctx, br, kind, opts, rep, sink, "a Shapefile", readShapefileZip)
	case bytes.HasPrefix(magic, gpkgMagic):
		return rep, readLayers(ctx, br, kind, opts, rep, sink, "a GeoPackage", readGeoPackage)
	case bytes.HasPrefix(magic, shpMagic):
		return rep, &FormatError{Line: 1, Reason: "a Shapefile's .shp alone: its attributes and CRS are in the .dbf and .prj beside it; import the ZIP of its .shp, .shx, .dbf and .prj (or name the .shp to hexbeat import with them beside it)"}
	}
	if cp1252 {
		br = bufio.NewReaderSize(charmap.Windows1252.NewDecoder().Reader(br), 64<<10)
	}
	first, err := firstByte(br)
	if err != nil {
		return rep, err
	}
	if (kind == "" || kind == hexbeat.KindCentroids) && (first == '{' || first == '[') {
		kind = cmp.Or(kind, "geojson")
	}
	if kind == "geojson" || kind == hexbeat.KindPoints || kind == hexbeat.KindBoundaries || (kind == hexbeat.KindCentroids && (first == '{' || first == '[')) {
		return rep, readGeoJSON(ctx, br, kind, opts, rep, sink)
	}
	cr := newCSVReader(br, opts.MaxRecordBytes)
	header, _, err := cr.read()
	if err == io.EOF {
		return rep, &FormatError{Line: 1, Reason: "the file is empty"}
	}
	if err != nil {
		return rep, err
	}
	if _, ok := isNomisWeb(header); ok && (kind == "" || kind == hexbeat.KindCensus) {
		rep.Kind = hexbeat.KindCensus
		return rep, readCensusWeb(ctx, cr, header, opts, rep, sink)
	}
	h := newHeader(header)
	if kind == "" {
		kind = h.detect()
		if kind == "" {
			return rep, &FormatError{Line: 1, Reason: fmt.Sprintf("unrecognised header %q: not a police.uk street, stop-and-search or outcomes file, nor a retailer or camera register, a Census TS021 table or LSOA centroids; for a force's own CSV name its coordinate, time and category columns (hexbeat import --lon --lat, or --x --y for eastings and northings, or --gridref; --time --category; the same names on POST /api/v1/imports)", strings.Join(h.names, ","))}
		}
	}
	rep.Kind = kind
	switch kind {
	case hexbeat.KindStreet:
		return rep, readStreet(ctx, cr, h, opts, rep, sink)
	case hexbeat.KindStopSearch:
		return rep, readStopSearch(ctx, cr, h, opts, rep, sink)
	case hexbeat.KindOutcomes:
		return rep, readOutcomes(ctx, cr, h, opts, rep, sink)
	case hexbeat.KindGeneric:
		return rep, readGeneric(ctx, cr, h, opts, rep, sink)
	case hexbeat.KindRetailers:
		return rep, readRetailers(ctx, cr, h, opts, rep, sink)
	case hexbeat.KindCameras:
		return rep, readCameras(ctx, cr, h, rep, sink)
	case hexbeat.KindCensus:
		return rep, readCensusBulk(ctx, cr, h, opts, rep, sink)
	case hexbeat.KindCentroids:
		return rep, readCentroidsCSV(ctx, cr, h, rep, sink)
	}
	return rep, fmt.Errorf("unknown file kind %q (one of %s)", kind, strings.Join(hexbeat.ImportKinds, ", "))
}

// firstByte returns the first byte that is not white space or a byte-order mark, without
// consuming anything; 0 for an empty file.
func firstByte(br *bufio.Reader) (byte, error) {
	for n := 1; ; n++ {
		b, err := br.Peek(n)
		if len(b) < n {
			if err == io.EOF || err == nil {
				return 0, nil
			}
			return 0, err
		}
		c := b[n-1]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
		case c == 0xef || c == 0xbb || c == 0xbf:
		default:
			return c, nil
		}
		if n >= 4096 {
			return c, nil
		}
	}
}

// header maps column names (trimmed, compared without case) to their positions.
type header struct {
	names []string
	pos   map[string]int
}

func newHeader(fields [][]byte) *header {
	h := &header{pos: map[string]int{}}
	for i, f := range fields {
		name := strings.TrimSpace(string(f))
		h.names = append(h.names, name)
		key := strings.ToLower(name)
		if _, dup := h.pos[key]; !dup {
			h.pos[key] = i
		}
	}
	return h
}

// col returns the position of the first of the named columns present, or -1.
func (h *header) col(names ...string) int {
	for _, n := range names {
		if i, ok := h.pos[strings.ToLower(n)]; ok {
			return i
		}
	}
	return -1
}

// gridColumn is the name of the column called axis ("easting" or "northing"), in any case,
// plural, or after a "Grid Ref:" prefix as some exports write it; "" when there is none.
func (h *header) gridColumn(axis string) string {
	for _, name := range h.names {
		k := strings.ToLower(name)
		k = strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(k, "grid ref:"), "grid_ref_"))
		if k == axis || k == axis+"s" {
			return name
		}
	}
	return ""
}

func (h *header) has(names ...string) bool {
	for _, n := range names {
		if h.col(n) < 0 {
			return false
		}
	}
	return true
}

func (h *header) detect() string {
	switch {
	case h.has("Crime ID", "Month", "Longitude", "Latitude", "Crime type"):
		return hexbeat.KindStreet
	case h.has("Crime ID", "Month", "Outcome type"):
		return hexbeat.KindOutcomes
	case h.has("Type", "Date", "Legislation", "Object of search", "Outcome"):
		return hexbeat.KindStopSearch
	case h.isCensusBulk():
		return hexbeat.KindCensus
	case h.centroidColumn() >= 0 && h.registerCoords().given():
		return hexbeat.KindCentroids
	case h.col(cameraMark...) >= 0 && h.registerCoords().given():
		return hexbeat.KindCameras
	case h.col(retailerName...) >= 0 && h.registerCoords().given():
		return hexbeat.KindRetailers
	}
	return ""
}

var (
	lonNames     = []string{"longitude", "lon", "lng", "long", "long_wgs", "x"}
	latNames     = []string{"latitude", "lat", "lat_wgs", "y"}
	gridRefNames = []string{"grid_ref", "gridref", "grid reference", "grid_reference", "os_grid_ref", "os grid reference"}
)

// coordColumns are where a register's rows say where they are: longitude and latitude,
// British National Grid eastings and northings, or Ordnance Survey grid references.
type coordColumns struct {
	x, y    int // -1 when absent
	bng     bool
	gridRef bool
	xy      bool // columns called X and Y: degrees, or metres of the grid where only they can be
}

// registerCoords finds a register's coordinate columns: longitude and latitude first, then
// easting and northing, then a grid reference.
func (h *header) registerCoords() coordColumns {
	if c := (coordColumns{x: h.col(lonNames...), y: h.col(latNames...)}); c.x >= 0 && c.y >= 0 {
		c.xy = strings.EqualFold(h.names[c.x], "x") && strings.EqualFold(h.names[c.y], "y")
		return c
	}
	if e, n := h.gridColumn("easting"), h.gridColumn("northing"); e != "" && n != "" {
		return coordColumns{x: h.col(e), y: h.col(n), bng: true}
	}
	if i := h.col(gridRefNames...); i >= 0 {
		return coordColumns{x: i, y: -1, gridRef: true}
	}
	return coordColumns{x: -1, y: -1}
}

func (c coordColumns) given() bool { return c.x >= 0 && (c.y >= 0 || c.gridRef) }

// place is where a register's row is: longitude and latitude, and the side in metres of
// the grid square a grid reference named (0 for coordinates).
type place struct {
	lon, lat float64
	square   int
}

// point reads a row's place, or the reason it has none.
func (c coordColumns) point(fields [][]byte) (place, string) {
	var p *cachedPoint
	switch {
	case c.gridRef:
		p = gridRefPoint(field(fields, c.x))
	case c.bng:
		p = bngPoint(field(fields, c.x), field(fields, c.y))
	default:
		lon, lat, why := parseLonLat(field(fields, c.x), field(fields, c.y))
		if why != ReasonBadLocation || !c.xy {
			return place{lon: lon, lat: lat}, why
		}
		// X and Y beyond any longitude and latitude: eastings and northings, if the grid has them
		if p = bngPoint(field(fields, c.x), field(fields, c.y)); p.why != "" {
			return place{}, why
		}
	}
	return place{lon: p.lon, lat: p.lat, square: p.square}, p.why
}

// records calls fn with each data record and its first line number, after refusing a
// record whose width differs from the header's and counting the row in the report. It
// returns nil at the end of the file, or the first error.
func records(cr *csvReader, h *header, rep *Report, fn func(fields [][]byte, line int) error) error {
	for {
		fields, line, err := cr.read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if err := checkWidth(fields, h, line); err != nil {
			return err
		}
		rep.Rows++
		if err := fn(fields, line); err != nil {
			return err
		}
	}
}

// chunker hands rows to the store opts.ChunkSize at a time, and stops when the import's
// context ends.
type chunker[T any] struct {
	ctx  context.Context
	rows []T
	put  func(context.Context, []T) error
}

func newChunker[T any](ctx context.Context, size int, put func(context.Context, []T) error) *chunker[T] {
	return &chunker[T]{ctx: ctx, rows: make([]T, 0, size), put: put}
}

func (c *chunker[T]) add(x T) error {
	c.rows = append(c.rows, x)
	if len(c.rows) < cap(c.rows) {
		return nil
	}
	if err := c.flush(); err != nil {
		return err
	}
	return c.ctx.Err()
}

// flush hands over the rows held; the sink must not keep the slice.
func (c *chunker[T]) flush() error {
	if len(c.rows) == 0 {
		return nil
	}
	err := c.put(c.ctx, c.rows)
	c.rows = c.rows[:0]
	return err
}

// checkWidth refuses a record whose field count differs from the header's.
func checkWidth(fields [][]byte, h *header, line int) error {
	if len(fields) != len(h.names) {
		return &FormatError{Line: line, Reason: fmt.Sprintf("%d fields where the header has %d (a truncated file or an unquoted comma?)", len(fields), len(h.names))}
	}
	return nil
}

// field returns fields[i] trimmed of spaces, or nil when the column is absent.
func field(fields [][]byte, i int) []byte {
	if i < 0 {
		return nil
	}
	f := fields[i]
	for len(f) > 0 && (f[0] == ' ' || f[0] == '\t') {
		f = f[1:]
	}
	for len(f) > 0 && (f[len(f)-1] == ' ' || f[len(f)-1] == '\t') {
		f = f[:len(f)-1]
	}
	return f
}

package ingest

import (
	"context"
	"crypto/sha256"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hexbeat/hexbeat/internal/hexbeat"
)

// genericNamespace scopes the keys of a force's own records by the ID column's name, so
// that two systems' references cannot collide.
func genericNamespace(c Columns) string { return "generic/" + strings.ToLower(c.ID) }

// readGeneric reads a force's own CSV whose columns are named in opts.Columns. Any
// category is accepted (a force may add its own); times may be exact, a day or a month.
func readGeneric(ctx context.Context, cr *csvReader, h *header, opts Options, rep *Report, sink hexbeat.ImportSink) error {
	c := opts.Columns
	var missing []string
	need := func(flag, name string) int {
		if name == "" {
			missing = append(missing, "--"+flag+" (no column named)")
			return -1
		}
		i := h.col(name)
		if i < 0 {
			missing = append(missing, fmt.Sprintf("--%s %q (no such column)", flag, name))
		}
		return i
	}
	bng := false
	var iLon, iLat int
	if c.X == "" && c.Y == "" && c.Lon == "" && c.Lat == "" && c.GridRef == "" {
		// no coordinates named: a grid's by their usual names ("Easting", "Grid Ref: Northing")
		c.X, c.Y = h.gridColumn("easting"), h.gridColumn("northing")
	}
	gridRef := c.GridRef != ""
	pairs := 0
	for _, given := range []bool{c.X != "" || c.Y != "", c.Lon != "" || c.Lat != "", gridRef} {
		if given {
			pairs++
		}
	}
	switch {
	case pairs > 1:
		missing = append(missing, "give one of --x/--y (coordinates in --crs), --lon/--lat (WGS 84) or --gridref, not more")
	case gridRef:
		iLon, iLat = need("gridref", c.GridRef), -1
	case c.X != "" || c.Y != "":
		// without --crs, coordinates given as x and y are the grid's
		switch c, ok := hexbeat.ParseCRS(opts.CRS); {
		case !ok:
			missing = append(missing, fmt.Sprintf("--crs %q: hexbeat reads EPSG:27700 (British National Grid) or EPSG:4326", opts.CRS))
		case opts.CRS == "" || c == hexbeat.EPSG27700:
			bng = true
		}
		iLon, iLat = need("x", c.X), need("y", c.Y)
	case c.Lon == "" && c.Lat == "":
		missing = append(missing, "no coordinates: name them with --lon/--lat (WGS 84), --x/--y (British National Grid; columns called Easting and Northing are found without) or --gridref")
	default:
		iLon, iLat = need("lon", c.Lon), need("lat", c.Lat)
	}
	iTime, iCat := need("time", c.Time), need("category", c.Category)
	iClock := -1
	if c.TimeOfDay != "" {
		iClock = need("time-of-day", c.TimeOfDay)
	}
	iID, iLoc := -1, -1
	if c.ID != "" {
		iID = need("id", c.ID)
	}
	if c.Location != "" {
		iLoc = need("location", c.Location)
	}
	if len(missing) > 0 {
		return &FormatError{Line: 1, Reason: "generic CSV columns: " + strings.Join(missing, "; ") + fmt.Sprintf("; the header has %s", strings.Join(h.names, ","))}
	}
	var (
		strs    = interner{}
		cats    = categoryCache{}
		times   = timeParser{loc: opts.Location}
		points  = newPointCache()
		seenIDs = map[hexbeat.Key]struct{}{}
		occ     = occurrences{}
		chunk   = newChunker(ctx, opts.ChunkSize, sink.AddIncidents)
		content []byte
		ns      = genericNamespace(c)
	)
	points.bng, points.gridRef = bng, gridRef
	if err := records(cr, h, rep, func(fields [][]byte, line int) error {
		at, prec, ok := times.parse(unsafeString(field(fields, iTime)))
		if ok && iClock >= 0 {
			at, prec, ok = atClock(at, prec, unsafeString(field(fields, iClock)), opts.Location)
		}
		if !ok {
			rep.reject(ReasonBadTime, line)
			return nil
		}
		pt, why := points.get(field(fields, iLon), field(fields, iLat))
		if why != "" {
			rep.reject(why, line)
			return nil
		}
		catB := field(fields, iCat)
		if len(catB) == 0 {
			rep.reject(ReasonNoCategory, line)
			return nil
		}
		var cat string
		if known, ok := cats.lookup(catB, opts.Taxonomy); ok {
			cat = known.Name
		} else {
			cat = strs.get(catB) // a category of the force's own
		}
		inc := hexbeat.Incident{OccurredAt: at, Precision: prec, Category: cat, Lon: pt.lon, Lat: pt.lat, Cell: pt.cell,
			Location: strs.get(field(fields, iLoc)), GridSquare: pt.square}
		if id := field(fields, iID); len(id) > 0 {
			inc.Key = hexbeat.IncidentKey(ns, unsafeString(id), nil, 0)
			if _, dup := seenIDs[inc.Key]; dup {
				rep.Duplicates++
				rep.InFileDups++
				return nil
			}
			seenIDs[inc.Key] = struct{}{}
			inc.SourceID = string(id)
		} else {
			content = content[:0]
			for _, f := range fields {
				content = append(content, f...)
				content = append(content, 0)
			}
			inc.Key = hexbeat.IncidentKey(ns, "", content, occ.next(sha256.Sum256(content)))
		}
		rep.Accepted++
		return chunk.add(inc)
	}); err != nil {
		return err
	}
	return chunk.flush()
}

// atClock puts a day at the clock time s (725, 0725, 07:25 or 07:25:00) in loc; an empty s
// leaves the day as it is. A time finer than a day already has its clock, and is refused.
func atClock(day time.Time, prec hexbeat.Precision, s string, loc *time.Location) (time.Time, hexbeat.Precision, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return day, prec, true
	}
	if prec != hexbeat.PrecisionDay {
		return day, prec, false
	}
	var h, m, sec int
	parts := strings.Split(s, ":")
	nums := make([]int, len(parts))
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || p == "" {
			return day, prec, false
		}
		nums[i] = n
	}
	switch {
	case len(parts) == 1 && len(s) <= 4: // HMM or HHMM, as a number drops its leading zero
		h, m = nums[0]/100, nums[0]%100
	case len(parts) == 2 || len(parts) == 3:
		h, m = nums[0], nums[1]
		if len(parts) == 3 {
			sec = nums[2]
		}
	default:
		return day, prec, false
	}
	if h > 23 || m > 59 || sec > 59 {
		return day, prec, false
	}
	return time.Date(day.Year(), day.Month(), day.Day(), h, m, sec, 0, loc).UTC(), hexbeat.PrecisionExact, true
}

// flexibleLayouts are the time formats a force's export may use, finest first; times
// without a zone are read in the configured location (Europe/London by default).
var flexibleLayouts = []struct {
	layout string
	prec   hexbeat.Precision
}{
	{time.RFC3339Nano, hexbeat.PrecisionExact},
	{"2006-01-02T15:04:05", hexbeat.PrecisionExact},
	{"2006-01-02 15:04:05", hexbeat.PrecisionExact},
	{"2006-01-02T15:04", hexbeat.PrecisionExact},
	{"2006-01-02 15:04", hexbeat.PrecisionExact},
	{"02/01/2006 15:04:05", hexbeat.PrecisionExact},
	{"02/01/2006 15:04", hexbeat.PrecisionExact},
	{"2006-01-02", hexbeat.PrecisionDay},
	{"02/01/2006", hexbeat.PrecisionDay},
	{"20060102", hexbeat.PrecisionDay},
	{"2006-01", hexbeat.PrecisionMonth},
}

// timeParser reads times in the flexible layouts, trying first the layout that read the
// last time: a file keeps one format, and every layout that fails costs an error value
// (a third of a generic import's parsing when times came third in the list). No string
// matches two layouts (each must take the whole string), so the order tried changes no
// result.
type timeParser struct {
	loc  *time.Location
	last int
}

// parse reads s, which it does not keep.
func (p *timeParser) parse(s string) (time.Time, hexbeat.Precision, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, 0, false
	}
	if t, prec, ok := flexibleTime(p.last, s, p.loc); ok {
		return t, prec, true
	}
	for i := range flexibleLayouts {
		if i == p.last {
			continue
		}
		if t, prec, ok := flexibleTime(i, s, p.loc); ok {
			p.last = i
			return t, prec, true
		}
	}
	return time.Time{}, 0, false
}

// The years a force's record may carry: outside them a date is a placeholder or a typing
// slip (0001-01-01 is what some systems write for none), a rejected row.
const minYear, maxYear = 1900, 2200

// flexibleTime reads s in flexibleLayouts[i].
func flexibleTime(i int, s string, loc *time.Location) (time.Time, hexbeat.Precision, bool) {
	l := flexibleLayouts[i]
	t, err := time.ParseInLocation(l.layout, s, loc)
	if err != nil || t.Year() < minYear || t.Year() > maxYear { // 0001-01 is a blank date, not a time
		return time.Time{}, 0, false
	}
	if l.prec != hexbeat.PrecisionExact {
		// a day or month is a calendar span: keep its date, as UTC midnight
		t = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	}
	return t.UTC(), l.prec, true
}

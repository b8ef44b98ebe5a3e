package api

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/hexbeat/hexbeat/internal/catalog"
	"github.com/hexbeat/hexbeat/internal/encode"
	"github.com/hexbeat/hexbeat/internal/grid"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/paulmach/orb"
)

// OGC API – Features, Part 1 Core, over hexbeat's layers (layers.go): the stored incidents,
// the analysis layers with their parameters as query parameters, the planners' layers and
// the boundaries. A key sees the collections its role may read. JSON and GeoJSON
// encodings; limit 1..10,000 (default 10) with next/prev links.

const (
	ogcCore    = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"
	ogcGeoJSON = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson"
	ogcOAS30   = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30"
	crs84      = string(hexbeat.CRS84)

	ogcDefaultLimit = 10     // features a page when the request names no limit
	ogcMaxLimit     = 10_000 // a larger limit is taken as this one
)

func (s *Server) ogcRoutes() {
	g := s.app.Group("/ogc", s.authorize(hexbeat.PermRead))
	g.Get("/", s.ogcLanding)
	g.Get("", s.ogcLanding)
	g.Get("/conformance", s.ogcConformance)
	g.Get("/collections", s.ogcCollectionsList)
	g.Get("/collections/:id", s.ogcCollection)
	g.Get("/collections/:id/items", s.bounded(s.ogcItems))
	g.Get("/collections/:id/items/:fid", s.bounded(s.ogcItem))
}

func base(c *fiber.Ctx) string { return c.BaseURL() }

// itemParams are the query parameters of a collection's items: OGC's and the layer's own.
func (l layer) itemParams() []string {
	return l.Allowed("limit", "offset", "bbox", "bbox-crs", "crs", "datetime", "f")
}

func link(href, rel, typ, title string) fiber.Map {
	return fiber.Map{"href": href, "rel": rel, "type": typ, "title": title}
}

func (s *Server) ogcLanding(c *fiber.Ctx) error {
	b := base(c)
	return c.JSON(fiber.Map{"title": "hexbeat", "description": "Crime hotspots on H3 hexagons, as OGC API – Features",
		"links": []fiber.Map{
			link(b+"/ogc", "self", "application/json", "this document"),
			link(b+"/api/v1/openapi.json", "service-desc", "application/vnd.oai.openapi+json;version=3.0", "the API definition"),
			link(b+"/ogc/conformance", "conformance", "application/json", "conformance classes"),
			link(b+"/ogc/collections", "data", "application/json", "the collections"),
		}})
}

func (s *Server) ogcConformance(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"conformsTo": []string{ogcCore, ogcGeoJSON, ogcOAS30, ogcCRSClass}})
}

func (s *Server) collectionJSON(c *fiber.Ctx, l layer) fiber.Map {
	b := base(c) + "/ogc/collections/" + l.ID
	m := fiber.Map{"id": l.ID, "title": l.Title, "description": l.Description, "itemType": "feature", "crs": ogcCRSs, "storageCrs": crs84,
		"links": []fiber.Map{
			link(b, "self", "application/json", l.Title),
			link(b+"/items", "items", "application/geo+json", l.Title+" as GeoJSON"),
			link(base(c)+"/api/v1/export/"+l.ID+"?format=csv", "alternate", "text/csv", l.Title+" as CSV (a download)"),
		}}
	if len(l.Params) > 0 {
		m["description"] = l.Description + " Query parameters of the items: " + strings.Join(l.Params, ", ") + "."
	}
	st := s.state.Status(c.UserContext())
	ext := fiber.Map{}
	if l.Temporal && !st.First.IsZero() {
		ext["temporal"] = fiber.Map{"interval": [][]string{{encode.Stamp(st.First), encode.Stamp(st.Last)}}, "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"}
	}
	if b, ok := s.extentOf(c, l.extent, st); ok {
		ext["spatial"] = fiber.Map{"bbox": [][]float64{encode.BBoxOf(b)}, "crs": crs84}
	}
	if len(ext) > 0 {
		m["extent"] = ext
	}
	return m
}

// extent says where a layer's features lie. A collection's spatial extent spares a client
// from reading every feature to find it: without one, GDAL (and QGIS's layer extent) pages
// through the whole layer, ten features a request.
type extent int

const (
	extentNone       extent = iota
	extentIncidents         // the incident locations
	extentCells             // hexagons around the incident locations (see cellPadding)
	extentBoundaries        // the imported boundaries
	extentRetailers         // the retailer register
	extentCameras           // the camera register
)

// cellPadding widens the incidents' box to take in what the hexagon layers draw at the
// default resolution: a cell reaches one circumradius past the incident in it, and a study
// area one ring of cells (two circumradii) further; one more is the margin for cells
// larger than H3's average (three fell two vertices short on Thames Valley's hot spots).
const cellPadding = 4

func (s *Server) extentOf(c *fiber.Ctx, e extent, st hexbeat.Status) (orb.Bound, bool) {
	ctx := c.UserContext()
	switch e {
	case extentIncidents, extentCells:
		if st.Incidents == 0 {
			return orb.Bound{}, false
		}
		if e == extentIncidents {
			return st.Bounds, true
		}
		return padKm(st.Bounds, cellPadding*grid.CircumradiusKm(catalog.DefaultRes)), true
	case extentBoundaries:
		return s.layers.BoundaryExtent()
	case extentRetailers:
		shops, _, err := s.retail.Retailers(ctx)
		if err != nil {
			return orb.Bound{}, false
		}
		return pointsBound(len(shops), func(i int) orb.Point { return orb.Point{shops[i].Lon, shops[i].Lat} })
	case extentCameras:
		cams, err := s.cameras.CameraRegister(ctx)
		if err != nil {
			return orb.Bound{}, false
		}
		return pointsBound(len(cams), func(i int) orb.Point { return orb.Point{cams[i].Lon, cams[i].Lat} })
	}
	return orb.Bound{}, false
}

// pointsBound is the box of n catalog.Points, false when there are none.
func pointsBound(n int, at func(int) orb.Point) (orb.Bound, bool) {
	if n == 0 {
		return orb.Bound{}, false
	}
	b := at(0).Bound()
	for i := 1; i < n; i++ {
		b = b.Extend(at(i))
	}
	return b, true
}

// padKm widens a [lon,lat] box by km on every side.
func padKm(b orb.Bound, km float64) orb.Bound {
	dLat := km / 111.32
	dLon := km / (111.32 * math.Cos(math.Max(math.Abs(b.Min[1]), math.Abs(b.Max[1]))*math.Pi/180))
	return orb.Bound{Min: orb.Point{b.Min[0] - dLon, max(b.Min[1]-dLat, -90)}, Max: orb.Point{b.Max[0] + dLon, min(b.Max[1]+dLat, 90)}}
}

// ogcCollectionsList lists the collections the caller's key may read.
func (s *Server) ogcCollectionsList(c *fiber.Ctx) error {
	cols := []fiber.Map{}
	for _, l := range layers {
		if mayRead(c, l.Perm) {
			cols = append(cols, s.collectionJSON(c, l))
		}
	}
	return c.JSON(fiber.Map{"links": []fiber.Map{link(base(c)+"/ogc/collections", "self", "application/json", "collections")}, "collections": cols})
}

func (s *Server) ogcCollection(c *fiber.Ctx) error {
	l, err := findLayer(c, c.Params("id"))
	if err != nil {
		return err
	}
	return c.JSON(s.collectionJSON(c, l))
}

// parseDatetime reads OGC's datetime: an RFC 3339 instant, or an interval a/b with ".."
// (or nothing) for an open end. It returns the half-open range [from, to). A full date
// (2025-03-01), as analysts type it and as GeoServer and pygeoapi take it, stands for the
// whole day: as an instant, as the start or as the (inclusive) end of an interval.
func parseDatetime(s string) (from, to time.Time, err error) {
	parse := func(v string) (t time.Time, day bool, err error) {
		if v == "" || v == ".." {
			return time.Time{}, false, nil
		}
		if t, err = time.Parse(time.DateOnly, v); err == nil {
			return t, true, nil
		}
		if t, err = time.Parse(time.RFC3339, v); err != nil {
			return t, false, fmt.Errorf("%q is not an RFC 3339 time or date such as 2025-02-01T00:00:00Z or 2025-02-01", v)
		}
		return t.UTC(), false, nil
	}
	// end is the half-open end of what t names: the next day for a date, else a second on
	end := func(t time.Time, day bool) time.Time {
		if day {
			return t.AddDate(0, 0, 1)
		}
		return t.Add(time.Second)
	}
	a, b, interval := strings.Cut(s, "/")
	from, aDay, err := parse(a)
	if err != nil {
		return
	}
	if !interval {
		if from.IsZero() {
			return from, to, fmt.Errorf("an instant cannot be open")
		}
		return from, end(from, aDay), nil
	}
	to, bDay, err := parse(b)
	if err != nil {
		return
	}
	if !to.IsZero() {
		to = end(to, bDay) // the interval's end is inclusive
	}
	if !from.IsZero() && !to.IsZero() && !from.Before(to) {
		err = fmt.Errorf("the interval ends before it starts")
	}
	return
}

// pageLinks writes self, next (when the page is full) and prev links.
func pageLinks(c *fiber.Ctx, offset, limit, returned int) []fiber.Map {
	u := c.BaseURL() + c.Path()
	q := c.Request().URI().QueryArgs()
	with := func(off int) string {
		args := fiber.AcquireArgs()
		defer fiber.ReleaseArgs(args)
		q.CopyTo(args)
		args.Set("offset", strconv.Itoa(off))
		args.Set("limit", strconv.Itoa(limit))
		return u + "?" + args.String()
	}
	links := []fiber.Map{link(with(offset), "self", "application/geo+json", "this page")}
	if returned == limit {
		links = append(links, link(with(offset+limit), "next", "application/geo+json", "next page"))
	}
	if offset > 0 {
		links = append(links, link(with(max(0, offset-limit)), "prev", "application/geo+json", "previous page"))
	}
	return links
}

func (s *Server) ogcItems(c *fiber.Ctx) error {
	l, err := findLayer(c, c.Params("id"))
	if err != nil {
		return err
	}
	p := newParams(c, l.itemParams()...)
	limit := p.Integer("limit", ogcDefaultLimit)
	limit = min(max(limit, 1), ogcMaxLimit) // OGC: limit is clamped, not refused
	offset := p.Integer("offset", 0)
	if offset < 0 {
		p.Fail("offset", "must be 0 or more")
	}
	bbox := toCRS84(p.BBox("bbox"), readCRS(p, "bbox-crs"))
	// bbox picks features; it does not make the study area (a box would change every Gi* z)
	p.Delete("bbox")
	p.Delete("bbox-crs")
	to := readCRS(p, "crs")
	p.Delete("crs")
	if f := p.One("f"); f != "" && f != "json" && f != "geojson" {
		p.Fail("f", "only json (GeoJSON) is offered, got %q", f)
	}
	ogcDatetime(p, l)
	out := map[string]any{"type": "FeatureCollection"}
	var features []json.RawMessage
	if l.Build == nil {
		f := hexbeat.IncidentFilter{BBox: bbox, From: p.TimeBound("from", false), To: p.TimeBound("to", true), Limit: limit, Offset: offset}
		if err := p.Err(); err != nil {
			return err
		}
		// row-level fields (crime id, location, LSOA, outcome) are a download's: a key that
		// may export reads them, audited as a download is; others read points to draw
		rowLevel := mayRead(c, hexbeat.PermExport)
		page, err := s.cat.IncidentPage(c.UserContext(), f, rowLevel, to == crs27700)
		if err != nil {
			return err
		}
		if rowLevel {
			s.auditExport(c, "ogc incidents", len(page))
		}
		for _, x := range page {
			b, err := json.Marshal(x)
			if err != nil {
				return err
			}
			features = append(features, b)
		}
		// a client knows the size of the layer from its first page
		out["numberMatched"] = s.layers.CountIncidents(c.UserContext(), f)
	} else {
		pl, err := s.paged(c, l, p, bbox)
		if err != nil {
			return err
		}
		for k, v := range pl.extra {
			out[k] = v
		}
		features = pl.page(offset, limit)
		out["numberMatched"] = len(pl.ids)
	}
	if features == nil {
		features = []json.RawMessage{}
	}
	if features, err = inCRS(features, to); err != nil {
		return err
	}
	setContentCRS(c, to)
	out["features"] = features
	out["numberReturned"] = len(features)
	out["timeStamp"] = encode.Stamp(time.Now())
	out["links"] = pageLinks(c, offset, limit, len(features))
	b, err := json.Marshal(out)
	if err != nil {
		return err
	}
	return s.sendGeoJSON(c, b)
}

// ogcDatetime turns OGC's datetime into the layer's from and to (a layer without time
// ignores it, as OGC API – Features asks).
func ogcDatetime(p *catalog.Params, l layer) {
	dt := p.One("datetime")
	if dt == "" || !l.Temporal {
		return
	}
	from, to, err := parseDatetime(dt)
	if err != nil {
		p.Fail("datetime", "%v", err)
		return
	}
	if p.One("from") != "" || p.One("to") != "" {
		p.Fail("datetime", "give datetime or from/to, not both")
		return
	}
	if !from.IsZero() {
		p.Set("from", encode.Stamp(from))
	}
	if !to.IsZero() {
		p.Set("to", encode.Stamp(to))
	}
}

func (s *Server) ogcItem(c *fiber.Ctx) error {
	l, err := findLayer(c, c.Params("id"))
	if err != nil {
		return err
	}
	fid := c.Params("fid")
	if l.Build == nil {
		p := newParams(c, "crs")
		to := readCRS(p, "crs")
		if err := p.Err(); err != nil {
			return err
		}
		id, err := strconv.ParseInt(fid, 10, 64)
		if err != nil {
			return hexbeat.Errorf(hexbeat.ENOTFOUND, "no incident %q", fid)
		}
		r, err := s.layers.Incident(c.UserContext(), id)
		if err != nil {
			return err
		}
		f := encode.IncidentPoint(r)
		if mayRead(c, hexbeat.PermExport) {
			f = encode.IncidentFeature(r)
			s.auditExport(c, "ogc incident", 1)
		}
		if to == crs27700 { // unrounded, so a force's own easting and northing come back as imported
			f.Geometry = orb.Point{r.Lon, r.Lat}
		}
		b, err := json.Marshal(f)
		if err != nil {
			return err
		}
		out, err := inCRS([]json.RawMessage{b}, to)
		if err != nil {
			return err
		}
		setContentCRS(c, to)
		return s.sendGeoJSON(c, out[0])
	}
	// an item of an analysis layer comes from the layer its pages came from, when kept
	p := newParams(c, l.Allowed("datetime", "crs")...)
	to := readCRS(p, "crs")
	p.Delete("crs")
	ogcDatetime(p, l)
	pl, err := s.paged(c, l, p, nil)
	if err != nil {
		return err
	}
	i := slices.Index(pl.ids, fid)
	if i < 0 {
		return hexbeat.Errorf(hexbeat.ENOTFOUND, "no feature %q in %s with these parameters", fid, l.ID)
	}
	out, err := inCRS(pl.page(i, 1), to)
	if err != nil {
		return err
	}
	setContentCRS(c, to)
	return s.sendGeoJSON(c, out[0])
}

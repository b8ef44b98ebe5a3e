package api

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/hexbeat/hexbeat/internal/grid"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// OGC API – Features, Part 1 Core, over hexbeat's layers: the stored incidents, a hotspot
// layer (its analysis parameters as query parameters) and the boundaries. JSON and
// GeoJSON encodings; limit 1..10,000 (default 10) with next/prev links.

const (
	ogcCore    = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"
	ogcGeoJSON = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson"
	ogcOAS30   = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30"
	crs84      = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
)

type ogcCollection struct {
	ID, Title, Description string
	Extra                  []string // query parameters besides limit, offset, bbox, datetime
}

var ogcCollections = []ogcCollection{
	{"incidents", "Incidents", "Every stored incident as a point: police.uk street crimes and a force's own records (time, category, location text, LSOA, outcome).", nil},
	{"hotspots", "Hotspot cells", "A hotspot layer as H3 hexagons: value, Gi* z, p, FDR-adjusted p, bin and rank; its analysis is set by method, res, from, to, category, area, weight, k, alpha.",
		[]string{"method", "res", "from", "to", "category", "area", "weight", "half_life_days", "k", "alpha", "bandwidth_m", "fdr"}},
	{"boundaries", "Boundaries", "The imported boundaries (LSOAs, wards, local authorities, custom areas).", nil},
}

func (s *Server) ogcRoutes() {
	g := s.app.Group("/ogc", s.authorize(hexbeat.PermRead))
	g.Get("/", s.ogcLanding)
	g.Get("", s.ogcLanding)
	g.Get("/conformance", s.ogcConformance)
	g.Get("/collections", s.ogcCollectionsList)
	g.Get("/collections/:id", s.ogcCollection)
	g.Get("/collections/:id/items", s.ogcItems)
	g.Get("/collections/:id/items/:fid", s.ogcItem)
}

func base(c *fiber.Ctx) string { return c.BaseURL() }

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
	return c.JSON(fiber.Map{"conformsTo": []string{ogcCore, ogcGeoJSON, ogcOAS30}})
}

func (s *Server) collectionJSON(c *fiber.Ctx, col ogcCollection) fiber.Map {
	b := base(c) + "/ogc/collections/" + col.ID
	m := fiber.Map{"id": col.ID, "title": col.Title, "description": col.Description, "itemType": "feature", "crs": []string{crs84},
		"links": []fiber.Map{
			link(b, "self", "application/json", col.Title),
			link(b+"/items", "items", "application/geo+json", col.Title+" as GeoJSON"),
		}}
	st := s.svc.Status(c.UserContext())
	if col.ID != "boundaries" && !st.First.IsZero() {
		m["extent"] = fiber.Map{"temporal": fiber.Map{"interval": [][]string{{stamp(st.First), stamp(st.Last)}}, "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"}}
	}
	return m
}

func (s *Server) ogcCollectionsList(c *fiber.Ctx) error {
	var cols []fiber.Map
	for _, col := range ogcCollections {
		cols = append(cols, s.collectionJSON(c, col))
	}
	return c.JSON(fiber.Map{"links": []fiber.Map{link(base(c)+"/ogc/collections", "self", "application/json", "collections")}, "collections": cols})
}

func findCollection(id string) (ogcCollection, error) {
	for _, col := range ogcCollections {
		if col.ID == id {
			return col, nil
		}
	}
	return ogcCollection{}, hexbeat.Errorf(hexbeat.ENOTFOUND, "no collection %q (see /ogc/collections)", id)
}

func (s *Server) ogcCollection(c *fiber.Ctx) error {
	col, err := findCollection(c.Params("id"))
	if err != nil {
		return err
	}
	return c.JSON(s.collectionJSON(c, col))
}

// parseDatetime reads OGC's datetime: an RFC 3339 instant, or an interval a/b with ".."
// (or nothing) for an open end. It returns the half-open range [from, to).
func parseDatetime(s string) (from, to time.Time, err error) {
	parse := func(v string) (time.Time, error) {
		if v == "" || v == ".." {
			return time.Time{}, nil
		}
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return t, fmt.Errorf("%q is not an RFC 3339 time such as 2025-02-01T00:00:00Z", v)
		}
		return t.UTC(), nil
	}
	a, b, interval := strings.Cut(s, "/")
	if from, err = parse(a); err != nil {
		return
	}
	if !interval {
		if from.IsZero() {
			return from, to, fmt.Errorf("an instant cannot be open")
		}
		return from, from.Add(time.Second), nil
	}
	if to, err = parse(b); err != nil {
		return
	}
	if !to.IsZero() {
		to = to.Add(time.Second) // the interval's end is inclusive
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
	col, err := findCollection(c.Params("id"))
	if err != nil {
		return err
	}
	p := newParams(c, append([]string{"limit", "offset", "bbox", "datetime", "f"}, col.Extra...)...)
	limit := p.integer("limit", 10)
	limit = min(max(limit, 1), 10000) // OGC: limit is clamped, not refused
	offset := p.integer("offset", 0)
	if offset < 0 {
		p.fail("offset", "must be 0 or more")
	}
	bbox := p.bbox("bbox")
	var from, to time.Time
	if dt := p.one("datetime"); dt != "" {
		if from, to, err = parseDatetime(dt); err != nil {
			p.fail("datetime", "%v", err)
		}
	}
	if f := p.one("f"); f != "" && f != "json" && f != "geojson" {
		p.fail("f", "only json (GeoJSON) is offered, got %q", f)
	}
	var hq hexbeat.HotspotQuery
	if col.ID == "hotspots" {
		hq = parseHotspotQuery(p)
		if !from.IsZero() || !to.IsZero() {
			hq.From, hq.To = from, to
		}
	}
	if err := p.err(); err != nil {
		return err
	}
	fc := geojson.NewFeatureCollection()
	matched := -1
	switch col.ID {
	case "incidents":
		rows, err := s.svc.Incidents(c.UserContext(), hexbeat.IncidentFilter{BBox: bbox, From: from, To: to, Limit: limit, Offset: offset})
		if err != nil {
			return err
		}
		for _, r := range rows {
			fc.Append(incidentFeature(r))
		}
	case "hotspots":
		layer, err := s.svc.Hotspots(c.UserContext(), hq)
		if err != nil {
			return err
		}
		cells := make([]hexbeat.HotspotCell, len(layer.Cells))
		for _, hc := range layer.Cells {
			cells[hc.Rank-1] = hc // hottest first
		}
		var kept []hexbeat.HotspotCell
		for _, hc := range cells {
			if bbox == nil || bbox.Contains(grid.Center(hc.Cell)) {
				kept = append(kept, hc)
			}
		}
		matched = len(kept)
		for _, hc := range kept[min(offset, len(kept)):min(offset+limit, len(kept))] {
			fc.Append(hotspotFeature(hc, layer.Query.Res))
		}
	case "boundaries":
		bs, err := s.svc.Boundaries(c.UserContext())
		if err != nil {
			return err
		}
		var kept []hexbeat.Boundary
		for _, b := range bs {
			if bbox == nil || b.Geometry.Bound().Intersects(*bbox) {
				kept = append(kept, b)
			}
		}
		matched = len(kept)
		for _, b := range kept[min(offset, len(kept)):min(offset+limit, len(kept))] {
			f := geojson.NewFeature(b.Geometry)
			f.ID = b.ID
			f.Properties = map[string]any{"id": b.ID, "kind": b.Kind, "name": b.Name}
			fc.Append(f)
		}
	}
	fc.ExtraMembers = map[string]any{"numberReturned": len(fc.Features), "timeStamp": stamp(time.Now()), "links": pageLinks(c, offset, limit, len(fc.Features))}
	if matched >= 0 {
		fc.ExtraMembers["numberMatched"] = matched
	}
	b, err := json.Marshal(fc)
	if err != nil {
		return err
	}
	return s.sendGeoJSON(c, b)
}

func incidentFeature(r hexbeat.IncidentRecord) *geojson.Feature {
	f := geojson.NewFeature(orb.Point{r.Lon, r.Lat})
	f.ID = r.ID
	f.Properties = map[string]any{"id": r.ID, "time": stamp(r.OccurredAt), "precision": r.Precision.String(), "category": r.Category,
		"crime_id": r.SourceID, "location": r.Location, "lsoa_code": r.AreaCode, "lsoa_name": r.AreaName, "outcome": r.Outcome}
	return f
}

func hotspotFeature(hc hexbeat.HotspotCell, res int) *geojson.Feature {
	ring, _ := grid.Boundary(hc.Cell)
	f := geojson.NewFeature(orb.Polygon{ring})
	id := grid.String(hc.Cell)
	f.ID = id
	f.Properties = map[string]any{"cell": id, "res": res, "count": hc.Count, "value": hc.Value, "z": finite(hc.Z), "p": finite(hc.P),
		"p_fdr": finite(hc.PFDR), "bin": hc.Bin, "rank": hc.Rank}
	return f
}

func (s *Server) ogcItem(c *fiber.Ctx) error {
	col, err := findCollection(c.Params("id"))
	if err != nil {
		return err
	}
	fid := c.Params("fid")
	var f *geojson.Feature
	switch col.ID {
	case "incidents":
		id, err := strconv.ParseInt(fid, 10, 64)
		if err != nil {
			return hexbeat.Errorf(hexbeat.ENOTFOUND, "no incident %q", fid)
		}
		r, err := s.svc.Incident(c.UserContext(), id)
		if err != nil {
			return err
		}
		f = incidentFeature(r)
	case "boundaries":
		b, err := s.svc.Boundary(c.UserContext(), fid)
		if err != nil {
			return err
		}
		f = geojson.NewFeature(b.Geometry)
		f.ID = b.ID
		f.Properties = map[string]any{"id": b.ID, "kind": b.Kind, "name": b.Name}
	case "hotspots":
		p := newParams(c, col.Extra...)
		hq := parseHotspotQuery(p)
		if err := p.err(); err != nil {
			return err
		}
		cell, err := grid.Parse(fid)
		if err != nil {
			return hexbeat.Errorf(hexbeat.ENOTFOUND, "no cell %q", fid)
		}
		layer, err := s.svc.Hotspots(c.UserContext(), hq)
		if err != nil {
			return err
		}
		for _, hc := range layer.Cells {
			if hc.Cell == cell {
				f = hotspotFeature(hc, layer.Query.Res)
			}
		}
		if f == nil {
			return hexbeat.Errorf(hexbeat.ENOTFOUND, "cell %s is not in this hotspot layer's study area", fid)
		}
	}
	b, err := json.Marshal(f)
	if err != nil {
		return err
	}
	return s.sendGeoJSON(c, b)
}

package api

import (
	"github.com/gofiber/fiber/v2"
	"github.com/hexbeat/hexbeat/internal/catalog"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/paulmach/orb"
)

// A layer is a catalogue layer (catalog.Layers) with what the OGC API says of it.
type layer struct {
	catalog.Layer
	ogcLayer
}

// ogcLayer is what the OGC API adds to a layer.
type ogcLayer struct {
	extent extent // where its features lie, for the collection's spatial extent
	kept   bool   // made of the incidents and boundaries alone: its OGC pages are cut from one kept computation (ogcpages.go)
	// pages, when set, gives the layer's OGC pages from what the server holds, encoding
	// only the features of a page (ogcpages.go); else they are cut from the built layer.
	pages func(s *Server, c *fiber.Ctx, p *catalog.Params, bbox *orb.Bound) (*pagedLayer, error)
}

var ogcLayers = map[string]ogcLayer{
	"incidents":                {extent: extentIncidents},
	"cells":                    {extent: extentCells, kept: true},
	"hotspots":                 {extent: extentCells, kept: true},
	"emerging":                 {extent: extentCells, kept: true},
	"outliers":                 {extent: extentCells, kept: true},
	"change":                   {extent: extentCells, kept: true},
	"boundaries":               {extent: extentBoundaries, kept: true, pages: (*Server).boundaryPages},
	"section60-proposals":      {extent: extentCells},
	"section60-authorisations": {},
	"retailers":                {extent: extentRetailers, pages: (*Server).retailerPages},
	"test-purchase-targets":    {extent: extentRetailers},
	"camera-register":          {extent: extentCameras},
	"cameras":                  {extent: extentCells},
}

// layers are the catalogue's layers, in its order. A layer added to the catalogue needs its
// line in ogcLayers (an empty one says it has no extent): the server does not start
// without it, so no test can miss it.
var layers = func() []layer {
	var out []layer
	for _, l := range catalog.Layers() {
		o, ok := ogcLayers[l.ID]
		if !ok {
			panic("api: the catalogue's layer " + l.ID + " has no entry in ogcLayers")
		}
		out = append(out, layer{Layer: l, ogcLayer: o})
	}
	return out
}()

// findLayer returns the layer with id, or ENOTFOUND; EFORBIDDEN when the caller's key
// may not read it.
func findLayer(c *fiber.Ctx, id string) (layer, error) {
	for _, l := range layers {
		if l.ID == id {
			if !mayRead(c, l.Perm) {
				return l, hexbeat.Errorf(hexbeat.EFORBIDDEN, "a %s key may not read %s (it needs the %q permission)", c.Locals("role"), id, l.Perm)
			}
			return l, nil
		}
	}
	return layer{}, hexbeat.Errorf(hexbeat.ENOTFOUND, "no layer %q (see /ogc/collections)", id)
}

// csvAllowed refuses a CSV download of a reading route to a key without the export
// permission: downloads are an analyst's (docs/architecture.md, "Security"), as /api/v1/export is.
func csvAllowed(c *fiber.Ctx) error {
	if !mayRead(c, hexbeat.PermExport) {
		return hexbeat.Errorf(hexbeat.EFORBIDDEN, "a CSV download needs the %q permission (an analyst's key)", hexbeat.PermExport)
	}
	return nil
}

// mayRead reports whether the request's key holds perm (no key in open mode: yes).
func mayRead(c *fiber.Ctx, perm hexbeat.Permission) bool {
	role, ok := c.Locals("role").(hexbeat.Role)
	return !ok || role.Allows(perm)
}

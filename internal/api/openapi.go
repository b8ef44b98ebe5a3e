package api

import (
	"html"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/hexbeat/hexbeat/internal/catalog"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
)

// The OpenAPI 3 document is built from the route table (every /api/v1 route registered
// through handle), with each route's summary and query parameters from routeDocs.

type routeDoc struct {
	Summary string
	Params  []string // query parameters
	Body    string   // what the JSON body holds, for POST routes
	Upload  bool     // the body is a file, not JSON
}

var routeDocs = map[string]routeDoc{
	"GET /api/v1/status":     {Summary: "What the server holds: demo or not, incidents, months, categories"},
	"GET /api/v1/categories": {Summary: "The crime category taxonomy"},
	"POST /api/v1/imports": {Summary: "Import a file (the request body: police.uk CSV, a force's own CSV with lon, lat, time and category named, GeoJSON, a zipped Shapefile or a GeoPackage (WGS 84 or British National Grid), a retailer or camera register, or a ZIP of them such as a data.police.uk download); each file in one transaction, as hexbeat import; a refused file is a 422 naming its line",
		Params: importParams, Body: "the file itself, at most 32 MiB", Upload: true},
	"GET /api/v1/cells":                                    {Summary: "Incident counts per H3 cell (GeoJSON; notes name a period outside the data held)", Params: catalog.LayerParams},
	"GET /api/v1/cells/{cell}":                             {Summary: "One cell: incidents by category over the period and month by month", Params: []string{"from", "to", "category"}},
	"GET /api/v1/hotspots":                                 {Summary: "A hotspot layer: value, Gi* z, p, p_fdr, bin, rank per study-area cell; the layer's global Moran's I; k=auto chooses the Gi* radius from Moran's I by radius (scale); notes name a period outside the data held", Params: catalog.HotspotParams},
	"GET /api/v1/outliers":                                 {Summary: "Clusters and outliers: Anselin's local Moran's I per study-area cell (row-standardised, k rings), its z, p and FDR-adjusted p, and each significant cell's type: HH, LL, HL (a high cell among low) or LH", Params: catalog.OutlierParams},
	"GET /api/v1/emerging":                                 {Summary: "Emerging hot spot categories per cell; notes name slices with no data held and a series too short for a trend", Params: catalog.EmergingParams},
	"GET /api/v1/change":                                   {Summary: "Crime type x (period A, period B, +/-, %) and the change per cell", Params: catalog.ChangeParams},
	"GET /api/v1/evaluate":                                 {Summary: "Rolling-origin forecast backtest: hit rate, PAI, RRI per method", Params: append(append([]string{}, catalog.LayerParams...), "train_months", "methods", "coverage", "weight", "half_life_days", "bandwidth_m", "k")},
	"GET /api/v1/boundaries":                               {Summary: "The boundaries (GeoJSON); geometry=bbox lists them with their boxes and no outlines", Params: []string{"kind", "geometry"}},
	"GET /api/v1/boundaries/{id}":                          {Summary: "One boundary"},
	"POST /api/v1/cameras/plan":                            {Summary: "Mobile CCTV sites covering the most weighted incidents; without existing, the register's fixed cameras in service count as existing", Body: "k, radius_m, candidates, existing, existing_on, min_spacing_m, from, to, area, categories, res, weight"},
	"GET /api/v1/cameras":                                  {Summary: "The camera register (GeoJSON): fixed and mobile CCTV with the days in service", Params: catalog.CameraRegisterParams},
	"POST /api/v1/cameras":                                 {Summary: "Record a camera in the register, or replace the one with its id (a mobile unit moved, a camera taken out of service); audited", Body: "id, name, kind (fixed or mobile), lon, lat, active_from, active_to"},
	"GET /api/v1/retailers":                                {Summary: "The retailer register with test history"},
	"POST /api/v1/retailers/{id}/tests":                    {Summary: "Record a test purchase", Body: "date, result (pass or fail), notes"},
	"GET /api/v1/test-purchase/targets":                    {Summary: "Retailers ranked for test purchases, with the parts of each score", Params: append(slices.Clone(catalog.TargetParams), "format")},
	"POST /api/v1/section60/proposals":                     {Summary: "Candidate Section 60 areas with their evidence", Body: "window, from, to, area, categories, res, k, alpha, weight, max_area_km2, target_share"},
	"POST /api/v1/section60/authorisations":                {Summary: "Record a Section 60 authorisation (the statute enforced)", Body: "area, grounds, officer, rank, start, end, proposal"},
	"GET /api/v1/section60/authorisations":                 {Summary: "The Section 60 register (GeoJSON)", Params: []string{"status"}},
	"GET /api/v1/section60/authorisations/{id}":            {Summary: "One authorisation"},
	"POST /api/v1/section60/authorisations/{id}/extend":    {Summary: "The one extension s60(3) allows", Body: "officer, rank, end, at, reason"},
	"POST /api/v1/section60/authorisations/{id}/cancel":    {Summary: "Cancel an authorisation", Body: "officer, reason, at"},
	"POST /api/v1/section60/authorisations/{id}/informed":  {Summary: "Record that a superintendent was informed of an inspector's or chief inspector's authorisation (s60(3A)); until then it is pending", Body: "officer, rank, at"},
	"POST /api/v1/section60/authorisations/{id}/notices":   {Summary: "Record a notice given to the community about an authorisation, before, during or after it", Body: "at, stage (before|during|after), how, to, text"},
	"GET /api/v1/section60/authorisations/{id}/scrutiny":   {Summary: "Stop-and-search scrutiny report, with searches per 1,000 residents of each group (JSON or HTML)", Params: []string{"format"}},
	"GET /api/v1/section60/authorisations/{id}/evaluation": {Summary: "Once an authorisation has ended: its searches, finds, arrests and disproportionality, and the recorded crimes of its categories in the area before, during and after against the rest of the LPA (JSON or printable HTML); audited", Params: []string{"lpa", "category", "format"}},
	"GET /api/v1/stop-search/disproportionality/lsoas":     {Summary: "The map's layer: searches per 1,000 residents of a group in each LSOA of the area whose outline is held, and the ratio to White people's rate there (GeoJSON); the LSOAs without an outline are listed", Params: []string{"area", "from", "to", "legislation", "ethnicity", "group"}},
	"POST /api/v1/population":                              {Summary: "The residents of a drawn area by broad ethnic group", Body: "area (a GeoJSON Polygon or MultiPolygon)"},
	"POST /api/v1/stop-search/disproportionality":          {Summary: "Disproportionality in a drawn area (as the GET for a boundary)", Body: "area (a GeoJSON Polygon or MultiPolygon), from, to, legislation, ethnicity"},
	"GET /api/v1/population":                               {Summary: "The residents of a boundary by broad ethnic group (Census 2021 by LSOA, the LSOAs whose population-weighted centroid it holds)", Params: []string{"area"}},
	"GET /api/v1/stop-search/disproportionality":           {Summary: "Stop and search against the resident population (Census 2021 by LSOA, placed by population-weighted centroids): searches per 1,000 residents of each ethnic group, the ratio to White people's rate with its 95 % interval, find and arrest rates (JSON or CSV)", Params: []string{"area", "from", "to", "legislation", "ethnicity", "format"}},
	"GET /api/v1/stop-search":                              {Summary: "Stop and search month by month: searches, outcome, find and arrest rates, who was searched; section 60 alone or all (JSON, CSV or printable HTML)", Params: []string{"from", "to", "area", "legislation", "format"}},
	"GET /api/v1/imports":                                  {Summary: "The imports held, newest first: id, kind, file, SHA-256, when, rows read and added"},
	"DELETE /api/v1/imports/{id}":                          {Summary: "Withdraw an import of incidents, searches or outcomes (admin): its rows go with it, audited; a register or the demo is refused (409)"},
	"GET /api/v1/keys":                                     {Summary: "API keys (admin)"},
	"POST /api/v1/keys":                                    {Summary: "Create an API key (admin); its secret is shown once", Body: "name, role"},
	"DELETE /api/v1/keys/{id}":                             {Summary: "Revoke an API key (admin)"},
	"GET /api/v1/audit":                                    {Summary: "The audit log (admin): events after an id, as JSON or one a line (format=ndjson) for a SIEM", Params: []string{"after", "limit", "format"}},
	"GET /api/v1/sessions":                                 {Summary: "The live sessions of people signed in through the identity provider (admin): who, role, when begun and last used; never their secrets"},
	"DELETE /api/v1/sessions/{id}":                         {Summary: "Ends a person's session (admin); audited"},
	"GET /api/v1/audit/verify":                             {Summary: "The audit log's hash chain recomputed (admin): its head, or the first row changed, removed or inserted behind the application's back"},
}

// docFor is a route's documentation; the downloads are described from their layers.
func docFor(method, path string) routeDoc {
	if d, ok := routeDocs[method+" "+path]; ok {
		return d
	}
	for _, l := range layers {
		if method == "GET" && path == "/api/v1/export/"+l.ID {
			return routeDoc{Summary: "Download " + strings.ToLower(l.Title[:1]) + l.Title[1:] + " as GeoJSON, CSV (id, lon, lat, properties, WKT) or NDJSON; audited",
				Params: l.Allowed("format", "bbox")}
		}
	}
	return routeDoc{}
}

var pathParam = regexp.MustCompile(`:([a-z]+)`)

// openAPIPath turns Fiber's /a/:id into OpenAPI's /a/{id}.
func openAPIPath(p string) string { return pathParam.ReplaceAllString(p, "{$1}") }

// outsideV1 documents the routes outside /api/v1: health, metrics, OGC API – Features
// (each collection with its own paths and parameters, as OGC's OpenAPI 3.0 conformance
// class asks of a server that declares it) and the vector tiles. Perm is empty where no
// key is needed.
func outsideV1(signIn bool) []documented {
	open := hexbeat.Permission("")
	read := hexbeat.PermRead
	out := []documented{
		{"GET", "/healthz", open, routeDoc{Summary: "The process is up (no key)"}},
		{"GET", "/readyz", open, routeDoc{Summary: "The store is reachable and the index loaded (no key); 503 until then"}},
		{"GET", "/metrics", read, routeDoc{Summary: "Prometheus metrics: requests by route and status, durations, the index, the answer cache"}},
		{"GET", "/api/v1/openapi.json", open, routeDoc{Summary: "This document (no key)"}},
		{"GET", "/api/v1/docs", open, routeDoc{Summary: "The routes as an HTML page (no key)"}},
		{"GET", "/ogc", read, routeDoc{Summary: "OGC API – Features landing page"}},
		{"GET", "/ogc/conformance", read, routeDoc{Summary: "OGC API – Features conformance classes"}},
		{"GET", "/ogc/collections", read, routeDoc{Summary: "The collections the key may read"}},
		{"GET", "/auth/config", open, routeDoc{Summary: "Whether people sign in through the force's identity provider, and where (no key)"}},
	}
	if signIn {
		out = append(out,
			documented{"GET", "/auth/login", open, routeDoc{Summary: "Sends the browser to the identity provider (OpenID Connect, code flow with PKCE)"}},
			documented{"GET", "/auth/callback", open, routeDoc{Summary: "The provider's redirect: makes the session (an HttpOnly cookie) and returns to the map; a refused sign-in is a page saying why"}},
			documented{"POST", "/auth/logout", open, routeDoc{Summary: "Ends the session (with its X-CSRF-Token) and says where to end the provider's"}})
	}
	for _, l := range layers {
		c := "/ogc/collections/" + l.ID
		out = append(out,
			documented{"GET", c, l.Perm, routeDoc{Summary: "Collection: " + l.Title}},
			documented{"GET", c + "/items", l.Perm, routeDoc{Summary: l.Title + " as GeoJSON, a page at a time with next links", Params: l.itemParams()}},
			documented{"GET", c + "/items/{featureId}", l.Perm, routeDoc{Summary: "One feature of " + l.Title}})
	}
	for _, t := range []struct {
		layer   string
		params  []string
		summary string
	}{{"hotspots", catalog.HotspotQueryParams, "; res follows the zoom (zoom − 3) unless given"}, {"cells", cellTileParams, "; res follows the zoom (zoom − 3) unless given"},
		{"boundaries", []string{"kind", "v"}, ", each clipped to the tile with a buffer of 64 units"}} {
		out = append(out,
			documented{"GET", "/tiles/" + t.layer + ".json", read, routeDoc{Summary: "TileJSON 3.0 of the " + t.layer + " vector tiles", Params: t.params}},
			documented{"GET", "/tiles/" + t.layer + "/{z}/{x}/{y}.mvt", read, routeDoc{
				Summary: "A Mapbox vector tile (2.1) of the " + t.layer + " layer" + t.summary, Params: t.params}})
	}
	return out
}

// documented is a route as the OpenAPI document describes it.
type documented struct {
	Method, Path string
	Perm         hexbeat.Permission
	Doc          routeDoc
}

// documentedRoutes are the routes the API's description holds: every route but the
// front end's files.
func (s *Server) documentedRoutes() []documented {
	var routes []documented
	for _, rt := range s.table {
		path := openAPIPath(rt.Path)
		routes = append(routes, documented{rt.Method, path, rt.Perm, docFor(rt.Method, path)})
	}
	return append(routes, outsideV1(s.cfg.SignIn != nil)...)
}

// OpenAPI returns the OpenAPI 3 document of the routes.
func (s *Server) OpenAPI() fiber.Map {
	paths := fiber.Map{}
	for _, rt := range s.documentedRoutes() {
		item, _ := paths[rt.Path].(fiber.Map)
		if item == nil {
			item = fiber.Map{}
			paths[rt.Path] = item
		}
		item[strings.ToLower(rt.Method)] = operation(rt)
	}
	return fiber.Map{
		"openapi": "3.0.3",
		"info":    fiber.Map{"title": "hexbeat", "version": "1", "description": "Crime hotspots on H3 hexagons and deployment plans. Errors are RFC 9457 problem+json."},
		"paths":   paths,
		"components": fiber.Map{
			"securitySchemes": fiber.Map{"bearer": fiber.Map{"type": "http", "scheme": "bearer", "description": "an API key from `hexbeat keys create`"}},
			"responses": fiber.Map{"Problem": fiber.Map{"description": "RFC 9457 problem details with per-field errors",
				"content": fiber.Map{"application/problem+json": fiber.Map{"schema": fiber.Map{"type": "object",
					"properties": fiber.Map{"type": fiber.Map{"type": "string"}, "title": fiber.Map{"type": "string"}, "status": fiber.Map{"type": "integer"},
						"detail": fiber.Map{"type": "string"}, "errors": fiber.Map{"type": "array"}}}}}}},
		},
	}
}

// operation is one route's OpenAPI operation object.
func operation(rt documented) fiber.Map {
	problem := fiber.Map{"$ref": "#/components/responses/Problem"}
	op := fiber.Map{
		"summary":     rt.Doc.Summary,
		"operationId": strings.ToLower(rt.Method) + strings.NewReplacer("/api/v1", "", "/", "_", "{", "", "}", "", "-", "_", ".", "_").Replace(rt.Path),
		"responses":   fiber.Map{"200": fiber.Map{"description": "the answer (GeoJSON for layers)"}, "400": problem, "404": problem, "413": problem, "429": problem, "503": problem},
	}
	if rt.Perm == "" {
		op["security"] = []fiber.Map{}
	} else {
		op["security"] = []fiber.Map{{"bearer": []string{}}}
		op["description"] = "Needs a key whose role holds the `" + string(rt.Perm) + "` permission."
		op["responses"].(fiber.Map)["401"] = problem
		op["responses"].(fiber.Map)["403"] = problem
	}
	var params []fiber.Map
	for _, m := range openAPIParam.FindAllStringSubmatch(rt.Path, -1) {
		params = append(params, fiber.Map{"name": m[1], "in": "path", "required": true, "schema": fiber.Map{"type": "string"}})
	}
	for _, name := range rt.Doc.Params {
		params = append(params, fiber.Map{"name": name, "in": "query", "required": false, "schema": paramSchema(rt.Path, name)})
	}
	if len(params) > 0 {
		op["parameters"] = params
	}
	switch {
	case rt.Method == fiber.MethodPost && rt.Doc.Upload:
		op["requestBody"] = fiber.Map{"required": true, "description": rt.Doc.Body,
			"content": fiber.Map{"application/octet-stream": fiber.Map{"schema": fiber.Map{"type": "string", "format": "binary"}}}}
	case rt.Method == fiber.MethodPost:
		op["requestBody"] = fiber.Map{"required": true, "description": "JSON object: " + rt.Doc.Body,
			"content": fiber.Map{"application/json": fiber.Map{"schema": fiber.Map{"type": "object"}}}}
	}
	return op
}

var openAPIParam = regexp.MustCompile(`\{([A-Za-z]+)\}`)

// paramSchema types the query parameters whose bounds a client plans by: QGIS and GDAL
// size their OGC pages by limit's maximum. The others are strings, checked by the route.
func paramSchema(path, name string) fiber.Map {
	switch {
	case name == "res":
		return fiber.Map{"type": "integer", "minimum": 0, "maximum": 15}
	case strings.HasPrefix(path, "/ogc/") && name == "limit":
		return fiber.Map{"type": "integer", "minimum": 1, "maximum": ogcMaxLimit, "default": ogcDefaultLimit}
	case strings.HasPrefix(path, "/ogc/") && name == "offset":
		return fiber.Map{"type": "integer", "minimum": 0, "default": 0}
	}
	return fiber.Map{"type": "string"}
}

// openapi answers GET /api/v1/openapi.json: the API's description (no key needed: it
// holds no data).
func (s *Server) openapi(c *fiber.Ctx) error { return c.JSON(s.OpenAPI()) }

// apiDocs answers GET /api/v1/docs: a plain page listing the routes.
func (s *Server) apiDocs(c *fiber.Ctx) error {
	var rows []string
	for _, rt := range s.documentedRoutes() {
		perm := string(rt.Perm)
		if perm == "" {
			perm = "none"
		}
		rows = append(rows, "<tr><td>"+rt.Method+"</td><td><code>"+html.EscapeString(rt.Path)+"</code></td><td>"+perm+"</td><td>"+html.EscapeString(rt.Doc.Summary)+
			"</td><td>"+html.EscapeString(strings.Join(rt.Doc.Params, ", ")+rt.Doc.Body)+"</td></tr>")
	}
	sort.Strings(rows)
	c.Set(fiber.HeaderContentType, "text/html; charset=utf-8")
	return c.SendString(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>hexbeat API</title><style>body{font:14px system-ui;margin:2em}td,th{border:1px solid #999;padding:.2em .5em}table{border-collapse:collapse}</style></head><body><h1>hexbeat API</h1><p>The machine-readable description: <a href="/api/v1/openapi.json">/api/v1/openapi.json</a>. Send <code>Authorization: Bearer &lt;key&gt;</code>.</p><table><tr><th>method</th><th>path</th><th>permission</th><th>what</th><th>parameters / body</th></tr>` + strings.Join(rows, "") + `</table></body></html>`)
}

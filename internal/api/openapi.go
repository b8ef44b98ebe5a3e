package api

import (
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// The OpenAPI 3 document is built from the route table (every /api/v1 route registered
// through handle), with each route's summary and query parameters from routeDocs.

type routeDoc struct {
	Summary string
	Params  []string // query parameters
	Body    string   // what the JSON body holds, for POST routes
}

var layerParams = []string{"res", "from", "to", "category", "area", "bbox"}

var routeDocs = map[string]routeDoc{
	"GET /api/v1/status":                                 {Summary: "What the server holds: demo or not, incidents, months, categories"},
	"GET /api/v1/categories":                             {Summary: "The crime category taxonomy"},
	"GET /api/v1/cells":                                  {Summary: "Incident counts per H3 cell (GeoJSON)", Params: layerParams},
	"GET /api/v1/cells/{cell}":                           {Summary: "One cell: incidents by category over the period and month by month", Params: []string{"from", "to", "category"}},
	"GET /api/v1/hotspots":                               {Summary: "A hotspot layer: value, Gi* z, p, p_fdr, bin, rank per study-area cell", Params: hotspotParams},
	"GET /api/v1/emerging":                               {Summary: "Emerging hot spot categories per cell", Params: emergingParams},
	"GET /api/v1/change":                                 {Summary: "Crime type x (period A, period B, +/-, %) and the change per cell", Params: changeParams},
	"GET /api/v1/evaluate":                               {Summary: "Rolling-origin forecast backtest: hit rate, PAI, RRI per method", Params: append(append([]string{}, layerParams...), "train_months", "methods", "coverage", "weight", "half_life_days", "bandwidth_m", "k")},
	"GET /api/v1/boundaries":                             {Summary: "The boundaries (GeoJSON)"},
	"GET /api/v1/boundaries/{id}":                        {Summary: "One boundary"},
	"POST /api/v1/cameras/plan":                          {Summary: "Mobile CCTV sites covering the most weighted incidents", Body: "k, radius_m, candidates, existing, min_spacing_m, from, to, area, categories, res, weight"},
	"GET /api/v1/retailers":                              {Summary: "The retailer register with test history"},
	"POST /api/v1/retailers/{id}/tests":                  {Summary: "Record a test purchase", Body: "date, result (pass or fail), notes"},
	"GET /api/v1/test-purchase/targets":                  {Summary: "Retailers ranked for test purchases, with the parts of each score", Params: append(slices.Clone(targetParams), "format")},
	"POST /api/v1/section60/proposals":                   {Summary: "Candidate Section 60 areas with their evidence", Body: "window, from, to, area, categories, res, k, alpha, weight, max_area_km2, target_share"},
	"POST /api/v1/section60/authorisations":              {Summary: "Record a Section 60 authorisation (the statute enforced)", Body: "area, grounds, officer, rank, start, end, proposal"},
	"GET /api/v1/section60/authorisations":               {Summary: "The Section 60 register (GeoJSON)", Params: []string{"status"}},
	"GET /api/v1/section60/authorisations/{id}":          {Summary: "One authorisation"},
	"POST /api/v1/section60/authorisations/{id}/extend":  {Summary: "The one extension s60(3) allows", Body: "officer, rank, end, at, reason"},
	"POST /api/v1/section60/authorisations/{id}/cancel":  {Summary: "Cancel an authorisation", Body: "officer, reason, at"},
	"GET /api/v1/section60/authorisations/{id}/scrutiny": {Summary: "Stop-and-search scrutiny report (JSON or HTML)", Params: []string{"format"}},
	"GET /api/v1/keys":                                   {Summary: "API keys (admin)"},
	"POST /api/v1/keys":                                  {Summary: "Create an API key (admin); its secret is shown once", Body: "name, role"},
	"DELETE /api/v1/keys/{id}":                           {Summary: "Revoke an API key (admin)"},
	"GET /api/v1/audit":                                  {Summary: "The audit log (admin)", Params: []string{"after", "limit"}},
}

// docFor is a route's documentation; the downloads are described from their layers.
func docFor(method, path string) routeDoc {
	if d, ok := routeDocs[method+" "+path]; ok {
		return d
	}
	for _, l := range layers {
		if method == "GET" && path == "/api/v1/export/"+l.ID {
			return routeDoc{Summary: "Download " + strings.ToLower(l.Title[:1]) + l.Title[1:] + " as GeoJSON, CSV (id, lon, lat, properties, WKT) or NDJSON; audited",
				Params: l.allowed("format", "bbox")}
		}
	}
	return routeDoc{}
}

var pathParam = regexp.MustCompile(`:([a-z]+)`)

// openAPIPath turns Fiber's /a/:id into OpenAPI's /a/{id}.
func openAPIPath(p string) string { return pathParam.ReplaceAllString(p, "{$1}") }

// OpenAPI returns the OpenAPI 3 document of the /api/v1 routes.
func (s *Server) OpenAPI() fiber.Map {
	paths := fiber.Map{}
	for _, rt := range s.table {
		path := openAPIPath(rt.Path)
		doc := docFor(rt.Method, path)
		op := fiber.Map{
			"summary":     doc.Summary,
			"operationId": strings.ToLower(rt.Method) + strings.NewReplacer("/api/v1", "", "/", "_", "{", "", "}", "", "-", "_").Replace(path),
			"security":    []fiber.Map{{"bearer": []string{}}},
			"description": "Needs a key whose role holds the `" + string(rt.Perm) + "` permission.",
			"responses": fiber.Map{
				"200": fiber.Map{"description": "the answer (GeoJSON for layers)"},
				"400": fiber.Map{"$ref": "#/components/responses/Problem"}, "401": fiber.Map{"$ref": "#/components/responses/Problem"},
				"403": fiber.Map{"$ref": "#/components/responses/Problem"}, "404": fiber.Map{"$ref": "#/components/responses/Problem"},
				"429": fiber.Map{"$ref": "#/components/responses/Problem"}, "503": fiber.Map{"$ref": "#/components/responses/Problem"},
			},
		}
		var params []fiber.Map
		for _, m := range pathParam.FindAllStringSubmatch(rt.Path, -1) {
			params = append(params, fiber.Map{"name": m[1], "in": "path", "required": true, "schema": fiber.Map{"type": "string"}})
		}
		for _, name := range doc.Params {
			params = append(params, fiber.Map{"name": name, "in": "query", "required": false, "schema": fiber.Map{"type": "string"}})
		}
		if len(params) > 0 {
			op["parameters"] = params
		}
		if rt.Method == fiber.MethodPost {
			op["requestBody"] = fiber.Map{"required": true, "description": "JSON object: " + doc.Body,
				"content": fiber.Map{"application/json": fiber.Map{"schema": fiber.Map{"type": "object"}}}}
		}
		item, _ := paths[path].(fiber.Map)
		if item == nil {
			item = fiber.Map{}
			paths[path] = item
		}
		item[strings.ToLower(rt.Method)] = op
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

// openapi answers GET /api/v1/openapi.json: the API's description (no key needed: it
// holds no data).
func (s *Server) openapi(c *fiber.Ctx) error { return c.JSON(s.OpenAPI()) }

// apiDocs answers GET /api/v1/docs: a plain page listing the routes.
func (s *Server) apiDocs(c *fiber.Ctx) error {
	var rows []string
	for _, rt := range s.table {
		path := openAPIPath(rt.Path)
		doc := docFor(rt.Method, path)
		rows = append(rows, "<tr><td>"+rt.Method+"</td><td><code>"+path+"</code></td><td>"+string(rt.Perm)+"</td><td>"+doc.Summary+"</td><td>"+strings.Join(doc.Params, ", ")+doc.Body+"</td></tr>")
	}
	sort.Strings(rows)
	c.Set(fiber.HeaderContentType, "text/html; charset=utf-8")
	return c.SendString(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>hexbeat API</title><style>body{font:14px system-ui;margin:2em}td,th{border:1px solid #999;padding:.2em .5em}table{border-collapse:collapse}</style></head><body><h1>hexbeat API</h1><p>The machine-readable description: <a href="/api/v1/openapi.json">/api/v1/openapi.json</a>. Send <code>Authorization: Bearer &lt;key&gt;</code>.</p><table><tr><th>method</th><th>path</th><th>permission</th><th>what</th><th>parameters / body</th></tr>` + strings.Join(rows, "") + `</table></body></html>`)
}

package api

import (
	"path"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/gofiber/fiber/v2"
	"github.com/hexbeat/hexbeat/internal/encode"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
)

// importParams are those of POST /api/v1/imports: the file's name, and what `hexbeat
// import` takes as flags (a forced kind, a force's own CSV's columns, a time zone).
var importParams = []string{"crs", "x", "y", "time_of_day", "encoding", "gridref", "name", "kind", "lon", "lat", "time", "category", "id", "location", "boundary_kind", "tz"}

// uploadLimit is the largest upload: a year of one force's street, outcomes and
// stop-and-search files, zipped, is about a third of it; bigger loads go through
// `hexbeat import` on the server.
const uploadLimit = 32 << 20

// importUpload answers POST /api/v1/imports?name=FILE: the body is the file itself (a
// police.uk CSV, a force's own CSV with its columns named, GeoJSON, a retailer or camera
// register, or a ZIP of any of them, such as a data.police.uk download), imported as `hexbeat
// import` imports it. One file refused is a 422 naming the line; an archive answers with
// each member's report, refused or not.
func (s *Server) importUpload(c *fiber.Ctx) error {
	p := newParams(c, importParams...)
	name := p.One("name")
	if name == "" {
		name = "upload"
	}
	if len(name) > 200 || strings.IndexFunc(name, unicode.IsControl) >= 0 {
		p.Fail("name", "give the file's name, at most 200 characters with no control characters")
	}
	name = path.Base(strings.ReplaceAll(name, `\`, "/")) // a name, never a path
	opts := hexbeat.ImportOptions{Kind: p.One("kind"), BoundaryKind: p.One("boundary_kind"),
		Lon: p.One("lon"), Lat: p.One("lat"), Time: p.One("time"), Category: p.One("category"), ID: p.One("id"), Location: p.One("location"),
		CRS: p.One("crs"), X: p.One("x"), Y: p.One("y"), TimeOfDay: p.One("time_of_day"), Encoding: p.One("encoding"), GridRef: p.One("gridref")}
	p.Check(opts.Validate())
	tz := p.One("tz")
	if tz == "" {
		tz = "Europe/London"
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		p.Fail("tz", "unknown time zone %q (an IANA name such as Europe/London)", tz)
	}
	opts.TimeZone = loc
	body := c.Body()
	if len(body) == 0 {
		p.Fail("body", "send the file itself as the request body")
	}
	if err := p.Err(); err != nil {
		return err
	}
	results, err := s.imports.Import(c.UserContext(), name, body, opts, actor(c))
	if err != nil {
		return err
	}
	if len(results) == 1 && results[0].Refused != "" {
		return hexbeat.Errorf(hexbeat.EUNPROCESSABLE, "%s", results[0].Refused)
	}
	files := make([]fiber.Map, len(results))
	added, refused := 0, 0
	for i, r := range results {
		if r.Refused != "" {
			refused++
			files[i] = fiber.Map{"file": r.File, "refused": r.Refused}
			continue
		}
		added += r.Added
		rejected := 0
		for _, x := range r.Rejected {
			rejected += x.Count
		}
		files[i] = fiber.Map{"file": r.File, "kind": r.Kind, "batch": r.Batch, "rows": r.Rows, "added": r.Added, "duplicates": r.Duplicates,
			"rejected": r.Rejected, "rejected_total": rejected, "without_location": r.WithoutLocation, "summary": r.Summary}
	}
	st := s.state.Status(c.UserContext())
	return c.JSON(fiber.Map{"files": files, "added": added, "refused": refused, "incidents": st.Incidents})
}

// listImports answers GET /api/v1/imports (import): the imports the store holds, newest
// first, each with the id that DELETE /api/v1/imports/{id} takes.
func (s *Server) listImports(c *fiber.Ctx) error {
	if err := newParams(c).Err(); err != nil {
		return err
	}
	bs, err := s.imports.Imports(c.UserContext())
	if err != nil {
		return err
	}
	out := make([]fiber.Map, len(bs))
	for i, b := range bs {
		out[i] = batchJSON(b)
	}
	return c.JSON(fiber.Map{"imports": out})
}

func batchJSON(b hexbeat.Batch) fiber.Map {
	return fiber.Map{"id": b.ID, "kind": b.Kind, "source": b.Source, "sha256": b.SHA256, "imported_at": encode.Stamp(b.ImportedAt), "rows": b.Rows, "added": b.Added, "withdrawable": hexbeat.Withdrawable(b.Kind)}
}

// withdrawImport answers DELETE /api/v1/imports/{id} (admin): the import's incidents,
// searches or outcomes are removed with it, audited; the answer says what went. A register
// or the demo is refused (409).
func (s *Server) withdrawImport(c *fiber.Ctx) error {
	if err := newParams(c).Err(); err != nil {
		return err
	}
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil {
		return hexbeat.Errorf(hexbeat.ENOTFOUND, "no import %q", c.Params("id"))
	}
	w, err := s.imports.WithdrawImport(c.UserContext(), id, actor(c))
	if err != nil {
		return err
	}
	st := s.state.Status(c.UserContext())
	return c.JSON(fiber.Map{"withdrawn": batchJSON(w.Batch), "incidents": w.Incidents, "stop_searches": w.StopSearches, "outcomes": w.Outcomes,
		"incidents_held": st.Incidents})
}

package api

import (
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/hexbeat/hexbeat/internal/catalog"
	"github.com/hexbeat/hexbeat/internal/encode"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// areaGeometry reads a GeoJSON Polygon or MultiPolygon, or a Feature holding one.
func areaGeometry(raw json.RawMessage, fail func(field, format string, args ...any)) orb.Geometry {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	var probe struct{ Type string }
	if err := json.Unmarshal(raw, &probe); err != nil {
		fail("area", "must be a GeoJSON Polygon or MultiPolygon: %v", err)
		return nil
	}
	var g orb.Geometry
	switch probe.Type {
	case "Feature":
		f, err := geojson.UnmarshalFeature(raw)
		if err != nil {
			fail("area", "not a valid Feature: %v", err)
			return nil
		}
		g = f.Geometry
	default:
		gg, err := geojson.UnmarshalGeometry(raw)
		if err != nil {
			fail("area", "not a valid GeoJSON geometry: %v", err)
			return nil
		}
		g = gg.Geometry()
	}
	switch g.(type) {
	case orb.Polygon, orb.MultiPolygon:
		b := g.Bound()
		if !hexbeat.ValidLonLat(b.Min[0], b.Min[1]) || !hexbeat.ValidLonLat(b.Max[0], b.Max[1]) {
			fail("area", "coordinates must be [longitude, latitude] in range")
			return nil
		}
		return g
	}
	fail("area", "must be a Polygon or MultiPolygon, got %s", catalog.GeometryType(g))
	return nil
}

// rfc3339 reads an RFC 3339 time member; zero when empty.
func rfc3339(s, field string, fail func(field, format string, args ...any)) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		fail(field, "must be an RFC 3339 time such as 2025-06-01T18:00:00Z, got %q", s)
	}
	return t.UTC()
}

// authorise answers POST /api/v1/section60/authorisations.
func (s *Server) authorise(c *fiber.Ctx) error {
	var body struct {
		Area     json.RawMessage `json:"area"`
		Grounds  string          `json:"grounds"`
		Officer  string          `json:"officer"`
		Rank     string          `json:"rank"`
		Start    string          `json:"start"`
		End      string          `json:"end"`
		Proposal string          `json:"proposal"`
	}
	if err := decodeBody(c, &body); err != nil {
		return err
	}
	var f hexbeat.FieldErrors
	a := hexbeat.Authorisation{Area: areaGeometry(body.Area, f.Add), Grounds: body.Grounds, Officer: signedOfficer(c, body.Officer, "officer", f.Add), Rank: body.Rank,
		Start: rfc3339(body.Start, "start", f.Add), End: rfc3339(body.End, "end", f.Add), Proposal: body.Proposal}
	if err := f.Err("invalid authorisation"); err != nil {
		return err
	}
	a, err := s.section60.Authorise(c.UserContext(), a, actor(c))
	if err != nil {
		return err
	}
	c.Status(fiber.StatusCreated)
	c.Location(fmt.Sprintf("/api/v1/section60/authorisations/%d", a.ID))
	return s.sendAuthorisation(c, a, time.Now().UTC())
}

func authorisationID(c *fiber.Ctx) (int64, error) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id < 1 {
		return 0, hexbeat.Errorf(hexbeat.ENOTFOUND, "no authorisation %q", c.Params("id"))
	}
	return id, nil
}

// extend answers POST /api/v1/section60/authorisations/{id}/extend.
func (s *Server) extend(c *fiber.Ctx) error {
	var body struct {
		Officer string `json:"officer"`
		Rank    string `json:"rank"`
		End     string `json:"end"`
		At      string `json:"at"`
		Reason  string `json:"reason"`
	}
	var x hexbeat.Extension
	return s.changeAuthorisation(c, &body, "invalid extension", func(f *hexbeat.FieldErrors) {
		x = hexbeat.Extension{Officer: signedOfficer(c, body.Officer, "officer", f.Add), Rank: body.Rank, End: rfc3339(body.End, "end", f.Add), At: rfc3339(body.At, "at", f.Add), Reason: body.Reason}
	}, func(ctx context.Context, id int64, actor string) (hexbeat.Authorisation, error) {
		return s.section60.Extend(ctx, id, x, actor)
	})
}

// cancel answers POST /api/v1/section60/authorisations/{id}/cancel.
func (s *Server) cancel(c *fiber.Ctx) error {
	var body struct {
		Officer string `json:"officer"`
		Reason  string `json:"reason"`
		At      string `json:"at"`
	}
	var at time.Time
	var officer string
	return s.changeAuthorisation(c, &body, "invalid cancellation", func(f *hexbeat.FieldErrors) {
		at = rfc3339(body.At, "at", f.Add)
		officer = signedOfficer(c, body.Officer, "officer", f.Add)
	}, func(ctx context.Context, id int64, actor string) (hexbeat.Authorisation, error) {
		return s.section60.Cancel(ctx, id, officer, body.Reason, at, actor)
	})
}

// changeAuthorisation answers a POST that changes authorisation {id}: the body decoded
// into body, read by read (which collects its faults), the change made by change, and the
// authorisation as it now stands.
func (s *Server) changeAuthorisation(c *fiber.Ctx, body any, invalid string, read func(*hexbeat.FieldErrors),
	change func(ctx context.Context, id int64, actor string) (hexbeat.Authorisation, error)) error {
	id, err := authorisationID(c)
	if err != nil {
		return err
	}
	if err := decodeBody(c, body); err != nil {
		return err
	}
	var f hexbeat.FieldErrors
	read(&f)
	if err := f.Err(invalid); err != nil {
		return err
	}
	a, err := change(c.UserContext(), id, actor(c))
	if err != nil {
		return err
	}
	return s.sendAuthorisation(c, a, time.Now().UTC())
}

// authorisations answers GET /api/v1/section60/authorisations?status=active|past|all.
func (s *Server) authorisations(c *fiber.Ctx) error {
	return s.sendBody(c, newParams(c, "status"), s.cat.Authorisations)
}

// authorisation answers GET /api/v1/section60/authorisations/{id}.
func (s *Server) authorisation(c *fiber.Ctx) error {
	id, err := authorisationID(c)
	if err != nil {
		return err
	}
	a, err := s.section60.Authorisation(c.UserContext(), id)
	if err != nil {
		return err
	}
	return s.sendAuthorisation(c, a, time.Now().UTC())
}

func (s *Server) sendAuthorisation(c *fiber.Ctx, a hexbeat.Authorisation, now time.Time) error {
	b, err := json.Marshal(encode.AuthorisationFeature(a, now))
	if err != nil {
		return err
	}
	return s.sendGeoJSON(c, b)
}

// scrutiny answers GET /api/v1/section60/authorisations/{id}/scrutiny[?format=html].
func (s *Server) scrutiny(c *fiber.Ctx) error {
	p := newParams(c, "format")
	format := p.One("format")
	if format != "" && format != "json" && format != "html" {
		p.Fail("format", "must be json or html, got %q", format)
	}
	if err := p.Err(); err != nil {
		return err
	}
	id, err := authorisationID(c)
	if err != nil {
		return err
	}
	a, r, err := s.section60.Scrutiny(c.UserContext(), id)
	if err != nil {
		return err
	}
	d, why, err := s.section60.ScrutinyDispro(c.UserContext(), a)
	if err != nil {
		return err
	}
	s.labelData(c)
	report := scrutinyJSON(a, r)
	report.Dispro = disproSection(d, why)
	if format == "html" {
		var sb strings.Builder
		if err := scrutinyPage.Execute(&sb, report); err != nil {
			return err
		}
		c.Set(fiber.HeaderContentType, "text/html; charset=utf-8")
		return c.SendString(sb.String())
	}
	return c.JSON(report)
}

type scrutinyReport struct {
	Authorisation map[string]any `json:"authorisation"`
	searchFigures
	Months []monthCount `json:"stop_search_months"` // searches held in each month of the hours
	Note   string       `json:"note"`
	Dispro disproPart   `json:"disproportionality"`
}

// searchFigures are the stop-and-search figures of a scrutiny report and of each month of
// the stop-and-search summary.
type searchFigures struct {
	Searches      int             `json:"searches"`
	Section60     int             `json:"under_section_60"`
	Finds         int             `json:"finds"`
	FindsUnknown  int             `json:"finds_not_recorded"`
	FindRate      float64         `json:"find_rate"`
	Arrests       int             `json:"arrests"`
	ArrestRate    float64         `json:"arrest_rate"`
	NFA           int             `json:"no_further_action"`
	Outcomes      []hexbeat.Count `json:"outcomes"`
	Objects       []hexbeat.Count `json:"objects"`
	SelfEthnicity []hexbeat.Count `json:"self_defined_ethnicity"`
	OfficerEthnic []hexbeat.Count `json:"officer_defined_ethnicity"`
	AgeRanges     []hexbeat.Count `json:"age_ranges"`
	Genders       []hexbeat.Count `json:"genders"`
	Legislation   []hexbeat.Count `json:"legislation"`
	NoLocation    int             `json:"without_location"`
	NoLocationS60 int             `json:"without_location_section_60"`
}

func figuresOf(r hexbeat.Scrutiny) searchFigures {
	return searchFigures{Searches: r.Searches, Section60: r.UnderSection60, Finds: r.Linked, FindsUnknown: r.LinkedUnknown,
		FindRate: r.FindRate, Arrests: r.Arrests, ArrestRate: r.ArrestRate, NFA: r.NoFurtherAction, Outcomes: r.Outcomes, Objects: r.Objects,
		SelfEthnicity: r.SelfEthnicity, OfficerEthnic: r.OfficerEthnic, AgeRanges: r.AgeRanges, Genders: r.Genders, Legislation: r.Legislation,
		NoLocation: r.WithoutLocation, NoLocationS60: r.WithoutLocationSection60}
}

// monthCount is the number of stop-and-search records held for a month (YYYY-MM).
type monthCount struct {
	Month    string `json:"month"`
	Searches int    `json:"searches"`
}

func scrutinyJSON(a hexbeat.Authorisation, r hexbeat.Scrutiny) scrutinyReport {
	f := encode.AuthorisationFeature(a, time.Now().UTC())
	rep := scrutinyReport{Authorisation: f.Properties, searchFigures: figuresOf(r), Months: []monthCount{}}
	for _, m := range r.Months {
		rep.Months = append(rep.Months, monthCount{Month: m.Month.Format("2006-01"), Searches: m.Searches})
	}
	rep.Note = "Searches recorded in the imported police.uk stop-and-search data with a location inside the area, from the start to the end (extended or cancelled) of the authorisation. police.uk locations are approximate (snapped to map catalog.Points). " +
		scrutinyCoverage(rep.Months, r) + " A find is an outcome linked to the object of the search."
	return rep
}

// scrutinyCoverage says whether stop-and-search data is held for the months of the
// authorisation's hours (police.uk publishes a month's searches weeks after it ends: a
// report made before the force's file is imported counts nothing), and how many searches in
// those hours have no location and so cannot be counted in or out.
func scrutinyCoverage(months []monthCount, r hexbeat.Scrutiny) string {
	var missing []string
	for _, m := range months {
		if m.Searches == 0 {
			missing = append(missing, m.Month)
		}
	}
	switch {
	case len(months) == 0: // no hours at all (cancelled at its start)
		return noLocationNote(r)
	case len(missing) == len(months):
		return fmt.Sprintf("No stop-and-search data for %s has been imported, so the counts are no data, not no searches: import the force's stop-and-search file for %s.",
			strings.Join(missing, " or "), map[bool]string{true: "that month", false: "those months"}[len(missing) == 1])
	case len(missing) > 0:
		return fmt.Sprintf("No stop-and-search data for %s has been imported, so the counts are too low. ", strings.Join(missing, " or ")) + noLocationNote(r)
	}
	return noLocationNote(r)
}

// noLocationNote says how many searches in the authorisation's hours could not be placed.
func noLocationNote(r hexbeat.Scrutiny) string {
	if r.WithoutLocation == 0 {
		return "Every search recorded in these hours has a location."
	}
	what, verb := fmt.Sprintf("%d more searches", r.WithoutLocation), "have"
	if r.WithoutLocation == 1 {
		what, verb = "1 more search", "has"
	}
	if r.WithoutLocationSection60 > 0 {
		what += fmt.Sprintf(" (%d under section 60)", r.WithoutLocationSection60)
	}
	return what + " recorded in these hours " + verb + " no location in the data, so cannot be placed inside or outside the area; they are not counted above, which makes the counts above a lower bound."
}

var scrutinyPage = template.Must(template.New("scrutiny").Funcs(template.FuncMap{
	"pct": func(v float64) string { return fmt.Sprintf("%.1f%%", 100*v) },
	"num": func(v *float64, decimals int) string {
		if v == nil {
			return "–"
		}
		return strconv.FormatFloat(*v, 'f', decimals, 64)
	},
	"dict": func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	},
}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Section 60 scrutiny: authorisation {{.Authorisation.id}}</title>
<style>body{font:14px/1.4 system-ui,sans-serif;max-width:60em;margin:2em auto;color:#111}table{border-collapse:collapse;margin:.5em 0 1.5em}
td,th{border:1px solid #999;padding:.2em .6em;text-align:left}td.n{text-align:right}h2{margin-top:1.5em}@media print{body{margin:0}}</style></head>
<body>
<h1>Section 60 scrutiny report</h1>
<table>
<tr><th>Authorisation</th><td>{{.Authorisation.id}} ({{.Authorisation.status}})</td></tr>
<tr><th>Authorised by</th><td>{{.Authorisation.officer}}, {{.Authorisation.rank}}</td></tr>
<tr><th>In force</th><td>{{.Authorisation.start}} to {{.Authorisation.ends}} ({{.Authorisation.hours}} hours)</td></tr>
<tr><th>Area</th><td>{{.Authorisation.area_km2}} km²</td></tr>
<tr><th>Stop-and-search records held for its months</th><td>{{range $i, $m := .Months}}{{if $i}}; {{end}}{{$m.Month}}: {{$m.Searches}}{{end}}</td></tr>
<tr><th>Grounds</th><td>{{.Authorisation.grounds}}</td></tr>
{{template "informed" .Authorisation}}
</table>
{{template "notices" .Authorisation}}
<h2>Searches</h2>
<table>
<tr><th>Searches in the area and time</th><td class="n">{{.Searches}}</td></tr>
<tr><th>of which recorded under section 60</th><td class="n">{{.Section60}}</td></tr>
<tr><th>Finds (outcome linked to the object)</th><td class="n">{{.Finds}} ({{pct .FindRate}})</td></tr>
<tr><th>Arrests</th><td class="n">{{.Arrests}} ({{pct .ArrestRate}})</td></tr>
<tr><th>No further action</th><td class="n">{{.NFA}}</td></tr>
<tr><th>Searches in the same hours with no location (not counted above)</th><td class="n">{{.NoLocation}}{{if .NoLocationS60}}, {{.NoLocationS60}} under section 60{{end}}</td></tr>
</table>
{{define "counts"}}<table><tr><th>{{.Title}}</th><th>searches</th><th>share</th></tr>{{range .Rows}}<tr><td>{{.Value}}</td><td class="n">{{.N}}</td><td class="n">{{pct .Share}}</td></tr>{{end}}</table>{{end}}
<h2>Outcomes</h2>{{template "counts" (dict "Title" "outcome" "Rows" .Outcomes)}}
<h2>Object of search</h2>{{template "counts" (dict "Title" "object" "Rows" .Objects)}}
<h2>Self-defined ethnicity</h2>{{template "counts" (dict "Title" "self-defined ethnicity" "Rows" .SelfEthnicity)}}
<h2>Officer-defined ethnicity</h2>{{template "counts" (dict "Title" "officer-defined ethnicity" "Rows" .OfficerEthnic)}}
<h2>Age range</h2>{{template "counts" (dict "Title" "age range" "Rows" .AgeRanges)}}
<h2>Gender</h2>{{template "counts" (dict "Title" "gender" "Rows" .Genders)}}
<h2>Legislation</h2>{{template "counts" (dict "Title" "legislation" "Rows" .Legislation)}}
{{template "dispro" .Dispro}}
<p><small>{{.Note}}</small></p>
</body></html>
` + reportParts))

// informed answers POST /api/v1/section60/authorisations/{id}/informed: the record that a
// superintendent was informed of an inspector's authorisation (section 60(3A)).
func (s *Server) informed(c *fiber.Ctx) error {
	var body struct {
		Officer string `json:"officer"`
		Rank    string `json:"rank"`
		At      string `json:"at"`
	}
	var inf hexbeat.Informed
	return s.changeAuthorisation(c, &body, "invalid record of informing a superintendent", func(f *hexbeat.FieldErrors) {
		inf = hexbeat.Informed{Officer: body.Officer, Rank: body.Rank, At: rfc3339(body.At, "at", f.Add)}
	}, func(ctx context.Context, id int64, actor string) (hexbeat.Authorisation, error) {
		return s.section60.RecordInformed(ctx, id, inf, actor)
	})
}

// notice answers POST /api/v1/section60/authorisations/{id}/notices: a notice given to the
// community about the authorisation.
func (s *Server) notice(c *fiber.Ctx) error {
	var body struct {
		At    string `json:"at"`
		Stage string `json:"stage"`
		How   string `json:"how"`
		To    string `json:"to"`
		Text  string `json:"text"`
	}
	var n hexbeat.Notice
	return s.changeAuthorisation(c, &body, "invalid notice", func(f *hexbeat.FieldErrors) {
		n = hexbeat.Notice{At: rfc3339(body.At, "at", f.Add), Stage: body.Stage, How: body.How, To: body.To, Text: body.Text}
	}, func(ctx context.Context, id int64, actor string) (hexbeat.Authorisation, error) {
		return s.section60.RecordNotice(ctx, id, n, actor)
	})
}

// signedOfficer is the officer a Section 60 record names. With a key, the one given. For a
// person signed in through the identity provider, that person: given blank, their name is
// filled in; given as anyone else, it is refused (a signed record cannot name another
// officer as its maker).
func signedOfficer(c *fiber.Ctx, given, field string, fail func(field, format string, args ...any)) string {
	p, ok := c.Locals("person").(hexbeat.Person)
	if !ok {
		return given
	}
	name := p.Name
	if name == "" {
		name = p.Username
	}
	g := strings.TrimSpace(given)
	if g == "" || strings.EqualFold(g, p.Name) || strings.EqualFold(g, p.Username) || g == p.Sub {
		return name
	}
	fail(field, "you are signed in as %s: the record names you, not %q", name, given)
	return given
}

package api

import (
	"fmt"
	"html/template"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/hexbeat/hexbeat/internal/encode"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
)

// evaluationReport is the JSON of GET /api/v1/section60/authorisations/{id}/evaluation.
type evaluationReport struct {
	Authorisation map[string]any `json:"authorisation"`
	Searches      searchFigures  `json:"searches"`
	Dispro        disproPart     `json:"disproportionality"`
	Categories    []string       `json:"categories"`
	LPA           *string        `json:"lpa"` // the boundary compared with; null when none holds the area
	LPAName       string         `json:"lpa_name,omitempty"`
	AreaInLPA     bool           `json:"area_within_lpa"`
	MonthDated    bool           `json:"month_dated"`
	NoCrimeData   bool           `json:"no_crime_data"`
	Crimes        []crimeWindow  `json:"crimes"`
	Notes         []string       `json:"notes"`
	Demo          bool           `json:"demo"`
}

type crimeWindow struct {
	Window    string `json:"window"` // before, during, after
	From      string `json:"from"`
	To        string `json:"to"`
	Area      int    `json:"area"`
	RestOfLPA *int   `json:"rest_of_lpa"`
}

// evaluation answers GET /api/v1/section60/authorisations/{id}/evaluation[?lpa=&category=
// &format=html]: what an authorisation that has ended achieved, printable.
func (s *Server) evaluation(c *fiber.Ctx) error {
	p := newParams(c, "lpa", "category", "format")
	format := p.One("format")
	if format != "" && format != "json" && format != "html" {
		p.Fail("format", "must be json or html, got %q", format)
	}
	lpa, cats := p.One("lpa"), p.List("category")
	if err := p.Err(); err != nil {
		return err
	}
	id, err := authorisationID(c)
	if err != nil {
		return err
	}
	ev, err := s.section60.EvaluateAuthorisation(c.UserContext(), id, lpa, cats, actor(c))
	if err != nil {
		return err
	}
	s.labelData(c)
	out := evaluationJSON(ev)
	out.Demo = s.layers.Demo()
	if format == "html" {
		var sb strings.Builder
		if err := evaluationPage.Execute(&sb, out); err != nil {
			return err
		}
		c.Set(fiber.HeaderContentType, "text/html; charset=utf-8")
		return c.SendString(sb.String())
	}
	return c.JSON(out)
}

func evaluationJSON(ev hexbeat.Evaluation) evaluationReport {
	a := ev.Authorisation
	out := evaluationReport{Authorisation: encode.AuthorisationFeature(a, time.Now().UTC()).Properties, Searches: figuresOf(ev.Scrutiny),
		Dispro: disproSection(ev.Dispro, ev.DisproError), Categories: ev.Categories, AreaInLPA: ev.AreaInLPA, MonthDated: ev.MonthDated, NoCrimeData: ev.NoCrimeData}
	if ev.LPA != "" {
		out.LPA, out.LPAName = &ev.LPA, ev.LPAName
	}
	layout := time.RFC3339
	if ev.MonthDated {
		layout = "2006-01"
	}
	for _, w := range ev.Windows {
		cw := crimeWindow{Window: w.Label, From: w.From.UTC().Format(layout), To: w.To.UTC().Format(layout), Area: w.Area}
		if ev.MonthDated {
			cw.To = w.To.UTC().AddDate(0, -1, 0).Format(layout) // the last month, as months are written elsewhere
		}
		if ev.LPA != "" {
			n := w.RestOfLPA
			cw.RestOfLPA = &n
		}
		out.Crimes = append(out.Crimes, cw)
	}
	out.Notes = append(out.Notes, fmt.Sprintf("Recorded crimes of %s in the area, and in the rest of %s, before, during and after the authorisation.",
		strings.Join(ev.Categories, ", "), map[bool]string{true: ev.LPAName, false: "the policing area (none held contains the area)"}[ev.LPA != ""]))
	if ev.NoCrimeData {
		out.Notes = append(out.Notes, "No recorded crime of these categories is held for these periods: the zeros are no data, not no crime. Import the force's street files for those months.")
	}
	if ev.MonthDated {
		out.Notes = append(out.Notes, "These crimes are dated by month (police.uk's data): an authorisation of hours cannot be told apart from the rest of its month, so \"during\" is the whole of the months its hours touch, and before and after are as many months on either side. A change here is not evidence that the authorisation caused it; a force's own records, with exact times, answer that better.")
	} else {
		out.Notes = append(out.Notes, "Before and after are periods as long as the authorisation, just before it started and just after it ended. Numbers this small vary by chance; a change is not by itself evidence that the authorisation caused it.")
	}
	if ev.LPA != "" && !ev.AreaInLPA {
		out.Notes = append(out.Notes, "The area reaches outside "+ev.LPAName+": the rest of it is counted as the boundary's crimes less the area's, which is approximate.")
	}
	return out
}

var evaluationPage = template.Must(template.Must(scrutinyPage.Clone()).New("evaluation").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Section 60 evaluation: authorisation {{.Authorisation.id}}</title>
<style>body{font:14px/1.4 system-ui,sans-serif;max-width:60em;margin:2em auto;color:#111}table{border-collapse:collapse;margin:.5em 0 1.5em}
td,th{border:1px solid #999;padding:.2em .6em;text-align:left}td.n{text-align:right}h2{margin-top:1.5em}caption{text-align:left;font-weight:600}@media print{body{margin:0}}</style></head>
<body>
<h1>Section 60 evaluation{{if .Demo}} (DEMO DATA: invented, not police data){{end}}</h1>
<table>
<tr><th>Authorisation</th><td>{{.Authorisation.id}} ({{.Authorisation.status}})</td></tr>
<tr><th>Authorised by</th><td>{{.Authorisation.officer}}, {{.Authorisation.rank}}</td></tr>
<tr><th>In force</th><td>{{.Authorisation.start}} to {{.Authorisation.ends}} ({{.Authorisation.hours}} hours)</td></tr>
<tr><th>Grounds</th><td>{{.Authorisation.grounds}}</td></tr>
{{template "informed" .Authorisation}}
</table>
{{template "notices" .Authorisation}}
<h2>Searches in the area and hours</h2>
<table>
<tr><th>Searches</th><td class="n">{{.Searches.Searches}}</td></tr>
<tr><th>of which under section 60</th><td class="n">{{.Searches.Section60}}</td></tr>
<tr><th>Finds (outcome linked to the object)</th><td class="n">{{.Searches.Finds}} ({{pct .Searches.FindRate}})</td></tr>
<tr><th>Arrests</th><td class="n">{{.Searches.Arrests}} ({{pct .Searches.ArrestRate}})</td></tr>
<tr><th>Searches in the same hours with no location</th><td class="n">{{.Searches.NoLocation}}</td></tr>
</table>
{{template "dispro" .Dispro}}
<h2>Recorded crime</h2>
<table><caption>{{range $i, $c := .Categories}}{{if $i}}, {{end}}{{$c}}{{end}}</caption>
<tr><th scope="col">period</th><th scope="col">from</th><th scope="col">to</th><th scope="col">in the area</th>{{if .LPA}}<th scope="col">in the rest of {{.LPAName}}</th>{{end}}</tr>
{{range .Crimes}}<tr><th scope="row">{{.Window}}</th><td>{{.From}}</td><td>{{.To}}</td><td class="n">{{.Area}}</td>{{with .RestOfLPA}}<td class="n">{{.}}</td>{{end}}</tr>
{{end}}</table>
<ul>{{range .Notes}}<li>{{.}}</li>{{end}}</ul>
</body></html>`))

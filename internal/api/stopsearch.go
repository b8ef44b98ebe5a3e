package api

import (
	"errors"
	"html/template"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/hexbeat/hexbeat/internal/encode"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
)

// searchSummary is the JSON of GET /api/v1/stop-search.
type searchSummary struct {
	From        *string       `json:"from"` // YYYY-MM, the first month; null when no search is held
	To          *string       `json:"to"`   // the last month
	Legislation string        `json:"legislation"`
	Area        *string       `json:"area"`
	Total       searchFigures `json:"total"`
	Months      []searchMonth `json:"months"`
	NotImported []string      `json:"months_not_imported"`
	Note        string        `json:"note"`
	Demo        bool          `json:"demo"`
	// against the area's residents, when an area is given
	Dispro *disproPart `json:"disproportionality,omitempty"`
}

type searchMonth struct {
	Month    string `json:"month"`
	Imported bool   `json:"imported"`
	searchFigures
}

// stopSearch answers GET /api/v1/stop-search: stop and search month by month, with the
// outcome and find rates and who was searched, for a commander reviewing the use of the
// power and the community groups that scrutinise it.
func (s *Server) stopSearch(c *fiber.Ctx) error {
	p := newParams(c, "from", "to", "area", "legislation", "format")
	q := hexbeat.SearchQuery{From: p.TimeBound("from", false), To: p.TimeBound("to", true), Area: p.One("area")}
	switch leg := p.One("legislation"); leg {
	case "", "all":
	case "section60":
		q.Section60 = true
	default:
		p.Fail("legislation", "must be all or section60, got %q", leg)
	}
	format := p.One("format")
	if format != "" && format != "json" && format != "csv" && format != "html" {
		p.Fail("format", "must be json, csv or html, got %q", format)
	}
	if err := p.Err(); err != nil {
		return err
	}
	if format == "csv" {
		if err := csvAllowed(c); err != nil {
			return err
		}
	}
	sum, err := s.section60.StopSearchSummary(c.UserContext(), q)
	if err != nil {
		return err
	}
	out := searchSummaryJSON(sum, q)
	out.Demo = s.layers.Demo()
	if q.Area != "" {
		legislation := ""
		if q.Section60 {
			legislation = "section60"
		}
		d, err := s.section60.Disproportionality(c.UserContext(), hexbeat.DisproQuery{From: q.From, To: q.To, Area: q.Area, Legislation: legislation})
		var he *hexbeat.Error
		switch {
		case errors.As(err, &he) && he.Code == hexbeat.ECONFLICT:
			out.Dispro = &disproPart{Missing: he.Message}
		case err != nil:
			return err
		default:
			part := disproSection(&d, "")
			out.Dispro = &part
		}
	}
	s.labelData(c)
	switch format {
	case "csv":
		s.auditExport(c, "stop-search.csv", len(out.Months))
		c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
		c.Set(fiber.HeaderContentDisposition, `attachment; filename="stop-search.csv"`)
		return c.SendString(searchSummaryCSV(out))
	case "html":
		var sb strings.Builder
		if err := summaryPage.ExecuteTemplate(&sb, "summary", out); err != nil {
			return err
		}
		c.Set(fiber.HeaderContentType, "text/html; charset=utf-8")
		return c.SendString(sb.String())
	}
	return c.JSON(out)
}

func searchSummaryJSON(sum hexbeat.SearchSummary, q hexbeat.SearchQuery) searchSummary {
	out := searchSummary{Legislation: "all", Total: figuresOf(sum.Total), Months: []searchMonth{}, NotImported: []string{}}
	if q.Section60 {
		out.Legislation = "section60"
	}
	if q.Area != "" {
		out.Area = &q.Area
	}
	for _, m := range sum.Months {
		label := m.Month.Format("2006-01")
		out.Months = append(out.Months, searchMonth{Month: label, Imported: m.Imported, searchFigures: figuresOf(m.Scrutiny)})
		if !m.Imported {
			out.NotImported = append(out.NotImported, label)
		}
	}
	if n := len(out.Months); n > 0 {
		out.From, out.To = &out.Months[0].Month, &out.Months[n-1].Month
	}
	var note []string
	switch {
	case len(out.Months) == 0:
		note = append(note, "No stop-and-search data has been imported: import the force's police.uk stop-and-search files (hexbeat import or hexbeat fetch).")
	case len(out.NotImported) > 0:
		note = append(note, "No stop-and-search data has been imported for "+strings.Join(out.NotImported, ", ")+": those months' zeros are no data, not no searches.")
	}
	if q.Area != "" {
		note = append(note, "Only searches with a location inside the area are counted. The searches of the same months without a location (most police.uk records before 2024 have none) cannot be placed inside or outside it and are counted apart, so the counts are a lower bound.")
	} else {
		note = append(note, "Every search in the force's data is counted, those without a location too.")
	}
	if q.Section60 {
		note = append(note, "Only searches whose legislation is section 60 of the Criminal Justice and Public Order Act 1994 (or 60AA) are counted.")
	}
	note = append(note, "A find is an outcome linked to the object of the search; find_rate is finds over searches, counting records that do not say as no find.")
	out.Note = strings.Join(note, " ")
	return out
}

// searchSummaryCSV is one row a month, then the period's total; officer-defined ethnicity
// in columns, in the order of the total.
func searchSummaryCSV(out searchSummary) string {
	var groups []string
	for _, c := range out.Total.OfficerEthnic {
		groups = append(groups, c.Value)
	}
	var sb strings.Builder
	w := encode.NewCSV(&sb)
	head := []any{"month", "imported", "searches", "under_section_60", "finds", "find_rate", "arrests", "arrest_rate", "no_further_action", "without_location"}
	for _, g := range groups {
		head = append(head, "officer_defined_ethnicity: "+g)
	}
	w.Row(head...)
	rate := func(v float64) encode.Number { return encode.Number(strconv.FormatFloat(v, 'f', 4, 64)) }
	row := func(label string, imported any, f searchFigures) {
		r := []any{label, imported, f.Searches, f.Section60, f.Finds, rate(f.FindRate), f.Arrests, rate(f.ArrestRate), f.NFA, f.NoLocation}
		for _, g := range groups {
			n := 0
			for _, c := range f.OfficerEthnic {
				if c.Value == g {
					n = c.N
				}
			}
			r = append(r, n)
		}
		w.Row(r...)
	}
	for _, m := range out.Months {
		row(m.Month, m.Imported, m.searchFigures)
	}
	row("total", nil, out.Total)
	w.Flush() // into a buffer: it cannot fail
	return sb.String()
}

// summaryPage is the printable stop-and-search summary, for a scrutiny meeting; it shares
// the scrutiny report's breakdown tables.
var summaryPage = template.Must(template.Must(scrutinyPage.Clone()).New("summary").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Stop and search{{if eq .Legislation "section60"}} under section 60{{end}}{{with .From}}, {{.}}{{end}}{{with .To}} to {{.}}{{end}}</title>
<style>body{font:14px/1.4 system-ui,sans-serif;max-width:60em;margin:2em auto;color:#111}table{border-collapse:collapse;margin:.5em 0 1.5em}
td,th{border:1px solid #999;padding:.2em .6em;text-align:left}td.n{text-align:right}h2{margin-top:1.5em}tr.gap td{color:#777}@media print{body{margin:0}}</style></head>
<body>
<h1>Stop and search{{if eq .Legislation "section60"}} under section 60{{end}}{{if .Demo}} (DEMO DATA: invented, not police data){{end}}</h1>
<table>
<tr><th>Months</th><td>{{with .From}}{{.}}{{else}}none held{{end}}{{with .To}} to {{.}}{{end}}</td></tr>
<tr><th>Area</th><td>{{with .Area}}{{.}} (searches placed inside it){{else}}the force's data, everywhere{{end}}</td></tr>
<tr><th>Searches</th><td class="n">{{.Total.Searches}}</td></tr>
<tr><th>of which under section 60</th><td class="n">{{.Total.Section60}}</td></tr>
<tr><th>Finds (outcome linked to the object)</th><td class="n">{{.Total.Finds}} ({{pct .Total.FindRate}})</td></tr>
<tr><th>Arrests</th><td class="n">{{.Total.Arrests}} ({{pct .Total.ArrestRate}})</td></tr>
<tr><th>No further action</th><td class="n">{{.Total.NFA}}</td></tr>
<tr><th>Without a location</th><td class="n">{{.Total.NoLocation}}</td></tr>
</table>
<h2>Month by month</h2>
<table><tr><th>month</th><th>searches</th><th>section 60</th><th>finds</th><th>find rate</th><th>arrests</th><th>without a location</th></tr>
{{range .Months}}{{if .Imported}}<tr><td>{{.Month}}</td><td class="n">{{.Searches}}</td><td class="n">{{.Section60}}</td><td class="n">{{.Finds}}</td><td class="n">{{pct .FindRate}}</td><td class="n">{{.Arrests}}</td><td class="n">{{.NoLocation}}</td></tr>
{{else}}<tr class="gap"><td>{{.Month}}</td><td colspan="6">not imported: no data, not no searches</td></tr>
{{end}}{{end}}</table>
<h2>Outcomes</h2>{{template "counts" (dict "Title" "outcome" "Rows" .Total.Outcomes)}}
<h2>Object of search</h2>{{template "counts" (dict "Title" "object" "Rows" .Total.Objects)}}
<h2>Self-defined ethnicity</h2>{{template "counts" (dict "Title" "self-defined ethnicity" "Rows" .Total.SelfEthnicity)}}
<h2>Officer-defined ethnicity</h2>{{template "counts" (dict "Title" "officer-defined ethnicity" "Rows" .Total.OfficerEthnic)}}
<h2>Age range</h2>{{template "counts" (dict "Title" "age range" "Rows" .Total.AgeRanges)}}
<h2>Gender</h2>{{template "counts" (dict "Title" "gender" "Rows" .Total.Genders)}}
<h2>Legislation</h2>{{template "counts" (dict "Title" "legislation" "Rows" .Total.Legislation)}}
{{with .Dispro}}{{template "dispro" .}}{{end}}
<p><small>{{.Note}}</small></p>
</body></html>`))

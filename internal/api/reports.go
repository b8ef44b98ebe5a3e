package api

import "github.com/hexbeat/hexbeat/internal/hexbeat"

// The parts the printable reports share: the disproportionality table, the record of the
// superintendent informed (s60(3A)) and the community notices.

// disproPart is a report's disproportionality: the figures, or why there are none.
type disproPart struct {
	*disproAnswer
	Missing string `json:"missing,omitempty"` // why the residents could not be counted
}

// disproSection is d as a report part; why says what is missing when d is nil.
func disproSection(d *hexbeat.Disproportionality, why string) disproPart {
	if d == nil {
		return disproPart{Missing: why}
	}
	a := disproJSON(*d)
	return disproPart{disproAnswer: &a}
}

// reportParts are templates the printable reports define alike.
const reportParts = `{{define "dispro"}}<h2>In proportion to who lives there</h2>
{{if .Missing}}<p>Searches per resident cannot be given: {{.Missing}}</p>
{{else}}<table><caption>Searches per 1,000 residents of each group, {{.Ethnicity}}-defined ethnicity; {{.LSOAs}} LSOAs, {{.PopulationTotal}} residents ({{.Census}} Census)</caption>
<tr><th scope="col">group</th><th scope="col">searches</th><th scope="col">residents</th><th scope="col">per 1,000</th><th scope="col">ratio to White</th><th scope="col">95% interval</th><th scope="col">finds</th><th scope="col">arrests</th></tr>
{{range .Groups}}<tr><th scope="row">{{.Group}}{{if .SmallNumbers}} (fewer than 10 searches){{end}}</th><td class="n">{{.Searches}}</td><td class="n">{{.Population}}</td><td class="n">{{num .RatePer1000 3}}</td><td class="n">{{num .RatioToWhite 2}}</td><td class="n">{{num .CILow 2}} to {{num .CIHigh 2}}</td><td class="n">{{.Finds}}</td><td class="n">{{.Arrests}}</td></tr>
{{end}}</table>
<ul>{{range .Notes}}<li><small>{{.}}</small></li>{{end}}</ul>{{end}}{{end}}
{{define "informed"}}{{if .superintendent_required}}<tr><th>Superintendent informed (s60(3A))</th><td>{{with .informed}}{{.officer}}, {{.rank}}, at {{.at}} ({{.hours_after_start}} hours after the start)
{{else}}<strong>PENDING</strong>: no record yet that a superintendent was informed{{end}}</td></tr>{{end}}{{end}}
{{define "notices"}}<h2>Community told</h2>{{with .notices}}<table><tr><th scope="col">when</th><th scope="col">stage</th><th scope="col">how</th><th scope="col">to whom</th><th scope="col">what</th></tr>
{{range .}}<tr><td>{{.at}}</td><td>{{.stage}}</td><td>{{.how}}</td><td>{{.to}}</td><td>{{.text}}</td></tr>{{end}}</table>{{else}}<p>No notice to the community has been recorded.</p>{{end}}{{end}}`

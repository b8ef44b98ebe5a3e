package api

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/hexbeat/hexbeat/internal/catalog"
	"github.com/hexbeat/hexbeat/internal/encode"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/paulmach/orb"
)

// disproGroup is one group's figures in GET /api/v1/stop-search/disproportionality; rates,
// ratios and intervals go out unrounded, null where they have no value.
type disproGroup struct {
	Group        string   `json:"group"`
	Searches     int      `json:"searches"`
	Population   int      `json:"population"`
	RatePer1000  *float64 `json:"rate_per_1000"`
	RatioToWhite *float64 `json:"ratio_to_white"`
	CILow        *float64 `json:"ratio_ci_low"`
	CIHigh       *float64 `json:"ratio_ci_high"`
	SmallNumbers bool     `json:"small_numbers"`
	Finds        int      `json:"finds"`
	FindRate     *float64 `json:"find_rate"`
	Arrests      int      `json:"arrests"`
	ArrestRate   *float64 `json:"arrest_rate"`
}

// disproAnswer is the JSON of GET /api/v1/stop-search/disproportionality.
type disproAnswer struct {
	Area            string        `json:"area"`
	From            *string       `json:"from"` // the first month, YYYY-MM; null for no bound
	To              *string       `json:"to"`   // the last month
	Legislation     string        `json:"legislation"`
	Ethnicity       string        `json:"ethnicity"`
	Groups          []disproGroup `json:"groups"`
	Searches        int           `json:"searches"` // inside the area, every group and none
	NotStated       int           `json:"not_stated"`
	WithoutLocation int           `json:"without_location"`
	LSOAs           int           `json:"lsoas"`
	LSOACodes       []string      `json:"lsoa_codes"`
	PopulationTotal int           `json:"population_total"`
	Census          int           `json:"census"`
	// centroids inside whose LSOA's population is not held; LSOAs held with no centroid
	CentroidsWithoutPopulation []string `json:"centroids_without_population"`
	LSOAsWithoutCentroid       int      `json:"lsoas_without_centroid"`
	WithoutCentroidExamples    []string `json:"lsoas_without_centroid_examples"`
	Notes                      []string `json:"notes"`
	Demo                       bool     `json:"demo"`
}

// disproportionality answers GET /api/v1/stop-search/disproportionality: searches per
// 1,000 residents of each ethnic group inside an area, and the ratio to White people's
// rate, as the Home Office publishes them, for the groups that scrutinise stop and search.
func (s *Server) disproportionality(c *fiber.Ctx) error {
	p := newParams(c, "from", "to", "area", "legislation", "ethnicity", "format")
	q := hexbeat.DisproQuery{From: p.TimeBound("from", false), To: p.TimeBound("to", true), Area: p.One("area"),
		Legislation: p.One("legislation"), Ethnicity: p.One("ethnicity")}
	format := p.One("format")
	if format != "" && format != "json" && format != "csv" {
		p.Fail("format", "must be json or csv, got %q", format)
	}
	if err := p.Err(); err != nil {
		return err
	}
	return s.sendDispro(c, q, format)
}

// disproDrawn answers POST /api/v1/stop-search/disproportionality: the same for a drawn
// area, {"area": a GeoJSON Polygon or MultiPolygon, "from", "to", "legislation",
// "ethnicity"}.
func (s *Server) disproDrawn(c *fiber.Ctx) error {
	var body struct {
		Area        json.RawMessage `json:"area"`
		From        string          `json:"from"`
		To          string          `json:"to"`
		Legislation string          `json:"legislation"`
		Ethnicity   string          `json:"ethnicity"`
	}
	if err := decodeBody(c, &body); err != nil {
		return err
	}
	var f hexbeat.FieldErrors
	q := hexbeat.DisproQuery{Polygon: drawnArea(body.Area, &f), Legislation: body.Legislation, Ethnicity: body.Ethnicity,
		From: catalog.BodyTime(body.From, "from", false, f.Add), To: catalog.BodyTime(body.To, "to", true, f.Add)}
	if err := f.Err("invalid disproportionality query"); err != nil {
		return err
	}
	return s.sendDispro(c, q, "")
}

// drawnArea reads the drawn area a request must carry (areaGeometry), failing into f when
// it is missing.
func drawnArea(raw json.RawMessage, f *hexbeat.FieldErrors) orb.Geometry {
	g := areaGeometry(raw, f.Add)
	if g == nil && len(*f) == 0 {
		f.Add("area", "draw the area: a GeoJSON Polygon or MultiPolygon")
	}
	return g
}

// sendDispro answers a disproportionality query as JSON or CSV.
func (s *Server) sendDispro(c *fiber.Ctx, q hexbeat.DisproQuery, format string) error {
	if format == "csv" {
		if err := csvAllowed(c); err != nil {
			return err
		}
	}
	r, err := s.section60.Disproportionality(c.UserContext(), q)
	if err != nil {
		return err
	}
	out := disproJSON(r)
	out.Demo = s.layers.Demo()
	s.labelData(c)
	if format == "csv" {
		s.auditExport(c, "disproportionality.csv", len(out.Groups))
		c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
		c.Set(fiber.HeaderContentDisposition, `attachment; filename="disproportionality.csv"`)
		return c.SendString(disproCSV(out))
	}
	return c.JSON(out)
}

func disproJSON(r hexbeat.Disproportionality) disproAnswer {
	q, pop := r.Query, r.Population
	if q.Polygon != nil {
		q.Area = "drawn"
	}
	out := disproAnswer{Area: q.Area, Legislation: q.Legislation, Ethnicity: q.Ethnicity, Searches: r.Searches,
		NotStated: r.NotStated, WithoutLocation: r.WithoutLocation, LSOAs: len(pop.LSOAs), LSOACodes: pop.LSOAs,
		PopulationTotal: pop.Total, Census: pop.Census, CentroidsWithoutPopulation: pop.CentroidsWithoutPopulation,
		LSOAsWithoutCentroid: pop.LSOAsWithoutCentroid, WithoutCentroidExamples: pop.WithoutCentroidExamples}
	if out.Legislation == "" {
		out.Legislation = "all"
	}
	if !q.From.IsZero() {
		m := q.From.Format("2006-01")
		out.From = &m
	}
	if !q.To.IsZero() {
		m := q.To.AddDate(0, -1, 0).Format("2006-01")
		out.To = &m
	}
	small := []string{}
	for _, g := range r.Groups {
		out.Groups = append(out.Groups, disproGroup{Group: g.Group, Searches: g.Searches, Population: g.Population,
			RatePer1000: g.RatePer1000, RatioToWhite: g.RatioToWhite, CILow: g.CILow, CIHigh: g.CIHigh,
			SmallNumbers: g.SmallNumbers, Finds: g.Finds, FindRate: g.FindRate, Arrests: g.Arrests, ArrestRate: g.ArrestRate})
		if g.SmallNumbers {
			small = append(small, g.Group)
		}
	}
	for _, l := range []*[]string{&out.LSOACodes, &out.CentroidsWithoutPopulation, &out.WithoutCentroidExamples} {
		if *l == nil {
			*l = []string{}
		}
	}
	out.Notes = disproNotes(out, small)
	return out
}

// disproNotes say what the figures are and are not.
func disproNotes(out disproAnswer, small []string) []string {
	notes := []string{
		fmt.Sprintf("Population: the residents counted by the %d Census of the %d LSOAs whose population-weighted centroid lies inside the area: the people who live there, not the people present when the searches were made (visitors, commuters, the night-time economy).", out.Census, out.LSOAs),
		"Rate: searches per 1,000 residents of the group. Ratio: the group's rate over White people's, with its 95 % confidence interval (log method). The Home Office publishes the same measure nationally.",
		fmt.Sprintf("Only searches with a location inside the area are counted; %d searches of the period have no location and cannot be placed inside or outside it, so the counts are a lower bound.", out.WithoutLocation),
		fmt.Sprintf("%d searches inside the area whose ethnicity is not stated are left out of the rates.", out.NotStated),
	}
	if out.Ethnicity == "officer" {
		notes = append(notes, "Grouped by the ethnicity the officer recorded, which has no Mixed group; the Census counts people by their own.")
	} else {
		notes = append(notes, "Grouped by the ethnicity the person searched gave (police.uk's self-defined categories, by their prefix), which the Census groups also use.")
	}
	if len(small) > 0 {
		notes = append(notes, "Fewer than 10 searches in "+strings.Join(small, ", ")+": the ratio and its interval are given but are not meaningful.")
	}
	if len(out.CentroidsWithoutPopulation) > 0 {
		notes = append(notes, fmt.Sprintf("%d LSOAs inside the area have no census row held and are not counted: %s.", len(out.CentroidsWithoutPopulation), strings.Join(out.CentroidsWithoutPopulation, ", ")))
	}
	if out.LSOAsWithoutCentroid > 0 {
		notes = append(notes, fmt.Sprintf("%d LSOAs with a census row have no centroid held and cannot be placed (e.g. %s): import the ONS population-weighted centroids.", out.LSOAsWithoutCentroid, strings.Join(out.WithoutCentroidExamples, ", ")))
	}
	return notes
}

// disproCSV is one row a group, the rates unrounded.
func disproCSV(out disproAnswer) string {
	var sb strings.Builder
	w := encode.NewCSV(&sb)
	w.Row("area", "from", "to", "legislation", "ethnicity", "group", "searches", "population", "rate_per_1000", "ratio_to_white",
		"ratio_ci_low", "ratio_ci_high", "small_numbers", "finds", "find_rate", "arrests", "arrest_rate", "lsoas", "census")
	num := func(v *float64) any {
		if v == nil {
			return ""
		}
		return encode.Number(fmt.Sprint(*v))
	}
	month := func(m *string) string {
		if m == nil {
			return ""
		}
		return *m
	}
	for _, g := range out.Groups {
		w.Row(out.Area, month(out.From), month(out.To), out.Legislation, out.Ethnicity, g.Group, g.Searches, g.Population,
			num(g.RatePer1000), num(g.RatioToWhite), num(g.CILow), num(g.CIHigh), g.SmallNumbers, g.Finds, num(g.FindRate),
			g.Arrests, num(g.ArrestRate), out.LSOAs, out.Census)
	}
	w.Flush()
	return sb.String()
}

// populationAnswer is the JSON of GET /api/v1/population.
type populationAnswer struct {
	Area                       string         `json:"area"`
	Census                     int            `json:"census"`
	Total                      int            `json:"population_total"`
	Groups                     map[string]int `json:"groups"`
	LSOAs                      int            `json:"lsoas"`
	LSOACodes                  []string       `json:"lsoa_codes"`
	CentroidsWithoutPopulation []string       `json:"centroids_without_population"`
	LSOAsWithoutCentroid       int            `json:"lsoas_without_centroid"`
	// the area's own census row (an MSOA's, a local authority's), when held
	Own  map[string]any `json:"own_census_row"`
	Note string         `json:"note"`
}

// population answers GET /api/v1/population?area=: the residents of a boundary by broad
// ethnic group, from the LSOAs whose population-weighted centroid it holds.
func (s *Server) population(c *fiber.Ctx) error {
	p := newParams(c, "area")
	area := p.One("area")
	if err := p.Err(); err != nil {
		return err
	}
	return s.sendPopulation(c, area, nil)
}

// populationDrawn answers POST /api/v1/population {"area": a GeoJSON Polygon or
// MultiPolygon}: the residents of a drawn area.
func (s *Server) populationDrawn(c *fiber.Ctx) error {
	var body struct {
		Area json.RawMessage `json:"area"`
	}
	if err := decodeBody(c, &body); err != nil {
		return err
	}
	var f hexbeat.FieldErrors
	g := drawnArea(body.Area, &f)
	if err := f.Err("invalid population query"); err != nil {
		return err
	}
	return s.sendPopulation(c, "drawn", g)
}

func (s *Server) sendPopulation(c *fiber.Ctx, area string, drawn orb.Geometry) error {
	pop, err := s.section60.AreaPopulation(c.UserContext(), area, drawn)
	if err != nil {
		return err
	}
	out := populationAnswer{Area: area, Census: pop.Census, Total: pop.Total, Groups: map[string]int{}, LSOAs: len(pop.LSOAs),
		LSOACodes: append([]string{}, pop.LSOAs...), CentroidsWithoutPopulation: append([]string{}, pop.CentroidsWithoutPopulation...),
		LSOAsWithoutCentroid: pop.LSOAsWithoutCentroid,
		Note:                 fmt.Sprintf("The residents counted by the %d Census of the %d LSOAs whose population-weighted centroid lies inside the area: the people who live there, not the people present at any one time.", pop.Census, len(pop.LSOAs))}
	for g, name := range hexbeat.EthnicGroups {
		out.Groups[name] = pop.Groups[g]
	}
	if o := pop.Own; o != nil {
		groups := map[string]int{}
		for g, name := range hexbeat.EthnicGroups {
			groups[name] = o.Groups[g]
		}
		out.Own = map[string]any{"code": o.Code, "name": o.Name, "level": o.Level, "census": o.Year, "population_total": o.Total, "groups": groups, "detailed": o.Detailed}
		out.Note += fmt.Sprintf(" The census's own row for %s counts %d; ONS perturbs small counts, so the sum of its LSOAs differs a little.", o.Code, o.Total)
	}
	return c.JSON(out)
}

// disproLSOAs answers GET /api/v1/stop-search/disproportionality/lsoas: the map's layer of
// searches per 1,000 residents of a group (group=Black ...) in each LSOA of the area.
func (s *Server) disproLSOAs(c *fiber.Ctx) error {
	p := newParams(c, "from", "to", "area", "legislation", "ethnicity", "group")
	q := hexbeat.DisproQuery{From: p.TimeBound("from", false), To: p.TimeBound("to", true), Area: p.One("area"),
		Legislation: p.One("legislation"), Ethnicity: p.One("ethnicity")}
	group := p.One("group")
	if group == "" {
		group = hexbeat.GroupBlack
	}
	if err := p.Err(); err != nil {
		return err
	}
	d, err := s.section60.LSOADispro(c.UserContext(), q, group)
	if err != nil {
		return err
	}
	b, err := encode.LSOADispro(d, s.layers.Demo())
	if err != nil {
		return err
	}
	return s.sendGeoJSON(c, b)
}

package service

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/hexbeat/hexbeat/internal/plan"
	"github.com/paulmach/orb"
)

// Population is what the population reports need of a store.
type Population interface {
	CensusAreas(ctx context.Context, level string) ([]hexbeat.CensusArea, error)
	CensusArea(ctx context.Context, code string) (hexbeat.CensusArea, bool, error)
	Centroids(ctx context.Context) ([]hexbeat.Centroid, error)
}

// residents is the LSOA-level census and the centroids, held between imports of either.
type residents struct {
	lsoas     map[string]hexbeat.CensusArea
	centroids []hexbeat.Centroid
	unplaced  int      // LSOAs held without a centroid (plan.Unplaced)
	examples  []string // the first of them
}

// residents reads the LSOAs' census and centroids from the store when they are not held.
func (s *Service) residents(ctx context.Context) (*residents, error) {
	s.pmu.Lock()
	defer s.pmu.Unlock()
	if s.pop != nil {
		return s.pop, nil
	}
	areas, err := s.store.CensusAreas(ctx, "lsoa")
	if err != nil {
		return nil, err
	}
	cs, err := s.store.Centroids(ctx)
	if err != nil {
		return nil, err
	}
	r := &residents{lsoas: make(map[string]hexbeat.CensusArea, len(areas)), centroids: cs}
	for _, a := range areas {
		r.lsoas[a.Code] = a
	}
	r.unplaced, r.examples = plan.Unplaced(r.lsoas, r.centroids)
	s.pop = r
	return r, nil
}

// forgetResidents lets the census and centroids be read again, after an import of either.
func (s *Service) forgetResidents() {
	s.pmu.Lock()
	s.pop = nil
	s.pmu.Unlock()
}

// AreaPopulation is the resident population of a boundary (or of a drawn polygon), from
// the LSOAs whose population-weighted centroid it holds.
func (s *Service) AreaPopulation(ctx context.Context, area string, polygon orb.Geometry) (hexbeat.AreaPopulation, error) {
	g, bad := polygon, []hexbeat.FieldError(nil)
	if g == nil {
		g, bad = s.searchArea(area, true)
	}
	if len(bad) > 0 {
		return hexbeat.AreaPopulation{}, &hexbeat.Error{Code: hexbeat.EINVALID, Message: "invalid population query", Fields: bad}
	}
	pop, err := s.populationOf(ctx, g)
	if err != nil {
		return pop, err
	}
	// a boundary with an ONS code of its own (an MSOA, a local authority) may have its own
	// census row: given beside the sum of its LSOAs, which ONS's perturbation makes differ
	if polygon != nil {
		return pop, nil
	}
	if own, ok, err := s.store.CensusArea(ctx, area); err != nil {
		return pop, err
	} else if ok {
		pop.Own = &own
	}
	return pop, nil
}

func (s *Service) populationOf(ctx context.Context, area orb.Geometry) (hexbeat.AreaPopulation, error) {
	r, err := s.residents(ctx)
	if err != nil {
		return hexbeat.AreaPopulation{}, err
	}
	if len(r.lsoas) == 0 || len(r.centroids) == 0 {
		return hexbeat.AreaPopulation{}, &hexbeat.Error{Code: hexbeat.ECONFLICT, Message: fmt.Sprintf(
			"the population needs the Census 2021 table TS021 by LSOA (%d held) and the ONS population-weighted centroids of LSOAs (%d held): import both (see the README)",
			len(r.lsoas), len(r.centroids))}
	}
	pop := plan.PopulationOf(area, r.lsoas, r.centroids)
	pop.LSOAsWithoutCentroid, pop.WithoutCentroidExamples = r.unplaced, r.examples
	return pop, nil
}

// Disproportionality reports the stop and search inside a boundary in whole UK months
// against the people who live there: searches per 1,000 residents of each ethnic group and
// the ratio to White people's rate (plan.DisproTally).
func (s *Service) Disproportionality(ctx context.Context, q hexbeat.DisproQuery) (hexbeat.Disproportionality, error) {
	r, err := s.disproportionality(ctx, q, nil)
	return r.report, err
}

// disproRun is a disproportionality report and the tally that made it.
type disproRun struct {
	tally  *plan.DisproTally
	report hexbeat.Disproportionality
}

// disproportionality checks q, counts the area's residents, lets prepare set the tally up
// (nil: nothing more) and counts the searches.
func (s *Service) disproportionality(ctx context.Context, q hexbeat.DisproQuery, prepare func(*plan.DisproTally, hexbeat.AreaPopulation)) (disproRun, error) {
	bad := searchPeriod(q.From, q.To)
	area := q.Polygon
	if area == nil {
		var fe []hexbeat.FieldError
		area, fe = s.searchArea(q.Area, true)
		bad = append(bad, fe...)
	}
	if q.Ethnicity == "" {
		q.Ethnicity = "self"
	}
	if q.Ethnicity != "self" && q.Ethnicity != "officer" {
		bad = append(bad, hexbeat.FieldError{Field: "ethnicity", Message: fmt.Sprintf("must be self (as the person searched defined it) or officer, got %q", q.Ethnicity)})
	}
	if q.Legislation == "all" {
		q.Legislation = ""
	}
	if _, ok := hexbeat.Legislations[q.Legislation]; q.Legislation != "" && !ok {
		laws := []string{"all"}
		for k := range hexbeat.Legislations {
			laws = append(laws, k)
		}
		slices.Sort(laws)
		bad = append(bad, hexbeat.FieldError{Field: "legislation", Message: fmt.Sprintf("must be one of %s, got %q", strings.Join(laws, ", "), q.Legislation)})
	}
	if len(bad) > 0 {
		return disproRun{}, &hexbeat.Error{Code: hexbeat.EINVALID, Message: "invalid disproportionality query", Fields: bad}
	}
	pop, err := s.populationOf(ctx, area)
	if err != nil {
		return disproRun{}, err
	}
	q.From, q.To = hexbeat.InUK(q.From), hexbeat.InUK(q.To)
	from, to := searchBounds(q.From, q.To)
	t := plan.NewDisproTally(area, q)
	if prepare != nil {
		prepare(t, pop)
	}
	if err := s.store.EachStopSearch(ctx, from, to, func(ss hexbeat.StopSearch) error { t.Add(ss); return ctx.Err() }); err != nil {
		return disproRun{}, err
	}
	return disproRun{tally: t, report: t.Result(pop)}, nil
}

// LSOADispro is Disproportionality broken down by the LSOAs counted, for one group: each
// LSOA whose outline is held (a boundary with its code), its searches of the group and of
// White people placed inside that outline, against its residents.
func (s *Service) LSOADispro(ctx context.Context, q hexbeat.DisproQuery, group string) (hexbeat.LSOADispro, error) {
	g := hexbeat.GroupIndex(group)
	if g < 0 {
		return hexbeat.LSOADispro{}, &hexbeat.Error{Code: hexbeat.EINVALID, Message: "invalid disproportionality query",
			Fields: []hexbeat.FieldError{{Field: "group", Message: fmt.Sprintf("must be one of %s, got %q", strings.Join(hexbeat.EthnicGroups[:], ", "), group)}}}
	}
	var outlines []hexbeat.Boundary
	out := hexbeat.LSOADispro{Group: group}
	r, err := s.disproportionality(ctx, q, func(t *plan.DisproTally, pop hexbeat.AreaPopulation) {
		bm := s.boundaryMap()
		for _, code := range pop.LSOAs {
			if b, ok := bm[code]; ok {
				outlines = append(outlines, b)
			} else {
				out.WithoutOutline = append(out.WithoutOutline, code)
			}
		}
		t.ByArea(outlines)
	})
	if err != nil {
		return out, err
	}
	res, err := s.residents(ctx)
	if err != nil {
		return out, err
	}
	counts := r.tally.AreaCounts()
	white := hexbeat.GroupIndex(hexbeat.GroupWhite)
	for _, b := range outlines {
		c := counts[b.ID]
		a := res.lsoas[b.ID]
		out.LSOAs = append(out.LSOAs, hexbeat.LSOAFigures{Code: b.ID, Name: a.Name, Outline: b, Searches: c[g], Population: a.Groups[g],
			WhiteSearches: c[white], WhitePopulation: a.Groups[white]})
	}
	out.Query = r.report
	return out, nil
}

package plan

import (
	"math"
	"slices"
	"strings"

	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/paulmach/orb"
)

// Disproportionality as the Home Office publishes it ("Police powers and procedures"):
// searches per 1,000 residents of each ethnic group, and each group's rate over White
// people's, the relative rate, with its 95 % confidence interval by the log method (Katz):
// ln RR ± z·sqrt(1/a − 1/n₁ + 1/c − 1/n₂), a and c the searches of the group and of White
// people, n₁ and n₂ their residents.

// z95 is the standard normal's 97.5th percentile.
const z95 = 1.959963984540054

// SmallNumbers is the count of searches below which a group's ratio is flagged as not
// meaningful.
const SmallNumbers = 10

// RelativeRate is (a/n1)/(c/n2) and its 95 % confidence interval by the log method; ok is
// false when the ratio has no value (no residents in either group, or no search of the
// comparison group), and ciOK false when the interval has none (no search in either).
func RelativeRate(a, n1, c, n2 int) (rr, lo, hi float64, ok, ciOK bool) {
	if n1 <= 0 || n2 <= 0 || c <= 0 {
		return 0, 0, 0, false, false
	}
	rr = (float64(a) / float64(n1)) / (float64(c) / float64(n2))
	if a <= 0 {
		return rr, 0, 0, true, false
	}
	se := math.Sqrt(1/float64(a) - 1/float64(n1) + 1/float64(c) - 1/float64(n2))
	return rr, rr * math.Exp(-z95*se), rr * math.Exp(z95*se), true, true
}

// PopulationOf builds an area's resident population from the LSOAs whose population-
// weighted centroid it holds (on the edge counts as inside): lsoas are the LSOA-level
// census areas held, by code. The LSOAs without a centroid depend on no area: see Unplaced.
func PopulationOf(area orb.Geometry, lsoas map[string]hexbeat.CensusArea, centroids []hexbeat.Centroid) hexbeat.AreaPopulation {
	var p hexbeat.AreaPopulation
	bound := area.Bound()
	for _, c := range centroids {
		pt := orb.Point{c.Lon, c.Lat}
		if !bound.Contains(pt) || !inArea(area, pt) {
			continue
		}
		a, ok := lsoas[c.Code]
		if !ok {
			p.CentroidsWithoutPopulation = append(p.CentroidsWithoutPopulation, c.Code)
			continue
		}
		p.LSOAs = append(p.LSOAs, c.Code)
		for g, n := range a.Groups {
			p.Groups[g] += n
		}
		p.Total += a.Total
		p.Census = max(p.Census, a.Year)
	}
	slices.Sort(p.LSOAs)
	slices.Sort(p.CentroidsWithoutPopulation)
	return p
}

// Unplaced counts the LSOAs held without a centroid, which cannot be placed in or out of any
// area, and names the first 20 of them in code order. It depends on no area: the caller
// computes it once for the census and centroids it holds.
func Unplaced(lsoas map[string]hexbeat.CensusArea, centroids []hexbeat.Centroid) (int, []string) {
	placed := make(map[string]bool, len(centroids))
	for _, c := range centroids {
		placed[c.Code] = true
	}
	var codes []string
	for code := range lsoas {
		if !placed[code] {
			codes = append(codes, code)
		}
	}
	slices.Sort(codes)
	return len(codes), codes[:min(len(codes), 20)]
}

// DisproTally counts searches by group for a disproportionality report.
type DisproTally struct {
	area     orb.Geometry
	bound    orb.Bound
	officer  bool
	law      string // the text the legislation column must hold; "" for all
	searches [5]int
	finds    [5]int
	arrests  [5]int
	r        hexbeat.Disproportionality
	// small areas to count the searches of each group in, when asked (ByArea)
	areas  []hexbeat.Boundary
	bounds []orb.Bound
	counts map[string]*[5]int
}

// ByArea has the tally also count each group's searches in each of areas (LSOA outlines);
// a search in none of them is counted in the report alone.
func (t *DisproTally) ByArea(areas []hexbeat.Boundary) {
	t.areas, t.counts = areas, map[string]*[5]int{}
	t.bounds = make([]orb.Bound, len(areas))
	for i, a := range areas {
		t.bounds[i] = a.Geometry.Bound()
		t.counts[a.ID] = &[5]int{}
	}
}

// AreaCounts are the searches of each group in each area given to ByArea, by its id.
func (t *DisproTally) AreaCounts() map[string]*[5]int { return t.counts }

// NewDisproTally counts the searches inside area under q's legislation and ethnicity.
func NewDisproTally(area orb.Geometry, q hexbeat.DisproQuery) *DisproTally {
	return &DisproTally{area: area, bound: area.Bound(), officer: q.Ethnicity == "officer",
		law: hexbeat.Legislations[q.Legislation], r: hexbeat.Disproportionality{Query: q}}
}

// Add counts one search of the period.
func (t *DisproTally) Add(s hexbeat.StopSearch) {
	if t.law != "" && !strings.Contains(strings.ToLower(s.Legislation), strings.ToLower(t.law)) {
		return
	}
	if s.Lon == nil || s.Lat == nil {
		t.r.WithoutLocation++
		return
	}
	pt := orb.Point{*s.Lon, *s.Lat}
	if !t.bound.Contains(pt) || !inArea(t.area, pt) {
		return
	}
	t.r.Searches++
	eth := s.SelfDefinedEthnicity
	if t.officer {
		eth = s.OfficerEthnicity
	}
	group, ok := hexbeat.BroadGroup(eth)
	if !ok {
		t.r.NotStated++
		return
	}
	g := hexbeat.GroupIndex(group)
	t.searches[g]++
	for i, a := range t.areas {
		if t.bounds[i].Contains(pt) && inArea(a.Geometry, pt) {
			t.counts[a.ID][g]++
			break
		}
	}
	if s.OutcomeLinked != nil && *s.OutcomeLinked {
		t.finds[g]++
	}
	if strings.EqualFold(strings.TrimSpace(s.Outcome), "Arrest") {
		t.arrests[g]++
	}
}

// Result is the report, against the area's population.
func (t *DisproTally) Result(pop hexbeat.AreaPopulation) hexbeat.Disproportionality {
	r := t.r
	r.Population = pop
	white := hexbeat.GroupIndex(hexbeat.GroupWhite)
	share := func(n, of int) *float64 {
		if of <= 0 {
			return nil
		}
		v := float64(n) / float64(of)
		return &v
	}
	for g, name := range hexbeat.EthnicGroups {
		if t.officer && name == hexbeat.GroupMixed {
			continue // officers record no Mixed group
		}
		f := hexbeat.GroupFigures{Group: name, Searches: t.searches[g], Population: pop.Groups[g],
			Finds: t.finds[g], Arrests: t.arrests[g], SmallNumbers: t.searches[g] < SmallNumbers,
			FindRate: share(t.finds[g], t.searches[g]), ArrestRate: share(t.arrests[g], t.searches[g])}
		if pop.Groups[g] > 0 {
			v := float64(t.searches[g]) / float64(pop.Groups[g]) * 1000
			f.RatePer1000 = &v
		}
		if rr, lo, hi, ok, ciOK := RelativeRate(t.searches[g], pop.Groups[g], t.searches[white], pop.Groups[white]); ok {
			f.RatioToWhite = &rr
			if ciOK && g != white { // White people's rate over itself has no interval
				f.CILow, f.CIHigh = &lo, &hi
			}
		}
		r.Groups = append(r.Groups, f)
	}
	return r
}

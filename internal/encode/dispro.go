package encode

import (
	"encoding/json"
	"fmt"

	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/paulmach/orb/geojson"
)

// LSOADispro writes the map's layer of searches per resident by LSOA: each LSOA outline
// held with its searches of the group and its residents, the rate per 1,000 and the ratio
// to White people's rate in the same LSOA (null where either has no value), unrounded; the
// collection names the group, the LSOAs without an outline and the area's whole report.
func LSOADispro(d hexbeat.LSOADispro, demo bool) ([]byte, error) {
	fc := geojson.NewFeatureCollection()
	rate := func(n, pop int) any {
		if pop <= 0 {
			return nil
		}
		return float64(n) / float64(pop) * 1000
	}
	for _, l := range d.LSOAs {
		f := Feature(l.Outline.Geometry)
		f.ID = l.Code
		var ratio any
		if l.Population > 0 && l.WhitePopulation > 0 && l.WhiteSearches > 0 {
			ratio = (float64(l.Searches) / float64(l.Population)) / (float64(l.WhiteSearches) / float64(l.WhitePopulation))
		}
		f.Properties = map[string]any{"code": l.Code, "name": l.Name, "group": d.Group, "searches": l.Searches, "population": l.Population,
			"rate_per_1000": rate(l.Searches, l.Population), "white_searches": l.WhiteSearches, "white_population": l.WhitePopulation,
			"white_rate_per_1000": rate(l.WhiteSearches, l.WhitePopulation), "ratio_to_white": ratio,
			"small_numbers": l.Searches < 10 || l.WhiteSearches < 10}
		fc.Append(f)
	}
	without := d.WithoutOutline
	if without == nil {
		without = []string{}
	}
	q := d.Query
	notes := []string{
		fmt.Sprintf("Searches per 1,000 residents of the %s group in each LSOA whose outline is held, and the ratio to White people's rate in the same LSOA. Residents are those the %d Census counted, not the people present when the searches were made.", d.Group, q.Population.Census),
		"Searches are placed in an LSOA by their location (police.uk's approximate map points); most LSOAs see few searches, so most ratios rest on small numbers (small_numbers) and are not meaningful alone.",
	}
	if len(without) > 0 {
		notes = append(notes, fmt.Sprintf("%d LSOAs counted in the area have no outline held (2021 codes that the 2011 outlines lack) and are not drawn: %v.", len(without), without))
	}
	fc.ExtraMembers = map[string]any{"demo": demo, "group": d.Group, "lsoas": len(q.Population.LSOAs), "without_outline": without,
		"searches": q.Searches, "not_stated": q.NotStated, "without_location": q.WithoutLocation, "census": q.Population.Census, "notes": notes}
	return json.Marshal(fc)
}

// Package demo generates hexbeat's synthetic demo data set: incidents placed around real
// Milton Keynes town centres, estates and road and rail corridors, in police.uk
// categories, over twelve months, with a weapons cluster that emerges in the last three.
// The same inputs always give the same incidents. Nothing it makes is police data.
package demo

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"time"

	"github.com/hexbeat/hexbeat/internal/grid"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// Namespace scopes the keys of demo incidents.
const Namespace = "hexbeat-demo"

type inputs struct {
	Seed       uint64  `json:"seed"`
	FirstMonth string  `json:"first_month"`
	Months     int     `json:"months"`
	PerMonth   int     `json:"per_month"`
	Snap       float64 `json:"snap_degrees"`
	Centres    []struct {
		Name   string  `json:"name"`
		Lon    float64 `json:"lon"`
		Lat    float64 `json:"lat"`
		Weight float64 `json:"weight"`
		SDm    float64 `json:"sd_m"`
		Mix    string  `json:"mix"`
	} `json:"centres"`
	Corridors []struct {
		Name   string     `json:"name"`
		From   [2]float64 `json:"from"`
		To     [2]float64 `json:"to"`
		Weight float64    `json:"weight"`
		SDm    float64    `json:"sd_m"`
		Mix    string     `json:"mix"`
	} `json:"corridors"`
	Background struct {
		Lon    float64 `json:"lon"`
		Lat    float64 `json:"lat"`
		SDm    float64 `json:"sd_m"`
		Weight float64 `json:"weight"`
		Mix    string  `json:"mix"`
	} `json:"background"`
	Emerging struct {
		Name      string  `json:"name"`
		Lon       float64 `json:"lon"`
		Lat       float64 `json:"lat"`
		SDm       float64 `json:"sd_m"`
		FromMonth int     `json:"from_month"`
		PerMonth  int     `json:"per_month"`
		Mix       string  `json:"mix"`
	} `json:"emerging"`
	Mixes      map[string]map[string]float64 `json:"mixes"`
	StopSearch struct {
		PerMonth     int     `json:"per_month"`
		LocatedShare float64 `json:"located_share"`
		Section60    struct {
			Name      string  `json:"name"`
			Lon       float64 `json:"lon"`
			Lat       float64 `json:"lat"`
			SDm       float64 `json:"sd_m"`
			FromMonth int     `json:"from_month"`
			Nights    int     `json:"nights_per_month"`
			PerNight  int     `json:"per_night"`
		} `json:"section60"`
	} `json:"stop_search"`
	Boundaries []struct {
		ID   string       `json:"id"`
		Kind string       `json:"kind"`
		Name string       `json:"name"`
		Ring [][2]float64 `json:"ring"`
	} `json:"boundaries"`
	Cameras []struct {
		ID   string  `json:"id"`
		Name string  `json:"name"`
		Kind string  `json:"kind"`
		Lon  float64 `json:"lon"`
		Lat  float64 `json:"lat"`
		From string  `json:"from"` // days in service, YYYY-MM-DD; empty: no bound
		To   string  `json:"to"`
	} `json:"cameras"`
	Retailers []struct {
		ID       string  `json:"id"`
		Name     string  `json:"name"`
		Category string  `json:"category"`
		Address  string  `json:"address"`
		SizeBand string  `json:"size_band"`
		Lon      float64 `json:"lon"`
		Lat      float64 `json:"lat"`
	} `json:"retailers"`
	RetailerTests []struct {
		Retailer string `json:"retailer"`
		Date     string `json:"date"` // YYYY-MM-DD
		Result   string `json:"result"`
		Notes    string `json:"notes"`
	} `json:"retailer_tests"`
}

// Data is the generated data set.
type Data struct {
	Incidents      []hexbeat.Incident
	StopSearches   []hexbeat.StopSearch
	Authorisations []hexbeat.Authorisation // the section 60 nights, for the register
	Boundaries     []hexbeat.Boundary
	Cameras        []hexbeat.Camera       // an invented camera register: fixed cameras and mobile units
	Retailers      []hexbeat.Retailer     // an invented retailer register, shops near the weapons cluster among ordinary ones
	RetailerTests  []hexbeat.RetailerTest // their invented test-purchase history
}

// Version names what a demo store holds; a store made by an older version lacks some of
// it (the stop and search, the cameras, the retailers) and is made again.
const Version = "3"

// source is one place incidents come from.
type source struct {
	weight float64
	mix    string
	draw   func(r *rand.Rand) (lon, lat float64)
}

// Generate builds the demo data set from the JSON inputs (geodata.DemoInputs).
func Generate(raw []byte) (*Data, error) {
	var in inputs
	if err := json.Unmarshal(raw, &in); err != nil {
		return nil, fmt.Errorf("demo: inputs: %w", err)
	}
	first, err := time.Parse("2006-01", in.FirstMonth)
	if err != nil {
		return nil, fmt.Errorf("demo: first_month: %w", err)
	}
	rng := rand.New(rand.NewPCG(in.Seed, in.Seed^0x9e3779b97f4a7c15))
	var sources []source
	for _, c := range in.Centres {
		sources = append(sources, source{c.Weight, c.Mix, gaussian(c.Lon, c.Lat, c.SDm)})
	}
	for _, c := range in.Corridors {
		sources = append(sources, source{c.Weight, c.Mix, along(c.From, c.To, c.SDm)})
	}
	bg := in.Background
	sources = append(sources, source{bg.Weight, bg.Mix, gaussian(bg.Lon, bg.Lat, bg.SDm)})
	total := 0.0
	for _, s := range sources {
		total += s.weight
	}
	pick := func() source {
		x := rng.Float64() * total
		for _, s := range sources {
			if x -= s.weight; x < 0 {
				return s
			}
		}
		return sources[len(sources)-1]
	}
	mixes := map[string]func(*rand.Rand) string{}
	for name, m := range in.Mixes {
		mixes[name] = chooser(m)
	}
	d := &Data{}
	for _, b := range in.Boundaries {
		ring := make(orb.Ring, len(b.Ring))
		for i, p := range b.Ring {
			ring[i] = orb.Point{p[0], p[1]}
		}
		d.Boundaries = append(d.Boundaries, hexbeat.Boundary{ID: b.ID, Kind: b.Kind, Name: b.Name, Geometry: orb.MultiPolygon{{ring}}})
	}
	if len(d.Boundaries) == 0 {
		return nil, fmt.Errorf("demo: inputs name no boundary")
	}
	outline := d.Boundaries[0].Geometry
	seq := 0
	add := func(month time.Time, s source) {
		lon, lat := s.draw(rng)
		for try := 0; try < 20 && !planar.MultiPolygonContains(outline, orb.Point{lon, lat}); try++ {
			lon, lat = s.draw(rng) // keep the town inside its outline
		}
		lon, lat = snap(lon, in.Snap), snap(lat, in.Snap)
		cell, err := grid.FromLonLat(lon, lat, grid.MaxRes)
		if err != nil {
			return
		}
		seq++
		id := fmt.Sprintf("DEMO-%06d", seq)
		d.Incidents = append(d.Incidents, hexbeat.Incident{
			Key: hexbeat.IncidentKey(Namespace, id, nil, 0), SourceID: id,
			OccurredAt: month, Precision: hexbeat.PrecisionMonth, Category: mixes[s.mix](rng),
			Lon: lon, Lat: lat, Cell: cell, Location: "Demo location", Force: "hexbeat demo (synthetic)",
			AreaName: "demo", Outcome: "demo",
		})
	}
	for m := 0; m < in.Months; m++ {
		month := first.AddDate(0, m, 0)
		// a gentle summer peak, as in real street crime
		n := int(float64(in.PerMonth) * (1 + 0.12*math.Sin(2*math.Pi*float64(int(month.Month())-4)/12)))
		for i := 0; i < n; i++ {
			add(month, pick())
		}
		if m+1 >= in.Emerging.FromMonth {
			e := in.Emerging
			hot := source{mix: e.Mix, draw: gaussian(e.Lon, e.Lat, e.SDm)}
			for i := 0; i < e.PerMonth*(m+2-e.FromMonth); i++ {
				add(month, hot)
			}
		}
	}
	d.StopSearches, d.Authorisations = stopSearches(in, first, pick, outline)
	for _, c := range in.Cameras {
		cam := hexbeat.Camera{ID: c.ID, Name: c.Name, Kind: c.Kind, Lon: c.Lon, Lat: c.Lat}
		for _, x := range []struct {
			s string
			t *time.Time
		}{{c.From, &cam.ActiveFrom}, {c.To, &cam.ActiveTo}} {
			if x.s == "" {
				continue
			}
			if *x.t, err = time.Parse("2006-01-02", x.s); err != nil {
				return nil, fmt.Errorf("demo: camera %s: %w", c.ID, err)
			}
		}
		d.Cameras = append(d.Cameras, cam)
	}
	for _, r := range in.Retailers {
		d.Retailers = append(d.Retailers, hexbeat.Retailer{ID: r.ID, Name: r.Name, Category: r.Category, Address: r.Address, SizeBand: r.SizeBand, Lon: r.Lon, Lat: r.Lat})
	}
	for _, t := range in.RetailerTests {
		on, err := time.Parse("2006-01-02", t.Date)
		if err != nil {
			return nil, fmt.Errorf("demo: test at %s: %w", t.Retailer, err)
		}
		d.RetailerTests = append(d.RetailerTests, hexbeat.RetailerTest{RetailerID: t.Retailer, On: on, Result: t.Result, Notes: t.Notes})
	}
	return d, nil
}

// stopSearches invents stop-and-search records, so that the demo shows the scrutiny
// features: searches where the incidents are, most under the drugs and PACE powers, some
// without a location (as most police.uk records before 2024), and from from_month on a few
// nights a month of section 60 searches around the emerging weapons cluster, with a low
// find rate. Its own random stream leaves the incidents as they were.
func stopSearches(in inputs, first time.Time, pick func() source, outline orb.MultiPolygon) ([]hexbeat.StopSearch, []hexbeat.Authorisation) {
	cfg := in.StopSearch
	if cfg.PerMonth == 0 {
		return nil, nil
	}
	rng := rand.New(rand.NewPCG(in.Seed^0x5eed, in.Seed^0x5a5a5a5a))
	legislation := chooser(map[string]float64{"Misuse of Drugs Act 1971 (section 23)": 62, "Police and Criminal Evidence Act 1984 (section 1)": 35, "Firearms Act 1968 (section 47)": 1, "": 2})
	gender := chooser(map[string]float64{"Male": 88, "Female": 11, "Other": 1})
	age := chooser(map[string]float64{"10-17": 20, "18-24": 36, "25-34": 25, "over 34": 18, "": 1})
	officer := chooser(map[string]float64{"White": 61, "Black": 17, "Asian": 15, "Other": 4, "": 3})
	self := map[string]string{"White": "White - English/Welsh/Scottish/Northern Irish/British", "Black": "Black/African/Caribbean/Black British - Any other Black/African/Caribbean background",
		"Asian": "Asian/Asian British - Pakistani", "Other": "Other ethnic group - Not stated", "": ""}
	found := chooser(map[string]float64{"Arrest": 45, "Community resolution": 30, "Summons / charged by post": 10, "Khat or Cannabis warning": 15})
	notFound := chooser(map[string]float64{"A no further action disposal": 86, "Arrest": 9, "Community resolution": 5})
	var out []hexbeat.StopSearch
	seq := 0
	add := func(at time.Time, lon, lat float64, located bool, leg, object string, findRate float64) {
		seq++
		s := hexbeat.StopSearch{OccurredAt: at.Truncate(time.Minute), Type: "Person search", Legislation: leg, Object: object,
			Gender: gender(rng), AgeRange: age(rng)}
		s.OfficerEthnicity = officer(rng)
		s.SelfDefinedEthnicity = self[s.OfficerEthnicity]
		linked := rng.Float64() < findRate
		s.OutcomeLinked = &linked
		if linked {
			s.Outcome = found(rng)
		} else {
			s.Outcome = notFound(rng)
		}
		if located {
			lon, lat = snap(lon, in.Snap), snap(lat, in.Snap)
			s.Lon, s.Lat = &lon, &lat
		}
		s.Key = hexbeat.IncidentKey(Namespace+"/stop-search", fmt.Sprintf("DEMO-SS-%06d", seq), nil, 0)
		out = append(out, s)
	}
	objects := map[string]string{"Misuse of Drugs Act 1971 (section 23)": "Controlled drugs", "Police and Criminal Evidence Act 1984 (section 1)": "Article for use in theft",
		"Firearms Act 1968 (section 47)": "Firearms", "": "Controlled drugs"}
	s60 := cfg.Section60
	var area orb.Ring // the authorised area: a circle of 3 standard deviations
	for i := 0; i <= 24; i++ {
		a := 2 * math.Pi * float64(i%24) / 24
		area = append(area, orb.Point{s60.Lon + 3*s60.SDm*math.Cos(a)/mPerDegLon, s60.Lat + 3*s60.SDm*math.Sin(a)/mPerDegLat})
	}
	var auths []hexbeat.Authorisation
	for m := 0; m < in.Months; m++ {
		month := first.AddDate(0, m, 0)
		span := month.AddDate(0, 1, 0).Sub(month)
		for i := 0; i < cfg.PerMonth; i++ {
			lon, lat := pick().draw(rng)
			for try := 0; try < 20 && !planar.MultiPolygonContains(outline, orb.Point{lon, lat}); try++ {
				lon, lat = pick().draw(rng)
			}
			leg := legislation(rng)
			add(month.Add(time.Duration(rng.Float64()*float64(span))), lon, lat, rng.Float64() < cfg.LocatedShare, leg, objects[leg], 0.22)
		}
		if s60.FromMonth == 0 || m+1 < s60.FromMonth {
			continue
		}
		for night := 0; night < s60.Nights; night++ {
			start := month.AddDate(0, 0, 4+night*9).Add(18 * time.Hour) // an evening, 15 hours authorised
			auths = append(auths, hexbeat.Authorisation{Area: orb.Polygon{area}, Officer: "Insp D. Demo (synthetic)", Rank: "Inspector",
				Start: start, End: start.Add(15 * time.Hour), Grounds: "Synthetic demo authorisation: " + s60.Name + ". Not police data."})
			for i := 0; i < s60.PerNight; i++ {
				lon, lat := gaussian(s60.Lon, s60.Lat, s60.SDm)(rng)
				for try := 0; try < 50 && !planar.PolygonContains(orb.Polygon{area}, orb.Point{snap(lon, in.Snap), snap(lat, in.Snap)}); try++ {
					lon, lat = gaussian(s60.Lon, s60.Lat, s60.SDm)(rng) // searches under the authorisation are made in its area
				}
				add(start.Add(time.Duration(rng.Float64()*float64(15*time.Hour))), lon, lat, true, "Criminal Justice and Public Order Act 1994 (section 60)", "Offensive weapons", 0.04)
			}
		}
	}
	return out, auths
}

// metres per degree of latitude, and of longitude at Milton Keynes' latitude
const (
	mPerDegLat = 111_320.0
	mPerDegLon = 111_320.0 * 0.6157 // cos(52.04°)
)

func gaussian(lon, lat, sdM float64) func(*rand.Rand) (float64, float64) {
	return func(r *rand.Rand) (float64, float64) {
		return lon + r.NormFloat64()*sdM/mPerDegLon, lat + r.NormFloat64()*sdM/mPerDegLat
	}
}

func along(from, to [2]float64, sdM float64) func(*rand.Rand) (float64, float64) {
	return func(r *rand.Rand) (float64, float64) {
		t := r.Float64()
		return from[0] + t*(to[0]-from[0]) + r.NormFloat64()*sdM/mPerDegLon,
			from[1] + t*(to[1]-from[1]) + r.NormFloat64()*sdM/mPerDegLat
	}
}

// chooser draws a category with the given relative weights, in a fixed order so that the
// same seed gives the same draws.
func chooser(m map[string]float64) func(*rand.Rand) string {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	total := 0.0
	for _, n := range names {
		total += m[n]
	}
	return func(r *rand.Rand) string {
		x := r.Float64() * total
		for _, n := range names {
			if x -= m[n]; x < 0 {
				return n
			}
		}
		return names[len(names)-1]
	}
}

// snap rounds to a grid, imitating police.uk's anonymised map points shared by many crimes.
func snap(v, step float64) float64 {
	if step <= 0 {
		return v
	}
	return math.Round(v/step) * step
}

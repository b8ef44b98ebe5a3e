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
	Boundaries []struct {
		ID   string       `json:"id"`
		Kind string       `json:"kind"`
		Name string       `json:"name"`
		Ring [][2]float64 `json:"ring"`
	} `json:"boundaries"`
}

// Data is the generated data set.
type Data struct {
	Incidents  []hexbeat.Incident
	Boundaries []hexbeat.Boundary
}

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
	return d, nil
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

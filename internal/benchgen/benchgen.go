// Package benchgen makes benchmark data at national scale from real police.uk street files.
// It is not used by the product: the scale benchmarks (scripts/bench-scale.sh) and the
// index's scale benchmarks read what it writes.
//
// The model: the real files are one force's months. A larger data set is F "forces", each a
// copy of the real force moved by a whole-degree offset (force 0 stays where it is, so the
// real boundaries still select its rows), over M months ending at the last real month. Each
// force-month draws its rows, with replacement, from the real month of the same
// month-of-year (July draws from January, and so on, when the files hold six months), so
// the crime mix and the spatial structure (town centres, corridors, map points shared by
// many crimes) are the real ones. Jitter: every real map point has V variants in each force,
// each moved by up to J metres, and a drawn row takes one of them; like police.uk's own map
// points, a variant is shared by every crime drawn to it.
package benchgen

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"time"
)

// Row is one real street-level crime with coordinates.
type Row struct {
	Month             time.Time
	Lon, Lat          float64
	Point             int32 // distinct map point number in the source
	Location          string
	LSOACode, LSOA    string
	Type, Outcome     string
	Context           string
	HasID             bool
	ReportedBy, Falls string
}

// Source is the real rows, grouped by month-of-year position.
type Source struct {
	months [][]Row // by position in the sorted distinct months
	first  time.Time
	last   time.Time
	points int
}

// Months returns the number of distinct real months.
func (s *Source) Months() int { return len(s.months) }

// Points returns the number of distinct real map points.
func (s *Source) Points() int { return s.points }

// Rows returns the number of real rows with coordinates.
func (s *Source) Rows() int {
	n := 0
	for _, m := range s.months {
		n += len(m)
	}
	return n
}

// Last returns the last real month.
func (s *Source) Last() time.Time { return s.last }

// ReadSource reads police.uk street files; rows without coordinates are left out.
func ReadSource(paths ...string) (*Source, error) {
	byMonth := map[time.Time][]Row{}
	pointNo := map[[2]float64]int32{}
	for _, p := range paths {
		if err := readFile(p, byMonth, pointNo); err != nil {
			return nil, err
		}
	}
	if len(byMonth) == 0 {
		return nil, errors.New("benchgen: no rows with coordinates")
	}
	var keys []time.Time
	for m := range byMonth {
		keys = append(keys, m)
	}
	slices.SortFunc(keys, func(a, b time.Time) int { return a.Compare(b) })
	s := &Source{first: keys[0], last: keys[len(keys)-1], points: len(pointNo)}
	for _, m := range keys {
		s.months = append(s.months, byMonth[m])
	}
	return s, nil
}

func readFile(path string, byMonth map[time.Time][]Row, pointNo map[[2]float64]int32) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.ReuseRecord = true
	head, err := r.Read()
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[h] = i
	}
	for _, h := range []string{"Crime ID", "Month", "Longitude", "Latitude", "Location", "LSOA code", "LSOA name", "Crime type", "Last outcome category", "Context", "Reported by", "Falls within"} {
		if _, ok := col[h]; !ok {
			return fmt.Errorf("%s: not a police.uk street file (no %q column)", path, h)
		}
	}
	strs := map[string]string{}
	intern := func(s string) string {
		if v, ok := strs[s]; ok {
			return v
		}
		s = string([]byte(s))
		strs[s] = s
		return s
	}
	for line := 2; ; line++ {
		rec, err := r.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		if rec[col["Longitude"]] == "" {
			continue
		}
		m, err := time.Parse("2006-01", rec[col["Month"]])
		if err != nil {
			return fmt.Errorf("%s line %d: month: %w", path, line, err)
		}
		lon, err1 := strconv.ParseFloat(rec[col["Longitude"]], 64)
		lat, err2 := strconv.ParseFloat(rec[col["Latitude"]], 64)
		if err := errors.Join(err1, err2); err != nil {
			return fmt.Errorf("%s line %d: %w", path, line, err)
		}
		k := [2]float64{lon, lat}
		pn, ok := pointNo[k]
		if !ok {
			pn = int32(len(pointNo))
			pointNo[k] = pn
		}
		byMonth[m] = append(byMonth[m], Row{
			Month: m, Lon: lon, Lat: lat, Point: pn,
			Location: intern(rec[col["Location"]]), LSOACode: intern(rec[col["LSOA code"]]), LSOA: intern(rec[col["LSOA name"]]),
			Type: intern(rec[col["Crime type"]]), Outcome: intern(rec[col["Last outcome category"]]), Context: intern(rec[col["Context"]]),
			HasID: rec[col["Crime ID"]] != "", ReportedBy: intern(rec[col["Reported by"]]), Falls: intern(rec[col["Falls within"]]),
		})
	}
}

// Config sets the size and shape of a generated data set.
type Config struct {
	N        int     // incidents in all
	Forces   int     // copies of the real force, 1..49
	Months   int     // months, ending at the last real month
	Variants int     // jittered variants of each map point per force (default 2)
	JitterM  float64 // largest jitter, metres (default 100)
	Seed     uint64
}

// Preset returns the configuration of a named scale: 1M (one force, about five and a half
// years), 10M (eight forces, about seven years) or 60M (43 forces, ten years: the national
// size the issue names).
func Preset(name string) (Config, error) {
	switch name {
	case "1M":
		return Config{N: 1_000_000, Forces: 1, Months: 66}, nil
	case "10M":
		return Config{N: 10_000_000, Forces: 8, Months: 84}, nil
	case "60M":
		return Config{N: 60_000_000, Forces: 43, Months: 120}, nil
	}
	return Config{}, fmt.Errorf("benchgen: no preset %q (1M, 10M, 60M)", name)
}

// Incident is one generated crime.
type Incident struct {
	ID       string // Crime ID, "" where the real row had none (anti-social behaviour)
	Month    time.Time
	Force    int
	Lon, Lat float64
	Src      *Row
}

// Offset returns force f's displacement in degrees: force 0 stays; the others sit on a
// 7 x 7 grid of 1.3° x 1.0° steps around it, nearest first.
func Offset(f int) (dlon, dlat float64) {
	return float64(gridCells[f][0]) * 1.3, float64(gridCells[f][1]) * 1.0
}

var gridCells = func() [][2]int {
	var c [][2]int
	for i := -3; i <= 3; i++ {
		for j := -3; j <= 3; j++ {
			c = append(c, [2]int{i, j})
		}
	}
	slices.SortStableFunc(c, func(a, b [2]int) int {
		return (a[0]*a[0] + a[1]*a[1]) - (b[0]*b[0] + b[1]*b[1])
	})
	return c
}()

// Generate calls emit for every generated incident, month by month (oldest first) and force
// by force within a month. The same Config and Source give the same incidents.
func Generate(src *Source, cfg Config, emit func(*Incident) error) error {
	if cfg.Forces < 1 || cfg.Forces > len(gridCells) || cfg.Months < 1 || cfg.N < 0 {
		return fmt.Errorf("benchgen: need 1..%d forces, at least one month and N >= 0", len(gridCells))
	}
	if cfg.Variants <= 0 {
		cfg.Variants = 2
	}
	if cfg.JitterM <= 0 {
		cfg.JitterM = 100
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x5ca1e))
	per := cfg.Forces * cfg.Months
	inc := Incident{}
	seq := uint64(0)
	for m := 0; m < cfg.Months; m++ {
		month := src.last.AddDate(0, m-cfg.Months+1, 0)
		pool := src.months[monthPos(src, month)]
		for f := 0; f < cfg.Forces; f++ {
			dlon, dlat := Offset(f)
			k := m*cfg.Forces + f
			n := cfg.N*(k+1)/per - cfg.N*k/per // spreads N exactly over force-months
			for range n {
				r := &pool[rng.IntN(len(pool))]
				v := rng.IntN(cfg.Variants)
				jx, jy := jitter(cfg.Seed, f, v, r.Point, cfg.JitterM, r.Lat)
				seq++
				inc = Incident{Month: month, Force: f, Lon: round6(r.Lon + dlon + jx), Lat: round6(r.Lat + dlat + jy), Src: r}
				if r.HasID {
					inc.ID = fmt.Sprintf("%016x%016x%032x", splitmix(cfg.Seed^seq), seq, 0)
				}
				if err := emit(&inc); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// monthPos picks the real month for a generated one: the real month at the same distance
// from the first real month, modulo the number of real months (with twelve consecutive real
// months, the same month-of-year; with January to June, July draws from January).
func monthPos(src *Source, month time.Time) int {
	d := month.Year()*12 + int(month.Month()) - (src.first.Year()*12 + int(src.first.Month()))
	n := len(src.months)
	return ((d % n) + n) % n
}

// jitter is the deterministic displacement (degrees) of a map point's variant in a force.
func jitter(seed uint64, force, variant int, point int32, metres, lat float64) (dlon, dlat float64) {
	if force == 0 && variant == 0 {
		return 0, 0 // the real map point itself
	}
	h := splitmix(seed ^ uint64(force)<<48 ^ uint64(variant)<<40 ^ uint64(uint32(point)))
	a := float64(h>>11) / (1 << 53) * 2 * math.Pi
	r := metres * math.Sqrt(float64(splitmix(h)>>11)/(1<<53))
	const mPerDeg = 111_320.0
	return r * math.Cos(a) / (mPerDeg * math.Cos(lat*math.Pi/180)), r * math.Sin(a) / mPerDeg
}

func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

func round6(x float64) float64 { return math.Round(x*1e6) / 1e6 }

// Header is the police.uk street file header that WriteCSV writes.
var Header = []string{"Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude", "Location", "LSOA code", "LSOA name", "Crime type", "Last outcome category", "Context"}

// Record returns an incident as a police.uk street file record; force 0 keeps the real
// force's name and LSOAs, the others are named "Force NN" and have no LSOA.
func Record(inc *Incident, rec []string) []string {
	r := inc.Src
	falls, code, name := r.Falls, r.LSOACode, r.LSOA
	if inc.Force > 0 { // a moved copy lies in no real LSOA
		falls, code, name = fmt.Sprintf("Force %02d", inc.Force), "", ""
	}
	return append(rec[:0], inc.ID, inc.Month.Format("2006-01"), falls, falls,
		strconv.FormatFloat(inc.Lon, 'f', 6, 64), strconv.FormatFloat(inc.Lat, 'f', 6, 64),
		r.Location, code, name, r.Type, r.Outcome, r.Context)
}

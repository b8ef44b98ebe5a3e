package policeuk

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// Download asks for months of a force's data: street crimes, stop and search or both,
// within Rings, or (Rings nil) within the force's neighbourhoods, where the crimes without
// a location and every stop and search of the force come too.
type Download struct {
	Force   string   // the force's data.police.uk id
	Months  []string // YYYY-MM
	Street  bool
	Stops   bool
	Rings   []orb.Ring
	AreaTag string // names Rings in the summary (a file's name); empty: the neighbourhoods
	Dir     string // where the CSV files are written
}

// Fetched is what a download wrote: police.uk CSV files, one a month and kind, to be
// imported like the files data.police.uk offers.
type Fetched struct {
	Force Force
	Files []string
	Area  string // where the data were asked for, in words
}

// Fetch downloads d month by month and writes each month's crimes and searches as the
// police.uk CSV files of the same name; say reports each month's counts.
func (c *Client) Fetch(ctx context.Context, d Download, say func(format string, args ...any)) (Fetched, error) {
	var out Fetched
	if say == nil {
		say = func(string, ...any) {}
	}
	f, err := c.Force(ctx, d.Force)
	if err != nil {
		return out, fmt.Errorf("force %q: %w", d.Force, err)
	}
	out.Force, out.Area = f, "the neighbourhoods of "+f.Name
	rings := d.Rings
	if rings == nil {
		if rings, err = c.Neighbourhoods(ctx, f.ID); err != nil {
			return out, fmt.Errorf("the neighbourhoods of %s: %w", f.Name, err)
		}
		if len(rings) == 0 {
			return out, fmt.Errorf("the API lists no neighbourhoods for %s; give a boundary", f.Name)
		}
	} else {
		out.Area = d.AreaTag
	}
	write := func(name string, fn func(io.Writer) error) error {
		path := filepath.Join(d.Dir, name)
		w, err := os.Create(path)
		if err != nil {
			return err
		}
		if err := fn(w); err != nil {
			w.Close()
			return err
		}
		out.Files = append(out.Files, path)
		return w.Close()
	}
	var names map[string]string
	for _, m := range d.Months {
		line := m + ":"
		if d.Street {
			if names == nil {
				if names, err = c.Categories(ctx, m); err != nil {
					return out, fmt.Errorf("crime categories: %w", err)
				}
			}
			crimes, err := c.StreetCrimes(ctx, rings, m)
			if err != nil {
				return out, fmt.Errorf("crimes of %s: %w", m, err)
			}
			located := len(crimes)
			if d.Rings == nil {
				nl, err := c.NoLocationCrimes(ctx, f.ID, m)
				if err != nil {
					return out, fmt.Errorf("crimes without a location in %s: %w", m, err)
				}
				crimes = append(crimes, nl...)
			}
			line += fmt.Sprintf(" %d crimes (%d without a location)", len(crimes), len(crimes)-located)
			if len(crimes) > 0 {
				if err := write(m+"-"+f.ID+"-street.csv", func(w io.Writer) error { return WriteStreetCSV(w, crimes, f.Name, names) }); err != nil {
					return out, err
				}
			}
		}
		if d.Stops {
			var stops []Stop
			if d.Rings == nil {
				stops, err = c.ForceStops(ctx, f.ID, m)
			} else {
				stops, err = c.AreaStops(ctx, rings, m)
			}
			if err != nil {
				return out, fmt.Errorf("stop and search in %s: %w", m, err)
			}
			line += fmt.Sprintf(" %d stops and searches", len(stops))
			if len(stops) > 0 {
				if err := write(m+"-"+f.ID+"-stop-and-search.csv", func(w io.Writer) error { return WriteStopCSV(w, stops) }); err != nil {
					return out, err
				}
			}
		}
		say("%s", line)
	}
	return out, nil
}

// ParseMonths reads 2025-01, 2025-01..2025-06 or 2025-01,2025-03 (at most 240 months).
func ParseMonths(s string) ([]string, error) {
	if s == "" {
		return nil, fmt.Errorf("name the months, e.g. 2025-01..2025-06")
	}
	var out []string
	for _, part := range strings.Split(s, ",") {
		a, b, isRange := strings.Cut(strings.TrimSpace(part), "..")
		from, err := time.Parse("2006-01", a)
		if err != nil {
			return nil, fmt.Errorf("%q is not a month such as 2025-01", a)
		}
		to := from
		if isRange {
			if to, err = time.Parse("2006-01", b); err != nil {
				return nil, fmt.Errorf("%q is not a month such as 2025-06", b)
			}
			if to.Before(from) {
				return nil, fmt.Errorf("%s..%s ends before it starts", a, b)
			}
		}
		for m := from; !m.After(to); m = m.AddDate(0, 1, 0) {
			if len(out) >= 240 {
				return nil, fmt.Errorf("more than 240 months")
			}
			if k := m.Format("2006-01"); !slices.Contains(out, k) {
				out = append(out, k)
			}
		}
	}
	return out, nil
}

// ReadRings reads the outer rings of the polygons in a GeoJSON file (holes are not cut out:
// the API takes one ring an area).
func ReadRings(path string) ([]orb.Ring, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var geoms []orb.Geometry
	if fc, err := geojson.UnmarshalFeatureCollection(b); err == nil && len(fc.Features) > 0 {
		for _, f := range fc.Features {
			geoms = append(geoms, f.Geometry)
		}
	} else if f, err := geojson.UnmarshalFeature(b); err == nil && f.Geometry != nil {
		geoms = append(geoms, f.Geometry)
	} else if g, err := geojson.UnmarshalGeometry(b); err == nil {
		geoms = append(geoms, g.Geometry())
	} else {
		return nil, fmt.Errorf("%s is not GeoJSON: %v", path, err)
	}
	var rings []orb.Ring
	for _, g := range geoms {
		switch g := g.(type) {
		case orb.Polygon:
			rings = append(rings, g[0])
		case orb.MultiPolygon:
			for _, p := range g {
				rings = append(rings, p[0])
			}
		}
	}
	if len(rings) == 0 {
		return nil, fmt.Errorf("%s holds no polygon", path)
	}
	return rings, nil
}

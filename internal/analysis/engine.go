package analysis

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/hexbeat/hexbeat/internal/grid"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/hexbeat/hexbeat/internal/index"
	"github.com/hexbeat/hexbeat/internal/stats"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geo"
)

// MaxStudyCells bounds a study area: beyond it an analysis asks for a coarser resolution
// or a smaller area instead of exhausting memory.
const MaxStudyCells = 2_000_000

// kdeBatch is how many points a KDE spreads between looks at its request's deadline.
const kdeBatch = 128

// stopped tells an analysis to stop when its request has gone past its time limit (or was
// cancelled): an error the API answers as 503, naming the limit.
func stopped(ctx context.Context) error {
	switch ctx.Err() {
	case nil:
		return nil
	case context.DeadlineExceeded:
		return &hexbeat.Error{Code: hexbeat.EUNAVAILABLE, Message: "the analysis ran past the request time limit and was stopped: ask for a coarser resolution, a smaller area or a shorter period", Cause: ctx.Err()}
	default:
		return &hexbeat.Error{Code: hexbeat.EUNAVAILABLE, Message: "the request was cancelled", Cause: ctx.Err()}
	}
}

// stoppedOr is err as the caller should see it: the domain's "stopped" error when ctx has
// ended (the work gave up because of it), else err itself.
func stoppedOr(ctx context.Context, err error) error {
	if e := stopped(ctx); e != nil {
		return e
	}
	return err
}

// Engine runs analyses. It is safe for concurrent use.
type Engine struct {
	harm *hexbeat.HarmWeights

	mu       sync.Mutex
	areas    map[areaKey][]uint64 // study-area cells of named areas
	disks    map[diskKey][]uint64
	diskSize int
}

type areaKey struct {
	key string
	res int
}

type diskKey struct {
	cell uint64
	k    int
}

// maxDiskCache bounds the cached grid disks (cells); the cache is emptied when it fills.
const maxDiskCache = 4_000_000

// New returns an engine weighting harm by harm.
func New(harm *hexbeat.HarmWeights) *Engine {
	return &Engine{harm: harm, areas: map[areaKey][]uint64{}, disks: map[diskKey][]uint64{}}
}

// Harm returns the harm weights in use.
func (e *Engine) Harm() *hexbeat.HarmWeights { return e.harm }

// disk is grid.Disk behind a cache: neighbourhoods are asked for again by every analysis
// over the same area.
func (e *Engine) disk(cell uint64, k int) ([]uint64, error) {
	key := diskKey{cell, k}
	e.mu.Lock()
	d, ok := e.disks[key]
	e.mu.Unlock()
	if ok {
		return d, nil
	}
	d, err := grid.Disk(cell, k)
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	if e.diskSize+len(d) > maxDiskCache {
		clear(e.disks)
		e.diskSize = 0
	}
	e.disks[key] = d
	e.diskSize += len(d)
	e.mu.Unlock()
	return d, nil
}

// weight turns a query's weighting into the index's.
func (e *Engine) weight(weight string, halfLifeDays float64, ref time.Time) index.Weight {
	var w index.Weight
	if weight == hexbeat.WeightHarm {
		w.Category = e.harm.Weight
	}
	if halfLifeDays > 0 {
		w.HalfLife = time.Duration(halfLifeDays * 24 * float64(time.Hour))
		w.Ref = ref
	}
	return w
}

// StudyArea describes the cells an analysis runs over.
type StudyArea struct {
	Cells []uint64 // ascending
	Rule  string   // how they were chosen, for the report
}

// studyArea returns the study area of a query at res: the cells whose centre lies in the
// area (the boundary, else the ad hoc polygon, else the bounding box) plus every occupied
// cell; with no area at all, the occupied cells and their grid disks of radius k, so that
// every counted cell has its whole neighbourhood and empty cells count as zeros near data.
func (e *Engine) studyArea(q hexbeat.CellQuery, area *index.Area, occupied []uint64, k int) (StudyArea, error) {
	var g orb.Geometry
	var key, rule string
	switch {
	case area != nil && area.Geometry != nil:
		g, key, rule = area.Geometry, area.Key, "cells whose centre lies in boundary "+q.Area+", plus every cell holding a counted incident"
	case q.Polygon != nil:
		g, rule = q.Polygon, "cells whose centre lies in the given polygon, plus every cell holding a counted incident"
	case q.BBox != nil:
		g, rule = *q.BBox, "cells whose centre lies in the bounding box, plus every cell holding a counted incident"
	}
	if g == nil {
		cells := slices.Clone(occupied)
		if len(occupied)*(3*k*(k+1)+1) > MaxStudyCells {
			return StudyArea{}, tooLarge(q.Res)
		}
		for _, c := range occupied {
			d, err := e.disk(c, k)
			if err != nil {
				return StudyArea{}, err
			}
			cells = append(cells, d...)
		}
		slices.Sort(cells)
		return StudyArea{Cells: slices.Compact(cells), Rule: fmt.Sprintf("cells holding a counted incident and their neighbours within %d grid steps (no area given)", k)}, nil
	}
	inside, err := e.areaCells(g, key, q.Res)
	if err != nil {
		return StudyArea{}, err
	}
	cells := append(slices.Clone(inside), occupied...)
	slices.Sort(cells)
	return StudyArea{Cells: slices.Compact(cells), Rule: rule}, nil
}

// areaCells returns the cells whose centres lie in g at res, cached under key when it is
// not empty.
func (e *Engine) areaCells(g orb.Geometry, key string, res int) ([]uint64, error) {
	ak := areaKey{key, res}
	if key != "" {
		e.mu.Lock()
		c, ok := e.areas[ak]
		e.mu.Unlock()
		if ok {
			return c, nil
		}
	}
	var km2 float64
	if b, ok := g.(orb.Bound); ok {
		km2 = geo.Area(b.ToPolygon()) / 1e6
	} else {
		km2 = geo.Area(g) / 1e6
	}
	if avg := grid.AvgAreaKm2(res); avg > 0 && math.Abs(km2)/avg > MaxStudyCells {
		return nil, tooLarge(res)
	}
	cells, err := grid.GeometryCells(g, res)
	if err != nil {
		return nil, err
	}
	slices.Sort(cells)
	if key != "" {
		e.mu.Lock()
		if len(e.areas) > 256 {
			clear(e.areas)
		}
		e.areas[ak] = cells
		e.mu.Unlock()
	}
	return cells, nil
}

func tooLarge(res int) error {
	return &hexbeat.Error{Code: hexbeat.ETOOLARGE, Message: fmt.Sprintf("the study area has more than %d cells at resolution %d", MaxStudyCells, res),
		Fields: []hexbeat.FieldError{{Field: "res", Message: "choose a coarser resolution or a smaller area"}}}
}

// place returns, for each of cells (ascending, all in a.Cells), its position in a.
func place(a *stats.Adjacency, cells []uint64) []int {
	pos := make([]int, len(cells))
	j := 0
	for i, c := range cells {
		for a.Cells[j] != c {
			j++
		}
		pos[i] = j
	}
	return pos
}

// periodEnd is the reference instant for recency decay: the end of the query's period, or
// just after the last incident when the period is open.
func periodEnd(q hexbeat.CellQuery, snap *index.Snapshot) time.Time {
	if !q.To.IsZero() {
		return q.To
	}
	if _, last, ok := snap.TimeRange(); ok {
		return time.Unix(last+1, 0).UTC()
	}
	return time.Now().UTC()
}

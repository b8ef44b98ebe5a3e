package plan

import (
	"container/heap"
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/hexbeat/hexbeat/internal/stats"
	"github.com/paulmach/orb"
)

// CoverProblem is a maximal covering location problem: choose K sites among Candidates
// to maximise the weight of demand points within Radius metres of a chosen or existing site.
type CoverProblem struct {
	Demand     []orb.Point // [lon,lat]
	Weight     []float64   // per demand point
	Candidates []orb.Point
	Existing   []orb.Point // fixed cameras: what they cover is covered already
	K          int
	RadiusM    float64
	MinSpacing float64 // metres between chosen sites (and from existing ones); 0 for none
}

// coverSets lists, for each point of from, the demand points within r metres, using a grid
// of buckets r wide on a local projection.
func coverSets(from, demand []orb.Point, r float64) [][]int32 {
	out := make([][]int32, len(from))
	if len(demand) == 0 || len(from) == 0 {
		return out
	}
	lat0 := demand[0][1]
	mLat := 6371008.8 * math.Pi / 180
	mLon := mLat * math.Cos(lat0*math.Pi/180)
	type key struct{ x, y int64 }
	bucket := func(p orb.Point) key {
		return key{int64(math.Floor(p[0] * mLon / r)), int64(math.Floor(p[1] * mLat / r))}
	}
	grid := map[key][]int32{}
	for i, p := range demand {
		k := bucket(p)
		grid[k] = append(grid[k], int32(i))
	}
	// The projection stretches with latitude; widen the search where cos(lat) differs.
	// A planar distance on the local projection decides clear cases; only points within
	// 1 % of the radius get the exact great-circle test.
	inner, outer := (0.99*r)*(0.99*r), (1.01*r)*(1.01*r)
	for i, c := range from {
		k := bucket(c)
		reach := int64(1)
		if f := math.Cos(lat0*math.Pi/180) / math.Cos(c[1]*math.Pi/180); f > 1.01 || f < 0.99 {
			reach = int64(math.Ceil(math.Max(f, 1/f))) + 1
		}
		cLon := mLat * math.Cos(c[1]*math.Pi/180)
		for dx := -reach; dx <= reach; dx++ {
			for dy := int64(-1); dy <= 1; dy++ {
				for _, j := range grid[key{k.x + dx, k.y + dy}] {
					d := demand[j]
					ex, ey := (d[0]-c[0])*cLon, (d[1]-c[1])*mLat
					q := ex*ex + ey*ey
					if q <= inner || q <= outer && stats.DistanceM(c, d) <= r {
						out[i] = append(out[i], j)
					}
				}
			}
		}
	}
	return out
}

// Validate reports what is wrong with the problem.
func (p *CoverProblem) Validate() error {
	switch {
	case p.K < 1:
		return fmt.Errorf("k must be at least 1, got %d", p.K)
	case !(p.RadiusM > 0):
		return fmt.Errorf("radius must be positive, got %g", p.RadiusM)
	case len(p.Weight) != len(p.Demand):
		return fmt.Errorf("%d weights for %d demand points", len(p.Weight), len(p.Demand))
	case p.MinSpacing < 0:
		return fmt.Errorf("minimum spacing must not be negative")
	}
	return nil
}

// Cover solves the problem by lazy greedy (marginal gains kept in a max-heap and
// re-evaluated only when they reach the top: coverage is submodular, so a stale gain is an
// upper bound, and the result is within 1 − 1/e of the optimum) followed by swap
// improvement (replace a chosen site by an unchosen one while that covers more).
//
// It looks at ctx between restarts and between passes of the swaps, and stops with ctx's
// error when ctx has ended.
func Cover(ctx context.Context, p CoverProblem) (hexbeat.CoverPlan, error) {
	if err := p.Validate(); err != nil {
		return hexbeat.CoverPlan{}, err
	}
	sets := coverSets(p.Candidates, p.Demand, p.RadiusM)
	base := make([]int32, len(p.Demand)) // existing sites covering each point
	plan := hexbeat.CoverPlan{}
	for _, w := range p.Weight {
		plan.Total += w
	}
	for _, set := range coverSets(p.Existing, p.Demand, p.RadiusM) {
		for _, d := range set {
			if base[d] == 0 {
				plan.ByExisting += p.Weight[d]
			}
			base[d]++
		}
	}
	work := 0
	solo := make([]float64, len(p.Candidates))
	for c, set := range sets {
		if len(set) > 0 {
			plan.CandidatesUsed++
		}
		work += len(set)
		for _, d := range set {
			if base[d] == 0 {
				solo[c] += p.Weight[d]
			}
		}
	}
	s := solver{p: p, sets: sets, base: base, coveredBy: make([][]int32, len(p.Demand)), stop: func() bool { return ctx.Err() != nil }}
	for c, set := range sets {
		for _, d := range set {
			s.coveredBy[d] = append(s.coveredBy[d], int32(c))
		}
	}
	chosen, greedy, covered, swaps := s.run(-1)
	if err := ctx.Err(); err != nil {
		return plan, err
	}
	plan.GreedyCovered = greedy
	// Restarts: greedy + swaps again with each of the strongest single sites forced in
	// first, as long as the instance is small enough for the work budget; keep the best.
	// Single swaps stop at a local optimum; a different first site often leads to a
	// better one.
	restarts := 0
	if work > 0 {
		restarts = min(maxRestarts, restartWork/work)
	}
	for _, c := range stats.RankOrder(solo, nil)[:min(restarts, len(solo))] {
		if solo[c] <= 0 {
			break
		}
		ch, _, cov, sw := s.run(c)
		if err := ctx.Err(); err != nil {
			return plan, err
		}
		if cov > covered+1e-9 {
			chosen, covered, swaps = ch, cov, sw
		}
	}
	plan.Covered = plan.ByExisting + covered
	plan.Swaps = swaps
	plan.Sites = reorder(p, sets, chosen)
	run := plan.ByExisting
	for _, s := range plan.Sites {
		run += s.Gain
		plan.Curve = append(plan.Curve, run)
	}
	plan.GreedyCovered += plan.ByExisting
	return plan, nil
}

// The restart budget: at most maxRestarts extra runs, and no more than restartWork
// demand-point visits per run's worth of coverage sets.
const (
	maxRestarts = 24
	restartWork = 2_000_000
)

// solver holds one problem's coverage sets for repeated runs.
type solver struct {
	p         CoverProblem
	sets      [][]int32
	base      []int32
	coveredBy [][]int32 // the candidates covering each demand point
	stop      func() bool
}

// run is lazy greedy (with forced, when >= 0, chosen first) then swap improvement. It
// returns the sites, the weight the greedy and then the swaps covered beyond the existing
// cameras, and the number of swaps.
func (s *solver) run(forced int) ([]hexbeat.Site, float64, float64, int) {
	p, sets := s.p, s.sets
	count := slices.Clone(s.base)
	var covered float64
	gain := func(c int) float64 {
		var g float64
		for _, d := range sets[c] {
			if count[d] == 0 {
				g += p.Weight[d]
			}
		}
		return g
	}
	spaced := func(c int, chosen []hexbeat.Site, skip int) bool {
		if p.MinSpacing <= 0 {
			return true
		}
		for i, s := range chosen {
			if i != skip && stats.DistanceM(p.Candidates[c], p.Candidates[s.Candidate]) < p.MinSpacing {
				return false
			}
		}
		for _, e := range p.Existing {
			if stats.DistanceM(p.Candidates[c], e) < p.MinSpacing {
				return false
			}
		}
		return true
	}
	chosen := make([]hexbeat.Site, 0, p.K)
	take := func(c int, g float64) {
		chosen = append(chosen, hexbeat.Site{Candidate: c, Gain: g})
		for _, d := range sets[c] {
			count[d]++
		}
		covered += g
	}
	if forced >= 0 {
		if !spaced(forced, nil, -1) {
			return nil, 0, -1, 0
		}
		take(forced, gain(forced))
	}
	h := &gainHeap{}
	for c := range p.Candidates {
		if c == forced {
			continue
		}
		if g := gain(c); g > 0 {
			*h = append(*h, gainItem{c, g})
		}
	}
	heap.Init(h)
	for len(chosen) < p.K && h.Len() > 0 {
		top := heap.Pop(h).(gainItem)
		if !spaced(top.c, chosen, -1) {
			continue // never eligible again: spacing only tightens as sites are added
		}
		g := gain(top.c)
		if h.Len() > 0 && g < (*h)[0].g {
			if g > 0 {
				heap.Push(h, gainItem{top.c, g})
			}
			continue
		}
		if g <= 0 {
			break
		}
		take(top.c, g)
	}
	greedy := covered
	covered, swaps := improve(p, sets, s.coveredBy, count, chosen, covered, spaced, s.stop)
	return chosen, greedy, covered, swaps
}

// improve makes improving swaps until none is left (or a bound on passes is reached). For
// a chosen site i, the gain of an unchosen j in its place is what j covers that nothing
// else does once i is gone: the points covered by no site, plus those covered by i alone.
func improve(p CoverProblem, sets, coveredBy [][]int32, count []int32, chosen []hexbeat.Site, covered float64, spaced func(int, []hexbeat.Site, int) bool, stop func() bool) (float64, int) {
	in := make([]bool, len(p.Candidates))
	for _, s := range chosen {
		in[s.Candidate] = true
	}
	swaps := 0
	extra := make([]float64, len(p.Candidates))
	for pass := 0; pass < 50 && !stop(); pass++ {
		improved := false
		// free[j]: what j adds to the current set
		free := make([]float64, len(p.Candidates))
		for c := range p.Candidates {
			if in[c] {
				continue
			}
			for _, d := range sets[c] {
				if count[d] == 0 {
					free[c] += p.Weight[d]
				}
			}
		}
		for i := range chosen {
			ci := chosen[i].Candidate
			var loss float64
			clear(extra)
			for _, d := range sets[ci] {
				if count[d] == 1 {
					loss += p.Weight[d]
					for _, j := range coveredBy[d] {
						extra[j] += p.Weight[d]
					}
				}
			}
			best, bestGain := -1, loss+1e-9
			for j := range p.Candidates {
				if in[j] || len(sets[j]) == 0 {
					continue
				}
				if g := free[j] + extra[j]; g > bestGain && spaced(j, chosen, i) {
					best, bestGain = j, g
				}
			}
			if best < 0 {
				continue
			}
			for _, d := range sets[ci] {
				count[d]--
			}
			for _, d := range sets[best] {
				count[d]++
			}
			in[ci], in[best] = false, true
			chosen[i] = hexbeat.Site{Candidate: best}
			covered += bestGain - loss
			swaps++
			improved = true
			break // the free gains changed: start a new pass
		}
		if !improved {
			break
		}
	}
	return covered, swaps
}

// reorder orders the final sites greedily (largest marginal gain first) and records each
// one's gain, so that the list reads as "the first camera adds most".
func reorder(p CoverProblem, sets [][]int32, chosen []hexbeat.Site) []hexbeat.Site {
	count := make([]int32, len(p.Demand))
	for _, set := range coverSets(p.Existing, p.Demand, p.RadiusM) {
		for _, d := range set {
			count[d]++
		}
	}
	left := append([]hexbeat.Site(nil), chosen...)
	out := make([]hexbeat.Site, 0, len(chosen))
	for len(left) > 0 {
		best, bestGain := 0, -1.0
		for i, s := range left {
			var g float64
			for _, d := range sets[s.Candidate] {
				if count[d] == 0 {
					g += p.Weight[d]
				}
			}
			if g > bestGain {
				best, bestGain = i, g
			}
		}
		s := left[best]
		s.Gain = bestGain
		for _, d := range sets[s.Candidate] {
			count[d]++
		}
		out = append(out, s)
		left = append(left[:best], left[best+1:]...)
	}
	return out
}

type gainItem struct {
	c int
	g float64
}

type gainHeap []gainItem

func (h gainHeap) Len() int { return len(h) }
func (h gainHeap) Less(i, j int) bool {
	if h[i].g != h[j].g {
		return h[i].g > h[j].g
	}
	return h[i].c < h[j].c
}
func (h gainHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *gainHeap) Push(x any)   { *h = append(*h, x.(gainItem)) }
func (h *gainHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

package plan

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/hexbeat/hexbeat/internal/stats"
	"github.com/paulmach/orb"
)

// instance scatters demand and candidates over about 2 x 2 km around Milton Keynes.
func instance(rng *rand.Rand, demand, cands int) CoverProblem {
	pt := func() orb.Point { return orb.Point{-0.77 + 0.03*rng.Float64(), 52.03 + 0.018*rng.Float64()} }
	p := CoverProblem{RadiusM: 300}
	for i := 0; i < demand; i++ {
		p.Demand = append(p.Demand, pt())
		p.Weight = append(p.Weight, float64(1+rng.IntN(5)))
	}
	for i := 0; i < cands; i++ {
		p.Candidates = append(p.Candidates, pt())
	}
	return p
}

// coverOf is the covered weight of a set of candidates, by brute force.
func coverOf(p CoverProblem, sites []int) float64 {
	var w float64
	for d, pt := range p.Demand {
		hit := false
		for _, e := range p.Existing {
			hit = hit || stats.DistanceM(pt, e) <= p.RadiusM
		}
		for _, s := range sites {
			hit = hit || stats.DistanceM(pt, p.Candidates[s]) <= p.RadiusM
		}
		if hit {
			w += p.Weight[d]
		}
	}
	return w
}

// optimum searches every set of k candidates that respects the spacing.
func optimum(p CoverProblem) float64 {
	best := 0.0
	var rec func(start int, set []int)
	rec = func(start int, set []int) {
		if len(set) == p.K {
			best = math.Max(best, coverOf(p, set))
			return
		}
		for c := start; c < len(p.Candidates); c++ {
			ok := true
			for _, s := range set {
				ok = ok && (p.MinSpacing == 0 || stats.DistanceM(p.Candidates[c], p.Candidates[s]) >= p.MinSpacing)
			}
			for _, e := range p.Existing {
				ok = ok && (p.MinSpacing == 0 || stats.DistanceM(p.Candidates[c], e) >= p.MinSpacing)
			}
			if ok {
				rec(c+1, append(set, c))
			}
		}
		if len(set) > 0 && start >= len(p.Candidates) {
			best = math.Max(best, coverOf(p, set))
		}
	}
	rec(0, nil)
	return best
}

// TestCoverAgainstExhaustiveSearch: on 300 small random instances (with and without
// existing cameras and spacing), the plan's coverage is what it claims, never below
// 1 − 1/e of the exact optimum, and the gap is reported.
func TestCoverAgainstExhaustiveSearch(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	exact, worst := 0, 1.0
	const n = 300
	for i := 0; i < n; i++ {
		p := instance(rng, 40, 12)
		p.K = 1 + rng.IntN(4)
		if i%3 == 1 {
			p.Existing = []orb.Point{p.Candidates[0]}
		}
		if i%3 == 2 {
			p.MinSpacing = 250
		}
		plan, err := Cover(context.Background(), p)
		if err != nil {
			t.Fatal(err)
		}
		var sites []int
		for _, s := range plan.Sites {
			sites = append(sites, s.Candidate)
		}
		if got := coverOf(p, sites); math.Abs(got-plan.Covered) > 1e-9 {
			t.Fatalf("instance %d: plan claims %g covered, brute force counts %g", i, plan.Covered, got)
		}
		if len(plan.Curve) != len(plan.Sites) || (len(plan.Curve) > 0 && math.Abs(plan.Curve[len(plan.Curve)-1]-plan.Covered) > 1e-9) {
			t.Fatalf("instance %d: curve %v does not end at %g", i, plan.Curve, plan.Covered)
		}
		if plan.Covered < plan.GreedyCovered {
			t.Fatalf("instance %d: swaps lost coverage", i)
		}
		opt := optimum(p)
		ratio := 1.0
		if opt > 0 {
			ratio = plan.Covered / opt
		}
		if ratio < 1-1/math.E {
			t.Fatalf("instance %d: %g of the optimum %g, below 1-1/e", i, plan.Covered, opt)
		}
		if ratio > 1+1e-9 {
			t.Fatalf("instance %d: %g above the optimum %g", i, plan.Covered, opt)
		}
		if ratio >= 1-1e-9 {
			exact++
		}
		worst = math.Min(worst, ratio)
	}
	t.Logf("exact optimum in %d of %d instances; worst ratio %.4f", exact, n, worst)
	if exact < n*9/10 {
		t.Errorf("greedy + swap found the optimum in only %d of %d instances", exact, n)
	}
}

func TestCoverSpacingAndExisting(t *testing.T) {
	// Three demand clusters; an existing camera already covers the first.
	p := CoverProblem{K: 2, RadiusM: 100,
		Demand:     []orb.Point{{-0.76, 52.04}, {-0.76, 52.0401}, {-0.74, 52.04}, {-0.74, 52.0401}, {-0.7395, 52.04}},
		Weight:     []float64{5, 5, 1, 1, 1},
		Candidates: []orb.Point{{-0.76, 52.04005}, {-0.74, 52.04005}, {-0.7397, 52.04}},
		Existing:   []orb.Point{{-0.76, 52.04}},
	}
	plan, err := Cover(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	if plan.ByExisting != 10 || plan.Covered != 13 || len(plan.Sites) != 1 {
		t.Fatalf("%+v", plan)
	}
	p.MinSpacing = 50 // candidates 1 and 2 are 20 m apart: only one of them
	p.Existing = nil
	p.K = 3
	plan, _ = Cover(context.Background(), p)
	if len(plan.Sites) != 2 || plan.Covered != 13 {
		t.Fatalf("with spacing: %+v", plan)
	}
	if _, err := Cover(context.Background(), CoverProblem{K: 0, RadiusM: 1}); err == nil {
		t.Error("k = 0 accepted")
	}
}

// BenchmarkCover5000x100k: k = 20 over 5,000 candidates and 100k incidents (at 25,000
// distinct locations, as police.uk map points repeat) over 10 x 10 km, 300 m radius
// (target: under 200 ms).
func BenchmarkCover5000x100k(b *testing.B) {
	rng := rand.New(rand.NewPCG(5, 6))
	pt := func() orb.Point { return orb.Point{-0.83 + 0.146*rng.Float64(), 51.99 + 0.09*rng.Float64()} }
	p := CoverProblem{K: 20, RadiusM: 300}
	for i := 0; i < 25_000; i++ {
		p.Demand = append(p.Demand, pt())
		p.Weight = append(p.Weight, 4)
	}
	for i := 0; i < 5_000; i++ {
		p.Candidates = append(p.Candidates, pt())
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Cover(context.Background(), p); err != nil {
			b.Fatal(err)
		}
	}
}

// TestCoverStopsWhenAsked: a camera plan whose request has gone past its time limit stops
// with the context's error instead of running its restarts and swaps to the end.
func TestCoverStopsWhenAsked(t *testing.T) {
	p := CoverProblem{K: 2, RadiusM: 100, Demand: []orb.Point{{-0.76, 52.04}, {-0.74, 52.04}}, Weight: []float64{1, 1},
		Candidates: []orb.Point{{-0.76, 52.04}, {-0.74, 52.04}}}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Cover(ctx, p); !errors.Is(err, context.Canceled) {
		t.Errorf("a cancelled plan: %v", err)
	}
	if plan, err := Cover(context.Background(), p); err != nil || plan.Covered != 2 {
		t.Errorf("the same plan: %+v %v", plan, err)
	}
}

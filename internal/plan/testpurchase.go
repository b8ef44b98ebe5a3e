package plan

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/paulmach/orb"
)

// TargetParams set how test-purchase targets are scored.
type TargetParams struct {
	Where        string        // how exposure was measured, for the reason ("within 300 m")
	FailureBoost float64       // score × (1 + FailureBoost × past failures)
	Cooldown     time.Duration // a shop tested this recently is excluded (or demoted)
	Demote       bool          // demote instead of excluding during the cool-down
	DemoteFactor float64       // score × DemoteFactor when demoted
	Now          time.Time
}

// Exposure is what a shop is exposed to: weighted incidents and their number.
type Exposure struct {
	Weight    float64
	Incidents int
}

// ExposureWithin measures each shop's exposure to the demand points (weighted incidents,
// counts per point) within radiusM metres.
func ExposureWithin(shops, demand []orb.Point, weight []float64, counts []int, radiusM float64) []Exposure {
	out := make([]Exposure, len(shops))
	for i, set := range coverSets(shops, demand, radiusM) {
		for _, d := range set {
			out[i].Weight += weight[d]
			out[i].Incidents += counts[d]
		}
	}
	return out
}

// RankTargets scores retailers by their exposure, boosted by past failed tests and
// excluded or demoted while a recent test's cool-down runs. Ranked targets come first
// (highest score first), then the excluded ones.
func RankTargets(exposure []Exposure, tests [][]hexbeat.RetailerTest, p TargetParams) []hexbeat.Target {
	out := make([]hexbeat.Target, len(exposure))
	for i, e := range exposure {
		t := hexbeat.Target{Retailer: i, Boost: 1, Cooldown: 1, Exposure: e.Weight, Incidents: e.Incidents}
		for j := range tests[i] {
			tt := &tests[i][j]
			t.Tests++
			if tt.Result == "fail" {
				t.Failures++
			}
			if t.LastTest == nil || tt.On.After(t.LastTest.On) {
				t.LastTest = tt
			}
		}
		t.Boost = 1 + p.FailureBoost*float64(t.Failures)
		var why []string
		why = append(why, fmt.Sprintf("%d incidents %s (weighted %.1f)", t.Incidents, p.Where, t.Exposure))
		if t.Failures > 0 {
			why = append(why, fmt.Sprintf("failed %d of %d past tests (x%.2f)", t.Failures, t.Tests, t.Boost))
		} else if t.Tests > 0 {
			why = append(why, fmt.Sprintf("passed all %d past tests", t.Tests))
		}
		if t.LastTest != nil && p.Cooldown > 0 && p.Now.Sub(t.LastTest.On) < p.Cooldown {
			until := t.LastTest.On.Add(p.Cooldown).Format("2 January 2006")
			if p.Demote {
				t.Cooldown = p.DemoteFactor
				why = append(why, fmt.Sprintf("tested on %s (%s): demoted x%.2f until %s", t.LastTest.On.Format("2 January 2006"), t.LastTest.Result, p.DemoteFactor, until))
			} else {
				t.Cooldown, t.Excluded = 0, true
				why = append(why, fmt.Sprintf("excluded: tested on %s (%s), cool-down until %s", t.LastTest.On.Format("2 January 2006"), t.LastTest.Result, until))
			}
		}
		t.Score = t.Exposure * t.Boost * t.Cooldown
		t.Reason = strings.Join(why, "; ")
		out[i] = t
	}
	sort.SliceStable(out, func(a, b int) bool {
		if out[a].Excluded != out[b].Excluded {
			return !out[a].Excluded
		}
		if out[a].Score != out[b].Score {
			return out[a].Score > out[b].Score
		}
		return out[a].Incidents > out[b].Incidents
	})
	for i := range out {
		if !out[i].Excluded {
			out[i].Rank = i + 1
		}
	}
	return out
}

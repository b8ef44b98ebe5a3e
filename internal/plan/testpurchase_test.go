package plan

import (
	"strings"
	"testing"
	"time"

	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/paulmach/orb"
)

// TestRankTargets: exposure within the radius, the failure boost, and the cool-down
// (excluded, or demoted when asked), each visible in the reason.
func TestRankTargets(t *testing.T) {
	now := time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)
	shops := []orb.Point{{-0.7600, 52.0400}, {-0.7400, 52.0400}, {-0.7200, 52.0400}}
	demand := []orb.Point{{-0.7600, 52.0410}, {-0.7400, 52.0410}, {-0.7200, 52.0405}, {-0.7000, 52.04}}
	weight := []float64{10, 6, 8, 100} // the last is far from every shop
	counts := []int{2, 1, 2, 20}
	tests := [][]hexbeat.RetailerTest{
		nil,
		{{On: now.AddDate(-1, 0, 0), Result: "fail"}, {On: now.AddDate(-2, 0, 0), Result: "fail"}},
		{{On: now.AddDate(0, 0, -10), Result: "pass"}},
	}
	p := TargetParams{Where: "within 200 m", FailureBoost: 0.5, Cooldown: 90 * 24 * time.Hour, DemoteFactor: 0.25, Now: now}
	exp := ExposureWithin(shops, demand, weight, counts, 200)
	got := RankTargets(exp, tests, p)
	// shop 1: 6 x (1 + 0.5 x 2) = 12 beats shop 0's 10; shop 2 (tested 10 days ago) is excluded.
	if got[0].Retailer != 1 || got[0].Score != 12 || got[0].Rank != 1 || got[1].Retailer != 0 || got[1].Score != 10 {
		t.Fatalf("ranking: %+v", got)
	}
	if last := got[2]; last.Retailer != 2 || !last.Excluded || last.Rank != 0 || last.Exposure != 8 || !strings.Contains(last.Reason, "cool-down until") {
		t.Fatalf("excluded shop: %+v", last)
	}
	if !strings.Contains(got[0].Reason, "failed 2 of 2 past tests") {
		t.Errorf("reason: %q", got[0].Reason)
	}
	p.Demote = true
	got = RankTargets(exp, tests, p)
	if got[2].Retailer != 2 || got[2].Excluded || got[2].Score != 2 || got[2].Rank != 3 {
		t.Fatalf("demoted shop: %+v", got[2])
	}
}

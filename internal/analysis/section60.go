package analysis

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/hexbeat/hexbeat/internal/grid"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/hexbeat/hexbeat/internal/index"
	"github.com/hexbeat/hexbeat/internal/plan"
	"github.com/hexbeat/hexbeat/internal/stats"
)

func daysText(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%d days", d/(24*time.Hour))
	}
	return fmt.Sprintf("%g hours", d.Hours())
}

// cellMap is CellValues as a map from cell to value.
func (e *Engine) cellMap(snap *index.Snapshot, q hexbeat.CellQuery, area *index.Area, w index.Weight) map[uint64]float64 {
	cells, _, values := snap.CellValues(q, area, w)
	m := make(map[uint64]float64, len(cells))
	for i, c := range cells {
		m[c] = values[i]
	}
	return m
}

func day(t time.Time) string { return t.UTC().Format("2 January 2006") }

func lower(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = strings.ToLower(v)
	}
	return out
}

func joinAnd(s []string) string {
	if len(s) < 2 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " and " + s[len(s)-1]
}

// window resolves the period a proposal looks at, and the one before it.
func proposalWindow(snap *index.Snapshot, q hexbeat.ProposalQuery) (from, to, pFrom, pTo time.Time, note string) {
	if !q.From.IsZero() {
		from, to = q.From, q.To
		span := to.Sub(from)
		pFrom, pTo = from.Add(-span), from
		if hexbeat.MonthStart(from).Equal(from) && hexbeat.MonthStart(to).Equal(to) {
			months := (to.Year()-from.Year())*12 + int(to.Month()-from.Month())
			pFrom = from.AddDate(0, -months, 0)
		}
		return from, to, pFrom, pTo, "the period asked for"
	}
	_, last, _ := snap.TimeRange()
	if snap.MonthPrecision() {
		from = time.Unix(last, 0).UTC()
		to = from.AddDate(0, 1, 0)
		return from, to, from.AddDate(0, -1, 0), from,
			"the incidents are dated by month only (police.uk), so the window is the latest month with data, not the last " + daysText(q.Window)
	}
	to = time.Unix(last+1, 0).UTC()
	from = to.Add(-q.Window)
	return from, to, from.Add(-q.Window), from, "the last " + daysText(q.Window) + " of data"
}

// Section60 proposes candidate areas: Gi* on the weighted incidents of the window,
// significant hot cells (FDR), and in each contiguous cluster the smallest contiguous area
// holding the target share (plan.PickAreas), ranked by what it holds.
func (e *Engine) Section60(ctx context.Context, snap *index.Snapshot, q hexbeat.ProposalQuery, area *index.Area) (hexbeat.Proposals, error) {
	out := hexbeat.Proposals{Query: q}
	if snap.Len() == 0 {
		return out, &hexbeat.Error{Code: hexbeat.EUNPROCESSABLE, Message: "no incidents to propose from"}
	}
	out.From, out.To, out.PrevFrom, out.PrevTo, out.WindowNote = proposalWindow(snap, q)
	if first, _, _ := snap.TimeRange(); first < out.PrevTo.Unix() {
		out.PrevHasData = true
	}
	cq := q.CellQuery
	cq.From, cq.To = out.From, out.To
	hq := hexbeat.HotspotQuery{CellQuery: cq, Method: hexbeat.MethodGiStar, Weight: q.Weight, K: q.K, Alpha: q.Alpha}
	sf, err := e.surface(ctx, snap, hq, area, nil)
	if err != nil {
		return out, err
	}
	out.StudyArea, out.Incidents, out.Studied = sf.Rule, sf.Total, sf.Adj.Len()
	contig := sf.Adj
	if q.K != 1 {
		if contig, err = stats.NewAdjacency(sf.Adj.Cells, 1, e.disk); err != nil {
			return out, err
		}
	}
	n := sf.Adj.Len()
	p := make([]float64, n)
	for i, z := range sf.Value {
		p[i] = stats.TwoSidedP(z)
	}
	fdr := stats.BenjaminiHochberg(p)
	areas := make([]float64, n)
	for i, c := range sf.Adj.Cells {
		areas[i] = grid.AreaKm2(c)
		if sf.Value[i] > 0 && fdr[i] < q.Alpha {
			out.SignificantHot++
		}
	}
	picks := plan.PickAreas(plan.HotCells{Adj: contig, Value: sf.Weighted, Z: sf.Value, PFDR: fdr, AreaKm2: areas}, q.Alpha, q.TargetShare, q.MaxAreaKm2)
	// What the officer needs to know about each area: harm, the previous window, the mix.
	harm := e.cellMap(snap, cq, area, e.weight(hexbeat.WeightHarm, 0, time.Time{}))
	pq := q.CellQuery
	pq.From, pq.To = out.PrevFrom, out.PrevTo
	prev := e.cellMap(snap, pq, area, index.Weight{})
	byCat := map[string]map[uint64]float64{}
	for _, name := range q.Categories {
		one := cq
		one.Categories = []string{name}
		byCat[name] = e.cellMap(snap, one, area, index.Weight{})
	}
	for r, pk := range picks {
		pr := hexbeat.Proposal{Rank: r + 1, AreaKm2: pk.AreaKm2, Weighted: pk.Value, Share: pk.Share(), Capped: pk.Capped,
			ByCategory: map[string]int{}, MinZ: math.Inf(1), MaxZ: math.Inf(-1), ClusterSize: len(pk.Cluster)}
		for _, i := range pk.Cells {
			c := sf.Adj.Cells[i]
			pr.Cells = append(pr.Cells, c)
			pr.Incidents += sf.Counts[i]
			pr.Harm += harm[c]
			pr.Previous += int(prev[c])
			pr.MinZ, pr.MaxZ = math.Min(pr.MinZ, sf.Value[i]), math.Max(pr.MaxZ, sf.Value[i])
			pr.MaxPFDR = math.Max(pr.MaxPFDR, fdr[i])
			for name, m := range byCat {
				if v := int(m[c]); v > 0 {
					pr.ByCategory[name] += v
				}
			}
		}
		sorted := slices.Clone(pr.Cells)
		slices.Sort(sorted)
		if pr.Outline, err = grid.Outline(sorted); err != nil {
			return out, err
		}
		pr.Grounds = grounds(pr, out, q)
		out.Areas = append(out.Areas, pr)
	}
	return out, nil
}

// grounds writes the evidence an authorising officer can paste into the record.
func grounds(p hexbeat.Proposal, ps hexbeat.Proposals, q hexbeat.ProposalQuery) string {
	var mix []string
	names := make([]string, 0, len(p.ByCategory))
	for name := range p.ByCategory {
		names = append(names, name)
	}
	sort.Slice(names, func(i, j int) bool { return p.ByCategory[names[i]] > p.ByCategory[names[j]] })
	for _, name := range names {
		mix = append(mix, fmt.Sprintf("%d %s", p.ByCategory[name], strings.ToLower(name)))
	}
	trend := fmt.Sprintf("against %d in the same cells in the previous period (%s to %s)", p.Previous, day(ps.PrevFrom), day(ps.PrevTo.Add(-time.Second)))
	if !ps.PrevHasData {
		trend = fmt.Sprintf("with no data held for the previous period (%s to %s) to compare", day(ps.PrevFrom), day(ps.PrevTo.Add(-time.Second)))
	} else if p.Previous > 0 {
		trend = fmt.Sprintf("%s, %+d%%", trend, int(math.Round(100*float64(p.Incidents-p.Previous)/float64(p.Previous))))
	}
	capNote := ""
	if p.Capped {
		capNote = fmt.Sprintf(" The area was held to the %.3g km² cap, so it holds less than the %.0f%% target.", q.MaxAreaKm2, 100*q.TargetShare)
	}
	return fmt.Sprintf("Between %s and %s, %d recorded incidents of %s (%s; Crime Harm Index %.0f days) fell within this %.2f km² area of %d H3 cells at resolution %d, %s. "+
		"Every cell is a statistically significant hot spot (Getis–Ord Gi*, z %.1f to %.1f; Benjamini–Hochberg false discovery rate below %.0f%%), and the area is the smallest contiguous set of those cells found holding %.0f%% of the %s of its cluster of %d hot cells.%s "+
		"Window: %s. Locations are approximate (police.uk map points).",
		day(ps.From), day(ps.To.Add(-time.Second)), p.Incidents, joinAnd(lower(q.Categories)), strings.Join(mix, ", "), p.Harm, p.AreaKm2, len(p.Cells), q.Res, trend,
		p.MinZ, p.MaxZ, 100*q.Alpha, 100*p.Share, map[string]string{hexbeat.WeightHarm: "harm", hexbeat.WeightCount: "incidents"}[q.Weight], p.ClusterSize, capNote,
		ps.WindowNote)
}

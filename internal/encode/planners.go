package encode

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/hexbeat/hexbeat/internal/grid"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geo"
	"github.com/paulmach/orb/geojson"
)

// CameraPlan writes a camera plan: the chosen sites as points in the order of their gain,
// and the plan's figures and coverage curve as members. props are the candidates' own
// properties, by candidate, when they were given.
func (e *Encoder) CameraPlan(p hexbeat.CameraPlan, props []map[string]any, demo bool) []byte {
	q := p.Query
	b := make([]byte, 0, 2048+len(p.Sites)*256)
	b = append(b, `{"type":"FeatureCollection",`...)
	b = appendMeta(b, demo)
	b = append(b, `"k":`...)
	b = strconv.AppendInt(b, int64(q.K), 10)
	b = append(b, `,"radius_m":`...)
	b = AppendNumber(b, q.RadiusM)
	b = append(b, `,"min_spacing_m":`...)
	b = AppendNumber(b, q.MinSpacing)
	b = append(b, `,"weight":`...)
	b = AppendString(b, q.Weight)
	b = append(b, `,"candidate_source":`...)
	if p.FromCells {
		b = AppendString(b, "centres of the res-"+strconv.Itoa(q.Res)+" cells holding incidents")
	} else {
		b = AppendString(b, "given")
	}
	b = append(b, `,"candidates":`...)
	b = strconv.AppendInt(b, int64(len(p.Candidates)), 10)
	b = append(b, `,"incidents":`...)
	b = strconv.AppendInt(b, int64(p.Incidents), 10)
	b = append(b, `,"locations":`...)
	b = strconv.AppendInt(b, int64(p.Demand), 10)
	b = append(b, `,"total":`...)
	b = AppendNumber(b, p.Total)
	b = append(b, `,"covered":`...)
	b = AppendNumber(b, p.Covered)
	b = append(b, `,"share":`...)
	b = AppendNumber(b, RoundTo(p.Share(), 6))
	b = append(b, `,"existing":`...)
	b = strconv.AppendInt(b, int64(len(p.Query.Existing)), 10)
	b = append(b, `,"existing_source":`...)
	if q.FromRegister {
		b = AppendString(b, "the register's fixed cameras in service on "+p.RegisterDay.Format("2006-01-02"))
		b = append(b, `,"existing_cameras":[`...)
		for i, cam := range p.Registered {
			if i > 0 {
				b = append(b, ',')
			}
			b = AppendString(b, cam.ID)
		}
		b = append(b, ']')
	} else {
		b = AppendString(b, "given")
	}
	b = append(b, `,"by_existing":`...)
	b = AppendNumber(b, p.ByExisting)
	b = append(b, `,"greedy_covered":`...)
	b = AppendNumber(b, p.GreedyCovered)
	b = append(b, `,"swaps":`...)
	b = strconv.AppendInt(b, int64(p.Swaps), 10)
	b = append(b, `,"curve":[`...)
	for i, v := range p.Curve {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"k":`...)
		b = strconv.AppendInt(b, int64(i+1), 10)
		b = append(b, `,"covered":`...)
		b = AppendNumber(b, v)
		b = append(b, `,"share":`...)
		b = AppendNumber(b, RoundTo(v/nonZero(p.Total), 6))
		b = append(b, '}')
	}
	b = append(b, `],"features":[`...)
	run := p.ByExisting
	for i, site := range p.Sites {
		if i > 0 {
			b = append(b, ',')
		}
		run += site.Gain
		b = append(b, `{"type":"Feature","id":`...)
		b = strconv.AppendInt(b, int64(i+1), 10)
		b = append(b, `,"geometry":{"type":"Point","coordinates":`...)
		b = AppendPoint(b, p.Candidates[site.Candidate])
		b = append(b, `},"properties":{"rank":`...)
		b = strconv.AppendInt(b, int64(i+1), 10)
		b = append(b, `,"gain":`...)
		b = AppendNumber(b, site.Gain)
		b = append(b, `,"covered":`...)
		b = AppendNumber(b, run)
		b = append(b, `,"share":`...)
		b = AppendNumber(b, RoundTo(run/nonZero(p.Total), 6))
		b = append(b, `,"candidate":`...)
		b = strconv.AppendInt(b, int64(site.Candidate), 10)
		if !p.FromCells && props[site.Candidate] != nil {
			extra, _ := json.Marshal(props[site.Candidate])
			b = append(b, `,"candidate_properties":`...)
			b = append(b, extra...)
		}
		b = append(b, "}}"...)
	}
	return append(b, "]}"...)
}

// CameraFeature is a camera of the register as a GeoJSON point.
func CameraFeature(cam hexbeat.Camera, today time.Time) *geojson.Feature {
	f := Feature(orb.Point{cam.Lon, cam.Lat})
	f.ID = cam.ID
	f.Properties = map[string]any{"id": cam.ID, "name": cam.Name, "kind": cam.Kind,
		"active_from": hexbeat.DayOrNil(cam.ActiveFrom), "active_to": hexbeat.DayOrNil(cam.ActiveTo), "in_service": cam.InServiceOn(today)}
	if cam.GridSquare > 0 { // placed at the centre of the grid square its reference named
		f.Properties["grid_square_m"] = cam.GridSquare
	}
	return f
}

// CameraRegister writes cameras of the register as points; each says whether it is in
// service on today.
func CameraRegister(cams []hexbeat.Camera, today time.Time, demo bool) ([]byte, error) {
	return collectionOf(cams, demo, func(cam hexbeat.Camera) *geojson.Feature { return CameraFeature(cam, today) })
}

// collectionOf writes items as a FeatureCollection, a feature each, labelled demo or not.
func collectionOf[T any](items []T, demo bool, feature func(T) *geojson.Feature) ([]byte, error) {
	fc := geojson.NewFeatureCollection()
	fc.ExtraMembers = map[string]any{"demo": demo}
	for _, it := range items {
		fc.Append(feature(it))
	}
	return json.Marshal(fc)
}

// Retailers writes the retailer register as points, each shop with its test history.
func Retailers(shops []hexbeat.Retailer, tests map[string][]hexbeat.RetailerTest, demo bool) ([]byte, error) {
	return collectionOf(shops, demo, func(r hexbeat.Retailer) *geojson.Feature { return RetailerFeature(r, tests[r.ID]) })
}

// RetailerFeature is a shop with its test-purchase history.
func RetailerFeature(r hexbeat.Retailer, tests []hexbeat.RetailerTest) *geojson.Feature {
	f := Feature(orb.Point{r.Lon, r.Lat})
	f.ID = r.ID
	hist := []map[string]any{}
	for _, t := range tests {
		hist = append(hist, map[string]any{"date": t.On.Format("2006-01-02"), "result": t.Result, "notes": t.Notes})
	}
	f.Properties = map[string]any{"id": r.ID, "name": r.Name, "category": r.Category, "address": r.Address, "size_band": r.SizeBand, "tests": hist}
	if r.GridSquare > 0 {
		f.Properties["grid_square_m"] = r.GridSquare
	}
	return f
}

func targetFeature(ts hexbeat.Targets, t hexbeat.Target) *geojson.Feature {
	r := ts.Retailers[t.Retailer]
	f := Feature(orb.Point{r.Lon, r.Lat})
	f.ID = r.ID
	var last any
	if t.LastTest != nil {
		last = map[string]any{"date": t.LastTest.On.Format("2006-01-02"), "result": t.LastTest.Result}
	}
	f.Properties = map[string]any{"rank": t.Rank, "id": r.ID, "name": r.Name, "address": r.Address, "category": r.Category, "size_band": r.SizeBand,
		"score": RoundTo(t.Score, 3), "exposure": RoundTo(t.Exposure, 3), "incidents": t.Incidents, "failures": t.Failures, "tests": t.Tests,
		"failure_boost": t.Boost, "cooldown": t.Cooldown, "excluded": t.Excluded, "last_test": last, "reason": t.Reason}
	return f
}

func radiusOrNil(q hexbeat.TargetQuery) any {
	if q.Cells {
		return nil
	}
	return q.RadiusM
}

func exposureBy(q hexbeat.TargetQuery) string {
	if q.Cells {
		return "the shop's res-" + strconv.Itoa(q.Res) + " cell and its six neighbours"
	}
	return "distance from the shop"
}

// Targets writes the ranked retailers as points, the excluded ones and how the score was
// made as members.
func Targets(ts hexbeat.Targets, demo bool) ([]byte, error) {
	fc := geojson.NewFeatureCollection()
	for _, t := range ts.Ranked {
		fc.Append(targetFeature(ts, t))
	}
	excluded := []map[string]any{}
	for _, t := range ts.Excluded {
		excluded = append(excluded, targetFeature(ts, t).Properties)
	}
	fc.ExtraMembers = map[string]any{"demo": demo, "from": Stamp(ts.From), "to": Stamp(ts.To), "categories": ts.Query.Categories,
		"radius_m": radiusOrNil(ts.Query), "exposure_by": exposureBy(ts.Query), "weight": ts.Query.Weight, "cooldown_days": ts.Query.CooldownDays, "failure_boost": ts.Query.FailureBoost,
		"incidents": ts.Incidents, "retailers": len(ts.Retailers), "excluded": excluded, "notes": append([]string{}, ts.Notes...),
		"score": "exposure (weighted incidents within radius_m) x (1 + failure_boost x past failures) x cool-down (0 excluded, 0.25 demoted, else 1)"}
	return json.Marshal(fc)
}

// TargetsCSV writes the ranking as CSV for an operation plan: ranked shops first, then the
// excluded ones with the reason.
func TargetsCSV(ts hexbeat.Targets) string {
	var sb strings.Builder
	w := NewCSV(&sb)
	w.Row("rank", "id", "name", "address", "category", "size_band", "lon", "lat", "score", "exposure", "incidents", "failures", "tests", "failure_boost", "cooldown", "last_test", "last_result", "excluded", "reason")
	for _, t := range append(append([]hexbeat.Target{}, ts.Ranked...), ts.Excluded...) {
		r := ts.Retailers[t.Retailer]
		last, result := "", ""
		if t.LastTest != nil {
			last, result = t.LastTest.On.Format("2006-01-02"), t.LastTest.Result
		}
		var rank any // empty for an excluded shop
		if t.Rank > 0 {
			rank = t.Rank
		}
		fixed := func(v float64, decimals int) Number { return Number(strconv.FormatFloat(v, 'f', decimals, 64)) }
		w.Row(rank, r.ID, r.Name, r.Address, r.Category, r.SizeBand, fixed(r.Lon, 7), fixed(r.Lat, 7), fixed(t.Score, 3), fixed(t.Exposure, 3),
			t.Incidents, t.Failures, t.Tests, fixed(t.Boost, 2), fixed(t.Cooldown, 2), last, result, t.Excluded, t.Reason)
	}
	w.Flush() // into a buffer: it cannot fail
	return sb.String()
}

// Proposals writes Section 60 proposals: each area as a (multi)polygon with its evidence
// and grounds, the window and the analysis as members.
func Proposals(ps hexbeat.Proposals, demo bool) ([]byte, error) {
	q := ps.Query
	fc := geojson.NewFeatureCollection()
	fc.ExtraMembers = map[string]any{
		"demo": demo, "from": Stamp(ps.From), "to": Stamp(ps.To), "previous_from": Stamp(ps.PrevFrom), "previous_to": Stamp(ps.PrevTo),
		"window_note": ps.WindowNote, "categories": q.Categories, "res": q.Res, "k": q.K, "alpha": q.Alpha, "weight": q.Weight,
		"max_area_km2": q.MaxAreaKm2, "target_share": q.TargetShare, "significant_hot_cells": ps.SignificantHot,
		"incidents": ps.Incidents, "study_area": ps.StudyArea, "study_cells": ps.Studied,
	}
	for _, p := range ps.Areas {
		var g orb.Geometry = p.Outline
		if len(p.Outline) == 1 {
			g = p.Outline[0]
		}
		ft := Feature(g)
		ft.ID = p.Rank
		cells := make([]string, len(p.Cells))
		for i, c := range p.Cells {
			cells[i] = grid.String(c)
		}
		change := map[string]any{"previous": p.Previous, "change": p.Incidents - p.Previous, "pct": nil}
		if !ps.PrevHasData {
			change = map[string]any{"previous": nil, "change": nil, "pct": nil}
		} else if p.Previous > 0 {
			change["pct"] = RoundTo(100*float64(p.Incidents-p.Previous)/float64(p.Previous), 1)
		}
		ft.Properties = map[string]any{
			"rank": p.Rank, "area_km2": RoundTo(p.AreaKm2, 4), "incidents": p.Incidents, "harm": RoundTo(p.Harm, 2), "weighted": RoundTo(p.Weighted, 2),
			"share_of_cluster": RoundTo(p.Share, 4), "capped": p.Capped, "trend": change, "by_category": p.ByCategory,
			"z_min": RoundTo(p.MinZ, 4), "z_max": RoundTo(p.MaxZ, 4), "p_fdr_max": p.MaxPFDR, "cluster_cells": p.ClusterSize,
			"cells": cells, "grounds": p.Grounds,
		}
		fc.Append(ft)
	}
	return json.Marshal(fc)
}

// AuthorisationFeature is an authorisation as a GeoJSON Feature.
func AuthorisationFeature(a hexbeat.Authorisation, now time.Time) *geojson.Feature {
	f := Feature(a.Area)
	f.ID = a.ID
	p := f.Properties
	p["id"] = a.ID
	p["status"] = a.Status(now)
	p["grounds"] = a.Grounds
	p["officer"] = a.Officer
	p["rank"] = a.Rank
	p["start"] = Stamp(a.Start)
	p["end"] = Stamp(a.End)
	p["ends"] = Stamp(a.Ends())
	p["hours"] = math.Round(a.Ends().Sub(a.Start).Hours()*100) / 100
	p["area_km2"] = math.Round(geo.Area(a.Area)/1e4) / 100
	p["proposal"] = a.Proposal
	p["created_at"] = Stamp(a.CreatedAt)
	p["created_by"] = a.CreatedBy
	if x := a.Extension; x != nil {
		p["extension"] = map[string]any{"officer": x.Officer, "rank": x.Rank, "end": Stamp(x.End), "at": Stamp(x.At), "reason": x.Reason}
	}
	if a.CancelledAt != nil {
		p["cancelled"] = map[string]any{"at": Stamp(*a.CancelledAt), "officer": a.CancelledBy, "reason": a.CancelReason}
	}
	// section 60(3A): an inspector's authorisation waits for the record of the
	// superintendent informed
	p["superintendent_required"] = a.NeedsSuperintendent()
	p["pending_superintendent"] = a.PendingSuperintendent()
	p["informed"] = nil
	if x := a.Informed; x != nil {
		p["informed"] = map[string]any{"officer": x.Officer, "rank": x.Rank, "at": Stamp(x.At), "recorded_by": x.RecordedBy,
			"recorded_at": Stamp(x.RecordedAt), "hours_after_start": math.Round(x.At.Sub(a.Start).Hours()*100) / 100}
	}
	notices := make([]map[string]any, len(a.Notices))
	for i, n := range a.Notices {
		notices[i] = map[string]any{"at": Stamp(n.At), "stage": n.Stage, "how": n.How, "to": n.To, "text": n.Text,
			"recorded_by": n.RecordedBy, "recorded_at": Stamp(n.RecordedAt)}
	}
	p["notices"] = notices
	return f
}

// Authorisations writes Section 60 authorisations, their status as of now.
func Authorisations(list []hexbeat.Authorisation, now time.Time, demo bool) ([]byte, error) {
	return collectionOf(list, demo, func(a hexbeat.Authorisation) *geojson.Feature { return AuthorisationFeature(a, now) })
}

// IncidentFeature is a stored incident as a point. grid_square_m is the side of the grid
// square a grid reference named (the point is its centre), null for coordinates.
func IncidentFeature(r hexbeat.IncidentRecord) *geojson.Feature {
	f := IncidentPoint(r)
	var square any
	if r.GridSquare > 0 {
		square = r.GridSquare
	}
	for k, v := range map[string]any{"crime_id": r.SourceID, "location": r.Location, "lsoa_code": r.AreaCode, "lsoa_name": r.AreaName, "outcome": r.Outcome, "grid_square_m": square} {
		f.Properties[k] = v
	}
	return f
}

// IncidentPoint is a stored incident as a point with its time and category alone, as a
// map draws it: the row-level fields (crime id, location text, LSOA, outcome) are a
// download's, for a key that may export.
func IncidentPoint(r hexbeat.IncidentRecord) *geojson.Feature {
	f := Feature(orb.Point{r.Lon, r.Lat})
	f.ID = r.ID
	f.Properties = map[string]any{"id": r.ID, "time": Stamp(r.OccurredAt), "precision": r.Precision.String(), "category": r.Category}
	return f
}

// nonZero is v, or 1 for 0: a divisor for a share of nothing.
func nonZero(v float64) float64 {
	if v == 0 {
		return 1
	}
	return v
}

// appendBoundaryBox writes a boundary as a Feature with its bbox (its bound) and no geometry.
func appendBoundaryBox(b []byte, bd hexbeat.Boundary, bound orb.Bound) []byte {
	b = append(b, `{"type":"Feature","id":`...)
	b = AppendString(b, bd.ID)
	b = append(b, `,"bbox":[`...)
	for i, v := range BBoxOf(bound) {
		if i > 0 {
			b = append(b, ',')
		}
		b = AppendCoord(b, v)
	}
	return appendBoundaryProperties(append(b, `],"geometry":null`...), bd)
}

func appendBoundary(b []byte, bd hexbeat.Boundary) []byte {
	b = append(b, `{"type":"Feature","id":`...)
	b = AppendString(b, bd.ID)
	b = append(b, `,"geometry":`...)
	return appendBoundaryProperties(AppendGeometry(b, bd.Geometry), bd)
}

func appendBoundaryProperties(b []byte, bd hexbeat.Boundary) []byte {
	b = append(b, `,"properties":{"id":`...)
	b = AppendString(b, bd.ID)
	b = append(b, `,"kind":`...)
	b = AppendString(b, bd.Kind)
	b = append(b, `,"name":`...)
	b = AppendString(b, bd.Name)
	return append(b, "}}"...)
}

// Boundaries writes boundaries as features whose id is usable as area=ID; boxOnly writes
// each with its bbox (its bound, from bounds) and no outline.
func Boundaries(bs []hexbeat.Boundary, bounds []orb.Bound, boxOnly bool, demo bool) []byte {
	b := append([]byte(`{"type":"FeatureCollection",`), appendMeta(nil, demo)...)
	b = append(b, `"features":[`...)
	for i, bd := range bs {
		if i > 0 {
			b = append(b, ',')
		}
		if boxOnly {
			b = appendBoundaryBox(b, bd, bounds[i])
		} else {
			b = appendBoundary(b, bd)
		}
	}
	return append(b, "]}"...)
}

// Boundary writes one boundary as a Feature.
func Boundary(bd hexbeat.Boundary) []byte { return appendBoundary(nil, bd) }

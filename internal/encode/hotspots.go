package encode

import (
	"math"
	"slices"
	"strconv"

	"github.com/hexbeat/hexbeat/internal/grid"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/paulmach/orb"
)

// RankOrder is the positions of a layer's cells, hottest (rank 1) first. The layer keeps
// its cells in cell order, which the tiles and the cache use; its readers want the ranking.
func RankOrder(cells []hexbeat.HotspotCell) []int {
	order := make([]int, len(cells))
	seen := make([]bool, len(cells))
	for i, hc := range cells {
		if hc.Rank < 1 || hc.Rank > len(cells) || seen[hc.Rank-1] { // not a ranking: cell order
			for j := range order {
				order[j] = j
			}
			return order
		}
		order[hc.Rank-1], seen[hc.Rank-1] = i, true
	}
	return order
}

// Hotspots writes the layer with its n hottest cells as features; with none it is the
// summary a map needs beside the layer's tiles (counts, significance, the value breaks of
// its legend).
func (e *Encoder) Hotspots(layer hexbeat.HotspotLayer, n int, demo bool) []byte {
	q := layer.Query
	b := make([]byte, 0, 512+len(layer.Cells)*420)
	b = append(b, `{"type":"FeatureCollection",`...)
	b = appendMeta(b, demo)
	b = append(b, `"method":`...)
	b = AppendString(b, q.Method)
	b = append(b, `,"weight":`...)
	b = AppendString(b, q.Weight)
	b = append(b, `,"res":`...)
	b = strconv.AppendInt(b, int64(q.Res), 10)
	b = append(b, `,"k":`...)
	b = strconv.AppendInt(b, int64(q.K), 10)
	b = append(b, `,"moran":`...)
	b = appendMoran(b, layer.Moran)
	b = appendScale(b, layer.Scale)
	b = append(b, `,"alpha":`...)
	b = AppendNumber(b, q.Alpha)
	b = append(b, `,"fdr":`...)
	b = strconv.AppendBool(b, !q.NoFDR)
	b = append(b, `,"half_life_days":`...)
	b = AppendNumber(b, nullIfZero(q.HalfLifeDays))
	b = append(b, `,"bandwidth_m":`...)
	b = AppendNumber(b, nullIfZero(q.BandwidthM))
	b = append(b, `,"study_area":`...)
	b = AppendString(b, layer.StudyArea)
	b = append(b, `,"cells":`...)
	b = strconv.AppendInt(b, int64(len(layer.Cells)), 10)
	b = append(b, `,"total":`...)
	b = strconv.AppendInt(b, int64(layer.Total), 10)
	b = append(b, `,"significant":{"hot":`...)
	b = strconv.AppendInt(b, int64(layer.Significant.Hot), 10)
	b = append(b, `,"cold":`...)
	b = strconv.AppendInt(b, int64(layer.Significant.Cold), 10)
	b = append(b, '}')
	b = append(b, `,"value_breaks":[`...)
	for i, v := range ValueBreaks(layer.Cells) {
		if i > 0 {
			b = append(b, ',')
		}
		b = AppendNumber(b, v)
	}
	b = append(b, ']')
	b = AppendNotes(b, layer.Notes)
	b = append(b, `,"features":[`...)
	for i, j := range RankOrder(layer.Cells)[:n] {
		hc := layer.Cells[j]
		if i > 0 {
			b = append(b, ',')
		}
		b = e.appendCellFeatureStart(b, hc.Cell, q.Res)
		b = append(b, `,"count":`...)
		b = strconv.AppendInt(b, int64(hc.Count), 10)
		b = append(b, `,"value":`...)
		b = AppendNumber(b, hc.Value)
		b = append(b, `,"density":`...)
		b = AppendNumber(b, hc.Density)
		b = append(b, `,"z":`...)
		b = AppendNumber(b, hc.Z)
		b = append(b, `,"p":`...)
		b = AppendNumber(b, hc.P)
		b = append(b, `,"p_fdr":`...)
		b = AppendNumber(b, hc.PFDR)
		b = append(b, `,"bin":`...)
		if math.IsNaN(hc.Z) {
			b = append(b, "null"...)
		} else {
			b = strconv.AppendInt(b, int64(hc.Bin), 10)
		}
		b = append(b, `,"rank":`...)
		b = strconv.AppendInt(b, int64(hc.Rank), 10)
		b = append(b, "}}"...)
	}
	return append(b, "]}"...)
}

// appendScale writes how k=auto chose a layer's radius (nothing for a k given).
func appendScale(b []byte, sc *hexbeat.Scale) []byte {
	if sc == nil {
		return b
	}
	b = append(b, `,"scale":{"k":`...)
	b = strconv.AppendInt(b, int64(sc.K), 10)
	b = append(b, `,"rule":`...)
	b = AppendString(b, sc.Rule)
	b = append(b, `,"by_radius":[`...)
	for i, m := range sc.ByRadius {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendMoran(b, m)
	}
	return append(b, "]}"...)
}

// appendMoran writes Moran's I at one radius as an object.
func appendMoran(b []byte, m hexbeat.Moran) []byte {
	b = append(b, `{"k":`...)
	b = strconv.AppendInt(b, int64(m.K), 10)
	for _, f := range []struct {
		name string
		v    float64
	}{{"i", m.I}, {"expected", m.Expected}, {"variance", m.Variance}, {"z", m.Z}, {"p", m.P}} {
		b = append(b, ',', '"')
		b = append(b, f.name...)
		b = append(b, '"', ':')
		b = AppendNumber(b, f.v)
	}
	return append(b, '}')
}

// ValueClass is the class of a value in a legend of breaks: how many breaks it reaches,
// 0 below the first. Tiles carry it, so that a map colours cells by class with one style
// whatever the breaks, and a new layer needs no new style (which would lay every tile out
// again).
func ValueClass(v float64, breaks []float64) int {
	n := 0
	for n < len(breaks) && v >= breaks[n] {
		n++
	}
	return n
}

// ValueBreaks are the 30th, 50th, 70th, 85th, 95th and 99th percentiles of the positive
// cell values, kept strictly rising: the classes of a map's value legend.
func ValueBreaks(cells []hexbeat.HotspotCell) []float64 {
	var v []float64
	for _, hc := range cells {
		if hc.Value > 0 {
			v = append(v, hc.Value)
		}
	}
	if len(v) == 0 {
		return []float64{}
	}
	slices.Sort(v)
	out := make([]float64, 0, 6)
	for _, q := range []float64{0.3, 0.5, 0.7, 0.85, 0.95, 0.99} {
		x := v[min(len(v)-1, int(q*float64(len(v))))]
		if len(out) > 0 && x <= out[len(out)-1] {
			continue
		}
		out = append(out, x)
	}
	return out
}

// HotspotsCSV writes the first rows cells of a hotspot layer as CSV for spreadsheets and QGIS: one row per cell
// with its centre and its hexagon as WKT.
func HotspotsCSV(layer hexbeat.HotspotLayer, rows int) []byte {
	b := make([]byte, 0, 128+len(layer.Cells)*400)
	b = append(b, "cell,res,lon,lat,count,value,density,z,p,p_fdr,bin,rank,method,wkt\n"...)
	num := func(b []byte, v float64) []byte {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return b
		}
		return strconv.AppendFloat(b, v, 'g', -1, 64)
	}
	var ring orb.Ring
	for _, j := range RankOrder(layer.Cells)[:rows] {
		hc := layer.Cells[j]
		b = append(b, grid.String(hc.Cell)...)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(layer.Query.Res), 10)
		centre := grid.Center(hc.Cell)
		b = append(b, ',')
		b = AppendCoord(b, centre[0])
		b = append(b, ',')
		b = AppendCoord(b, centre[1])
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(hc.Count), 10)
		for _, v := range []float64{hc.Value, hc.Density, hc.Z, hc.P, hc.PFDR} {
			b = append(b, ',')
			b = num(b, v)
		}
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(hc.Bin), 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(hc.Rank), 10)
		b = append(b, ',')
		b = append(b, layer.Query.Method...)
		b = append(b, `,"`...)
		var err error
		if ring, err = grid.AppendBoundary(ring[:0], hc.Cell); err == nil {
			b = AppendWKT(b, orb.Polygon{ring})
		}
		b = append(b, "\"\n"...)
	}
	return b
}

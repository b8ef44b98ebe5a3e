package stats

import (
	"math"
	"slices"

	"github.com/hexbeat/hexbeat/internal/grid"
	"github.com/paulmach/orb"
)

// earthRadiusM is the mean Earth radius H3 uses.
const earthRadiusM = 6371007.180918475

// DistanceM is the great-circle distance between two [lon,lat] points in metres.
func DistanceM(a, b orb.Point) float64 {
	return haversineM(a, b, math.Cos(a[1]*math.Pi/180), math.Cos(b[1]*math.Pi/180))
}

// KDE returns the quartic (biweight) kernel density estimate of weighted points at the
// centre of each cell of a (all cells of one resolution), in weight per square kilometre:
//
//	f(c) = Σ_i w_i · 3/(π h²) · (1 − d_i²/h²)²  for d_i < h
//
// with d_i the great-circle distance from point i to the cell's centre and h the bandwidth
// in metres. Points are spread only onto the cells of a; weight whose kernel falls outside
// the study area is lost, as in any bounded KDE.
//
// The cells' centres are put in buckets of about h by h, so a point visits only the study
// cells of the nine buckets around it: the work is the study cells near each point, however
// fine the resolution. (Walking each point's grid disk instead costs every grid cell within
// h, study cell or not: 100,000 at res 12 for a 3 km bandwidth.)
func KDE(a *Adjacency, pts []orb.Point, w []float64, h float64) ([]float64, error) {
	k := NewKDE(a, h)
	k.Add(pts, w)
	return k.Density(), nil
}

// KDESum is a KDE built up a batch of points at a time (the density is a sum over points),
// so that a caller can stop between batches.
type KDESum struct {
	centres []orb.Point
	b       *buckets
	h       float64
	out     []float64
}

// NewKDE starts a KDE over the cells of a with bandwidth h metres.
func NewKDE(a *Adjacency, h float64) *KDESum {
	k := &KDESum{h: h, out: make([]float64, a.Len())}
	if a.Len() == 0 || !(h > 0) {
		return k
	}
	k.centres = make([]orb.Point, a.Len())
	for i, c := range a.Cells {
		k.centres[i] = grid.Center(c)
	}
	k.b = newBuckets(k.centres, h)
	return k
}

// Density is the estimate of the points added so far, per square kilometre.
func (k *KDESum) Density() []float64 { return k.out }

// Add spreads weighted points onto the cells.
func (k *KDESum) Add(pts []orb.Point, w []float64) {
	if k.b == nil {
		return
	}
	h, b, out := k.h, k.b, k.out
	norm := 3 / (math.Pi * h * h) * 1e6 // per m² -> per km²
	h2 := h * h
	for i, p := range pts {
		if w[i] == 0 {
			continue
		}
		if math.Abs(p[1]) >= b.maxLat+b.dLat {
			continue // more than h from every centre
		}
		bx, by := b.of(p)
		cosP := math.Cos(p[1] * math.Pi / 180)
		for y := by - 1; y <= by+1; y++ {
			for x := bx - 1; x <= bx+1; x++ {
				for _, j := range b.cells[bucketKey(x, y)] {
					c := k.centres[j]
					if math.Abs(c[1]-p[1]) >= b.dLat || math.Abs(c[0]-p[0]) >= b.dLon {
						continue
					}
					d := haversineM(p, c, cosP, b.cosLat[j])
					if d >= h {
						continue
					}
					u := 1 - d*d/h2
					out[j] += w[i] * norm * u * u
				}
			}
		}
	}
}

// buckets index cell centres on a latitude-longitude grid whose steps are at least the
// bandwidth for every centre and every point within h of one, so every centre within h of a
// point lies in the 3 × 3 buckets around the point's own. (Longitudes are not joined
// across ±180°.)
type buckets struct {
	dLat, dLon, maxLat float64
	cells              map[int64][]int32
	cosLat             []float64
}

const mPerDeg = earthRadiusM * math.Pi / 180

func newBuckets(centres []orb.Point, h float64) *buckets {
	b := &buckets{dLat: 1.01 * h / mPerDeg, dLon: 360, cells: map[int64][]int32{}, cosLat: make([]float64, len(centres))}
	for _, p := range centres {
		b.maxLat = math.Max(b.maxLat, math.Abs(p[1]))
	}
	// A great-circle distance is at least R·Δφ, and at least 2R·cos φ·sin(Δλ/2) for points
	// up to latitude φ (to a part in 10⁴ R·cos φ·Δλ for the Δλ of any sensible bandwidth):
	// a margin of 1 % covers both.
	if top := b.maxLat + b.dLat; top < 89 {
		b.dLon = math.Min(360, 1.01*h/(mPerDeg*math.Cos(top*math.Pi/180)))
	}
	for j, c := range centres {
		x, y := b.of(c)
		k := bucketKey(x, y)
		b.cells[k] = append(b.cells[k], int32(j))
		b.cosLat[j] = math.Cos(c[1] * math.Pi / 180)
	}
	return b
}

func (b *buckets) of(p orb.Point) (int, int) {
	return int(math.Floor((p[0] + 180) / b.dLon)), int(math.Floor((p[1] + 90) / b.dLat))
}

func bucketKey(x, y int) int64 { return int64(y)<<32 | int64(uint32(x)) }

// haversineM is DistanceM with the cosines of the two latitudes given.
func haversineM(a, b orb.Point, cosA, cosB float64) float64 {
	dla, dlo := (b[1]-a[1])*math.Pi/180, (b[0]-a[0])*math.Pi/180
	sla, slo := math.Sin(dla/2), math.Sin(dlo/2)
	hv := sla*sla + cosA*cosB*slo*slo
	return 2 * earthRadiusM * math.Asin(math.Min(1, math.Sqrt(hv)))
}

// RuleOfThumbBandwidth returns a bandwidth in metres for the quartic kernel from the spread
// of the points (n[i] incidents at pts[i]): Silverman's rule 1.06 · min(sd, IQR/1.34) · N^(−1/5)
// for a normal kernel, per axis on a local projection, averaged over the two axes, and
// scaled by √8 because a quartic kernel of radius h has the spread of a normal one with
// σ = h/√8. It returns 0 when there are fewer than two incidents or no spread.
func RuleOfThumbBandwidth(pts []orb.Point, n []float64) float64 {
	var total, lat0 float64
	for i, p := range pts {
		total += n[i]
		lat0 += n[i] * p[1]
	}
	if total < 2 {
		return 0
	}
	lat0 /= total
	mPerDegLat := earthRadiusM * math.Pi / 180
	mPerDegLon := mPerDegLat * math.Cos(lat0*math.Pi/180)
	axis := func(coord func(orb.Point) float64) float64 {
		type wv struct{ v, w float64 }
		vals := make([]wv, 0, len(pts))
		var mean float64
		for i, p := range pts {
			if n[i] > 0 {
				vals = append(vals, wv{coord(p), n[i]})
				mean += n[i] * coord(p)
			}
		}
		mean /= total
		var ss float64
		for _, x := range vals {
			ss += x.w * (x.v - mean) * (x.v - mean)
		}
		sd := math.Sqrt(ss / (total - 1))
		slices.SortFunc(vals, func(a, b wv) int {
			switch {
			case a.v < b.v:
				return -1
			case a.v > b.v:
				return 1
			}
			return 0
		})
		q := func(f float64) float64 { // weighted quantile, lower value at the step
			target, acc := f*total, 0.0
			for _, x := range vals {
				acc += x.w
				if acc >= target {
					return x.v
				}
			}
			return vals[len(vals)-1].v
		}
		spread := sd
		if iqr := (q(0.75) - q(0.25)) / 1.34; iqr > 0 && iqr < spread {
			spread = iqr
		}
		return 1.06 * spread * math.Pow(total, -0.2)
	}
	hx := axis(func(p orb.Point) float64 { return p[0] * mPerDegLon })
	hy := axis(func(p orb.Point) float64 { return p[1] * mPerDegLat })
	return math.Sqrt(8) * (hx + hy) / 2
}

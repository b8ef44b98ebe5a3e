package stats

import (
	"context"
	"fmt"
	"math"
	"slices"
)

// Moran is the global Moran's I of a study area at one neighbourhood radius K, with its
// expectation, variance and z-score under the randomisation assumption and the z-score's
// two-sided normal p-value. I above its expectation (z > 0) means that similar values sit
// next to each other: the crime clusters at that scale.
type Moran struct {
	K                     int
	I, Expected, Variance float64
	Z, P                  float64
}

// RingsFunc returns the cells within k grid steps of a cell by distance: ring r holds the
// cells exactly r steps away (grid.DiskRings).
type RingsFunc func(cell uint64, k int) ([][]uint64, error)

// MoranByRadius computes the global Moran's I of values x on cells (ascending, x[i]
// belonging to cells[i]) for every neighbourhood radius k = 1..kmax: binary weights, w_ij
// = 1 when cell j is within k grid steps of cell i and both are in the study area, i ≠ j.
//
//	I = (n / S0) Σ_i Σ_j w_ij z_i z_j / Σ_i z_i²,   z_i = x_i − x̄,   E[I] = −1/(n−1)
//
// and the variance under randomisation (Cliff and Ord), with S1 = 2 S0 and S2 = 4 Σ_i d_i²
// for symmetric binary weights (d_i the number of cell i's neighbours) and b2 = n Σ z⁴ /
// (Σ z²)²:
//
//	Var[I] = (n((n²−3n+3)S1 − nS2 + 3S0²) − b2((n²−n)S1 − 2nS2 + 6S0²)) / ((n−1)(n−2)(n−3)S0²) − E[I]²
//
// n counts every cell, those without neighbours at k included (they add nothing to S0 or
// the cross-products): R spdep's moran.test with zero.policy = TRUE and adjust.n = FALSE.
// Where I is undefined (a constant field, fewer than four cells, no neighbours at all) the
// result holds NaN. One grid disk of radius kmax per cell serves every radius.
func MoranByRadius(ctx context.Context, cells []uint64, x []float64, kmax int, rings RingsFunc) ([]Moran, error) {
	n := len(cells)
	if len(x) != n {
		return nil, fmt.Errorf("stats: %d values for %d cells", len(x), n)
	}
	if kmax < 1 {
		return nil, fmt.Errorf("stats: radius must be >= 1, got %d", kmax)
	}
	z, m2, m4 := deviations(x)
	s0 := make([]float64, kmax+1)    // Σ_i d_i at each radius
	cross := make([]float64, kmax+1) // Σ_i z_i Σ_{j ∈ N_i} z_j
	d2 := make([]float64, kmax+1)    // Σ_i d_i²
	for i, c := range cells {
		if i%1024 == 0 && ctx.Err() != nil { // a scan of a large area takes seconds: stop when asked
			return nil, ctx.Err()
		}
		rs, err := rings(c, kmax)
		if err != nil {
			return nil, err
		}
		var d, l float64
		for k := 1; k <= kmax; k++ {
			if k < len(rs) {
				for _, nb := range rs[k] {
					if j, ok := slices.BinarySearch(cells, nb); ok {
						d++
						l += z[j]
					}
				}
			}
			s0[k] += d
			cross[k] += z[i] * l
			d2[k] += d * d
		}
	}
	out := make([]Moran, kmax)
	for k := 1; k <= kmax; k++ {
		out[k-1] = moran(k, n, m2, m4, s0[k], cross[k], d2[k])
	}
	return out, nil
}

// GlobalMoran is Moran's I (as MoranByRadius defines it) over the neighbourhoods of a,
// each cell's own value left out: the clustering a Gi* layer of radius a.K sees.
func GlobalMoran(a *Adjacency, x []float64) Moran {
	n := len(x)
	if n != a.Len() {
		panic(fmt.Sprintf("stats: %d values for a study area of %d cells", n, a.Len()))
	}
	z, m2, m4 := deviations(x)
	var s0, cross, d2 float64
	for i := range n {
		var d, l float64
		for _, j := range a.Neighbours(i) {
			if int(j) != i {
				d++
				l += z[j]
			}
		}
		s0 += d
		cross += z[i] * l
		d2 += d * d
	}
	return moran(a.K, n, m2, m4, s0, cross, d2)
}

// deviations returns each value's deviation from the mean, and the sums of their squares
// and fourth powers.
func deviations(x []float64) (z []float64, m2, m4 float64) {
	mean := 0.0
	for _, v := range x {
		mean += v
	}
	mean /= float64(len(x))
	z = make([]float64, len(x))
	for i, v := range x {
		z[i] = v - mean
		m2 += z[i] * z[i]
		m4 += z[i] * z[i] * z[i] * z[i]
	}
	return z, m2, m4
}

// moran is the statistic at radius k from the sums over n cells: m2 and m4 of the
// deviations, s0 of the neighbour counts, cross of the deviations' cross-products over
// neighbours, d2 of the squared neighbour counts.
func moran(k, n int, m2, m4, s0, cross, d2 float64) Moran {
	nf := float64(n)
	m := Moran{K: k, Expected: -1 / (nf - 1)}
	if n < 4 || m2 == 0 || s0 == 0 {
		m.I, m.Variance, m.Z, m.P = math.NaN(), math.NaN(), math.NaN(), math.NaN()
		return m
	}
	S0, S1, S2 := s0, 2*s0, 4*d2
	b2 := nf * m4 / (m2 * m2)
	m.I = nf / S0 * cross / m2
	v := (nf*((nf*nf-3*nf+3)*S1-nf*S2+3*S0*S0) - b2*((nf*nf-nf)*S1-2*nf*S2+6*S0*S0)) /
		((nf - 1) * (nf - 2) * (nf - 3) * S0 * S0)
	m.Variance = v - m.Expected*m.Expected
	m.Z = (m.I - m.Expected) / math.Sqrt(m.Variance)
	m.P = TwoSidedP(m.Z)
	return m
}

// FirstPeak chooses a neighbourhood radius from Moran's I by radius as ArcGIS's Optimized
// Hot Spot Analysis chooses a distance band: the first radius whose z-score is
// significant at alpha (two-sided) and higher than at the radius after it (and than at
// the one before, if any): the scale at which the clustering is most pronounced. ok is
// false when there is no such peak (z still rising at the largest radius, or nothing
// significant).
func FirstPeak(ms []Moran, alpha float64) (k int, ok bool) {
	for i := 0; i+1 < len(ms); i++ {
		m := ms[i]
		if math.IsNaN(m.Z) || m.Z <= 0 || m.P >= alpha {
			continue
		}
		if (i == 0 || m.Z > ms[i-1].Z) && m.Z > ms[i+1].Z {
			return m.K, true
		}
	}
	return 0, false
}

// LocalMoran is Anselin's local Moran's I of every cell of a study area with values x,
// over a's neighbourhoods with the cell itself left out and row-standardised weights (each
// neighbour 1/d_i), as R spdep's localmoran computes it by default (conditional
// randomisation, variance with divisor n, two-sided p):
//
//	I_i = z_i / m2 · lag_i,   z = x − x̄,   m2 = Σ z² / n,   lag_i = Σ_j w_ij z_j
//	E[I_i] = −z_i² W_i / ((n−1) m2)
//	Var[I_i] = (z_i/m2)² · n/(n−2) · (W2_i − W_i²/(n−1)) · (m2 − z_i²/(n−1))
//
// with W_i = Σ_j w_ij (1, or 0 without neighbours) and W2_i = Σ_j w_ij². A positive I_i
// is a cell like its neighbours (high among high, low among low), a negative one an
// outlier. Lag holds each cell's neighbours' mean value (x, not z); cells without
// neighbours, and every cell of a constant field, get NaN for I, Z and P.
type LocalMoranResult struct {
	I, Expected, Variance, Z, P, Lag []float64
}

// LocalMoran computes the local Moran's I of x over a (see LocalMoranResult).
func LocalMoran(a *Adjacency, x []float64) LocalMoranResult {
	n := len(x)
	if n != a.Len() {
		panic(fmt.Sprintf("stats: %d values for a study area of %d cells", n, a.Len()))
	}
	z, m2, _ := deviations(x)
	m2 /= float64(n)
	nf := float64(n)
	r := LocalMoranResult{I: make([]float64, n), Expected: make([]float64, n), Variance: make([]float64, n),
		Z: make([]float64, n), P: make([]float64, n), Lag: make([]float64, n)}
	for i := range n {
		var d, lz, lx float64
		for _, j := range a.Neighbours(i) {
			if int(j) != i {
				d++
				lz += z[j]
				lx += x[j]
			}
		}
		if d == 0 || m2 == 0 || n < 3 {
			r.I[i], r.Expected[i], r.Variance[i], r.Z[i], r.P[i] = math.NaN(), math.NaN(), math.NaN(), math.NaN(), math.NaN()
			r.Lag[i] = math.NaN()
			if d > 0 {
				r.Lag[i] = lx / d
			}
			continue
		}
		lz /= d
		r.Lag[i] = lx / d
		wi, w2 := 1.0, 1/d
		zi := z[i]
		r.I[i] = zi / m2 * lz
		r.Expected[i] = -zi * zi * wi / ((nf - 1) * m2)
		r.Variance[i] = (zi / m2) * (zi / m2) * (nf / (nf - 2)) * (w2 - wi*wi/(nf-1)) * (m2 - zi*zi/(nf-1))
		r.Z[i] = (r.I[i] - r.Expected[i]) / math.Sqrt(r.Variance[i])
		r.P[i] = TwoSidedP(r.Z[i])
	}
	return r
}

package stats

import (
	"math"

	"github.com/hexbeat/hexbeat/internal/hexbeat"
)

// Trend is the domain's result of a Mann–Kendall trend test on a series.
type Trend = hexbeat.Trend

// MannKendall tests a series for a monotone trend. Series shorter than 3 values, or
// constant ones, have no trend (Z 0, P 1).
func MannKendall(x []float64) Trend {
	n := len(x)
	if n < 3 {
		return Trend{P: 1}
	}
	s := 0
	for i := 0; i < n-1; i++ {
		for j := i + 1; j < n; j++ {
			switch {
			case x[j] > x[i]:
				s++
			case x[j] < x[i]:
				s--
			}
		}
	}
	// Ties: groups of equal values, each of size t, reduce the variance of S.
	var tieTerm, tiePairs float64
	seen := make([]bool, n)
	for i := 0; i < n; i++ {
		if seen[i] {
			continue
		}
		t := 1
		for j := i + 1; j < n; j++ {
			if !seen[j] && x[j] == x[i] {
				seen[j] = true
				t++
			}
		}
		if t > 1 {
			ft := float64(t)
			tieTerm += ft * (ft - 1) * (2*ft + 5)
			tiePairs += ft * (ft - 1) / 2
		}
	}
	fn := float64(n)
	pairs := fn * (fn - 1) / 2
	variance := (fn*(fn-1)*(2*fn+5) - tieTerm) / 18
	tr := Trend{S: s, P: 1}
	if d := math.Sqrt((pairs - tiePairs) * pairs); d > 0 {
		tr.Tau = float64(s) / d
	}
	if variance <= 0 || s == 0 {
		return tr
	}
	fs := float64(s)
	if s > 0 {
		tr.Z = (fs - 1) / math.Sqrt(variance)
	} else {
		tr.Z = (fs + 1) / math.Sqrt(variance)
	}
	tr.P = TwoSidedP(tr.Z)
	return tr
}

// MannKendallMinS is the smallest S (concordant less discordant of the n(n−1)/2 pairs)
// that MannKendall finds significant at alpha in a series of n distinct values, or 0 when
// no series of n values can be: a short series leaves the test little room.
func MannKendallMinS(n int, alpha float64) int {
	if n < 3 {
		return 0
	}
	fn := float64(n)
	sd := math.Sqrt(fn * (fn - 1) * (2*fn + 5) / 18)
	pairs := n * (n - 1) / 2
	// S = pairs − 2 × discordant pairs: it has the parity of pairs
	for s := 2 - pairs%2; s <= pairs; s += 2 {
		if TwoSidedP(float64(s-1)/sd) < alpha {
			return s
		}
	}
	return 0
}

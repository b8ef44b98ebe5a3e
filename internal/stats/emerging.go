package stats

// Pattern is an emerging hot spot category, as Esri's Emerging Hot Spot Analysis names them.
type Pattern string

// The patterns. Each hot one has a cold twin ("new cold spot" and so on).
const (
	NoPattern    Pattern = "no pattern"
	New          Pattern = "new"
	Consecutive  Pattern = "consecutive"
	Intensifying Pattern = "intensifying"
	Persistent   Pattern = "persistent"
	Diminishing  Pattern = "diminishing"
	Sporadic     Pattern = "sporadic"
	Oscillating  Pattern = "oscillating"
	Historical   Pattern = "historical"
)

// Emergence is one cell's emerging hot spot result.
type Emergence struct {
	Pattern Pattern // NoPattern, or the pattern of Hot
	Hot     bool    // a hot spot pattern (false: cold, when Pattern is not NoPattern)
	Trend   Trend   // Mann–Kendall on the cell's Gi* z-scores over the slices
}

// Category is the full name, e.g. "intensifying hot spot", or "no pattern detected".
func (e Emergence) Category() string {
	if e.Pattern == NoPattern {
		return "no pattern detected"
	}
	if e.Hot {
		return string(e.Pattern) + " hot spot"
	}
	return string(e.Pattern) + " cold spot"
}

// Classify assigns Esri's emerging hot spot category to one cell from its Gi* series:
// z[t] the z-score of slice t (oldest first) and sig[t] whether it is significant. alpha is
// the level at which the Mann–Kendall trend of z counts as significant. The rules, for hot
// spots (cold ones mirror them), with "hot" meaning significant with z > 0:
//
//   - new: hot in the final slice and never before;
//   - consecutive: one uninterrupted run of at least two hot slices ending at the final slice,
//     never hot before the run, and fewer than 90 % of slices hot;
//   - intensifying / diminishing / persistent: hot in at least 90 % of slices including the
//     final one, with a significant upward / significant downward / no significant trend;
//   - oscillating: hot in the final slice, fewer than 90 % hot, and cold in some earlier slice;
//   - sporadic: hot in the final slice, fewer than 90 % hot, never cold;
//   - historical: not hot in the final slice but hot in at least 90 % of slices.
func Classify(z []float64, sig []bool, alpha float64) Emergence {
	e := Emergence{Pattern: NoPattern, Trend: MannKendall(z)}
	n := len(z)
	if n == 0 {
		return e
	}
	hot := func(t int) bool { return sig[t] && z[t] > 0 }
	cold := func(t int) bool { return sig[t] && z[t] < 0 }
	if p, ok := classifyOne(n, hot, cold, e.Trend, alpha, +1); ok {
		e.Pattern, e.Hot = p, true
		return e
	}
	if p, ok := classifyOne(n, cold, hot, e.Trend, alpha, -1); ok {
		e.Pattern = p
	}
	return e
}

// classifyOne applies the rules for one side: is(t) says slice t is a spot of this side,
// other(t) one of the opposite side; dir is +1 for hot (an upward trend intensifies), -1 for
// cold.
func classifyOne(n int, is, other func(int) bool, tr Trend, alpha float64, dir float64) (Pattern, bool) {
	count := 0
	for t := 0; t < n; t++ {
		if is(t) {
			count++
		}
	}
	mostly := float64(count) >= 0.9*float64(n)
	if !is(n - 1) {
		if mostly {
			return Historical, true
		}
		return NoPattern, false
	}
	if count == 1 {
		return New, true
	}
	if mostly {
		if tr.P < alpha && tr.Z*dir > 0 {
			return Intensifying, true
		}
		if tr.P < alpha && tr.Z*dir < 0 {
			return Diminishing, true
		}
		return Persistent, true
	}
	run := 0
	for t := n - 1; t >= 0 && is(t); t-- {
		run++
	}
	if run == count { // run >= 2 here: count > 1
		return Consecutive, true
	}
	for t := 0; t < n-1; t++ {
		if other(t) {
			return Oscillating, true
		}
	}
	return Sporadic, true
}

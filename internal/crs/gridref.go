package crs

import (
	"fmt"
	"math"
	"strings"
)

// ParseGridRef reads an Ordnance Survey grid reference ("SP 85402 38801", "SP8540238801",
// "TQ38", 0 to 10 figures with or without spaces) and returns the centre of the square it
// names, as an easting and northing in metres, with the square's side (its precision: 1 m
// for 10 figures, 10 km for 2).
func ParseGridRef(s string) (e, n, precision float64, err error) {
	ref := strings.ToUpper(strings.Join(strings.Fields(s), ""))
	if len(ref) < 2 {
		return 0, 0, 0, fmt.Errorf("crs: %q is not a grid reference (two letters, then 0 to 10 figures)", s)
	}
	index := func(c byte) int {
		if c < 'A' || c > 'Z' || c == 'I' {
			return -1
		}
		i := int(c - 'A')
		if c > 'I' {
			i--
		}
		return i
	}
	l1, l2 := index(ref[0]), index(ref[1])
	if l1 < 0 || l2 < 0 {
		return 0, 0, 0, fmt.Errorf("crs: %q: %q is not a grid square's letters", s, ref[:2])
	}
	e100 := ((l1-2)%5+5)%5*5 + l2%5
	n100 := (19 - l1/5*5) - l2/5
	if e100 < 0 || e100 > 6 || n100 < 0 || n100 > 12 {
		return 0, 0, 0, fmt.Errorf("crs: %q: %s is not a 100 km square of the National Grid", s, ref[:2])
	}
	digits := ref[2:]
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, 0, 0, fmt.Errorf("crs: %q: %q is not figures", s, digits)
		}
	}
	if len(digits)%2 != 0 || len(digits) > 10 {
		return 0, 0, 0, fmt.Errorf("crs: %q has %d figures; a grid reference has an even number, at most 10", s, len(digits))
	}
	half := len(digits) / 2
	precision = math.Pow(10, float64(5-half))
	var de, dn float64
	if half > 0 {
		fmt.Sscan(digits[:half], &de)
		fmt.Sscan(digits[half:], &dn)
	}
	e = float64(e100)*100_000 + de*precision + precision/2
	n = float64(n100)*100_000 + dn*precision + precision/2
	return e, n, precision, nil
}

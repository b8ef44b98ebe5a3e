package encode

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"math"
	"strconv"
	"strings"
)

// Every CSV hexbeat writes for people (downloads, reports, the command line's exports) goes
// through CSV or CSVValue, so that a spreadsheet never runs a cell as a formula: text whose
// first character is =, +, -, @, a tab or a carriage return is quoted with a leading ',
// while numbers stay numbers (a longitude -0.75 is written as it is). Files written to be
// read again as police.uk's own CSVs (policeuk.WriteStreetCSV) keep police.uk's format.

// Number is a number already formatted (to a fixed number of decimals, say), written as it
// is: never escaped.
type Number string

// CSVValue writes one cell: text made formula-safe (SafeText), numbers to round-trip (plain
// decimals, but in exponent form below 1e-4 or from 1e21, where a p-value of 1e-150 would
// otherwise be 150 zeros), booleans, and lists and objects as compact JSON.
func CSVValue(x any) string {
	switch t := x.(type) {
	case nil:
		return ""
	case string:
		return SafeText(t)
	case Number:
		return string(t)
	case float64:
		if a := math.Abs(t); a != 0 && (a < 1e-4 || a >= 1e21) {
			return strconv.FormatFloat(t, 'g', -1, 64)
		}
		return strconv.FormatFloat(t, 'f', -1, 64)
	case int:
		return strconv.Itoa(t)
	case int64:
		return strconv.FormatInt(t, 10)
	case bool:
		return strconv.FormatBool(t)
	}
	b, _ := json.Marshal(x)
	return string(b)
}

// SafeText is text as a CSV cell a spreadsheet will not run: one that starts like a
// formula (=, +, -, @, a tab or a carriage return) gets a leading '.
func SafeText(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// CSV writes rows of cells through CSVValue.
type CSV struct{ w *csv.Writer }

// NewCSV starts a CSV on w.
func NewCSV(w io.Writer) *CSV { return &CSV{w: csv.NewWriter(w)} }

// Row writes one row.
func (c *CSV) Row(cells ...any) {
	row := make([]string, len(cells))
	for i, x := range cells {
		row[i] = CSVValue(x)
	}
	c.w.Write(row)
}

// Flush writes what is buffered and returns the first error met.
func (c *CSV) Flush() error {
	c.w.Flush()
	return c.w.Error()
}

package ingest

import (
	"context"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"github.com/hexbeat/hexbeat/internal/hexbeat"
)

// Census 2021 table TS021 (ethnic group) as Nomis publishes it, in two layouts:
//
//   - the bulk CSV: date, geography, geography code, "Ethnic group: Total: All usual
//     residents", then "Ethnic group: Asian, Asian British or Asian Welsh" and the other
//     broad groups, each followed (where the table has them) by its detailed groups
//     ("Ethnic group: Asian, Asian British or Asian Welsh: Bangladeshi");
//   - the web table: preamble lines ("TS021 - Ethnic group", "Date : 2021", ...), a header
//     of the same names without "Ethnic group: " and a "%" column after each, rows whose
//     first column is "E01011954 : Hartlepool 001A", then footnotes.
//
// And ONS's population-weighted centroids: a code column (LSOA21CD) and eastings and
// northings (or longitude and latitude), or the same as a point Shapefile.

const (
	ReasonBadCode       = "not an ONS geography code"
	ReasonBadCount      = "a count that is not a whole number"
	ReasonNegative      = "a negative count"
	ReasonNotAddingUp   = "the groups do not add up to the total"
	ReasonDetailNotAdds = "the detailed groups do not add up to their broad group"
)

// censusGroup is the broad group a TS021 column names (without "Ethnic group: "), and the
// detailed group after it, if any; group is -1 for the total, -2 for a column of another
// kind.
func censusGroup(name string) (group int, detail string) {
	n := strings.TrimSpace(name)
	if len(n) >= len("ethnic group: ") && strings.EqualFold(n[:len("ethnic group: ")], "ethnic group: ") {
		n = n[len("ethnic group: "):]
	}
	if strings.HasPrefix(strings.ToLower(n), "total") {
		return -1, ""
	}
	broad, detail, _ := strings.Cut(n, ": ")
	b := strings.ToLower(broad)
	for i, prefix := range []string{"asian", "black", "mixed", "white", "other ethnic group"} {
		if strings.HasPrefix(b, prefix) {
			return i, strings.TrimSpace(detail)
		}
	}
	return -2, ""
}

// censusColumns are where a TS021 table's counts are.
type censusColumns struct {
	total    int
	broad    [5]int
	detailed map[int]int    // column -> broad group
	names    map[int]string // a detailed column's name, after "Ethnic group: "
}

// findCensusColumns reads a TS021 header (skip: columns not to read, such as "%").
func findCensusColumns(names []string, skip func(i int) bool) (censusColumns, error) {
	c := censusColumns{total: -1, broad: [5]int{-1, -1, -1, -1, -1}, detailed: map[int]int{}, names: map[int]string{}}
	for i, name := range names {
		if skip(i) {
			continue
		}
		g, detail := censusGroup(name)
		switch {
		case g == -1:
			c.total = i
		case g >= 0 && detail == "":
			c.broad[g] = i
		case g >= 0:
			c.detailed[i] = g
			_, after, _ := strings.Cut(name, "Ethnic group: ")
			if after == "" {
				after = name
			}
			c.names[i] = strings.TrimSpace(after)
		}
	}
	var missing []string
	if c.total < 0 {
		missing = append(missing, "Total: All usual residents")
	}
	for g, i := range c.broad {
		if i < 0 {
			missing = append(missing, hexbeat.EthnicGroups[g])
		}
	}
	if len(missing) > 0 {
		return c, &FormatError{Line: 1, Reason: fmt.Sprintf("a Census TS021 (ethnic group) table needs the total and the five broad groups; no column for %s", strings.Join(missing, ", "))}
	}
	return c, nil
}

// count reads a count; why is the rejection reason when it is not one.
func count(b []byte) (int, string) {
	s := strings.TrimSpace(string(b))
	n, err := strconv.Atoi(strings.ReplaceAll(s, ",", ""))
	switch {
	case err != nil:
		return 0, ReasonBadCount
	case n < 0:
		return 0, ReasonNegative
	}
	return n, ""
}

// area reads one row's counts, checking they add up; why is the rejection reason.
func (c censusColumns) area(fields [][]byte, code, name string, year int) (hexbeat.CensusArea, string) {
	a := hexbeat.CensusArea{Code: code, Name: name, Level: hexbeat.GeographyLevel(code), Year: year}
	if !hexbeat.ValidONSCode(code) {
		return a, ReasonBadCode
	}
	var why string
	if a.Total, why = count(field(fields, c.total)); why != "" {
		return a, why
	}
	sum := 0
	for g, i := range c.broad {
		if a.Groups[g], why = count(field(fields, i)); why != "" {
			return a, why
		}
		sum += a.Groups[g]
	}
	if sum != a.Total {
		return a, ReasonNotAddingUp
	}
	if len(c.detailed) > 0 {
		a.Detailed = make(map[string]int, len(c.detailed))
		var within [5]int
		for i, g := range c.detailed {
			n, why := count(field(fields, i))
			if why != "" {
				return a, why
			}
			a.Detailed[c.names[i]] = n
			within[g] += n
		}
		for g := range within {
			if hasDetail(c, g) && within[g] != a.Groups[g] {
				return a, ReasonDetailNotAdds
			}
		}
	}
	return a, ""
}

func hasDetail(c censusColumns, g int) bool {
	for _, dg := range c.detailed {
		if dg == g {
			return true
		}
	}
	return false
}

// isCensusBulk says whether a header is TS021's bulk layout.
func (h *header) isCensusBulk() bool {
	if h.col("geography code") < 0 {
		return false
	}
	for _, n := range h.names {
		if strings.HasPrefix(strings.ToLower(n), "ethnic group: total") {
			return true
		}
	}
	return false
}

// censusRows hands census areas to the store, a chunk at a time, counting each row.
type censusRows struct {
	rep   *Report
	seen  map[string]bool
	chunk *chunker[hexbeat.CensusArea]
}

func newCensusRows(ctx context.Context, opts Options, rep *Report, sink hexbeat.ImportSink) *censusRows {
	return &censusRows{rep: rep, seen: map[string]bool{}, chunk: newChunker(ctx, opts.ChunkSize, sink.PutCensus)}
}

func (cr *censusRows) add(a hexbeat.CensusArea, why string, line int) error {
	switch {
	case why != "":
		cr.rep.reject(why, line)
	case cr.seen[a.Code]:
		cr.rep.Duplicates++
		cr.rep.InFileDups++
	default:
		cr.seen[a.Code] = true
		cr.rep.Accepted++
		return cr.chunk.add(a)
	}
	return nil
}

// readCensusBulk reads TS021's bulk CSV.
func readCensusBulk(ctx context.Context, cr *csvReader, h *header, opts Options, rep *Report, sink hexbeat.ImportSink) error {
	cols, err := findCensusColumns(h.names, func(int) bool { return false })
	if err != nil {
		return err
	}
	iCode, iName, iDate := h.col("geography code"), h.col("geography"), h.col("date")
	out := newCensusRows(ctx, opts, rep, sink)
	if err := records(cr, h, rep, func(fields [][]byte, line int) error {
		year := 2021
		if y, err := strconv.Atoi(string(field(fields, iDate))); err == nil && y > 1800 {
			year = y
		}
		a, why := cols.area(fields, string(field(fields, iCode)), string(field(fields, iName)), year)
		return out.add(a, why, line)
	}); err != nil {
		return err
	}
	return out.chunk.flush()
}

// nomisTitle is the first line of a Nomis web table: "TS021 - Ethnic group".
var nomisTitle = regexp.MustCompile(`^(TS\d{3}[A-Z]?)\s*-\s*(.*)$`)

// isNomisWeb says whether a file's first record is a Nomis web table's title; table is its
// number (TS021).
func isNomisWeb(first [][]byte) (table string, ok bool) {
	if len(first) == 0 {
		return "", false
	}
	m := nomisTitle.FindStringSubmatch(strings.TrimSpace(strings.TrimPrefix(string(first[0]), "\ufeff")))
	if m == nil {
		return "", false
	}
	return m[1], true
}

// readCensusWeb reads a Nomis web table, its title already read: the preamble to the
// header (the row whose second column is the total), the rows "CODE : NAME", and footnotes
// (rows with an empty first column) after them, which are not data.
func readCensusWeb(ctx context.Context, cr *csvReader, title [][]byte, opts Options, rep *Report, sink hexbeat.ImportSink) error {
	if table, _ := isNomisWeb(title); table != "TS021" {
		return &FormatError{Line: 1, Reason: fmt.Sprintf("Census table %s; hexbeat reads TS021 (ethnic group)", table)}
	}
	year := 2021
	var cols censusColumns
	for header := false; !header; {
		fields, line, err := cr.read()
		if err == io.EOF {
			return &FormatError{Line: line, Reason: "a Nomis table without a header row (its second column \"Total: All usual residents\")"}
		}
		if err != nil {
			return err
		}
		first := strings.TrimSpace(string(field(fields, 0)))
		if strings.HasPrefix(strings.ToLower(first), "date") {
			if y, err := strconv.Atoi(strings.TrimSpace(string(field(fields, 1)))); err == nil {
				year = y
			}
		}
		if len(fields) > 1 {
			if g, _ := censusGroup(string(fields[1])); g == -1 {
				names := make([]string, len(fields))
				for i, f := range fields {
					names[i] = strings.TrimSpace(string(f))
				}
				if cols, err = findCensusColumns(names, func(i int) bool { return i == 0 || names[i] == "%" }); err != nil {
					err.(*FormatError).Line = line
					return err
				}
				header = true
			}
		}
	}
	out := newCensusRows(ctx, opts, rep, sink)
	for {
		fields, line, err := cr.read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		first := strings.TrimSpace(string(field(fields, 0)))
		if first == "" {
			continue // the blank row under the header, and the footnotes
		}
		rep.Rows++
		code, name, _ := strings.Cut(first, " : ")
		a, why := cols.area(fields, strings.TrimSpace(code), strings.TrimSpace(name), year)
		if err := out.add(a, why, line); err != nil {
			return err
		}
	}
	return out.chunk.flush()
}

// centroidCode is a centroid file's code column: LSOA21CD, LSOA11CD.
var centroidCode = regexp.MustCompile(`(?i)^lsoa\d\dcd$`)

// centroidColumn is the position of a header's LSOA code column, -1 when none.
func (h *header) centroidColumn() int {
	for i, n := range h.names {
		if centroidCode.MatchString(n) {
			return i
		}
	}
	return -1
}

// readCentroidsCSV reads ONS population-weighted centroids: an LSOA code and where its
// residents are.
func readCentroidsCSV(ctx context.Context, cr *csvReader, h *header, rep *Report, sink hexbeat.ImportSink) error {
	iCode, at := h.centroidColumn(), h.registerCoords()
	if iCode < 0 || !at.given() {
		return &FormatError{Line: 1, Reason: "a centroid file needs an LSOA code column (LSOA21CD) and easting and northing (or longitude and latitude) columns"}
	}
	out, err := registerRows(cr, h, rep, at, func(fields [][]byte, pl place) (string, hexbeat.Centroid, string) {
		code := strings.TrimSpace(string(field(fields, iCode)))
		if !hexbeat.ValidONSCode(code) {
			return "", hexbeat.Centroid{}, ReasonBadCode
		}
		return code, hexbeat.Centroid{Code: code, Lon: pl.lon, Lat: pl.lat}, ""
	})
	if err != nil || len(out) == 0 {
		return err
	}
	return sink.PutCentroids(ctx, out)
}

// centroidFeatures reads centroids from point features (ONS's Shapefile): the code from
// the LSOA code property, the point (already in WGS 84) from the geometry.
type centroidFeatures struct {
	rep  *Report
	seen map[string]bool
	out  []hexbeat.Centroid
}

// centroidProperty is the name of a feature's LSOA code property, "" when it has none.
func centroidProperty(props map[string]any) string {
	for k := range props {
		if centroidCode.MatchString(k) {
			return k
		}
	}
	return ""
}

func (c *centroidFeatures) feature(n int, f *geoFeature) error {
	c.rep.Rows++
	lon, lat, ok, err := featurePoint(n, f.Geometry)
	if err != nil {
		return err
	}
	if !ok || !hexbeat.ValidLonLat(lon, lat) {
		c.rep.reject(ReasonBadGeometry, n)
		return nil
	}
	code, _ := f.Properties[centroidProperty(f.Properties)].(string)
	code = strings.TrimSpace(code)
	switch {
	case !hexbeat.ValidONSCode(code):
		c.rep.reject(ReasonBadCode, n)
	case c.seen[code]:
		c.rep.Duplicates++
		c.rep.InFileDups++
	default:
		c.seen[code] = true
		c.rep.Accepted++
		c.out = append(c.out, hexbeat.Centroid{Code: code, Lon: lon, Lat: lat})
	}
	return nil
}

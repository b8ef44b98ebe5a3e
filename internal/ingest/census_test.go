package ingest

import (
	"errors"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/hexbeat/hexbeat/internal/testkit"
)

// TestCensusTS021: the LSOA table in Nomis's bulk layout and in its web table (preamble,
// "CODE : NAME", % columns, footnotes) read as the same 35,672 areas, and each equals the
// file's own counts read with encoding/csv; the MSOA table keeps its 19 detailed groups,
// which add up to their broad groups. Levels come from the codes.
func TestCensusTS021(t *testing.T) {
	bulkPath := testkit.Data(t, "census/census2021-ts021-lsoa-broad.csv")
	read := func(rel string) (*Report, *memSink) {
		t.Helper()
		b, err := os.ReadFile(testkit.Data(t, rel))
		if err != nil {
			t.Fatal(err)
		}
		rep, sink, err := readAll(t, b, Options{})
		if err != nil || rep.Kind != hexbeat.KindCensus || rep.RejectedTotal() != 0 {
			t.Fatalf("%s: %v %+v", rel, err, rep)
		}
		return rep, sink
	}
	rep, bulk := read("census/census2021-ts021-lsoa-broad.csv")
	_, web := read("census/census2021-ts021-lsoa-nomis-web.csv")
	rows := testkit.CSV(t, bulkPath)
	if rep.Accepted != len(rows)-1 || len(bulk.Census) != 35672 || len(web.Census) != 35672 {
		t.Fatalf("%d areas in the bulk file, %d in the web table, %d rows", len(bulk.Census), len(web.Census), len(rows)-1)
	}
	byCode := map[string]hexbeat.CensusArea{}
	for _, a := range web.Census {
		byCode[a.Code] = a
	}
	residents := 0
	for i, r := range rows[1:] {
		a := bulk.Census[i]
		want := []int{}
		for _, s := range r[3:9] {
			n, _ := strconv.Atoi(s)
			want = append(want, n)
		}
		got := append([]int{a.Total}, a.Groups[:]...)
		if a.Code != r[2] || a.Name != r[1] || a.Year != 2021 || a.Level != "lsoa" || !equalInts(got, want) {
			t.Fatalf("row %d: %+v, want %v", i+2, a, r)
		}
		if w := byCode[a.Code]; w.Name != a.Name || w.Total != a.Total || w.Groups != a.Groups || w.Year != 2021 {
			t.Fatalf("%s in the web table: %+v, bulk %+v", a.Code, w, a)
		}
		if strings.HasPrefix(a.Name, "Milton Keynes ") {
			residents += a.Total
		}
	}
	if residents != 287053 { // the data's README
		t.Errorf("Milton Keynes's LSOAs hold %d residents, want 287,053", residents)
	}
	_, msoa := read("census/census2021-ts021-msoa.csv")
	if len(msoa.Census) != 7264 {
		t.Fatalf("%d MSOAs", len(msoa.Census))
	}
	for _, a := range msoa.Census {
		if a.Level != "msoa" || len(a.Detailed) != 19 {
			t.Fatalf("%s: level %s, %d detailed groups", a.Code, a.Level, len(a.Detailed))
		}
	}
	if n := msoa.Census[0].Detailed["Asian, Asian British or Asian Welsh: Bangladeshi"]; n < 0 {
		t.Errorf("detailed names: %v", msoa.Census[0].Detailed)
	}
}

// TestCensusRefusals: rows whose groups do not add up, with a negative count or a count
// that is not one, or with a code that is not ONS's, are rejected with their lines; a table
// without the five groups, or another Nomis table, is refused saying so.
func TestCensusRefusals(t *testing.T) {
	head := "date,geography,geography code,Ethnic group: Total: All usual residents,\"Ethnic group: Asian, Asian British or Asian Welsh\",\"Ethnic group: Black, Black British, Black Welsh, Caribbean or African\",Ethnic group: Mixed or Multiple ethnic groups,Ethnic group: White,Ethnic group: Other ethnic group\n"
	data := head +
		"2021,Good 001A,E01011954,10,1,2,3,4,0\n" + // 2
		"2021,Short 001B,E01011969,11,1,2,3,4,0\n" + // 3: adds to 10
		"2021,Negative 001C,E01011970,3,-1,0,0,4,0\n" + // 4
		"2021,Not a code,X01011971,10,1,2,3,4,0\n" + // 5
		"2021,Words 001D,E01011972,10,one,2,3,4,3\n" + // 6
		"2021,Good 001A again,E01011954,10,1,2,3,4,0\n" + // 7: in the file already
		"2021,Hartlepool,E06000001,10,1,2,3,4,0\n" // 8: a local authority
	rep, sink, err := readAll(t, []byte(data), Options{})
	if err != nil || rep.Accepted != 2 || rep.InFileDups != 1 {
		t.Fatalf("%v %+v", err, rep)
	}
	wantRejected(t, rep, map[string][]int{ReasonNotAddingUp: {3}, ReasonNegative: {4}, ReasonBadCode: {5}, ReasonBadCount: {6}})
	if sink.Census[1].Level != "lad" {
		t.Errorf("E06000001 read as %q", sink.Census[1].Level)
	}
	var fe *FormatError
	short := strings.Replace(head, ",Ethnic group: Other ethnic group", "", 1) + "2021,A,E01011954,10,1,2,3,4\n"
	if _, _, err := readAll(t, []byte(short), Options{}); !errors.As(err, &fe) || !strings.Contains(fe.Reason, "no column for Other") {
		t.Errorf("a table without the Other group: %v", err)
	}
	if _, _, err := readAll(t, []byte("TS001 - Number of usual residents,,\nDate :,2021,\n"), Options{}); err == nil || !strings.Contains(err.Error(), "Census table TS001; hexbeat reads TS021") {
		t.Errorf("another Nomis table: %v", err)
	}
	detail := "geography code,Ethnic group: Total: All usual residents,\"Ethnic group: Asian, Asian British or Asian Welsh\",\"Ethnic group: Asian, Asian British or Asian Welsh: Indian\",\"Ethnic group: Asian, Asian British or Asian Welsh: Other Asian\",\"Ethnic group: Black, Black British, Black Welsh, Caribbean or African\",Ethnic group: Mixed or Multiple ethnic groups,Ethnic group: White,Ethnic group: Other ethnic group\n" +
		"E02000001,10,4,3,1,0,0,6,0\nE02000002,10,4,3,0,0,0,6,0\n"
	rep, _, err = readAll(t, []byte(detail), Options{})
	if err != nil || rep.Accepted != 1 {
		t.Fatalf("detailed: %v %+v", err, rep)
	}
	wantRejected(t, rep, map[string][]int{ReasonDetailNotAdds: {3}})
}

// TestCentroids: ONS's population-weighted centroids as a CSV in eastings and northings
// and as their Shapefile read as the same 35,672 LSOAs at the same points (to 1e-8
// degrees, a millimetre: the CSV's eastings are to the millimetre); a bad code or a point off the grid is a rejected row.
func TestCentroids(t *testing.T) {
	b, err := os.ReadFile(testkit.Data(t, "census/lsoa21-population-weighted-centroids-bng.csv"))
	if err != nil {
		t.Fatal(err)
	}
	rep, csv, err := readAll(t, b, Options{})
	if err != nil || rep.Kind != hexbeat.KindCentroids || len(csv.Centroids) != 35672 || rep.RejectedTotal() != 0 {
		t.Fatalf("CSV: %v %+v", err, rep)
	}
	srcs, err := Sources([]string{testkit.Data(t, "census/lsoa21-population-weighted-centroids-shapefile/LSOA_PopCentroids_EW_2021_V3.shp")})
	if err != nil {
		t.Fatal(err)
	}
	rep, shp, err := readSource(t, srcs[0], Options{})
	if err != nil || rep.Kind != hexbeat.KindCentroids || len(shp.Centroids) != 35672 {
		t.Fatalf("Shapefile: %v %+v", err, rep)
	}
	at := map[string]hexbeat.Centroid{}
	for _, c := range shp.Centroids {
		at[c.Code] = c
	}
	for _, c := range csv.Centroids {
		s, ok := at[c.Code]
		if !ok || math.Abs(s.Lon-c.Lon) > 1e-8 || math.Abs(s.Lat-c.Lat) > 1e-8 {
			t.Fatalf("%s: CSV %v,%v, Shapefile %v,%v", c.Code, c.Lon, c.Lat, s.Lon, s.Lat)
		}
	}
	bad := "LSOA21CD,GlobalID,easting,northing\nE01000001,x,532181.764,181792.282\nnope,x,532181.764,181792.282\nE01000002,x,900000,181792.282\n"
	rep, sink, err := readAll(t, []byte(bad), Options{})
	if err != nil || len(sink.Centroids) != 1 {
		t.Fatalf("%v %+v", err, rep)
	}
	wantRejected(t, rep, map[string][]int{ReasonBadCode: {3}, ReasonOffGrid: {4}})
}

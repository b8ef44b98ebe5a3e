package ingest

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/hexbeat/hexbeat/internal/crs"
	"github.com/hexbeat/hexbeat/internal/testkit"
	"golang.org/x/text/encoding/charmap"

	"github.com/hexbeat/hexbeat/geodata"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
)

// countSink counts rows without keeping them, so the benchmark measures parsing and binning.
type countSink struct{ memSink }

func (c *countSink) AddIncidents(_ context.Context, x []hexbeat.Incident) error {
	c.Incidents = x[:0]
	return nil
}

// realStreetCSV concatenates the six 2025 Thames Valley months copies times (one header),
// giving each copy its own Crime IDs.
func realStreetCSV(b *testing.B, copies int) ([]byte, int) {
	b.Helper()
	var buf bytes.Buffer
	rows := 0
	for c := 0; c < copies; c++ {
		for m := 1; m <= 6; m++ {
			data, err := os.ReadFile(testkit.Data(b, fmt.Sprintf("police/street/2025-%02d-thames-valley-street.csv", m)))
			if err != nil {
				b.Fatal(err)
			}
			if buf.Len() > 0 {
				data = data[bytes.IndexByte(data, '\n')+1:]
			}
			rows += bytes.Count(data, []byte{'\n'})
			if c == 0 {
				buf.Write(data)
				continue
			}
			// later copies get their own Crime IDs, so every row is a new crime
			for _, line := range bytes.SplitAfter(data, []byte{'\n'}) {
				if len(line) > 2 && line[0] != ',' {
					// shift the first byte by 25c (mod 256): no copy repeats another's ID
					var first [1]byte
					hex.Decode(first[:], line[:2])
					fmt.Fprintf(&buf, "%02x", (int(first[0])+25*c)%256)
					line = line[2:]
				}
				buf.Write(line)
			}
		}
	}
	return buf.Bytes(), rows - 1
}

// BenchmarkParseStreet: parse + H3-bin police.uk street CSV held in memory, about 1M rows
// (six months of Thames Valley, ten times). Reports rows/s.
func BenchmarkParseStreet(b *testing.B) {
	data, rows := realStreetCSV(b, 10)
	tax := geodata.Taxonomy()
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rep, err := Read(context.Background(), bytes.NewReader(data), "bench", Options{Taxonomy: tax}, &countSink{})
		if err != nil || rep.Rows != rows {
			b.Fatalf("rows %d want %d: %v", rep.Rows, rows, err)
		}
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// realStreetRecords are realStreetCSV(b, 10)'s records, the header first.
func realStreetRecords(b *testing.B) [][]string {
	street, _ := realStreetCSV(b, 10)
	recs, err := csv.NewReader(bytes.NewReader(street)).ReadAll()
	if err != nil {
		b.Fatal(err)
	}
	return recs
}

// BenchmarkParseGeneric: parse + H3-bin a force's own export (the generic CSV, columns named
// by flags, times to the minute), made from the same rows as BenchmarkParseStreet (about 1M):
// each located row with its Crime ID (or none), a time within its month, its type and
// location, and its point moved by a few centimetres (a force's own points seldom repeat,
// police.uk's map points do, and a repeated point is read once). "lonlat" gives the point in
// WGS 84 to 7 decimals, "bng" the same point as British National Grid eastings and northings
// to the centimetre (--crs EPSG:27700 --x --y): the ratio of the two is what the
// transformation costs. Reports rows/s.
func BenchmarkParseGeneric(b *testing.B) {
	recs := realStreetRecords(b)
	var lonlat, bng bytes.Buffer
	wl, wb := csv.NewWriter(&lonlat), csv.NewWriter(&bng)
	wl.Write([]string{"Ref", "Committed", "Offence", "X", "Y", "Place"})
	wb.Write([]string{"Ref", "Committed", "Offence", "Easting", "Northing", "Place"})
	rows := 0
	for i, r := range recs[1:] {
		if r[4] == "" {
			continue
		}
		lon, _ := strconv.ParseFloat(r[4], 64)
		lat, _ := strconv.ParseFloat(r[5], 64)
		e, n, err := crs.WGS84ToBNG(lon, lat)
		if err != nil {
			b.Fatal(err)
		}
		e, n = math.Round(e*100+float64(i%97))/100, math.Round(n*100+float64(i%89))/100
		lon, lat, err = crs.BNGToWGS84(e, n)
		if err != nil {
			b.Fatal(err)
		}
		at := fmt.Sprintf("%s-%02d %02d:%02d:00", r[1], 1+i%28, i%24, i%60)
		wl.Write([]string{r[0], at, r[9], strconv.FormatFloat(lon, 'f', 7, 64), strconv.FormatFloat(lat, 'f', 7, 64), r[6]})
		wb.Write([]string{r[0], at, r[9], strconv.FormatFloat(e, 'f', 2, 64), strconv.FormatFloat(n, 'f', 2, 64), r[6]})
		rows++
	}
	wl.Flush()
	wb.Flush()
	cols := Columns{Time: "Committed", Category: "Offence", ID: "Ref", Location: "Place"}
	ll, en := cols, cols
	ll.Lon, ll.Lat = "X", "Y"
	en.X, en.Y = "Easting", "Northing"
	for _, bc := range []struct {
		name string
		data []byte
		opts Options
	}{
		{"lonlat", lonlat.Bytes(), Options{Columns: ll}},
		{"bng", bng.Bytes(), Options{Columns: en, CRS: "EPSG:27700"}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			bc.opts.Taxonomy, bc.opts.Location = geodata.Taxonomy(), time.UTC
			benchRead(b, bc.data, rows, bc.opts)
		})
	}
}

// BenchmarkParseBNGExport: the real Cambridgeshire collisions (12,108 rows in eastings and
// northings, Windows-1252, the clock in its own column) as a force imports them ("bng"),
// against the same rows written in WGS 84 to 7 decimals, UTF-8 ("lonlat"). Reports rows/s.
func BenchmarkParseBNGExport(b *testing.B) {
	raw, err := os.ReadFile(testkit.Data(b, "bng/cambridgeshire-road-collisions-2012-2017.csv"))
	if err != nil {
		b.Fatal(err)
	}
	cols := Columns{X: "Easting", Y: "Northing", Time: "Date", TimeOfDay: "Time", Category: "Severity", ID: "Reference", Location: "Location"}
	var lonlat bytes.Buffer
	w := csv.NewWriter(&lonlat)
	recs, err := csv.NewReader(charmap.Windows1252.NewDecoder().Reader(bytes.NewReader(raw))).ReadAll()
	if err != nil {
		b.Fatal(err)
	}
	ie, in := slices.Index(recs[0], "Easting"), slices.Index(recs[0], "Northing")
	w.Write(recs[0])
	for _, r := range recs[1:] {
		e, _ := strconv.ParseFloat(r[ie], 64)
		n, _ := strconv.ParseFloat(r[in], 64)
		lon, lat, err := crs.BNGToWGS84(e, n)
		if err != nil {
			b.Fatal(err)
		}
		r[ie], r[in] = strconv.FormatFloat(lon, 'f', 7, 64), strconv.FormatFloat(lat, 'f', 7, 64)
		w.Write(r)
	}
	w.Flush()
	ll := cols
	ll.X, ll.Y, ll.Lon, ll.Lat = "", "", "Easting", "Northing"
	b.Run("bng", func(b *testing.B) {
		benchRead(b, raw, len(recs)-1, Options{Columns: cols, Encoding: "windows-1252", Taxonomy: geodata.Taxonomy()})
	})
	b.Run("lonlat", func(b *testing.B) {
		benchRead(b, lonlat.Bytes(), len(recs)-1, Options{Columns: ll, Taxonomy: geodata.Taxonomy()})
	})
}

// benchRead reads data b.N times, holding it to rows read and none rejected.
func benchRead(b *testing.B, data []byte, rows int, opts Options) {
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rep, err := Read(context.Background(), bytes.NewReader(data), "bench", opts, &countSink{})
		if err != nil || rep.Rows != rows || rep.RejectedTotal() != 0 {
			b.Fatalf("rows %d want %d, %d rejected: %v %v", rep.Rows, rows, rep.RejectedTotal(), err, rep.Rejected)
		}
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkParseGeoJSON: parse + H3-bin a GeoJSON point collection made from the same rows
// as BenchmarkParseStreet (each located row as a feature with its Crime ID, month, type and
// location, one feature a line, as Python's json and QGIS write them). Reports rows/s.
func BenchmarkParseGeoJSON(b *testing.B) {
	recs := realStreetRecords(b)
	var buf bytes.Buffer
	buf.WriteString(`{"type":"FeatureCollection","features":[`)
	rows := 0
	for _, r := range recs[1:] {
		if r[4] == "" {
			continue
		}
		if rows > 0 {
			buf.WriteByte(',')
		}
		props, _ := json.Marshal(map[string]string{"crime_id": r[0], "month": r[1], "category": r[9], "location": r[6]})
		fmt.Fprintf(&buf, "\n{\"type\": \"Feature\", \"geometry\": {\"type\": \"Point\", \"coordinates\": [%s, %s]}, \"properties\": %s}", r[4], r[5], props)
		rows++
	}
	buf.WriteString("\n]}\n")
	data := buf.Bytes()
	tax := geodata.Taxonomy()
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rep, err := Read(context.Background(), bytes.NewReader(data), "bench.geojson", Options{Taxonomy: tax}, &countSink{})
		if err != nil || rep.Rows != rows || rep.Accepted+rep.InFileDups != rows {
			b.Fatalf("rows %d want %d, %d accepted: %v", rep.Rows, rows, rep.Accepted, err)
		}
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

package ingest

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/hexbeat/hexbeat/internal/testkit"

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
// by flags, times to the minute), made from the same rows as BenchmarkParseStreet: each
// located row with its Crime ID (or none), a time within its month, its type, coordinates
// and location. Reports rows/s.
func BenchmarkParseGeneric(b *testing.B) {
	recs := realStreetRecords(b)
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write([]string{"Ref", "Committed", "Offence", "X", "Y", "Place"})
	rows := 0
	for i, r := range recs[1:] {
		if r[4] == "" {
			continue
		}
		at := fmt.Sprintf("%s-%02d %02d:%02d:00", r[1], 1+i%28, i%24, i%60)
		w.Write([]string{r[0], at, r[9], r[4], r[5], r[6]})
		rows++
	}
	w.Flush()
	data := buf.Bytes()
	opts := Options{Taxonomy: geodata.Taxonomy(), Location: time.UTC,
		Columns: Columns{Lon: "X", Lat: "Y", Time: "Committed", Category: "Offence", ID: "Ref", Location: "Place"}}
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rep, err := Read(context.Background(), bytes.NewReader(data), "bench", opts, &countSink{})
		if err != nil || rep.Rows != rows || rep.RejectedTotal() != 0 {
			b.Fatalf("rows %d want %d, %d rejected: %v", rep.Rows, rows, rep.RejectedTotal(), err)
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

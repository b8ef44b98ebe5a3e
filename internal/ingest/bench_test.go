package ingest

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"os"
	"testing"

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

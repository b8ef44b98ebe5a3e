package store_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/hexbeat/hexbeat/internal/testkit"

	"github.com/hexbeat/hexbeat/geodata"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/hexbeat/hexbeat/internal/ingest"
	"github.com/hexbeat/hexbeat/internal/store"
)

// realIncidents parses the six 2025 Thames Valley months and repeats them copies times
// with distinct keys: about 94,000 real rows a copy.
func realIncidents(b *testing.B, copies int) []hexbeat.Incident { return realIncidentsT(b, copies) }

func realIncidentsT(b testing.TB, copies int) []hexbeat.Incident {
	var c testkit.Collector
	for m := 1; m <= 6; m++ {
		f, err := os.Open(testkit.Data(b, fmt.Sprintf("police/street/2025-%02d-thames-valley-street.csv", m)))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := ingest.Read(context.Background(), f, "bench", ingest.Options{Taxonomy: geodata.Taxonomy()}, &c); err != nil {
			b.Fatal(err)
		}
		f.Close()
	}
	one := c.Incidents
	out := make([]hexbeat.Incident, 0, len(one)*copies)
	for k := 0; k < copies; k++ {
		for _, inc := range one {
			inc.Key[15] ^= byte(k)
			inc.Key[14] ^= byte(k >> 8)
			out = append(out, inc)
		}
	}
	return out
}

func benchImport(b *testing.B, open func(b *testing.B) *store.Store) {
	incs := realIncidents(b, 10)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		s := open(b)
		ctx := context.Background()
		b.StartTimer()
		tx, err := s.BeginImport(ctx)
		if err != nil {
			b.Fatal(err)
		}
		for k := 0; k < len(incs); k += 8192 {
			if err := tx.AddIncidents(ctx, incs[k:min(k+8192, len(incs))]); err != nil {
				b.Fatal(err)
			}
		}
		batch, err := tx.Commit(ctx, hexbeat.Batch{Kind: "bench", Source: "bench", SHA256: "-"}, nil)
		if err != nil || batch.Added != len(incs) {
			b.Fatalf("added %d of %d: %v", batch.Added, len(incs), err)
		}
		b.StopTimer()
		s.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(len(incs))*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkImportSQLite: ~935,000 parsed police.uk rows into a fresh SQLite file in one
// transaction (multi-row INSERT OR IGNORE; the bulk path drops the indexes and rebuilds them).
func BenchmarkImportSQLite(b *testing.B) {
	benchImport(b, func(b *testing.B) *store.Store {
		s, err := store.Open(context.Background(), "sqlite:"+filepath.Join(b.TempDir(), "bench.db"))
		if err != nil {
			b.Fatal(err)
		}
		return s
	})
}

// BenchmarkImportPostgres: the same rows into a fresh PostgreSQL database: COPY straight
// into incidents, its indexes and foreign key dropped and rebuilt at commit (the bulk path).
func BenchmarkImportPostgres(b *testing.B) {
	benchImport(b, freshPostgresB)
}

// BenchmarkLoadIncidents: reading ~935,000 incidents back for the in-memory index, as a
// server does at start (SQLite).
func BenchmarkLoadIncidents(b *testing.B) {
	incs := realIncidents(b, 10)
	ctx := context.Background()
	s, err := store.Open(ctx, "sqlite:"+filepath.Join(b.TempDir(), "load.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	tx, _ := s.BeginImport(ctx)
	for k := 0; k < len(incs); k += 8192 {
		tx.AddIncidents(ctx, incs[k:min(k+8192, len(incs))])
	}
	if _, err := tx.Commit(ctx, hexbeat.Batch{Kind: "bench", Source: "bench", SHA256: "-"}, nil); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		n := 0
		if err := s.LoadIncidents(ctx, nil, func(x []hexbeat.Incident) error { n += len(x); return nil }); err != nil || n != len(incs) {
			b.Fatalf("loaded %d of %d: %v", n, len(incs), err)
		}
	}
	b.ReportMetric(float64(len(incs))*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

package service_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/hexbeat/hexbeat/internal/testkit"

	"github.com/hexbeat/hexbeat/geodata"
	"github.com/hexbeat/hexbeat/internal/ingest"
	"github.com/hexbeat/hexbeat/internal/service"
	"github.com/hexbeat/hexbeat/internal/store"
)

// BenchmarkStartupSync: a server's first sync, loading the six 2025 Thames Valley months
// (93,542 incidents) from SQLite into the index.
func BenchmarkStartupSync(b *testing.B) {
	ctx := context.Background()
	db := "sqlite:" + filepath.Join(b.TempDir(), "h.db")
	st, err := store.Open(ctx, db)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	for m := 1; m <= 6; m++ {
		if _, _, err := ingest.ImportFile(ctx, st, testkit.Data(b, fmt.Sprintf("police/street/2025-%02d-thames-valley-street.csv", m)), ingest.Options{Taxonomy: geodata.Taxonomy()}, nil); err != nil {
			b.Fatal(err)
		}
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		svc := service.New(st, geodata.Taxonomy(), log)
		if err := svc.Sync(ctx); err != nil {
			b.Fatal(err)
		}
		if n := svc.Index().Snapshot().Len(); n != 93542 {
			b.Fatalf("loaded %d", n)
		}
	}
	b.ReportMetric(93542*float64(b.N)/b.Elapsed().Seconds(), "incidents/s")
}

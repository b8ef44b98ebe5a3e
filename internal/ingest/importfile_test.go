package ingest

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/hexbeat/hexbeat/geodata"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
)

// failingTx fails its second AddIncidents and records what was asked of it.
type failingTx struct {
	memSink
	calls               int
	committed, rolledBk bool
}

func (f *failingTx) AddIncidents(ctx context.Context, x []hexbeat.Incident) error {
	f.calls++
	if f.calls == 2 {
		return errors.New("disk full")
	}
	return f.memSink.AddIncidents(ctx, x)
}
func (f *failingTx) Commit(context.Context, hexbeat.Batch) (hexbeat.Batch, error) {
	f.committed = true
	return hexbeat.Batch{}, nil
}
func (f *failingTx) Rollback() error { f.rolledBk = true; return nil }

type oneTx struct{ tx *failingTx }

func (o oneTx) BeginImport(context.Context) (hexbeat.ImportTx, error) { return o.tx, nil }

// TestStoreFailureRollsBack: when the store fails part-way, the reader stops, the import
// is rolled back and never committed, and the error says why.
func TestStoreFailureRollsBack(t *testing.T) {
	var b strings.Builder
	b.WriteString(streetHead)
	for i := 0; i < 50; i++ {
		b.WriteString(streetRow("", "-0.75", "52.04", "Robbery"))
	}
	tx := &failingTx{}
	_, _, err := Import(context.Background(), oneTx{tx}, bytes.NewReader([]byte(b.String())), "x.csv", 0,
		Options{Taxonomy: geodata.Taxonomy(), ChunkSize: 10}, nil)
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("want the store's error, got %v", err)
	}
	if tx.committed || !tx.rolledBk || tx.calls != 2 {
		t.Errorf("committed %v, rolled back %v, calls %d", tx.committed, tx.rolledBk, tx.calls)
	}
}

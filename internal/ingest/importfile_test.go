package ingest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
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
func (f *failingTx) Commit(context.Context, hexbeat.Batch, func(hexbeat.Batch) hexbeat.AuditEvent) (hexbeat.Batch, error) {
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

// panicReader fails as a reader's bug would, part-way through a file.
type panicReader struct{ r *strings.Reader }

func (p panicReader) Read(b []byte) (int, error) {
	if p.r.Len() < 500 {
		panic("a reader's bug")
	}
	return p.r.Read(b[:min(len(b), 100)])
}

// TestReaderPanicRefusesTheFile: a panic while reading (parsing runs in a goroutine of its
// own) refuses the file and rolls it back instead of ending the process, which for a server
// taking an upload would end every user's session.
func TestReaderPanicRefusesTheFile(t *testing.T) {
	var b strings.Builder
	b.WriteString(streetHead)
	for i := 0; i < 50; i++ {
		b.WriteString(streetRow(fmt.Sprintf("id%d", i), "-0.75", "52.04", "Robbery"))
	}
	tx := &failingTx{calls: 10} // never fails
	rep, _, err := Import(context.Background(), oneTx{tx}, panicReader{strings.NewReader(b.String())}, "x.csv", 0,
		Options{Taxonomy: geodata.Taxonomy(), ChunkSize: 10}, nil)
	if err == nil || !strings.Contains(err.Error(), "x.csv refused, nothing imported") || !strings.Contains(err.Error(), "a reader's bug") {
		t.Fatalf("want the file refused with the fault, got %v (report %+v)", err, rep)
	}
	if tx.committed || !tx.rolledBk || rep == nil || rep.File != "x.csv" {
		t.Errorf("committed %v, rolled back %v, report %+v", tx.committed, tx.rolledBk, rep)
	}
}

package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"slices"
	"sync/atomic"
	"time"

	"github.com/hexbeat/hexbeat/internal/hexbeat"
)

// Progress is told how many bytes of a file have been read, and its size.
type Progress func(read, total int64)

// ImportFile reads one file into the store in one transaction: all of it or none. It
// returns the report, with Added and Duplicates completed from what the store already
// held, and the committed batch. A refused file is rolled back and its error names the
// file and line.
func ImportFile(ctx context.Context, imp hexbeat.Importer, path string, opts Options, progress Progress) (*Report, hexbeat.Batch, error) {
	return ImportSource(ctx, imp, FileSource(path), opts, progress)
}

// ImportSource is ImportFile for a file or a member of an archive (see Sources).
func ImportSource(ctx context.Context, imp hexbeat.Importer, src Source, opts Options, progress Progress) (*Report, hexbeat.Batch, error) {
	r, size, err := src.Open()
	if err != nil {
		return &Report{File: src.Name}, hexbeat.Batch{}, fmt.Errorf("import %s: %w", src.Name, err)
	}
	defer r.Close()
	return Import(ctx, imp, r, src.Short(), size, opts, progress)
}

// Import is ImportFile for any reader; name labels the report and batch.
func Import(ctx context.Context, imp hexbeat.Importer, r io.Reader, name string, size int64, opts Options, progress Progress) (*Report, hexbeat.Batch, error) {
	h := sha256.New()
	cr := &countingReader{r: io.TeeReader(r, h)}
	if progress != nil {
		stop := make(chan struct{})
		done := make(chan struct{})
		go func() {
			defer close(done)
			t := time.NewTicker(100 * time.Millisecond)
			defer t.Stop()
			for {
				select {
				case <-stop:
					progress(cr.n.Load(), size)
					return
				case <-t.C:
					progress(cr.n.Load(), size)
				}
			}
		}()
		defer func() { close(stop); <-done }()
	}
	tx, err := imp.BeginImport(ctx)
	if err != nil {
		return &Report{File: name}, hexbeat.Batch{}, fmt.Errorf("import %s: %w", name, err)
	}
	defer tx.Rollback()
	rep, err := readPipelined(ctx, cr, name, opts, tx)
	if err != nil {
		return rep, hexbeat.Batch{}, fmt.Errorf("import %s refused, nothing imported: %w", name, err)
	}
	// drain whatever follows the last record so the digest covers the whole file
	if _, err := io.Copy(io.Discard, cr); err != nil {
		return rep, hexbeat.Batch{}, fmt.Errorf("import %s: %w", name, err)
	}
	b, err := tx.Commit(ctx, hexbeat.Batch{
		Kind:   rep.Kind,
		Source: name,
		SHA256: hex.EncodeToString(h.Sum(nil)),
		Rows:   rep.Rows,
	}, opts.Audit)
	if err != nil {
		return rep, hexbeat.Batch{}, fmt.Errorf("import %s: %w", name, err)
	}
	rep.Added = b.Added
	rep.Duplicates += rep.Accepted - b.Added
	return rep, b, nil
}

type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// readPipelined parses in one goroutine while the caller's goroutine stores, so that
// parsing and the database share the machine's cores. The sink still sees one call at a
// time, in order.
func readPipelined(ctx context.Context, r io.Reader, name string, opts Options, sink hexbeat.ImportSink) (*Report, error) {
	p := &pipeSink{ops: make(chan func(hexbeat.ImportSink) error, 2), stop: make(chan struct{})}
	var rep *Report
	var readErr error
	go func() {
		defer close(p.ops)
		// A fault in a reader must refuse the file, not end the process: a server takes
		// files through the API, and this goroutine's panic could not be recovered above.
		defer func() {
			if v := recover(); v != nil {
				if rep == nil {
					rep = &Report{File: name}
				}
				readErr = fmt.Errorf("hexbeat could not read %s (an internal error; please report it with the file's shape): %v", name, v)
			}
		}()
		rep, readErr = Read(ctx, r, name, opts, p)
	}()
	var sinkErr error
	for op := range p.ops {
		if sinkErr != nil {
			continue // drain until the reader notices
		}
		if sinkErr = op(sink); sinkErr != nil {
			close(p.stop)
		}
	}
	if sinkErr != nil {
		return rep, sinkErr
	}
	return rep, readErr
}

// pipeSink hands copies of each chunk to the storing goroutine.
type pipeSink struct {
	ops  chan func(hexbeat.ImportSink) error
	stop chan struct{}
}

var errSinkFailed = fmt.Errorf("the store failed")

func (p *pipeSink) send(op func(hexbeat.ImportSink) error) error {
	select {
	case p.ops <- op:
		return nil
	case <-p.stop:
		return errSinkFailed
	}
}

// forward hands a copy of a chunk to the storing goroutine, for the sink's method put.
func forward[T any](p *pipeSink, ctx context.Context, x []T, put func(hexbeat.ImportSink, context.Context, []T) error) error {
	c := slices.Clone(x)
	return p.send(func(s hexbeat.ImportSink) error { return put(s, ctx, c) })
}

func (p *pipeSink) AddIncidents(ctx context.Context, x []hexbeat.Incident) error {
	return forward(p, ctx, x, hexbeat.ImportSink.AddIncidents)
}

func (p *pipeSink) AddStopSearches(ctx context.Context, x []hexbeat.StopSearch) error {
	return forward(p, ctx, x, hexbeat.ImportSink.AddStopSearches)
}

func (p *pipeSink) AddOutcomes(ctx context.Context, x []hexbeat.Outcome) error {
	return forward(p, ctx, x, hexbeat.ImportSink.AddOutcomes)
}

func (p *pipeSink) PutBoundaries(ctx context.Context, x []hexbeat.Boundary) error {
	return forward(p, ctx, x, hexbeat.ImportSink.PutBoundaries)
}

func (p *pipeSink) PutRetailers(ctx context.Context, x []hexbeat.Retailer) error {
	return forward(p, ctx, x, hexbeat.ImportSink.PutRetailers)
}

func (p *pipeSink) PutCameras(ctx context.Context, x []hexbeat.Camera) error {
	return forward(p, ctx, x, hexbeat.ImportSink.PutCameras)
}

func (p *pipeSink) PutCensus(ctx context.Context, x []hexbeat.CensusArea) error {
	return forward(p, ctx, x, hexbeat.ImportSink.PutCensus)
}

func (p *pipeSink) PutCentroids(ctx context.Context, x []hexbeat.Centroid) error {
	return forward(p, ctx, x, hexbeat.ImportSink.PutCentroids)
}

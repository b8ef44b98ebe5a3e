package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
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
	f, err := os.Open(path)
	if err != nil {
		return &Report{File: path}, hexbeat.Batch{}, fmt.Errorf("import %s: %w", path, err)
	}
	defer f.Close()
	var size int64
	if st, err := f.Stat(); err == nil {
		size = st.Size()
	}
	return Import(ctx, imp, f, filepath.Base(path), size, opts, progress)
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
	rep, err := Read(ctx, cr, name, opts, tx)
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
	})
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

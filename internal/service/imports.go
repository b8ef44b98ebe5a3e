package service

import (
	"context"
	"encoding/json"
	"slices"

	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/hexbeat/hexbeat/internal/index"
	"github.com/hexbeat/hexbeat/internal/ingest"
)

// Import imports an uploaded file, or each CSV and GeoJSON file of an uploaded ZIP archive
// (a data.police.uk download as it comes), each in its own transaction as `hexbeat import`
// does, audits each under actor, and brings the index up to date before it returns. The
// demo store takes no imports: real data never mix with the synthetic set.
func (s *Service) Import(ctx context.Context, name string, body []byte, o hexbeat.ImportOptions, actor string) ([]hexbeat.ImportResult, error) {
	if s.Demo() {
		return nil, hexbeat.Errorf(hexbeat.ECONFLICT, "this server runs on the demo store, which holds synthetic data only and takes no imports: serve a real store (--db) to import")
	}
	if err := o.Validate(); err != nil {
		return nil, err
	}
	srcs, err := ingest.BytesSources(name, body, s.uploadLimits)
	if hexbeat.ErrorCode(err) == hexbeat.ETOOLARGE {
		return nil, err
	}
	if err != nil {
		return nil, hexbeat.Errorf(hexbeat.EUNPROCESSABLE, "%v", err)
	}
	opts := ingest.Options{Kind: o.Kind, BoundaryKind: o.BoundaryKind, Taxonomy: s.tax, Location: o.TimeZone, MaxFeatureBytes: uploadMaxFeatureBytes,
		Columns: ingest.Columns{Lon: o.Lon, Lat: o.Lat, Time: o.Time, Category: o.Category, ID: o.ID, Location: o.Location, X: o.X, Y: o.Y, TimeOfDay: o.TimeOfDay, GridRef: o.GridRef}, CRS: o.CRS, Encoding: o.Encoding}
	results := make([]hexbeat.ImportResult, 0, len(srcs))
	var imp hexbeat.Importer = s.store
	endRun := func() error { return nil }
	if runs, ok := s.store.(hexbeat.RunImporter); ok && len(srcs) > 1 {
		// an archive of many files (a year of months) is one run: the indexes are kept for
		// all of them
		run, err := runs.BeginImportRun(ctx, ingest.EstimateIncidents(srcs))
		if err != nil {
			return nil, err
		}
		defer run.Close(ctx) // on an early return; Close is once
		imp, endRun = run, func() error { return run.Close(ctx) }
	}
	for _, src := range srcs {
		opts.Audit = func(b hexbeat.Batch) hexbeat.AuditEvent { // written in the import's own transaction
			d, _ := json.Marshal(map[string]any{"batch": b.ID, "kind": b.Kind, "sha256": b.SHA256, "rows": b.Rows, "added": b.Added})
			return hexbeat.AuditEvent{Actor: actor, Action: "import", Subject: "upload " + src.Short(), Detail: string(d)}
		}
		rep, batch, err := ingest.ImportSource(ctx, imp, src, opts, nil)
		r := hexbeat.ImportResult{File: rep.File, Batch: batch.ID}
		if err != nil {
			r.Refused = err.Error()
			// nothing was committed; the refusal is recorded on its own
			d, _ := json.Marshal(map[string]any{"error": err.Error()})
			if err := s.Audit(ctx, hexbeat.AuditEvent{Actor: actor, Action: "import.refused", Subject: "upload " + src.Short(), Detail: string(d)}); err != nil {
				return results, err
			}
		} else {
			r.Kind, r.Rows, r.Added, r.Duplicates, r.WithoutLocation, r.Summary = rep.Kind, rep.Rows, rep.Added, rep.Duplicates, rep.WithoutLocation, rep.Summary()
			r.Rejected = make([]hexbeat.RejectedRows, len(rep.Rejected))
			for i, x := range rep.Rejected {
				r.Rejected[i] = hexbeat.RejectedRows{Reason: x.Reason, Count: x.Count, Lines: x.Lines}
			}
		}
		results = append(results, r)
		if ctx.Err() != nil {
			return results, ctx.Err()
		}
	}
	if err := endRun(); err != nil { // its indexes rebuilt before the index loads the files
		return results, err
	}
	return results, s.Sync(ctx)
}

// withdrawn returns the batches the index holds that the store no longer has.
func withdrawn(held []int64, stored []hexbeat.Batch) []int64 {
	in := make(map[int64]bool, len(stored))
	for _, b := range stored {
		in[b.ID] = true
	}
	var gone []int64
	for _, id := range held {
		if !in[id] {
			gone = append(gone, id)
		}
	}
	slices.Sort(gone)
	return gone
}

// rebuild loads every committed batch into a new index and makes it the service's; it
// returns the incidents loaded. The old snapshot serves until the swap.
func (s *Service) rebuild(ctx context.Context) (int, error) {
	nx := index.New()
	b := nx.Begin()
	n := 0
	_, ids, err := s.store.LoadNew(ctx, func(int64) bool { return false }, func(chunk []hexbeat.Incident) error {
		b.Add(chunk)
		n += len(chunk)
		return nil
	})
	if err != nil {
		b.Abort()
		return 0, err
	}
	b.Commit()
	nx.MarkBatches(ids...)
	s.ix.Replace(nx)
	return n, nil
}

// Imports lists the imports the store holds, newest first.
func (s *Service) Imports(ctx context.Context) ([]hexbeat.Batch, error) {
	bs, err := s.store.Batches(ctx)
	slices.Reverse(bs)
	return bs, err
}

// WithdrawImport removes an import of incidents, searches or outcomes: its rows and the
// import itself, audited as actor's, then rebuilds the index without them. A register or
// the demo cannot be withdrawn (ECONFLICT). The withdrawal stands even if the rebuild
// fails; the next sync tries again.
func (s *Service) WithdrawImport(ctx context.Context, id int64, actor string) (hexbeat.Withdrawal, error) {
	w, err := s.store.WithdrawBatch(ctx, id, hexbeat.AuditEvent{Actor: actor, Action: "import.withdraw"})
	if err != nil {
		return w, err
	}
	if err := s.Sync(ctx); err != nil {
		s.log.Warn("import withdrawn; the index still holds it until the next sync", "import", id, "err", err)
	}
	return w, nil
}

// DefaultUploadLimits bound what one upload may unpack to: a year of one force's street,
// outcomes and stop-and-search files unpacks to about 150 MiB in 36 files.
var DefaultUploadLimits = ingest.UploadLimits{MaxFiles: 200, MaxBytes: 512 << 20}

// uploadMaxFeatureBytes bounds one GeoJSON feature of an upload (a boundary of a whole force
// area is a few MiB); files imported from disk with hexbeat import may hold larger ones.
const uploadMaxFeatureBytes = 32 << 20

// SetUploadLimits changes the bounds of an upload's unpacked files and bytes.
func (s *Service) SetUploadLimits(l ingest.UploadLimits) { s.uploadLimits = l }

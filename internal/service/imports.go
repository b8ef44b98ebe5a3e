package service

import (
	"context"
	"encoding/json"

	"github.com/hexbeat/hexbeat/internal/hexbeat"
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
	srcs, err := ingest.BytesSources(name, body)
	if err != nil {
		return nil, hexbeat.Errorf(hexbeat.EUNPROCESSABLE, "%v", err)
	}
	opts := ingest.Options{Kind: o.Kind, BoundaryKind: o.BoundaryKind, Taxonomy: s.tax, Location: o.TimeZone,
		Columns: ingest.Columns{Lon: o.Lon, Lat: o.Lat, Time: o.Time, Category: o.Category, ID: o.ID, Location: o.Location}}
	results := make([]hexbeat.ImportResult, 0, len(srcs))
	for _, src := range srcs {
		rep, batch, err := ingest.ImportSource(ctx, s.store, src, opts, nil)
		r := hexbeat.ImportResult{File: rep.File, Batch: batch.ID}
		action, detail := "import", map[string]any{"batch": batch.ID, "kind": batch.Kind, "sha256": batch.SHA256, "rows": rep.Rows, "added": batch.Added}
		if err != nil {
			r.Refused, action, detail = err.Error(), "import.refused", map[string]any{"error": err.Error()}
		} else {
			r.Kind, r.Rows, r.Added, r.Duplicates, r.WithoutLocation, r.Summary = rep.Kind, rep.Rows, rep.Added, rep.Duplicates, rep.WithoutLocation, rep.Summary()
			r.Rejected = make([]hexbeat.RejectedRows, len(rep.Rejected))
			for i, x := range rep.Rejected {
				r.Rejected[i] = hexbeat.RejectedRows{Reason: x.Reason, Count: x.Count, Lines: x.Lines}
			}
		}
		b, _ := json.Marshal(detail)
		if err := s.Audit(ctx, hexbeat.AuditEvent{Actor: actor, Action: action, Subject: "upload " + src.Short(), Detail: string(b)}); err != nil {
			return results, err
		}
		results = append(results, r)
		if ctx.Err() != nil {
			return results, ctx.Err()
		}
	}
	return results, s.Sync(ctx)
}

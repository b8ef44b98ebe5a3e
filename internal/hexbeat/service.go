package hexbeat

import "context"

// ImportSink receives the parsed rows of one file. The store implements it inside one
// transaction; ingest calls it in chunks as it reads.
type ImportSink interface {
	AddIncidents(ctx context.Context, incidents []Incident) error
	AddStopSearches(ctx context.Context, searches []StopSearch) error
	AddOutcomes(ctx context.Context, outcomes []Outcome) error
	PutBoundaries(ctx context.Context, boundaries []Boundary) error
	PutRetailers(ctx context.Context, retailers []Retailer) error
	PutCameras(ctx context.Context, cameras []Camera) error
}

// ImportTx is one all-or-nothing import: rows added through the sink become visible only
// when Commit succeeds. Commit records the batch and returns it with its ID and the
// number of rows the store did not already hold (Added). Rollback after Commit is a no-op.
type ImportTx interface {
	ImportSink
	Commit(ctx context.Context, b Batch) (Batch, error)
	Rollback() error
}

// Importer starts imports.
type Importer interface {
	BeginImport(ctx context.Context) (ImportTx, error)
}

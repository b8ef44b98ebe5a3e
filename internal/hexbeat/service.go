package hexbeat

import (
	"context"
	"time"

	"github.com/paulmach/orb"
)

// ImportSink receives the parsed rows of one file. The store implements it inside one
// transaction; ingest calls it in chunks as it reads.
type ImportSink interface {
	AddIncidents(ctx context.Context, incidents []Incident) error
	AddStopSearches(ctx context.Context, searches []StopSearch) error
	AddOutcomes(ctx context.Context, outcomes []Outcome) error
	PutBoundaries(ctx context.Context, boundaries []Boundary) error
	PutRetailers(ctx context.Context, retailers []Retailer) error
	PutCameras(ctx context.Context, cameras []Camera) error
	PutCensus(ctx context.Context, areas []CensusArea) error
	PutCentroids(ctx context.Context, centroids []Centroid) error
}

// ImportTx is one all-or-nothing import: rows added through the sink become visible only
// when Commit succeeds. Commit records the batch and returns it with its ID and the
// number of rows the store did not already hold (Added); with audit, the event audit makes
// of that batch is written to the audit log in the same transaction, so that no import is
// committed without its audit row. Rollback after Commit is a no-op.
type ImportTx interface {
	ImportSink
	Commit(ctx context.Context, b Batch, audit func(Batch) AuditEvent) (Batch, error)
	Rollback() error
}

// Importer starts imports.
type Importer interface {
	BeginImport(ctx context.Context) (ImportTx, error)
}

// ImportRun is a run of imports of many files: each file still its own all-or-nothing
// ImportTx, committed as it ends, while the run keeps the store's indexes for all of them
// (a store drops them once and rebuilds them once when the files are large against what it
// holds). Close ends the run, and must be called.
type ImportRun interface {
	Importer
	Close(ctx context.Context) error
}

// RunImporter starts runs of imports expected to bring about rows incidents.
type RunImporter interface {
	BeginImportRun(ctx context.Context, rows int) (ImportRun, error)
}

// The roles the application plays for its adapters, in the style of a standard package
// layout: each adapter (the HTTP API, the layer catalogue, the command line) asks for the
// roles it uses, and only main wires the one implementation (internal/service) to them.

// LayerService computes and reads the layers: the analyses of the incidents, the
// incidents themselves and the boundaries.
type LayerService interface {
	Cells(ctx context.Context, q CellQuery) (CellLayer, error)
	CellDetail(ctx context.Context, q CellQuery, cell uint64) (CellDetail, error)
	Hotspots(ctx context.Context, q HotspotQuery) (HotspotLayer, error)
	Emerging(ctx context.Context, q EmergingQuery) (EmergingLayer, error)
	Outliers(ctx context.Context, q HotspotQuery) (OutlierLayer, error)
	Change(ctx context.Context, q ChangeQuery) (ChangeReport, error)
	Evaluate(ctx context.Context, q EvalQuery) (EvalResult, error)
	Incidents(ctx context.Context, f IncidentFilter) ([]IncidentRecord, error)
	CountIncidents(ctx context.Context, f IncidentFilter) int
	Incident(ctx context.Context, id int64) (IncidentRecord, error)
	BoundariesIn(kind string, box *orb.Bound) ([]Boundary, []orb.Bound)
	BoundaryExtent() (orb.Bound, bool)
	Boundary(ctx context.Context, id string) (Boundary, error)
	Taxonomy() *Taxonomy
	// Demo reports whether the store holds the synthetic demo data set, which every
	// answer must say.
	Demo() bool
}

// Section60Service proposes Section 60 areas, keeps the register of authorisations and
// reports on the stop and search made under them.
type Section60Service interface {
	Section60Proposals(ctx context.Context, q ProposalQuery) (Proposals, error)
	Authorise(ctx context.Context, a Authorisation, actor string) (Authorisation, error)
	Extend(ctx context.Context, id int64, x Extension, actor string) (Authorisation, error)
	Cancel(ctx context.Context, id int64, by, reason string, at time.Time, actor string) (Authorisation, error)
	RecordInformed(ctx context.Context, id int64, inf Informed, actor string) (Authorisation, error)
	RecordNotice(ctx context.Context, id int64, n Notice, actor string) (Authorisation, error)
	// ScrutinyDispro is the disproportionality of the searches in an authorisation's area
	// and hours; nil with the reason when the residents cannot be counted
	ScrutinyDispro(ctx context.Context, a Authorisation) (*Disproportionality, string, error)
	EvaluateAuthorisation(ctx context.Context, id int64, lpa string, categories []string, actor string) (Evaluation, error)
	Authorisations(ctx context.Context, status string) ([]Authorisation, time.Time, error)
	Authorisation(ctx context.Context, id int64) (Authorisation, error)
	Scrutiny(ctx context.Context, id int64) (Authorisation, Scrutiny, error)
	StopSearchSummary(ctx context.Context, q SearchQuery) (SearchSummary, error)
	Disproportionality(ctx context.Context, q DisproQuery) (Disproportionality, error)
	AreaPopulation(ctx context.Context, area string, polygon orb.Geometry) (AreaPopulation, error)
	LSOADispro(ctx context.Context, q DisproQuery, group string) (LSOADispro, error)
}

// RetailerService holds the retailer register and its test purchases, and ranks retailers
// for the next ones.
type RetailerService interface {
	Retailers(ctx context.Context) ([]Retailer, map[string][]RetailerTest, error)
	RecordTest(ctx context.Context, t RetailerTest, actor string) (RetailerTest, error)
	Targets(ctx context.Context, q TargetQuery) (Targets, error)
}

// CameraService holds the camera register and plans camera sites.
type CameraService interface {
	Cameras(ctx context.Context, q CameraQuery) (CameraPlan, error)
	CameraRegister(ctx context.Context) ([]Camera, error)
	RecordCamera(ctx context.Context, c Camera, actor string) (Camera, error)
}

// ImportService takes files in, lists the imports and withdraws one.
type ImportService interface {
	Import(ctx context.Context, name string, body []byte, opts ImportOptions, actor string) ([]ImportResult, error)
	Imports(ctx context.Context) ([]Batch, error)
	WithdrawImport(ctx context.Context, id int64, actor string) (Withdrawal, error)
}

// KeyService checks and manages the API keys.
type KeyService interface {
	AuthRequired(ctx context.Context) (bool, error)
	Authenticate(ctx context.Context, secret string) (APIKey, error)
	FailedSignIn(ctx context.Context, remote, reason string)
	CreateKey(ctx context.Context, name string, role Role, actor string) (APIKey, string, error)
	Keys(ctx context.Context) ([]APIKey, error)
	RevokeKey(ctx context.Context, id int64, actor string) error
}

// AuditService writes and reads the audit log.
type AuditService interface {
	Audit(ctx context.Context, ev AuditEvent) error
	AuditLog(ctx context.Context, after int64, limit int) ([]AuditEvent, error)
	VerifyAudit(ctx context.Context) (AuditCheck, error)
}

// StatusService says what the service holds and whether it can serve.
type StatusService interface {
	Status(ctx context.Context) Status
	Ready(ctx context.Context) error
	StoreError() error
	DataVersion() string
}

// Package service holds hexbeat's application services: it answers domain queries from the
// in-memory index, resolves boundaries from the store, validates what only the data can
// validate (known categories, existing boundaries), and keeps the index in step with the
// batches committed to the store, whether by this process, another `hexbeat import`, or
// another replica.
//
// Service plays every role of internal/hexbeat/service.go, one file a role: layers.go and
// analyses.go (LayerService), section60.go (Section60Service), retailers.go
// (RetailerService), cameras.go (CameraService), imports.go (ImportService), keys.go
// (KeyService), audit.go (AuditService); service.go holds the index, its sync with the
// store and the status (StatusService).
package service

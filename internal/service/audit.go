package service

import (
	"context"

	"github.com/hexbeat/hexbeat/internal/hexbeat"
)

// AuditLog returns audit events after an id.
func (s *Service) AuditLog(ctx context.Context, after int64, limit int) ([]hexbeat.AuditEvent, error) {
	return s.store.AuditLog(ctx, after, limit)
}

// Audit records an event (exports, imports through the API).
func (s *Service) Audit(ctx context.Context, ev hexbeat.AuditEvent) error {
	if ev.At.IsZero() {
		ev.At = s.now()
	}
	return s.store.Audit(ctx, ev)
}

// VerifyAudit recomputes the audit log's hash chain (see store.VerifyAudit).
func (s *Service) VerifyAudit(ctx context.Context) (hexbeat.AuditCheck, error) {
	return s.store.VerifyAudit(ctx)
}

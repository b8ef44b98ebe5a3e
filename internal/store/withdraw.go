package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/jmoiron/sqlx"
)

// batchTables are the tables whose rows an import of a withdrawable kind writes.
var batchTables = []string{"incidents", "stop_searches", "outcomes"}

// WithdrawBatch removes an import: the rows it added, in one transaction with the audit
// event ev (its subject and detail are filled in here); its batch is marked withdrawn and
// no longer listed. PostgreSQL replicas are told with NOTIFY; a replica, finding a batch
// it holds gone, rebuilds its index.
func (s *Store) WithdrawBatch(ctx context.Context, id int64, ev hexbeat.AuditEvent) (hexbeat.Withdrawal, error) {
	var w hexbeat.Withdrawal
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		if s.dialect == Postgres {
			// imports and withdrawals of incidents take turns (see importLockKey)
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, importLockKey); err != nil {
				return fmt.Errorf("store: lock incidents: %w", err)
			}
		}
		var gone any
		var err error
		w.Batch, err = scanBatch(tx.QueryRowxContext(ctx, s.db.Rebind(`SELECT `+batchCols+`, withdrawn_at FROM batches WHERE id = ?`), id), &gone)
		if errors.Is(err, sql.ErrNoRows) {
			return &hexbeat.Error{Code: hexbeat.ENOTFOUND, Message: "no import " + strconv.FormatInt(id, 10)}
		}
		if err != nil {
			return fmt.Errorf("store: withdraw: %w", err)
		}
		if gone != nil {
			return &hexbeat.Error{Code: hexbeat.ENOTFOUND, Message: fmt.Sprintf("import %d was withdrawn at %s", id, scanTime(gone).Format(time.RFC3339))}
		}
		if !hexbeat.Withdrawable(w.Batch.Kind) {
			why := "a register import replaces rows by id, so it may have overwritten what an earlier import wrote: import a corrected file instead"
			if w.Batch.Kind == "demo" {
				why = "the demo store is re-created with hexbeat demo --force"
			}
			return &hexbeat.Error{Code: hexbeat.ECONFLICT, Message: fmt.Sprintf("import %d (%s, %s) cannot be withdrawn: %s", id, w.Batch.Kind, w.Batch.Source, why)}
		}
		counts := []*int{&w.Incidents, &w.StopSearches, &w.Outcomes}
		for i, table := range batchTables {
			res, err := tx.ExecContext(ctx, s.db.Rebind(`DELETE FROM `+table+` WHERE batch_id = ?`), id)
			if err != nil {
				return fmt.Errorf("store: withdraw %s: %w", table, err)
			}
			n, err := res.RowsAffected()
			if err != nil {
				return fmt.Errorf("store: withdraw %s: %w", table, err)
			}
			*counts[i] = int(n)
		}
		// the batch row stays, marked, so that its id is never another import's
		if _, err := tx.ExecContext(ctx, s.db.Rebind(`UPDATE batches SET withdrawn_at = ? WHERE id = ?`), s.timeArg(time.Now().UTC()), id); err != nil {
			return fmt.Errorf("store: withdraw batch: %w", err)
		}
		ev.Subject = "import/" + strconv.FormatInt(id, 10)
		ev.Detail = withdrawalDetail(w)
		if err := s.audit(ctx, tx, ev); err != nil {
			return err
		}
		if s.dialect == Postgres {
			if _, err := tx.ExecContext(ctx, `SELECT pg_notify($1, $2)`, notifyChannel, "-"+strconv.FormatInt(id, 10)); err != nil {
				return fmt.Errorf("store: notify: %w", err)
			}
		}
		return nil
	})
	return w, err
}

// withdrawalDetail is the audit event's detail: what the import was and what went with it.
func withdrawalDetail(w hexbeat.Withdrawal) string {
	b, _ := json.Marshal(map[string]any{"kind": w.Batch.Kind, "source": w.Batch.Source, "sha256": w.Batch.SHA256,
		"imported_at": w.Batch.ImportedAt, "rows": w.Batch.Rows, "added": w.Batch.Added,
		"incidents": w.Incidents, "stop_searches": w.StopSearches, "outcomes": w.Outcomes})
	return string(b)
}

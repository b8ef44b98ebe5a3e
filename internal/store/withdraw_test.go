package store_test

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/hexbeat/hexbeat/geodata"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/hexbeat/hexbeat/internal/ingest"
	"github.com/hexbeat/hexbeat/internal/store"
	"github.com/hexbeat/hexbeat/internal/testkit"
)

// TestWithdrawImport: withdrawing January's street file removes its 14,494 incidents and
// its batch and nothing else (February's 13,478, a month of stop and search, a boundary
// stay), audited in the same transaction; January imports again in full afterwards. A
// register import and an unknown id are refused, and the store is left as it was.
func TestWithdrawImport(t *testing.T) {
	jan := testkit.Data(t, "police/street/2025-01-thames-valley-street.csv")
	feb := testkit.Data(t, "police/street/2025-02-thames-valley-street.csv")
	searches := testkit.Data(t, "police/stop-and-search/2023-12-thames-valley-stop-and-search.csv")
	boundary := testkit.Data(t, "boundaries/milton-keynes-boundary.geojson")
	ctx := context.Background()
	eachStore(t, func(t *testing.T, s *store.Store) {
		batch := map[string]int64{}
		for name, path := range map[string]string{"jan": jan, "feb": feb, "searches": searches, "boundary": boundary} {
			_, b, err := ingest.ImportFile(ctx, s, path, ingest.Options{Taxonomy: geodata.Taxonomy()}, nil)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			batch[name] = b.ID
		}
		before := counts(t, s)
		if before["incidents"] != 14494+13478 || before["stop_searches"] == 0 {
			t.Fatalf("before: %v", before)
		}

		w, err := s.WithdrawBatch(ctx, batch["jan"], hexbeat.AuditEvent{Actor: "test", Action: "import.withdraw"})
		if err != nil {
			t.Fatal(err)
		}
		if w.Incidents != 14494 || w.StopSearches != 0 || w.Outcomes != 0 || w.Batch.Source != filepath.Base(jan) || w.Batch.Added != 14494 {
			t.Errorf("withdrawal of January: %+v", w)
		}
		after := counts(t, s)
		if after["incidents"] != 13478 || after["stop_searches"] != before["stop_searches"] || after["boundaries"] != before["boundaries"] {
			t.Errorf("after withdrawing January: %v (before %v)", after, before)
		}
		months := map[string]int{}
		if err := s.LoadIncidents(ctx, nil, func(incs []hexbeat.Incident) error {
			for _, inc := range incs {
				months[inc.OccurredAt.Format("2006-01")]++
			}
			return nil
		}); err != nil || len(months) != 1 || months["2025-02"] != 13478 {
			t.Errorf("incidents held by month: %v, %v", months, err)
		}
		bs, err := s.Batches(ctx)
		for _, b := range bs {
			if b.ID == batch["jan"] {
				t.Errorf("January's batch %d is still listed", b.ID)
			}
		}
		if err != nil || len(bs) != 3 {
			t.Errorf("batches after the withdrawal: %d, %v", len(bs), err)
		}
		evs, err := s.AuditLog(ctx, 0, 100)
		last := evs[len(evs)-1]
		if err != nil || last.Action != "import.withdraw" || last.Subject != "import/"+strconv.FormatInt(batch["jan"], 10) ||
			!strings.Contains(last.Detail, `"incidents":14494`) || !strings.Contains(last.Detail, "2025-01-thames-valley-street.csv") {
			t.Errorf("the audit log's last event: %+v, %v", last, err)
		}
		checkForeignKeys(t, s)

		// the rows are gone, keys and all: the same file imports in full again
		rep, err := importFile(t, s, jan)
		if err != nil || rep.Added != 14494 || counts(t, s)["incidents"] != 14494+13478 {
			t.Errorf("January again: added %d, %v; %d held", rep.Added, err, counts(t, s)["incidents"])
		}

		w, err = s.WithdrawBatch(ctx, batch["searches"], hexbeat.AuditEvent{Actor: "test", Action: "import.withdraw"})
		if err != nil || w.StopSearches != before["stop_searches"] || counts(t, s)["stop_searches"] != 0 {
			t.Errorf("withdrawal of the searches: %+v, %v; %d held", w, err, counts(t, s)["stop_searches"])
		}

		held := counts(t, s)
		logged, _ := s.AuditLog(ctx, 0, 1000)
		_, err = s.WithdrawBatch(ctx, batch["boundary"], hexbeat.AuditEvent{Actor: "test", Action: "import.withdraw"})
		if hexbeat.ErrorCode(err) != hexbeat.ECONFLICT || !strings.Contains(err.Error(), "import a corrected file instead") {
			t.Errorf("withdrawing a boundary import: %v", err)
		}
		if _, err := s.WithdrawBatch(ctx, 999999, hexbeat.AuditEvent{Actor: "test", Action: "import.withdraw"}); hexbeat.ErrorCode(err) != hexbeat.ENOTFOUND {
			t.Errorf("withdrawing no import: %v", err)
		}
		for k, v := range held {
			if counts(t, s)[k] != v {
				t.Errorf("a refused withdrawal changed %s: %d -> %d", k, v, counts(t, s)[k])
			}
		}
		if now, _ := s.AuditLog(ctx, 0, 1000); len(now) != len(logged) {
			t.Errorf("%d audit events after two refused withdrawals, %d before", len(now), len(logged))
		}
	})
}

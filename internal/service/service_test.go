package service_test

import (
	"archive/zip"
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hexbeat/hexbeat/geodata"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/hexbeat/hexbeat/internal/ingest"
	"github.com/hexbeat/hexbeat/internal/service"
	"github.com/hexbeat/hexbeat/internal/store"
	"github.com/hexbeat/hexbeat/internal/testkit"
	"github.com/hexbeat/hexbeat/internal/testkit/realdata"
)

// TestConcurrentImportsAndQueries imports three months one after another while the index
// syncs and four readers query it (run under -race by make test): every answer is a whole
// number of imports (a snapshot never shows part of a file), readers never see the count go
// down, and at the end nothing is lost.
func TestConcurrentImportsAndQueries(t *testing.T) {
	files := realdata.StreetMonths(t, 1, 3)
	ctx := context.Background()
	st, svc := sqliteService(t)
	if err := svc.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	// the totals a consistent reader may see: 0, then each prefix of the months
	allowed := []int{0}
	for _, f := range files {
		allowed = append(allowed, allowed[len(allowed)-1]+len(realdata.Read(t, f).Incidents))
	}
	var stop atomic.Bool
	var wg sync.WaitGroup
	syncLoop(t, svc, &stop, &wg)
	seen := make([][]int, 4)
	for r := range seen {
		wg.Add(1)
		go func(r int) {
			defer wg.Done()
			last := 0
			for !stop.Load() {
				layer, err := svc.Cells(ctx, hexbeat.CellQuery{Res: 7})
				if err != nil {
					t.Error(err)
					return
				}
				if !slices.Contains(allowed, layer.Total) {
					t.Errorf("reader %d saw %d incidents: not a whole number of imports %v", r, layer.Total, allowed)
					return
				}
				if layer.Total < last {
					t.Errorf("reader %d saw the count go down from %d to %d", r, last, layer.Total)
				}
				last = layer.Total
				if h, err := svc.Hotspots(ctx, hexbeat.HotspotQuery{CellQuery: hexbeat.CellQuery{Res: 6}}); err != nil || h.Total != 0 && !slices.Contains(allowed, h.Total) {
					t.Errorf("reader %d: hotspots over %d incidents (%v)", r, h.Total, err)
				}
				seen[r] = append(seen[r], layer.Total)
				time.Sleep(5 * time.Millisecond)
			}
		}(r)
	}
	for _, f := range files {
		if _, _, err := ingest.ImportFile(ctx, st, f, ingest.Options{Taxonomy: geodata.Taxonomy()}, nil); err != nil {
			t.Error(err)
		}
	}
	if err := svc.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	stop.Store(true)
	wg.Wait()
	final, _ := svc.Cells(ctx, hexbeat.CellQuery{Res: 7})
	if final.Total != allowed[len(allowed)-1] {
		t.Errorf("after the imports the index holds %d incidents, the files %d", final.Total, allowed[len(allowed)-1])
	}
	distinct := map[int]bool{}
	for _, s := range seen {
		for _, v := range s {
			distinct[v] = true
		}
	}
	t.Logf("readers saw totals %v", distinct)
}

// sqliteService is a service over a fresh SQLite store, closed after the test.
func sqliteService(t *testing.T) (*store.Store, *service.Service) {
	t.Helper()
	st, err := store.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "h.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st, service.New(st, geodata.Taxonomy(), slog.New(slog.NewTextHandler(io.Discard, nil)))
}

// syncLoop runs the server's sync loop (every 10 ms) until stop is set.
func syncLoop(t *testing.T, svc *service.Service, stop *atomic.Bool, wg *sync.WaitGroup) {
	wg.Add(1)
	go func() {
		defer wg.Done()
		for !stop.Load() {
			if err := svc.Sync(context.Background()); err != nil {
				t.Error(err)
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	}()
}

// TestDemoStoreTakesNoUploads: real data never mix with the synthetic demo set, through the
// API as through `hexbeat import`.
func TestDemoStoreTakesNoUploads(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "demo.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.SetMeta(ctx, "demo", "true"); err != nil {
		t.Fatal(err)
	}
	svc := service.New(st, geodata.Taxonomy(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err := svc.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	_, err = svc.Import(ctx, "x.csv", []byte("Crime ID,Month\n"), hexbeat.ImportOptions{}, "test")
	if hexbeat.ErrorCode(err) != hexbeat.ECONFLICT {
		t.Errorf("an upload to the demo store: %v", err)
	}
}

// TestRetailerRegisterFollowsImports: the register, held once read, follows a retailer
// import made through the service and, after a sync, one made through another process's
// service on the same store (a replica); a test purchase recorded by either shows at once in
// both.
func TestRetailerRegisterFollowsImports(t *testing.T) {
	ctx := context.Background()
	path := "sqlite:" + filepath.Join(t.TempDir(), "h.db")
	open := func() *service.Service {
		st, err := store.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		svc := service.New(st, geodata.Taxonomy(), slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err := svc.Sync(ctx); err != nil {
			t.Fatal(err)
		}
		return svc
	}
	a, b := open(), open()
	shops := func(svc *service.Service, name string, want int) []hexbeat.Retailer {
		t.Helper()
		rs, _, err := svc.Retailers(ctx)
		if err != nil || len(rs) != want {
			t.Fatalf("%s holds %d shops (%v), want %d", name, len(rs), err, want)
		}
		return rs
	}
	shops(a, "a before any import", 0)
	shops(b, "b before any import", 0)
	body, err := os.ReadFile(testkit.Data(t, "poi/milton-keynes-grocery-retailers.csv"))
	if err != nil {
		t.Fatal(err)
	}
	imp := func(name string, body []byte) {
		t.Helper()
		if res, err := a.Import(ctx, name, body, hexbeat.ImportOptions{}, "test"); err != nil || len(res) != 1 || res[0].Refused != "" {
			t.Fatalf("import %s: %v %+v", name, err, res)
		}
	}
	imp("register.csv", body)
	shops(a, "a after the import", 86)
	shops(b, "b before its sync", 0) // b read its empty register before the import and holds it
	if err := b.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	shops(b, "b after its sync", 86)
	imp("more.csv", []byte("id,store_name,size_band,long_wgs,lat_wgs\nnew-1,Corner Shop,small,-0.76,52.04\nnew-2,Late Shop,small,-0.75,52.03\n"))
	if err := b.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	for _, svc := range []*service.Service{a, b} {
		if rs := shops(svc, "after the second import", 88); !slices.ContainsFunc(rs, func(r hexbeat.Retailer) bool { return r.ID == "new-2" && r.Name == "Late Shop" }) {
			t.Errorf("the new shop is not in the register")
		}
	}
	if _, err := b.RecordTest(ctx, hexbeat.RetailerTest{RetailerID: "new-1", On: time.Now().UTC().AddDate(0, 0, -1), Result: "fail"}, "test"); err != nil {
		t.Fatal(err)
	}
	if _, tests, err := a.Retailers(ctx); err != nil || len(tests["new-1"]) != 1 || tests["new-1"][0].Result != "fail" {
		t.Errorf("a's view of the test recorded through b: %v %+v", err, tests["new-1"])
	}
}

// TestWithdrawWhileQuerying withdraws the middle of three months while the sync loop runs
// and four readers query (run under -race by make test): every answer holds the three
// months or the two left, never a part; once a reader has seen the withdrawal it never
// sees the month again; and the index ends as a fresh load of what the store keeps.
func TestWithdrawWhileQuerying(t *testing.T) {
	files := realdata.StreetMonths(t, 1, 3)
	ctx := context.Background()
	st, svc := sqliteService(t)
	var ids []int64
	n := make([]int, len(files))
	for i, f := range files {
		_, b, err := ingest.ImportFile(ctx, st, f, ingest.Options{Taxonomy: geodata.Taxonomy()}, nil)
		if err != nil {
			t.Fatal(err)
		}
		ids, n[i] = append(ids, b.ID), b.Added
	}
	if err := svc.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	all, left := n[0]+n[1]+n[2], n[0]+n[2]
	var stop atomic.Bool
	var wg sync.WaitGroup
	syncLoop(t, svc, &stop, &wg)
	for r := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			gone := false
			for !stop.Load() {
				layer, err := svc.Cells(ctx, hexbeat.CellQuery{Res: 7})
				if err != nil {
					t.Error(err)
					return
				}
				switch {
				case layer.Total == left:
					gone = true
				case layer.Total != all || gone:
					t.Errorf("reader %d saw %d incidents (all %d, without February %d, withdrawal seen before: %v)", r, layer.Total, all, left, gone)
					return
				}
				if h, err := svc.Hotspots(ctx, hexbeat.HotspotQuery{CellQuery: hexbeat.CellQuery{Res: 6}}); err != nil || h.Total != all && h.Total != left {
					t.Errorf("reader %d: hotspots over %d incidents (%v)", r, h.Total, err)
				}
				time.Sleep(2 * time.Millisecond)
			}
		}()
	}
	time.Sleep(50 * time.Millisecond)
	w, err := svc.WithdrawImport(ctx, ids[1], "test")
	if err != nil || w.Incidents != n[1] {
		t.Fatalf("withdrawal: %+v, %v", w, err)
	}
	time.Sleep(50 * time.Millisecond)
	stop.Store(true)
	wg.Wait()
	final, _ := svc.Cells(ctx, hexbeat.CellQuery{Res: 9})
	fresh := service.New(st, geodata.Taxonomy(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err := fresh.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	want, _ := fresh.Cells(ctx, hexbeat.CellQuery{Res: 9})
	if final.Total != left || !slices.Equal(final.Cells, want.Cells) {
		t.Errorf("after the withdrawal the index holds %d incidents in %d cells; a fresh load %d in %d", final.Total, len(final.Cells), want.Total, len(want.Cells))
	}
}

// TestWithdrawnIDNotReused: an import withdrawn beside a running server (by the CLI), and
// another imported before the server syncs, must not pass for the withdrawn one: SQLite
// would give a deleted row's id to the next row, and a server holding that id would keep
// the withdrawn incidents and never load the new ones. The index ends as a fresh load.
func TestWithdrawnIDNotReused(t *testing.T) {
	files := realdata.StreetMonths(t, 1, 3)
	ctx := context.Background()
	st, svc := sqliteService(t)
	var last hexbeat.Batch
	for _, f := range files[:2] {
		_, b, err := ingest.ImportFile(ctx, st, f, ingest.Options{Taxonomy: geodata.Taxonomy()}, nil)
		if err != nil {
			t.Fatal(err)
		}
		last = b
	}
	if err := svc.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := st.WithdrawBatch(ctx, last.ID, hexbeat.AuditEvent{Actor: "test", Action: "import.withdraw"}); err != nil {
		t.Fatal(err)
	}
	_, next, err := ingest.ImportFile(ctx, st, files[2], ingest.Options{Taxonomy: geodata.Taxonomy()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if next.ID == last.ID {
		t.Errorf("the next import took the withdrawn import's id %d", last.ID)
	}
	if err := svc.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	fresh := service.New(st, geodata.Taxonomy(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err := fresh.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	got, _ := svc.Cells(ctx, hexbeat.CellQuery{Res: 9})
	want, _ := fresh.Cells(ctx, hexbeat.CellQuery{Res: 9})
	if got.Total != want.Total || !slices.Equal(got.Cells, want.Cells) {
		t.Errorf("the server's index holds %d incidents, a fresh load %d", got.Total, want.Total)
	}
}

// TestImportNotCommittedWithoutItsAuditRow: an import and its audit row are one
// transaction. With the audit log refusing rows (as a full disk or a broken trigger
// would), an upload is refused whole: no batch, no incident stays (the audit row was
// written after the import committed, so a crash between the two left an import nobody
// had recorded).
func TestImportNotCommittedWithoutItsAuditRow(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "h.db")
	st, err := store.Open(ctx, "sqlite:"+path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	svc := service.New(st, geodata.Taxonomy(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	// the store's driver, beside it, as an owner of the file could; it waits its turn for the
	// write lock as the store's own connections do (the store may be checkpointing its log)
	raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`CREATE TRIGGER audit_refused BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'the audit log cannot be written'); END`); err != nil {
		t.Fatal(err)
	}
	body, err := os.ReadFile(testkit.Data(t, "police/street/2025-01-thames-valley-street.csv"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := svc.Import(ctx, "2025-01-thames-valley-street.csv", body, hexbeat.ImportOptions{}, "tester")
	if err == nil && (len(res) == 0 || res[0].Refused == "") {
		t.Fatalf("an import whose audit row could not be written was taken: %+v", res)
	}
	batches, _ := st.Batches(ctx)
	if n := svc.Status(ctx).Incidents; len(batches) != 0 || n != 0 {
		t.Errorf("%d batches and %d incidents stayed without an audit row", len(batches), n)
	}
	if _, err := raw.Exec(`DROP TRIGGER audit_refused`); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Import(ctx, "2025-01-thames-valley-street.csv", body, hexbeat.ImportOptions{}, "tester"); err != nil {
		t.Fatal(err)
	}
	events, _ := st.AuditLog(ctx, 0, 10)
	batches, _ = st.Batches(ctx)
	if len(batches) != 1 || len(events) != 1 || events[0].Action != "import" || !strings.Contains(events[0].Detail, fmt.Sprintf(`"batch":%d`, batches[0].ID)) {
		t.Errorf("batches %+v, audit %+v", batches, events)
	}
}

// TestUploadUnpackedIsBounded: an upload is bounded by what it unpacks to, not only by its
// compressed size: a small ZIP of too many files, or of too many bytes once unpacked, is
// refused whole with ETOOLARGE (413) before anything is read into the store.
func TestUploadUnpackedIsBounded(t *testing.T) {
	ctx := context.Background()
	st, svc := sqliteService(t)
	svc.SetUploadLimits(ingest.UploadLimits{MaxFiles: 2, MaxBytes: 1 << 20})
	zipOf := func(files map[string][]byte) []byte {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for name, b := range files {
			w, _ := zw.Create(name)
			w.Write(b)
		}
		zw.Close()
		return buf.Bytes()
	}
	row := []byte("Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type,Last outcome category,Context\n")
	many := zipOf(map[string][]byte{"a.csv": row, "b.csv": row, "c.csv": row})
	large := zipOf(map[string][]byte{"a.csv": append(row, bytes.Repeat([]byte(",,,,,,,,,,,\n"), 200_000)...)})
	if len(large) > 64<<10 {
		t.Fatalf("the large archive is %d bytes: it should be small", len(large))
	}
	for name, body := range map[string][]byte{"many.zip": many, "large.zip": large} {
		_, err := svc.Import(ctx, name, body, hexbeat.ImportOptions{}, "tester")
		if hexbeat.ErrorCode(err) != hexbeat.ETOOLARGE {
			t.Errorf("%s (%d bytes): %v, want too large", name, len(body), err)
		}
	}
	if batches, _ := st.Batches(ctx); len(batches) != 0 {
		t.Errorf("%d imports from refused uploads", len(batches))
	}
	svc.SetUploadLimits(service.DefaultUploadLimits)
	if _, err := svc.Import(ctx, "many.zip", many, hexbeat.ImportOptions{}, "tester"); err != nil {
		t.Errorf("within the default bounds: %v", err)
	}
}

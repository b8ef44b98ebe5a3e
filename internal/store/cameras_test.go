package store_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/hexbeat/hexbeat/internal/store"
)

// TestCameraRegister: the camera register round-trips through both stores with its days
// exact (PostgreSQL's session here runs fourteen hours ahead of UTC: a day must not move
// with the zone), blank days staying blank; a register imported again replaces its
// cameras by id and counts only new ones as added.
func TestCameraRegister(t *testing.T) {
	t.Setenv("PGTZ", "Pacific/Kiritimati")
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	first := write("cameras.csv", "camera_id,camera_name,kind,longitude,latitude,active_from,active_to\n"+
		"C1,Station,fixed,-0.7740,52.0345,2021-06-01,\n"+
		"C2,The Point,fixed,-0.7620,52.0400,,2024-12-31\n"+
		"C3,Van 1,mobile,-0.7400,52.0500,2025-01-01,2025-03-31\n")
	second := write("cameras-2.csv", "camera_id,camera_name,kind,longitude,latitude,active_from,active_to\n"+
		"C1,Station square,fixed,-0.7741,52.0346,2021-06-01,2025-06-30\n"+
		"C4,Van 2,mobile,-0.7300,52.0200,,\n")
	day := func(s string) time.Time { d, _ := time.Parse("2006-01-02", s); return d }
	eachStore(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		for _, step := range []struct {
			file  string
			added int
			want  []hexbeat.Camera
		}{
			{first, 3, []hexbeat.Camera{
				{ID: "C1", Name: "Station", Kind: "fixed", Lon: -0.774, Lat: 52.0345, ActiveFrom: day("2021-06-01")},
				{ID: "C2", Name: "The Point", Kind: "fixed", Lon: -0.762, Lat: 52.04, ActiveTo: day("2024-12-31")},
				{ID: "C3", Name: "Van 1", Kind: "mobile", Lon: -0.74, Lat: 52.05, ActiveFrom: day("2025-01-01"), ActiveTo: day("2025-03-31")}}},
			{second, 1, []hexbeat.Camera{
				{ID: "C1", Name: "Station square", Kind: "fixed", Lon: -0.7741, Lat: 52.0346, ActiveFrom: day("2021-06-01"), ActiveTo: day("2025-06-30")},
				{ID: "C2", Name: "The Point", Kind: "fixed", Lon: -0.762, Lat: 52.04, ActiveTo: day("2024-12-31")},
				{ID: "C3", Name: "Van 1", Kind: "mobile", Lon: -0.74, Lat: 52.05, ActiveFrom: day("2025-01-01"), ActiveTo: day("2025-03-31")},
				{ID: "C4", Name: "Van 2", Kind: "mobile", Lon: -0.73, Lat: 52.02}}},
			{second, 0, nil}, // the same file again: nothing new, nothing changed
		} {
			rep, err := importFile(t, s, step.file)
			if err != nil || rep.Kind != "cameras" || rep.Added != step.added {
				t.Fatalf("%s: %+v %v", filepath.Base(step.file), rep, err)
			}
			got, err := s.Cameras(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if step.want == nil {
				continue
			}
			if len(got) != len(step.want) {
				t.Fatalf("after %s: %+v", filepath.Base(step.file), got)
			}
			for i, w := range step.want {
				if g := got[i]; g.ID != w.ID || g.Name != w.Name || g.Kind != w.Kind || g.Lon != w.Lon || g.Lat != w.Lat ||
					!g.ActiveFrom.Equal(w.ActiveFrom) || !g.ActiveTo.Equal(w.ActiveTo) {
					t.Errorf("after %s, camera %d: %+v\nwant %+v", filepath.Base(step.file), i, g, w)
				}
			}
		}
		if n := counts(t, s)["cameras"]; n != 4 {
			t.Errorf("%d cameras counted", n)
		}
		// a mobile unit moved by hand: the register holds its new site and day, the audit
		// log says who moved it, and the camera belongs to no import
		van := hexbeat.Camera{ID: "C3", Name: "Van 1", Kind: "mobile", Lon: -0.75, Lat: 52.041, ActiveFrom: day("2025-06-02")}
		if err := s.PutCamera(ctx, van, hexbeat.AuditEvent{Actor: "key 7 (commander)", Action: "camera.record", Detail: "{}"}); err != nil {
			t.Fatal(err)
		}
		got, _ := s.Cameras(ctx)
		if len(got) != 4 || got[2].Lon != -0.75 || got[2].Lat != 52.041 || !got[2].ActiveFrom.Equal(day("2025-06-02")) || !got[2].ActiveTo.IsZero() {
			t.Errorf("after the move: %+v", got)
		}
		log, err := s.AuditLog(ctx, 0, 100)
		if err != nil || len(log) == 0 || log[len(log)-1].Action != "camera.record" || log[len(log)-1].Subject != "camera/C3" || log[len(log)-1].Actor != "key 7 (commander)" {
			t.Errorf("audit log: %+v %v", log, err)
		}
		checkForeignKeys(t, s)
	})
}

package store_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/hexbeat/hexbeat/geodata"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/hexbeat/hexbeat/internal/ingest"
	"github.com/hexbeat/hexbeat/internal/store"
)

// TestGridSquareKept: incidents placed by Ordnance Survey grid references keep the side of
// the square each named (10 figures 1 m, 6 figures 100 m, 4 figures 1 km), and those placed
// by coordinates none, through both stores' import paths and back out.
func TestGridSquareKept(t *testing.T) {
	data := "Ref,When,What,Where,E,N\n" +
		"G1,2024-03-10 09:00,Burglary,SP 85402 38801,,\n" +
		"G2,2024-03-10 09:00,Burglary,SP 854 388,,\n" +
		"G3,2024-03-10 09:00,Burglary,SP8538,,\n"
	coords := "Ref,When,What,Easting,Northing\nC1,2024-03-10 09:00,Burglary,485402,238801\n"
	eachStore(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		opts := ingest.Options{Taxonomy: geodata.Taxonomy(), Columns: ingest.Columns{GridRef: "Where", Time: "When", Category: "What", ID: "Ref"}}
		if _, _, err := ingest.Import(ctx, s, bytes.NewReader([]byte(data)), "refs.csv", 0, opts, nil); err != nil {
			t.Fatal(err)
		}
		opts.Columns = ingest.Columns{Time: "When", Category: "What", ID: "Ref"}
		if _, _, err := ingest.Import(ctx, s, bytes.NewReader([]byte(coords)), "coords.csv", 0, opts, nil); err != nil {
			t.Fatal(err)
		}
		rows, err := s.Incidents(ctx, hexbeat.IncidentFilter{Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int{}
		for _, r := range rows {
			got[r.SourceID] = r.GridSquare
		}
		for id, want := range map[string]int{"G1": 1, "G2": 100, "G3": 1000, "C1": 0} {
			if g, ok := got[id]; !ok || g != want {
				t.Errorf("%s: grid square %d (held %v), want %d", id, g, ok, want)
			}
		}
		// registers too
		opts.Columns = ingest.Columns{}
		for name, data := range map[string]string{"shops.csv": "id,name,grid_ref\nS1,Corner shop,SP 854 388\n", "cams.csv": "camera_id,kind,grid_ref\nK1,fixed,SP 8540 3880\n"} {
			if _, _, err := ingest.Import(ctx, s, bytes.NewReader([]byte(data)), name, 0, opts, nil); err != nil {
				t.Fatal(err)
			}
		}
		shops, err1 := s.Retailers(ctx)
		cams, err2 := s.Cameras(ctx)
		if err1 != nil || err2 != nil || len(shops) != 1 || shops[0].GridSquare != 100 || len(cams) != 1 || cams[0].GridSquare != 10 {
			t.Errorf("registers: %v %v %+v %+v", err1, err2, shops, cams)
		}
	})
}

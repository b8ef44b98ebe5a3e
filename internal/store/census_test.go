package store_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/hexbeat/hexbeat/geodata"
	"github.com/hexbeat/hexbeat/internal/ingest"
	"github.com/hexbeat/hexbeat/internal/store"
)

// TestCensusAndCentroidsReplaceByCode: on both stores, a census table and centroids are
// kept as read (the detailed groups too) and an import again replaces the rows of its
// codes, adding only the new ones; areas are read back by level.
func TestCensusAndCentroidsReplaceByCode(t *testing.T) {
	head := "geography code,geography,date,Ethnic group: Total: All usual residents,\"Ethnic group: Asian, Asian British or Asian Welsh\",\"Ethnic group: Asian, Asian British or Asian Welsh: Indian\",\"Ethnic group: Asian, Asian British or Asian Welsh: Other Asian\",\"Ethnic group: Black, Black British, Black Welsh, Caribbean or African\",Ethnic group: Mixed or Multiple ethnic groups,Ethnic group: White,Ethnic group: Other ethnic group\n"
	first := head + "E01000001,A 001A,2021,10,4,3,1,0,0,6,0\nE02000001,B 001,2021,20,0,0,0,20,0,0,0\n"
	again := head + "E01000001,A 001A,2021,12,4,3,1,0,0,8,0\nE01000002,A 001B,2021,5,0,0,0,0,0,5,0\n"
	cen := "LSOA21CD,GlobalID,easting,northing\nE01000001,x,532181.764,181792.282\n"
	cen2 := "LSOA21CD,GlobalID,easting,northing\nE01000001,x,532181.764,181800\nE01000002,y,532000,181000\n"
	eachStore(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		imp := func(data, name string, wantAdded int) {
			t.Helper()
			rep, _, err := ingest.Import(ctx, s, bytes.NewReader([]byte(data)), name, 0, ingest.Options{Taxonomy: geodata.Taxonomy()}, nil)
			if err != nil || rep.Added != wantAdded {
				t.Fatalf("%s: %v, added %d (want %d)", name, err, rep.Added, wantAdded)
			}
		}
		imp(first, "ts021.csv", 2)
		imp(again, "ts021-again.csv", 1)
		lsoas, err := s.CensusAreas(ctx, "lsoa")
		if err != nil || len(lsoas) != 2 {
			t.Fatalf("%v %+v", err, lsoas)
		}
		if a := lsoas[0]; a.Code != "E01000001" || a.Total != 12 || a.Groups != [5]int{4, 0, 0, 8, 0} || a.Year != 2021 || a.Detailed["Asian, Asian British or Asian Welsh: Indian"] != 3 {
			t.Errorf("replaced: %+v", a)
		}
		if all, _ := s.CensusAreas(ctx, ""); len(all) != 3 || all[2].Level != "msoa" {
			t.Errorf("every level: %+v", all)
		}
		imp(cen, "centroids.csv", 1)
		imp(cen2, "centroids-again.csv", 1)
		cs, err := s.Centroids(ctx)
		if err != nil || len(cs) != 2 || cs[0].Code != "E01000001" || cs[0].Lat < 51.5196 {
			t.Errorf("centroids: %v %+v", err, cs)
		}
	})
}

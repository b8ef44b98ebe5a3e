package hexbeat

import (
	"errors"
	"testing"
	"time"

	"github.com/paulmach/orb"
)

func TestParseTimeBound(t *testing.T) {
	for _, tc := range []struct {
		in   string
		end  bool
		want string
		bad  bool
	}{
		{"2025", false, "2025-01-01T00:00:00Z", false},
		{"2025", true, "2026-01-01T00:00:00Z", false},
		{"2025-06", false, "2025-06-01T00:00:00Z", false},
		{"2025-06", true, "2025-07-01T00:00:00Z", false},
		{"2025-12", true, "2026-01-01T00:00:00Z", false},
		{"2025-02-28", true, "2025-03-01T00:00:00Z", false},
		{"2025-03-30T01:30:00+01:00", false, "2025-03-30T00:30:00Z", false},
		{"2025-13", false, "", true},
		{"2025-02-30", false, "", true},
		{"June 2025", false, "", true},
		{"", false, "", true},
	} {
		got, err := ParseTimeBound(tc.in, tc.end)
		if tc.bad {
			if err == nil {
				t.Errorf("ParseTimeBound(%q) = %v, want an error", tc.in, got)
			}
			continue
		}
		if err != nil || got.Format(time.RFC3339) != tc.want {
			t.Errorf("ParseTimeBound(%q, %v) = %v, %v; want %s", tc.in, tc.end, got.Format(time.RFC3339), err, tc.want)
		}
	}
}

func TestCellQueryValidate(t *testing.T) {
	jan, _ := ParseTimeBound("2025-01", false)
	feb, _ := ParseTimeBound("2025-02", false)
	for _, tc := range []struct {
		name   string
		q      CellQuery
		fields []string
	}{
		{"fine", CellQuery{Res: 9, From: jan, To: feb}, nil},
		{"res 16 and reversed period", CellQuery{Res: 16, From: feb, To: jan}, []string{"res", "to"}},
		{"negative res", CellQuery{Res: -1}, []string{"res"}},
		{"bbox out of range", CellQuery{Res: 9, BBox: &orb.Bound{Min: orb.Point{-200, 0}, Max: orb.Point{0, 1}}}, []string{"bbox"}},
		{"bbox inverted", CellQuery{Res: 9, BBox: &orb.Bound{Min: orb.Point{1, 1}, Max: orb.Point{0, 0}}}, []string{"bbox"}},
		{"polygon must be areal", CellQuery{Res: 9, Polygon: orb.Point{0, 0}}, []string{"polygon"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.q.Validate()
			if tc.fields == nil {
				if err != nil {
					t.Fatalf("unexpected %v", err)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) || e.Code != EINVALID || len(e.Fields) != len(tc.fields) {
				t.Fatalf("got %v, want fields %v", err, tc.fields)
			}
			for i, f := range tc.fields {
				if e.Fields[i].Field != f {
					t.Errorf("field %d is %q, want %q", i, e.Fields[i].Field, f)
				}
			}
		})
	}
}

func TestErrorCodeAndMessage(t *testing.T) {
	if ErrorCode(nil) != "" || ErrorCode(Errorf(ENOTFOUND, "x")) != ENOTFOUND {
		t.Error("codes of nil and a domain error")
	}
	plain := errorString("pq: relation \"secret\" does not exist")
	if ErrorCode(plain) != EINTERNAL || ErrorMessage(plain) != "internal error" {
		t.Error("a non-domain error must not leak its message")
	}
}

type errorString string

func (e errorString) Error() string { return string(e) }

func TestIncidentKey(t *testing.T) {
	a := IncidentKey("ns", "ID1", nil, 0)
	if a != IncidentKey("ns", "ID1", nil, 0) || a == IncidentKey("other", "ID1", nil, 0) || a == IncidentKey("ns", "ID2", nil, 0) {
		t.Error("ID keys must be stable and differ by namespace and ID")
	}
	c0, c1 := IncidentKey("ns", "", []byte("row"), 0), IncidentKey("ns", "", []byte("row"), 1)
	if c0 == c1 || c0 == IncidentKey("ns", "", []byte("row2"), 0) {
		t.Error("content keys must differ by occurrence and content")
	}
}

func TestTaxonomyLookup(t *testing.T) {
	tax := NewTaxonomy([]Category{{Name: "Possession of weapons", Slug: "possession-of-weapons"}})
	for _, s := range []string{"Possession of weapons", "possession of weapons", " POSSESSION-OF-WEAPONS "} {
		if c, ok := tax.Lookup(s); !ok || c.Name != "Possession of weapons" {
			t.Errorf("Lookup(%q) = %v, %v", s, c, ok)
		}
	}
	if _, ok := tax.Lookup("Weapons"); ok {
		t.Error("a partial name must not match")
	}
}

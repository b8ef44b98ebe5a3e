package plan

import (
	"errors"
	"testing"
	"time"

	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/paulmach/orb"
)

var square = orb.Polygon{{{-0.77, 52.03}, {-0.75, 52.03}, {-0.75, 52.045}, {-0.77, 52.045}, {-0.77, 52.03}}}

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func codeAndFields(err error) (string, []string) {
	if err == nil {
		return "", nil
	}
	var he *hexbeat.Error
	if !errors.As(err, &he) {
		return hexbeat.EINTERNAL, []string{err.Error()}
	}
	var f []string
	for _, fe := range he.Fields {
		f = append(f, fe.Field)
	}
	return he.Code, f
}

// TestAuthorisationStatute walks the rules of s60(1): inspector or above, at most 24 h.
func TestAuthorisationStatute(t *testing.T) {
	base := hexbeat.Authorisation{Area: square, Grounds: "a fatal stabbing and reports of a planned reprisal", Officer: "Insp 1234",
		Rank: "Inspector", Start: at("2025-06-01T18:00:00Z"), End: at("2025-06-02T18:00:00Z")}
	cases := []struct {
		name   string
		change func(*hexbeat.Authorisation)
		code   string
		fields []string
	}{
		{"24 h by an inspector", func(*hexbeat.Authorisation) {}, "", nil},
		{"12 h by a chief superintendent", func(a *hexbeat.Authorisation) { a.Rank, a.End = "Chief Superintendent", at("2025-06-02T06:00:00Z") }, "", nil},
		{"rank abbreviated", func(a *hexbeat.Authorisation) { a.Rank = "Supt." }, "", nil},
		{"a multipolygon area", func(a *hexbeat.Authorisation) { a.Area = orb.MultiPolygon{square} }, "", nil},
		{"24 h and one second", func(a *hexbeat.Authorisation) { a.End = a.End.Add(time.Second) }, hexbeat.EUNPROCESSABLE, []string{"end"}},
		{"a sergeant", func(a *hexbeat.Authorisation) { a.Rank = "sergeant" }, hexbeat.EUNPROCESSABLE, []string{"rank"}},
		{"a constable for 30 h", func(a *hexbeat.Authorisation) { a.Rank, a.End = "PC", a.End.Add(6*time.Hour) }, hexbeat.EUNPROCESSABLE, []string{"rank", "end"}},
		{"unknown rank", func(a *hexbeat.Authorisation) { a.Rank = "captain" }, hexbeat.EINVALID, []string{"rank"}},
		{"end before start", func(a *hexbeat.Authorisation) { a.End = a.Start.Add(-time.Hour) }, hexbeat.EINVALID, []string{"end"}},
		{"no grounds, officer or area", func(a *hexbeat.Authorisation) { a.Grounds, a.Officer, a.Area = " ", "", nil }, hexbeat.EINVALID, []string{"area", "grounds", "officer"}},
		{"a point is not an area", func(a *hexbeat.Authorisation) { a.Area = orb.Point{-0.76, 52.04} }, hexbeat.EINVALID, []string{"area"}},
	}
	for _, c := range cases {
		a := base
		c.change(&a)
		code, fields := codeAndFields(CheckAuthorisation(a))
		if code != c.code || !sameFields(fields, c.fields) {
			t.Errorf("%s: %s %v, want %s %v", c.name, code, fields, c.code, c.fields)
		}
	}
}

// TestExtensionStatute walks s60(3): once, superintendent or above, while in force, 24 h more.
func TestExtensionStatute(t *testing.T) {
	a := hexbeat.Authorisation{Area: square, Grounds: "g", Officer: "Insp 1", Rank: "inspector", Start: at("2025-06-01T18:00:00Z"), End: at("2025-06-02T18:00:00Z")}
	ok := hexbeat.Extension{Officer: "Supt 9", Rank: "superintendent", End: at("2025-06-03T18:00:00Z"), At: at("2025-06-02T12:00:00Z")}
	cancelled := a
	c := at("2025-06-02T00:00:00Z")
	cancelled.CancelledAt = &c
	extended := a
	extended.Extension = &ok
	cases := []struct {
		name   string
		a      hexbeat.Authorisation
		change func(*hexbeat.Extension)
		code   string
		fields []string
	}{
		{"24 h more by a superintendent while in force", a, func(*hexbeat.Extension) {}, "", nil},
		{"by a chief constable", a, func(x *hexbeat.Extension) { x.Rank = "Chief Constable" }, "", nil},
		{"by an inspector", a, func(x *hexbeat.Extension) { x.Rank = "inspector" }, hexbeat.EUNPROCESSABLE, []string{"rank"}},
		{"25 h more", a, func(x *hexbeat.Extension) { x.End = x.End.Add(time.Hour) }, hexbeat.EUNPROCESSABLE, []string{"end"}},
		{"a new end before the old one", a, func(x *hexbeat.Extension) { x.End = at("2025-06-02T17:00:00Z") }, hexbeat.EUNPROCESSABLE, []string{"end"}},
		{"directed after it ended", a, func(x *hexbeat.Extension) { x.At = at("2025-06-02T18:00:00Z") }, hexbeat.EUNPROCESSABLE, []string{"at"}},
		{"a second extension", extended, func(x *hexbeat.Extension) { x.End = at("2025-06-04T12:00:00Z") }, hexbeat.EUNPROCESSABLE, []string{"id", "end"}},
		{"of a cancelled authorisation", cancelled, func(*hexbeat.Extension) {}, hexbeat.EUNPROCESSABLE, []string{"id"}},
		{"no officer", a, func(x *hexbeat.Extension) { x.Officer = "" }, hexbeat.EINVALID, []string{"officer"}},
	}
	for _, cs := range cases {
		x := ok
		cs.change(&x)
		code, fields := codeAndFields(CheckExtension(cs.a, x))
		if code != cs.code || !sameFields(fields, cs.fields) {
			t.Errorf("%s: %s %v, want %s %v", cs.name, code, fields, cs.code, cs.fields)
		}
	}
	if code, _ := codeAndFields(CheckCancel(a, "Supt 9", at("2025-06-02T10:00:00Z"))); code != "" {
		t.Errorf("cancel while in force: %s", code)
	}
	if code, _ := codeAndFields(CheckCancel(a, "Supt 9", at("2025-06-02T18:00:00Z"))); code != hexbeat.ECONFLICT {
		t.Errorf("cancel after the end: %s", code)
	}
	if code, _ := codeAndFields(CheckCancel(cancelled, "Supt 9", at("2025-06-02T10:00:00Z"))); code != hexbeat.ECONFLICT {
		t.Errorf("cancel twice: %s", code)
	}
	if st := cancelled.Status(at("2025-06-02T10:00:00Z")); st != "cancelled" {
		t.Errorf("status after cancellation: %s", st)
	}
	if e := extended.Ends(); !e.Equal(ok.End) {
		t.Errorf("extended authorisation ends %v", e)
	}
}

func sameFields(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	seen := map[string]int{}
	for _, f := range a {
		seen[f]++
	}
	for _, f := range b {
		seen[f]--
	}
	for _, n := range seen {
		if n != 0 {
			return false
		}
	}
	return true
}

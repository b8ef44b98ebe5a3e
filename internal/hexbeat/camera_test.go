package hexbeat

import (
	"errors"
	"math"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestCameraValidate: a camera recorded by hand names each fault; its days bound when it
// is in service, both counted.
func TestCameraValidate(t *testing.T) {
	day := func(s string) time.Time { d, _ := time.Parse("2006-01-02", s); return d }
	ok := Camera{ID: "C1", Name: "Station", Kind: CameraMobile, Lon: -0.76, Lat: 52.04, ActiveFrom: day("2025-01-01"), ActiveTo: day("2025-01-31")}
	if err := ok.Validate(); err != nil {
		t.Fatalf("a good camera: %v", err)
	}
	for _, tc := range []struct {
		change func(*Camera)
		fields []string
	}{
		{func(c *Camera) { c.ID = "" }, []string{"id"}},
		{func(c *Camera) { c.Kind = "ptz" }, []string{"kind"}},
		{func(c *Camera) { c.Lon = math.NaN() }, []string{"lon"}},
		{func(c *Camera) { c.Lon, c.Lat = 0, 0 }, []string{"lon"}},
		{func(c *Camera) { c.Lat = 91 }, []string{"lon"}},
		{func(c *Camera) { c.ActiveTo = day("2024-12-31") }, []string{"active_to"}},
		{func(c *Camera) { c.ID, c.Kind, c.ActiveTo = "", "", day("2024-12-31") }, []string{"id", "kind", "active_to"}},
	} {
		c := ok
		tc.change(&c)
		var got []string
		var err *Error
		if errors.As(c.Validate(), &err) {
			for _, f := range err.Fields {
				got = append(got, f.Field)
			}
		}
		if !slices.Equal(got, tc.fields) {
			t.Errorf("%+v: faults in %v, want %v", c, got, tc.fields)
		}
	}
	for d, in := range map[string]bool{"2024-12-31": false, "2025-01-01": true, "2025-01-31": true, "2025-02-01": false} {
		if got := ok.InServiceOn(day(d).Add(23*time.Hour + 59*time.Minute)); got != in {
			t.Errorf("in service on %s: %v", d, got)
		}
	}
	if open := (Camera{}); !open.InServiceOn(day("1990-01-01")) || !open.InServiceOn(day("2090-01-01")) {
		t.Error("a camera without days is always in service")
	}
}

// TestREADMERolesAreTheCode: the README's role table lists each role's permissions exactly
// as the code grants them, so that what a user reads is what a key may do.
func TestREADMERolesAreTheCode(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Skipf("no README beside the package: %v", err)
	}
	seen := 0
	for _, line := range strings.Split(string(b), "\n") {
		cells := strings.Split(line, "|")
		if len(cells) < 4 || !ValidRole(Role(strings.TrimSpace(cells[1]))) {
			continue
		}
		seen++
		r := Role(strings.TrimSpace(cells[1]))
		var listed []Permission
		for _, p := range strings.Split(cells[2], ",") {
			listed = append(listed, Permission(strings.TrimSpace(p)))
		}
		for _, p := range Permissions {
			want := r.Allows(p)
			if got := slices.Contains(listed, p) || (len(listed) == 1 && listed[0] == "all"); got != want {
				t.Errorf("README: %s has %s: %v; the code: %v", r, p, got, want)
			}
		}
	}
	if seen != len(Roles) {
		t.Errorf("the README's role table has %d of the %d roles", seen, len(Roles))
	}
}

package api

import (
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/paulmach/orb"
)

// params reads query parameters, collecting every problem so that one response lists
// them all. Unknown parameters are errors: a misspelt filter must not be silently ignored.
type params struct {
	c      *fiber.Ctx
	errs   hexbeat.FieldErrors
	values map[string][]string
}

func newParams(c *fiber.Ctx, allowed ...string) *params {
	p := &params{c: c, values: map[string][]string{}}
	ok := map[string]bool{}
	for _, a := range allowed {
		ok[a] = true
	}
	c.Context().QueryArgs().VisitAll(func(k, v []byte) {
		key := string(k)
		if !ok[key] {
			p.fail(key, "unknown parameter; this endpoint takes %s", strings.Join(sorted(allowed), ", "))
			return
		}
		p.values[key] = append(p.values[key], string(v))
	})
	return p
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}

func (p *params) fail(field, format string, args ...any) {
	p.errs.Add(field, format, args...)
}

// one returns the single value of a parameter ("" when absent); repeating it is an error.
func (p *params) one(name string) string {
	v := p.values[name]
	if len(v) > 1 {
		p.fail(name, "given %d times; give it once", len(v))
	}
	if len(v) == 0 {
		return ""
	}
	return strings.TrimSpace(v[0])
}

// list returns every value of a repeatable parameter, also splitting comma-separated ones.
func (p *params) list(name string) []string {
	var out []string
	for _, v := range p.values[name] {
		for _, part := range strings.Split(v, ",") {
			if part = strings.TrimSpace(part); part != "" {
				out = append(out, part)
			}
		}
	}
	return out
}

func (p *params) integer(name string, def int) int {
	s := p.one(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		p.fail(name, "must be a whole number, got %q", s)
		return def
	}
	return n
}

// optionalInt reads an integer parameter that a body would leave out: nil when absent.
func (p *params) optionalInt(name string) *int {
	if p.one(name) == "" {
		return nil
	}
	v := p.integer(name, 0)
	return &v
}

// number reads a finite decimal number.
func (p *params) number(name string, def float64) float64 {
	s := p.one(name)
	if s == "" {
		return def
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		p.fail(name, "must be a number, got %q", s)
		return def
	}
	return f
}

// positive reads a number that must be above zero when given (0 when absent: the
// default applies); an explicit 0 or less is an error, not a request for the default.
// A refused value reads as 0, so the domain's own check does not report it again.
func (p *params) positive(name string) float64 {
	v := p.number(name, 0)
	if p.one(name) != "" && v <= 0 {
		p.fail(name, "must be greater than 0, got %s", p.one(name))
		return 0
	}
	return v
}

// positiveInt is positive for whole numbers.
func (p *params) positiveInt(name string) int {
	s := p.one(name)
	if _, err := strconv.Atoi(s); s != "" && err != nil {
		p.fail(name, "must be a whole number greater than 0, got %q", s)
		return 0
	}
	v := p.integer(name, 0)
	if s != "" && v <= 0 {
		p.fail(name, "must be a whole number greater than 0, got %s", p.one(name))
		return 0
	}
	return v
}

// boolean reads true/false (also 1/0, yes/no).
func (p *params) boolean(name string, def bool) bool {
	switch s := strings.ToLower(p.one(name)); s {
	case "":
		return def
	case "true", "1", "yes":
		return true
	case "false", "0", "no":
		return false
	default:
		p.fail(name, "must be true or false, got %q", s)
		return def
	}
}

// timeBound reads a period bound (see hexbeat.ParseTimeBound); zero when absent.
func (p *params) timeBound(name string, end bool) time.Time {
	s := p.one(name)
	if s == "" {
		return time.Time{}
	}
	v, err := hexbeat.ParseTimeBound(s, end)
	if err != nil {
		p.fail(name, "%v", err)
	}
	return v
}

func (p *params) bbox(name string) *orb.Bound {
	s := p.one(name)
	if s == "" {
		return nil
	}
	parts := strings.Split(s, ",")
	if len(parts) != 4 {
		p.fail(name, "must be minLon,minLat,maxLon,maxLat, got %q", s)
		return nil
	}
	var v [4]float64
	for i, part := range parts {
		f, err := strconv.ParseFloat(strings.TrimSpace(part), 64)
		if err != nil {
			p.fail(name, "%q is not a number", part)
			return nil
		}
		v[i] = f
	}
	return &orb.Bound{Min: orb.Point{v[0], v[1]}, Max: orb.Point{v[2], v[3]}}
}

// check adds the field errors of a domain validation error to the collected problems.
func (p *params) check(err error) {
	p.errs.Merge(err)
}

// err returns the collected problems as one domain error.
func (p *params) err() error {
	return p.errs.Err("invalid parameters")
}

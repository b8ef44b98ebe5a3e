package catalog

import (
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/paulmach/orb"
)

// Params reads query parameters (or the command line's flags of the same names),
// collecting every problem so that one answer lists them all. Unknown parameters are
// errors: a misspelt filter must not be silently ignored.
type Params struct {
	errs   hexbeat.FieldErrors
	values map[string][]string
}

// NewParams reads the parameters given as (name, value) pairs in the order given; a name
// not in allowed is an error.
func NewParams(pairs [][2]string, allowed ...string) *Params {
	p := &Params{values: map[string][]string{}}
	ok := map[string]bool{}
	for _, a := range allowed {
		ok[a] = true
	}
	for _, kv := range pairs {
		if !ok[kv[0]] {
			p.Fail(kv[0], "unknown parameter; this endpoint takes %s", strings.Join(sorted(allowed), ", "))
			continue
		}
		p.values[kv[0]] = append(p.values[kv[0]], kv[1])
	}
	return p
}

// Set replaces a parameter's values (OGC's datetime sets from and to).
func (p *Params) Set(name string, values ...string) { p.values[name] = values }

// Delete removes a parameter (a download's bbox picks features, it does not make the study
// area).
func (p *Params) Delete(name string) { delete(p.values, name) }

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}

// Fail records a problem with one parameter.
func (p *Params) Fail(field, format string, args ...any) {
	p.errs.Add(field, format, args...)
}

// One returns the single value of a parameter ("" when absent); repeating it is an error.
func (p *Params) One(name string) string {
	v := p.values[name]
	if len(v) > 1 {
		p.Fail(name, "given %d times; give it once", len(v))
	}
	if len(v) == 0 {
		return ""
	}
	return strings.TrimSpace(v[0])
}

// List returns every value of a repeatable parameter, also splitting comma-separated ones.
func (p *Params) List(name string) []string {
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

// Integer reads a whole number; def when absent.
func (p *Params) Integer(name string, def int) int {
	s := p.One(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		p.Fail(name, "must be a whole number, got %q", s)
		return def
	}
	return n
}

// OptionalInt reads an integer parameter that a body would leave out: nil when absent.
func (p *Params) OptionalInt(name string) *int {
	if p.One(name) == "" {
		return nil
	}
	v := p.Integer(name, 0)
	return &v
}

// Number reads a finite decimal number.
func (p *Params) Number(name string, def float64) float64 {
	s := p.One(name)
	if s == "" {
		return def
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		p.Fail(name, "must be a number, got %q", s)
		return def
	}
	return f
}

// Positive reads a number that must be above zero when given (0 when absent: the
// default applies); an explicit 0 or less is an error, not a request for the default.
// A refused value reads as 0, so the domain's own check does not report it again.
func (p *Params) Positive(name string) float64 {
	v := p.Number(name, 0)
	if p.One(name) != "" && v <= 0 {
		p.Fail(name, "must be greater than 0, got %s", p.One(name))
		return 0
	}
	return v
}

// PositiveInt is positive for whole numbers.
func (p *Params) PositiveInt(name string) int {
	s := p.One(name)
	if _, err := strconv.Atoi(s); s != "" && err != nil {
		p.Fail(name, "must be a whole number greater than 0, got %q", s)
		return 0
	}
	v := p.Integer(name, 0)
	if s != "" && v <= 0 {
		p.Fail(name, "must be a whole number greater than 0, got %s", p.One(name))
		return 0
	}
	return v
}

// Boolean reads true/false (also 1/0, yes/no).
func (p *Params) Boolean(name string, def bool) bool {
	switch s := strings.ToLower(p.One(name)); s {
	case "":
		return def
	case "true", "1", "yes":
		return true
	case "false", "0", "no":
		return false
	default:
		p.Fail(name, "must be true or false, got %q", s)
		return def
	}
}

// TimeBound reads a period bound (see hexbeat.ParseTimeBound); zero when absent.
func (p *Params) TimeBound(name string, end bool) time.Time {
	s := p.One(name)
	if s == "" {
		return time.Time{}
	}
	v, err := hexbeat.ParseTimeBound(s, end)
	if err != nil {
		p.Fail(name, "%v", err)
	}
	return v
}

// BBox reads a box minLon,minLat,maxLon,maxLat; nil when absent.
func (p *Params) BBox(name string) *orb.Bound {
	s := p.One(name)
	if s == "" {
		return nil
	}
	parts := strings.Split(s, ",")
	if len(parts) != 4 {
		p.Fail(name, "must be minLon,minLat,maxLon,maxLat, got %q", s)
		return nil
	}
	var v [4]float64
	for i, part := range parts {
		f, err := strconv.ParseFloat(strings.TrimSpace(part), 64)
		if err != nil {
			p.Fail(name, "%q is not a number", part)
			return nil
		}
		v[i] = f
	}
	return &orb.Bound{Min: orb.Point{v[0], v[1]}, Max: orb.Point{v[2], v[3]}}
}

// Check adds the field errors of a domain validation error to the collected problems.
func (p *Params) Check(err error) {
	p.errs.Merge(err)
}

// Err returns the collected problems as one domain error.
func (p *Params) Err() error {
	return p.errs.Err("invalid parameters")
}

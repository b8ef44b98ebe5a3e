// Package policeuk downloads street-level crimes and stop-and-search records through the
// public data.police.uk API (https://data.police.uk/docs/) and writes them as the
// police.uk CSV files the importer reads, so that fetched data and downloaded files key
// the same incidents the same way.
//
// The API answers a custom-area request (poly=lat,lng:lat,lng:...) for one month; an area
// holding more than 10,000 crimes is refused with 503, so the client splits it into
// quarters and asks again. Requests are spaced to a polite rate, and 429 (too many
// requests), 5xx and network failures are retried with exponential backoff, honouring
// Retry-After.
package policeuk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/clip"
)

// DefaultBase is the public API's root.
const DefaultBase = "https://data.police.uk/api"

// Client talks to the API.
type Client struct {
	Base     string        // the API root; DefaultBase when empty
	HTTP     *http.Client  // http.DefaultClient when nil
	Rate     float64       // requests a second at most; default 10 (the API allows 15)
	Retries  int           // attempts after the first for one request; default 6
	Backoff  time.Duration // the first retry's wait, doubled each time; default 1 s
	MaxDepth int           // how many times an area may be quartered; default 12
	Log      func(format string, args ...any)

	mu   sync.Mutex
	next time.Time // the earliest moment of the next request
	// Stats counts what the client did.
	Stats Stats
}

// Stats are the client's counts, for the summary a user sees.
type Stats struct {
	Requests, Retries, Splits int
}

// StatusError is a final non-2xx answer.
type StatusError struct {
	Status int
	URL    string
	Body   string
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("data.police.uk answered %d for %s: %s", e.Status, e.URL, strings.TrimSpace(e.Body))
}

func (c *Client) base() string {
	if c.Base == "" {
		return DefaultBase
	}
	return strings.TrimRight(c.Base, "/")
}

func (c *Client) logf(format string, args ...any) {
	if c.Log != nil {
		c.Log(format, args...)
	}
}

// wait spaces requests to at most Rate a second.
func (c *Client) wait(ctx context.Context) error {
	rate := c.Rate
	if rate <= 0 {
		rate = 10
	}
	c.mu.Lock()
	now := time.Now()
	at := c.next
	if at.Before(now) {
		at = now
	}
	c.next = at.Add(time.Duration(float64(time.Second) / rate))
	c.Stats.Requests++
	c.mu.Unlock()
	return sleep(ctx, time.Until(at))
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// errTooMany is the API's answer to an area holding more than its limit.
var errTooMany = errors.New("more crimes in the area than the API gives at once")

// call sends one request, retrying what may pass. form (when not nil) is POSTed. With
// splittable, a 503 is returned at once as errTooMany so that the caller can split.
func (c *Client) call(ctx context.Context, path string, query, form url.Values, splittable bool, out any) error {
	u := c.base() + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	retries := c.Retries
	if retries <= 0 {
		retries = 6
	}
	backoff := c.Backoff
	if backoff <= 0 {
		backoff = time.Second
	}
	httpc := c.HTTP
	if httpc == nil {
		httpc = http.DefaultClient
	}
	for attempt := 0; ; attempt++ {
		if err := c.wait(ctx); err != nil {
			return err
		}
		var req *http.Request
		var err error
		if form != nil {
			req, err = http.NewRequestWithContext(ctx, "POST", u, strings.NewReader(form.Encode()))
			if req != nil {
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
		} else {
			req, err = http.NewRequestWithContext(ctx, "GET", u, nil)
		}
		if err != nil {
			return err
		}
		req.Header.Set("User-Agent", "hexbeat (crime hotspot analysis; https://github.com/hexbeat/hexbeat)")
		req.Header.Set("Accept", "application/json")
		res, err := httpc.Do(req)
		var wait time.Duration
		switch {
		case err != nil:
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if attempt >= retries {
				return fmt.Errorf("data.police.uk: %w", err)
			}
		case res.StatusCode == http.StatusOK:
			defer res.Body.Close()
			if err := json.NewDecoder(res.Body).Decode(out); err != nil {
				return fmt.Errorf("data.police.uk %s: not the JSON the API documents: %w", path, err)
			}
			return nil
		default:
			body, _ := io.ReadAll(io.LimitReader(res.Body, 512))
			res.Body.Close()
			status := res.StatusCode
			if status == http.StatusServiceUnavailable && splittable {
				return errTooMany
			}
			if status != http.StatusTooManyRequests && status < 500 || attempt >= retries {
				return &StatusError{Status: status, URL: path, Body: string(body)}
			}
			if s, err := strconv.Atoi(res.Header.Get("Retry-After")); err == nil && s >= 0 {
				wait = min(time.Duration(s)*time.Second, time.Minute)
			}
			c.logf("data.police.uk answered %d for %s; retrying", status, path)
		}
		if wait == 0 {
			// exponential backoff with jitter: 1, 2, 4 ... times the base, ±25 %
			wait = time.Duration(float64(backoff<<attempt) * (0.75 + 0.5*rand.Float64()))
		}
		c.mu.Lock()
		c.Stats.Retries++
		c.mu.Unlock()
		if err := sleep(ctx, wait); err != nil {
			return err
		}
	}
}

// Force is a police force as the API names it.
type Force struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Force returns the force with id ("thames-valley").
func (c *Client) Force(ctx context.Context, id string) (Force, error) {
	var f Force
	err := c.call(ctx, "/forces/"+url.PathEscape(id), nil, nil, false, &f)
	if f.ID == "" {
		f.ID = id
	}
	return f, err
}

// Categories maps the API's category slugs to the names the police.uk files use.
func (c *Client) Categories(ctx context.Context, month string) (map[string]string, error) {
	var list []struct{ URL, Name string }
	if err := c.call(ctx, "/crime-categories", url.Values{"date": {month}}, nil, false, &list); err != nil {
		return nil, err
	}
	m := map[string]string{}
	for _, x := range list {
		m[x.URL] = x.Name
	}
	return m, nil
}

// Neighbourhoods returns the boundaries of a force's neighbourhoods: together, its area.
func (c *Client) Neighbourhoods(ctx context.Context, force string) ([]orb.Ring, error) {
	var list []struct{ ID, Name string }
	if err := c.call(ctx, "/"+url.PathEscape(force)+"/neighbourhoods", nil, nil, false, &list); err != nil {
		return nil, err
	}
	var out []orb.Ring
	for _, n := range list {
		var pts []struct{ Latitude, Longitude string }
		if err := c.call(ctx, "/"+url.PathEscape(force)+"/"+url.PathEscape(n.ID)+"/boundary", nil, nil, false, &pts); err != nil {
			return nil, fmt.Errorf("neighbourhood %s: %w", n.ID, err)
		}
		var r orb.Ring
		for _, p := range pts {
			lat, err1 := strconv.ParseFloat(p.Latitude, 64)
			lon, err2 := strconv.ParseFloat(p.Longitude, 64)
			if err1 != nil || err2 != nil {
				return nil, fmt.Errorf("neighbourhood %s: a boundary point %q,%q is not a number", n.ID, p.Latitude, p.Longitude)
			}
			r = append(r, orb.Point{lon, lat})
		}
		if len(r) >= 3 {
			out = append(out, r)
		}
	}
	return out, nil
}

// Location is where the API puts a record: an anonymised map point and its description.
type Location struct {
	Latitude  string `json:"latitude"`
	Longitude string `json:"longitude"`
	Street    struct {
		ID   int64  `json:"id"`
		Name string `json:"name"`
	} `json:"street"`
}

// Crime is one street-level crime (or anti-social behaviour report).
type Crime struct {
	ID           int64     `json:"id"`
	PersistentID string    `json:"persistent_id"`
	Category     string    `json:"category"`
	Month        string    `json:"month"`
	Context      string    `json:"context"`
	Location     *Location `json:"location"`
	Outcome      *struct {
		Category string `json:"category"`
		Date     string `json:"date"`
	} `json:"outcome_status"`
}

// Stop is one stop-and-search record.
type Stop struct {
	Type             string    `json:"type"`
	Datetime         string    `json:"datetime"`
	Operation        *bool     `json:"operation"`
	OperationName    *string   `json:"operation_name"`
	Location         *Location `json:"location"`
	Gender           *string   `json:"gender"`
	AgeRange         *string   `json:"age_range"`
	SelfEthnicity    *string   `json:"self_defined_ethnicity"`
	OfficerEthnicity *string   `json:"officer_defined_ethnicity"`
	Legislation      *string   `json:"legislation"`
	ObjectOfSearch   *string   `json:"object_of_search"`
	Outcome          any       `json:"outcome"` // a string, or false for none in older months
	OutcomeLinked    *bool     `json:"outcome_linked_to_object_of_search"`
	RemovalOfOuter   *bool     `json:"removal_of_more_than_outer_clothing"`
}

// polyParam writes a ring as the API's poly: lat,lng pairs joined by colons.
func polyParam(r orb.Ring) string {
	var b strings.Builder
	for i, p := range r {
		if i == len(r)-1 && len(r) > 1 && p == r[0] {
			break // the API closes the ring itself
		}
		if i > 0 {
			b.WriteByte(':')
		}
		b.WriteString(strconv.FormatFloat(p[1], 'f', 6, 64))
		b.WriteByte(',')
		b.WriteString(strconv.FormatFloat(p[0], 'f', 6, 64))
	}
	return b.String()
}

// inArea asks for one month of records in a ring, quartering the ring while the API says it
// holds too many. each receives every answer (a record on the edge of two quarters comes
// in both; callers de-duplicate).
func inArea[T any](ctx context.Context, c *Client, path string, r orb.Ring, month string, depth int, each func([]T)) error {
	var out []T
	err := c.call(ctx, path, nil, url.Values{"poly": {polyParam(r)}, "date": {month}}, true, &out)
	if err == nil {
		each(out)
		return nil
	}
	if !errors.Is(err, errTooMany) {
		return err
	}
	maxDepth := c.MaxDepth
	if maxDepth <= 0 {
		maxDepth = 12
	}
	b := r.Bound()
	if depth >= maxDepth {
		return fmt.Errorf("data.police.uk still answers 503 (over its limit) for the area %.5f,%.5f..%.5f,%.5f in %s after %d splits", b.Min[0], b.Min[1], b.Max[0], b.Max[1], month, depth)
	}
	c.mu.Lock()
	c.Stats.Splits++
	c.mu.Unlock()
	c.logf("%s: more than the API's limit in one area; splitting it in four", month)
	mid := b.Center()
	for _, q := range []orb.Bound{
		{Min: b.Min, Max: mid}, {Min: orb.Point{mid[0], b.Min[1]}, Max: orb.Point{b.Max[0], mid[1]}},
		{Min: orb.Point{b.Min[0], mid[1]}, Max: orb.Point{mid[0], b.Max[1]}}, {Min: mid, Max: b.Max},
	} {
		part := clip.Ring(q, r.Clone())
		if len(part) < 4 {
			continue
		}
		if err := inArea(ctx, c, path, part, month, depth+1, each); err != nil {
			return err
		}
	}
	return nil
}

// StreetCrimes returns the month's crimes with a location in any of the rings, each once.
func (c *Client) StreetCrimes(ctx context.Context, rings []orb.Ring, month string) ([]Crime, error) {
	seen := map[int64]bool{}
	var out []Crime
	for _, r := range rings {
		err := inArea(ctx, c, "/crimes-street/all-crime", r, month, 0, func(cs []Crime) {
			for _, x := range cs {
				if !seen[x.ID] {
					seen[x.ID] = true
					out = append(out, x)
				}
			}
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// NoLocationCrimes returns the force's crimes of the month that have no location.
func (c *Client) NoLocationCrimes(ctx context.Context, force, month string) ([]Crime, error) {
	var out []Crime
	err := c.call(ctx, "/crimes-no-location", url.Values{"category": {"all-crime"}, "force": {force}, "date": {month}}, nil, false, &out)
	return out, err
}

// ForceStops returns every stop and search the force recorded in the month (with or
// without a location).
func (c *Client) ForceStops(ctx context.Context, force, month string) ([]Stop, error) {
	var out []Stop
	err := c.call(ctx, "/stops-force", url.Values{"force": {force}, "date": {month}}, nil, false, &out)
	return out, err
}

// AreaStops returns the month's stops with a location in any of the rings. Stops have no
// id; a stop on the edge of two areas comes in both answers, so answers are merged as
// multisets: identical records are counted as many times as the most any one answer holds.
func (c *Client) AreaStops(ctx context.Context, rings []orb.Ring, month string) ([]Stop, error) {
	type entry struct {
		stop Stop
		n    int
	}
	merged := map[string]*entry{}
	var order []string
	for _, r := range rings {
		err := inArea(ctx, c, "/stops-street", r, month, 0, func(ss []Stop) {
			counts := map[string]int{}
			for _, s := range ss {
				b, _ := json.Marshal(s)
				k := string(b)
				counts[k]++
				e := merged[k]
				if e == nil {
					e = &entry{stop: s}
					merged[k] = e
					order = append(order, k)
				}
				e.n = max(e.n, counts[k])
			}
		})
		if err != nil {
			return nil, err
		}
	}
	var out []Stop
	for _, k := range order {
		for range merged[k].n {
			out = append(out, merged[k].stop)
		}
	}
	return out, nil
}

// Package policeapi is a stand-in for the data.police.uk API for tests (there is no
// internet here): an HTTP server that answers the API's documented routes in its JSON
// shapes, from real police.uk CSV files. Like the real API it refuses a custom area
// holding more than Limit crimes with 503, and a GET longer than 4094 characters with 400;
// Fault lets a test inject 429s and 5xx.
package policeapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/hexbeat/hexbeat/internal/policeuk"
	"github.com/hexbeat/hexbeat/internal/testkit"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/planar"
)

// Server is the stand-in.
type Server struct {
	*httptest.Server
	Force, ForceName string
	Limit            int // crimes in one custom area before 503; default 10,000
	// Fault, when set, may answer request n (from 1) itself: it returns the status to send
	// (0 to answer normally) and may set headers.
	Fault func(n int, w http.ResponseWriter, r *http.Request) int

	mu       sync.Mutex
	requests int
	paths    []string
	crimes   map[string][]policeuk.Crime // by month
	stops    map[string][]policeuk.Stop
	hoods    []hood
}

type hood struct {
	id, name string
	ring     orb.Ring
}

// slugs are the API's category ids for the files' crime types.
var slugs = map[string]string{
	"Anti-social behaviour": "anti-social-behaviour", "Bicycle theft": "bicycle-theft", "Burglary": "burglary",
	"Criminal damage and arson": "criminal-damage-arson", "Drugs": "drugs", "Other crime": "other-crime", "Other theft": "other-theft",
	"Possession of weapons": "possession-of-weapons", "Public order": "public-order", "Robbery": "robbery", "Shoplifting": "shoplifting",
	"Theft from the person": "theft-from-the-person", "Vehicle crime": "vehicle-crime", "Violence and sexual offences": "violent-crime",
}

// New serves the street files, the stop-and-search files and, as the force's
// neighbourhoods, the polygons of a boundary GeoJSON (idProp and nameProp name them).
func New(force, forceName string, street, stops []string, hoods, idProp, nameProp string) (*Server, error) {
	s := &Server{Force: force, ForceName: forceName, Limit: 10000, crimes: map[string][]policeuk.Crime{}, stops: map[string][]policeuk.Stop{}}
	id := int64(1000)
	for _, path := range street {
		rows, err := testkit.ReadCSV(path)
		if err != nil {
			return nil, err
		}
		for _, r := range rows[1:] {
			id++
			c := policeuk.Crime{ID: id, PersistentID: r[0], Month: r[1], Category: slugs[r[9]], Context: r[11]}
			if r[4] != "" {
				c.Location = &policeuk.Location{Latitude: r[5], Longitude: r[4]}
				c.Location.Street.Name = r[6]
				c.Location.Street.ID = int64(len(r[6]))
			}
			if r[10] != "" {
				c.Outcome = &struct {
					Category string `json:"category"`
					Date     string `json:"date"`
				}{r[10], r[1]}
			}
			s.crimes[r[1]] = append(s.crimes[r[1]], c)
		}
	}
	for _, path := range stops {
		rows, err := testkit.ReadCSV(path)
		if err != nil {
			return nil, err
		}
		opt := func(v string) *string {
			if v == "" {
				return nil
			}
			return &v
		}
		flag := func(v string) *bool {
			if v == "" {
				return nil
			}
			b := v == "True"
			return &b
		}
		for _, r := range rows[1:] {
			st := policeuk.Stop{Type: r[0], Datetime: r[1], Operation: flag(r[2]), OperationName: opt(r[3]), Gender: opt(r[6]), AgeRange: opt(r[7]),
				SelfEthnicity: opt(r[8]), OfficerEthnicity: opt(r[9]), Legislation: opt(r[10]), ObjectOfSearch: opt(r[11]), Outcome: r[12],
				OutcomeLinked: flag(r[13]), RemovalOfOuter: flag(r[14])}
			if r[4] != "" {
				st.Location = &policeuk.Location{Latitude: r[4], Longitude: r[5]}
			}
			month := r[1][:7]
			s.stops[month] = append(s.stops[month], st)
		}
	}
	if hoods != "" {
		b, err := os.ReadFile(hoods)
		if err != nil {
			return nil, err
		}
		fc, err := geojson.UnmarshalFeatureCollection(b)
		if err != nil {
			return nil, err
		}
		for _, f := range fc.Features {
			if p, ok := f.Geometry.(orb.Polygon); ok {
				s.hoods = append(s.hoods, hood{id: fmt.Sprint(f.Properties[idProp]), name: fmt.Sprint(f.Properties[nameProp]), ring: p[0]})
			}
		}
	}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s, nil
}

// URL is the API root to give the client.
func (s *Server) URL() string { return s.Server.URL + "/api" }

// Requests returns how many requests came, and their paths.
func (s *Server) Requests() (int, []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests, slices.Clone(s.paths)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests++
	n := s.requests
	s.paths = append(s.paths, r.Method+" "+r.URL.Path)
	s.mu.Unlock()
	if s.Fault != nil {
		if code := s.Fault(n, w, r); code != 0 {
			http.Error(w, http.StatusText(code), code)
			return
		}
	}
	if r.Method == "GET" && len(r.URL.RequestURI()) > 4094 {
		http.Error(w, "Request-URI Too Long", http.StatusBadRequest)
		return
	}
	r.ParseForm()
	month := r.Form.Get("date")
	path := strings.TrimPrefix(r.URL.Path, "/api")
	send := func(v any) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(v)
	}
	switch {
	case path == "/forces/"+s.Force:
		send(map[string]string{"id": s.Force, "name": s.ForceName})
	case path == "/crime-categories":
		list := []map[string]string{{"url": "all-crime", "name": "All crime"}}
		for name, slug := range slugs {
			list = append(list, map[string]string{"url": slug, "name": name})
		}
		send(list)
	case path == "/"+s.Force+"/neighbourhoods":
		var list []map[string]string
		for _, h := range s.hoods {
			list = append(list, map[string]string{"id": h.id, "name": h.name})
		}
		send(list)
	case strings.HasPrefix(path, "/"+s.Force+"/") && strings.HasSuffix(path, "/boundary"):
		id := strings.TrimSuffix(strings.TrimPrefix(path, "/"+s.Force+"/"), "/boundary")
		for _, h := range s.hoods {
			if h.id == id {
				var pts []map[string]string
				for _, p := range h.ring {
					pts = append(pts, map[string]string{"latitude": strconv.FormatFloat(p[1], 'f', -1, 64), "longitude": strconv.FormatFloat(p[0], 'f', -1, 64)})
				}
				send(pts)
				return
			}
		}
		http.NotFound(w, r)
	case path == "/crimes-street/all-crime":
		inArea(w, r, s.Limit, s.crimes[month], func(c policeuk.Crime) *policeuk.Location { return c.Location })
	case path == "/crimes-no-location":
		out := []policeuk.Crime{}
		if r.Form.Get("force") == s.Force {
			for _, c := range s.crimes[month] {
				if c.Location == nil {
					out = append(out, c)
				}
			}
		}
		send(out)
	case path == "/stops-force":
		out := []policeuk.Stop{}
		if r.Form.Get("force") == s.Force {
			out = append(out, s.stops[month]...)
		}
		send(out)
	case path == "/stops-street":
		inArea(w, r, s.Limit, s.stops[month], func(st policeuk.Stop) *policeuk.Location { return st.Location })
	default:
		http.NotFound(w, r)
	}
}

// inArea answers a custom-area request: the records located inside the poly, or 503 when
// they are more than limit (as the API does).
func inArea[T any](w http.ResponseWriter, r *http.Request, limit int, records []T, loc func(T) *policeuk.Location) {
	poly, ok := parsePoly(r.Form.Get("poly"))
	if !ok {
		http.Error(w, "bad poly", http.StatusBadRequest)
		return
	}
	out := []T{}
	for _, x := range records {
		if l := loc(x); l != nil && inside(poly, l) {
			out = append(out, x)
		}
	}
	if len(out) > limit {
		http.Error(w, "", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(out)
}

func parsePoly(s string) (orb.Ring, bool) {
	var r orb.Ring
	for _, pair := range strings.Split(s, ":") {
		a, b, ok := strings.Cut(pair, ",")
		lat, err1 := strconv.ParseFloat(a, 64)
		lon, err2 := strconv.ParseFloat(b, 64)
		if !ok || err1 != nil || err2 != nil {
			return nil, false
		}
		r = append(r, orb.Point{lon, lat})
	}
	if len(r) < 3 {
		return nil, false
	}
	return append(r, r[0]), true
}

// inside tests a location against the area, counting the boundary as inside (as an area
// split in quarters must still hold a point on the cut).
func inside(r orb.Ring, l *policeuk.Location) bool {
	lat, _ := strconv.ParseFloat(l.Latitude, 64)
	lon, _ := strconv.ParseFloat(l.Longitude, 64)
	p := orb.Point{lon, lat}
	if planar.RingContains(r, p) {
		return true
	}
	for i := 1; i < len(r); i++ {
		if onSegment(r[i-1], r[i], p) {
			return true
		}
	}
	return false
}

func onSegment(a, b, p orb.Point) bool {
	cross := (b[0]-a[0])*(p[1]-a[1]) - (b[1]-a[1])*(p[0]-a[0])
	if cross > 1e-12 || cross < -1e-12 {
		return false
	}
	return p[0] >= min(a[0], b[0])-1e-12 && p[0] <= max(a[0], b[0])+1e-12 && p[1] >= min(a[1], b[1])-1e-12 && p[1] <= max(a[1], b[1])+1e-12
}

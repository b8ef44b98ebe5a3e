package api_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/hexbeat/hexbeat/geodata"
	"github.com/hexbeat/hexbeat/internal/api"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/hexbeat/hexbeat/internal/service"
	"github.com/hexbeat/hexbeat/internal/store"
	"github.com/hexbeat/hexbeat/internal/testkit"
)

// keyedServer is a server over an empty store holding one key per role.
func keyedServer(t *testing.T, cfg api.Config) (*api.Server, *service.Service, map[hexbeat.Role]string) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "h.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := service.New(st, geodata.Taxonomy(), log)
	if err := svc.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	keys := map[hexbeat.Role]string{}
	for _, r := range hexbeat.Roles {
		_, secret, err := svc.CreateKey(ctx, "test "+string(r), r, "test")
		if err != nil {
			t.Fatal(err)
		}
		keys[r] = secret
	}
	return api.New(svc, log, cfg, nil), svc, keys
}

func call(t *testing.T, s *api.Server, method, url, key, body string) (int, []byte, map[string]string) {
	t.Helper()
	req := httptest.NewRequest(method, url, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	res, err := s.App().Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	h := map[string]string{}
	for k := range res.Header {
		h[k] = res.Header.Get(k)
	}
	return res.StatusCode, b, h
}

// TestEveryRouteByEveryRole walks the route table: without a key every API route answers
// 401; with a key, 403 exactly when the role lacks the route's permission.
func TestEveryRouteByEveryRole(t *testing.T) {
	s, _, keys := keyedServer(t, api.Config{RateLimit: -1})
	routes := s.Routes()
	if len(routes) < 24 {
		t.Fatalf("only %d routes in the table", len(routes))
	}
	for _, rt := range routes {
		url := strings.ReplaceAll(rt.Path, ":id", "999") // no such record: DELETE /keys/1 would revoke a test key
		body := ""
		if rt.Method == "POST" {
			body = "{}"
		}
		if code, b, h := call(t, s, rt.Method, url, "", body); code != 401 || !strings.HasPrefix(h["Www-Authenticate"], "Bearer") {
			t.Errorf("%s %s without a key: %d %s", rt.Method, rt.Path, code, b)
		}
		for _, role := range hexbeat.Roles {
			code, b, _ := call(t, s, rt.Method, url, keys[role], body)
			allowed := role.Allows(rt.Perm)
			switch {
			case allowed && (code == 401 || code == 403):
				t.Errorf("%s %s as %s: %d, want it allowed: %s", rt.Method, rt.Path, role, code, b)
			case !allowed && code != 403:
				t.Errorf("%s %s as %s: %d, want 403", rt.Method, rt.Path, role, code)
			case code >= 500:
				t.Errorf("%s %s as %s: %d %s", rt.Method, rt.Path, role, code, b)
			}
		}
	}
	// Bodies over a route's limit are refused with 413 before anything reads them.
	for _, rt := range routes {
		if rt.Limit > 0 {
			big := `{"x":"` + strings.Repeat("a", rt.Limit) + `"}`
			if code, b, _ := call(t, s, rt.Method, strings.ReplaceAll(rt.Path, ":id", "999"), keys[hexbeat.RoleAdmin], big); code != 413 {
				t.Errorf("%s %s with %d bytes: %d %.200s", rt.Method, rt.Path, len(big), code, b)
			}
		}
	}
	// A community scrutiny group holds a viewer's key: it reads the Section 60 register and
	// the scrutiny reports, and may not propose, record, extend or cancel.
	for _, rt := range routes {
		if !strings.HasPrefix(rt.Path, "/api/v1/section60/") {
			continue
		}
		if want := rt.Method == "GET"; hexbeat.RoleViewer.Allows(rt.Perm) != want {
			t.Errorf("%s %s: a viewer allowed %v, want %v", rt.Method, rt.Path, !want, want)
		}
	}
	// The table holds what docs/architecture.md ("Security") gives each role.
	for perm, roles := range map[hexbeat.Permission][]hexbeat.Role{
		hexbeat.PermSection60: {hexbeat.RoleCommander, hexbeat.RoleAdmin},
		hexbeat.PermRetailers: {hexbeat.RoleTradingStandards, hexbeat.RoleAdmin},
		hexbeat.PermAdmin:     {hexbeat.RoleAdmin},
		hexbeat.PermImport:    {hexbeat.RoleAnalyst, hexbeat.RoleAdmin},
		hexbeat.PermRead:      hexbeat.Roles,
	} {
		for _, r := range hexbeat.Roles {
			want := false
			for _, x := range roles {
				want = want || x == r
			}
			if r.Allows(perm) != want {
				t.Errorf("%s allows %s: %v", r, perm, !want)
			}
		}
	}
}

// TestKeysAuditAndLimits: bad and revoked keys are refused and audited; key changes are
// audited; the audit log cannot be changed through the API; a key over its rate gets 429
// with Retry-After; answers carry the security headers and no CORS permission.
func TestKeysAuditAndLimits(t *testing.T) {
	s, _, keys := keyedServer(t, api.Config{RateLimit: -1})
	admin := keys[hexbeat.RoleAdmin]
	if code, b, _ := call(t, s, "GET", "/api/v1/status", "hb_not-a-real-key", ""); code != 401 || !strings.Contains(string(b), "unknown API key") {
		t.Errorf("bad key: %d %s", code, b)
	}
	code, b, _ := call(t, s, "POST", "/api/v1/keys", admin, `{"name":"analyst two","role":"analyst"}`)
	var nk struct {
		ID  int64
		Key string
	}
	json.Unmarshal(b, &nk)
	if code != 201 || !strings.HasPrefix(nk.Key, "hb_") {
		t.Fatalf("create key: %d %s", code, b)
	}
	if code, _, _ := call(t, s, "GET", "/api/v1/status", nk.Key, ""); code != 200 {
		t.Errorf("new key: %d", code)
	}
	if code, b, _ := call(t, s, "DELETE", "/api/v1/keys/"+itoa(nk.ID), admin, ""); code != 204 {
		t.Errorf("revoke: %d %s", code, b)
	}
	if code, b, _ := call(t, s, "GET", "/api/v1/status", nk.Key, ""); code != 401 || !strings.Contains(string(b), "revoked") {
		t.Errorf("revoked key: %d %s", code, b)
	}
	if code, b, _ := call(t, s, "GET", "/api/v1/keys", admin, ""); code != 200 || strings.Contains(string(b), nk.Key) || strings.Contains(string(b), `"hash"`) {
		t.Errorf("key list must not show secrets: %d %s", code, b)
	}
	for _, m := range []string{"DELETE", "PUT", "PATCH", "POST"} {
		if code, _, _ := call(t, s, m, "/api/v1/audit", admin, "{}"); code < 400 || code >= 500 {
			t.Errorf("%s /api/v1/audit: %d; the log must not be writable through the API", m, code)
		}
	}
	code, b, _ = call(t, s, "GET", "/api/v1/audit", admin, "")
	if code != 200 {
		t.Fatalf("GET /api/v1/audit as admin: %d %s", code, b)
	}
	var log struct {
		Events []struct{ Action, Subject, Actor string }
	}
	json.Unmarshal(b, &log)
	var actions []string
	for _, ev := range log.Events {
		actions = append(actions, ev.Action)
	}
	got := strings.Join(actions, ",")
	for _, want := range []string{"keys.create", "auth.failed", "keys.revoke"} {
		if !strings.Contains(got, want) {
			t.Errorf("audit log %q lacks %s", got, want)
		}
	}
	// rate: 3 at once pass (burst), the next are refused with Retry-After (a token every
	// 10 s: at 2 a second, a machine busy enough to take 1.5 s over six requests let more
	// through, and the test failed under load)
	s, _, keys = keyedServer(t, api.Config{RateLimit: 0.1, RateBurst: 3})
	viewer := keys[hexbeat.RoleViewer]
	refused := 0
	var retry string
	for i := 0; i < 6; i++ {
		code, _, h := call(t, s, "GET", "/api/v1/categories", viewer, "")
		if code == 429 {
			refused++
			retry = h["Retry-After"]
		}
	}
	if refused != 3 || retry == "" || retry == "0" {
		t.Errorf("6 quick requests at 0.1/s (burst 3): %d refused, Retry-After %q", refused, retry)
	}
	// a little over the rate is served late, not refused: at 20 a second with a burst of
	// 2, twelve quick requests all pass (the last waits about half a second); at 0.1 a
	// second the third would wait 10 s and is refused (above)
	s, _, keys = keyedServer(t, api.Config{RateLimit: 20, RateBurst: 2})
	served := 0
	for i := 0; i < 12; i++ {
		if code, _, _ := call(t, s, "GET", "/api/v1/categories", keys[hexbeat.RoleViewer], ""); code == 200 {
			served++
		}
	}
	if served != 12 {
		t.Errorf("12 quick requests at 20/s (burst 2): %d served", served)
	}
	_, _, h := call(t, s, "GET", "/api/v1/categories", keys[hexbeat.RoleAdmin], "")
	if h["X-Content-Type-Options"] != "nosniff" || h["X-Frame-Options"] != "DENY" || h["Access-Control-Allow-Origin"] != "" {
		t.Errorf("headers: %v", h)
	}
	_, _, h = call(t, s, "GET", "/", "", "")
	if !strings.Contains(h["Content-Security-Policy"], "default-src 'self'") {
		t.Errorf("web page CSP: %q", h["Content-Security-Policy"])
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestLayerCache: a repeated layer request (an API layer, a vector tile) is answered from
// the cache, identical, and gzip-compressed for a client that accepts it.
func TestLayerCache(t *testing.T) {
	s := newServer(t, testkit.Data(t, "police/street/2025-01-thames-valley-street.csv"))
	_, first, h1 := call(t, s, "GET", "/api/v1/hotspots?res=8", "", "")
	_, second, h2 := call(t, s, "GET", "/api/v1/hotspots?res=8", "", "")
	if h1["X-Hexbeat-Cache"] != "miss" || h2["X-Hexbeat-Cache"] != "hit" || string(first) != string(second) || len(first) < 1000 {
		t.Fatalf("cache: %q then %q, bodies equal %v", h1["X-Hexbeat-Cache"], h2["X-Hexbeat-Cache"], string(first) == string(second))
	}
	req := httptest.NewRequest("GET", "/api/v1/hotspots?res=8", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	res, err := s.App().Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(res.Body)
	if err != nil || res.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("gzip: %v %q", err, res.Header.Get("Content-Encoding"))
	}
	plain, _ := io.ReadAll(zr)
	if string(plain) != string(first) {
		t.Error("the gzip answer differs from the plain one")
	}
	if _, _, h := call(t, s, "GET", "/api/v1/hotspots?res=7", "", ""); h["X-Hexbeat-Cache"] != "miss" {
		t.Error("another query was answered from the cache")
	}
	// vector tiles too; the first answer is already compressed for a client that accepts it
	var tiles [2][]byte
	for i, want := range []string{"miss", "hit"} {
		req := httptest.NewRequest("GET", "/tiles/hotspots/12/2039/1352.mvt?res=9", nil)
		req.Header.Set("Accept-Encoding", "gzip")
		res, err := s.App().Test(req, -1)
		if err != nil || res.StatusCode != 200 || res.Header.Get("X-Hexbeat-Cache") != want || res.Header.Get("Content-Encoding") != "gzip" {
			t.Fatalf("tile %d: %v %v, cache %q, encoding %q", i, err, res.Status, res.Header.Get("X-Hexbeat-Cache"), res.Header.Get("Content-Encoding"))
		}
		zr, err := gzip.NewReader(res.Body)
		if err != nil {
			t.Fatal(err)
		}
		tiles[i], _ = io.ReadAll(zr)
	}
	if len(tiles[0]) < 1000 || string(tiles[0]) != string(tiles[1]) {
		t.Errorf("tile of %d bytes, then %d, equal %v", len(tiles[0]), len(tiles[1]), string(tiles[0]) == string(tiles[1]))
	}
}

// TestStatusSaysWhatTheKeyMayDo: /api/v1/status names the key's role and its permissions,
// as the role table grants them, so that the map offers only what the key may do.
func TestStatusSaysWhatTheKeyMayDo(t *testing.T) {
	s, _, keys := keyedServer(t, api.Config{RateLimit: -1})
	for _, role := range hexbeat.Roles {
		code, b, _ := call(t, s, "GET", "/api/v1/status", keys[role], "")
		var st struct {
			Role        string
			Permissions []string
		}
		if err := json.Unmarshal(b, &st); code != 200 || err != nil || st.Role != string(role) {
			t.Fatalf("%s: %d %s", role, code, b)
		}
		var want []string
		for _, p := range hexbeat.Permissions {
			if role.Allows(p) {
				want = append(want, string(p))
			}
		}
		if !slices.Equal(st.Permissions, want) || !slices.Contains(st.Permissions, "read") {
			t.Errorf("%s: permissions %v, want %v", role, st.Permissions, want)
		}
	}
	if _, b, _ := call(t, s, "GET", "/api/v1/status", keys[hexbeat.RoleViewer], ""); strings.Contains(string(b), `"section60"`) {
		t.Errorf("a viewer's status offers section60: %s", b)
	}
}

// TestKeyRules: the last admin key cannot be revoked (nobody could manage keys after it),
// another admin's can; a key's name is one line without control characters.
func TestKeyRules(t *testing.T) {
	s, svc, keys := keyedServer(t, api.Config{RateLimit: -1})
	admin := keys[hexbeat.RoleAdmin]
	ks, err := svc.Keys(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var adminID int64
	for _, k := range ks {
		if k.Role == hexbeat.RoleAdmin {
			adminID = k.ID
		}
	}
	if code, b, _ := call(t, s, "DELETE", "/api/v1/keys/"+itoa(adminID), admin, ""); code != 409 || !strings.Contains(string(b), "last admin key") {
		t.Errorf("the last admin key revoked itself: %d %s", code, b)
	}
	code, b, _ := call(t, s, "POST", "/api/v1/keys", admin, `{"name":"second admin","role":"admin"}`)
	var second struct {
		ID  int64
		Key string
	}
	json.Unmarshal(b, &second)
	if code != 201 {
		t.Fatalf("create an admin key: %d %s", code, b)
	}
	if code, b, _ := call(t, s, "DELETE", "/api/v1/keys/"+itoa(adminID), second.Key, ""); code != 204 {
		t.Errorf("revoking an admin key while another is live: %d %s", code, b)
	}
	if code, b, _ := call(t, s, "DELETE", "/api/v1/keys/"+itoa(second.ID), second.Key, ""); code != 409 {
		t.Errorf("the second admin key, now the last, revoked itself: %d %s", code, b)
	}
	for _, name := range []string{"line one\nline two", "tab\there", "bell\x07", "nul\x00"} {
		body, _ := json.Marshal(map[string]string{"name": name, "role": "viewer"})
		if code, b, _ := call(t, s, "POST", "/api/v1/keys", second.Key, string(body)); code != 400 || !strings.Contains(string(b), "control characters") {
			t.Errorf("key name %q: %d %s", name, code, b)
		}
	}
}

// TestAllowedHosts: a keyless server told its hosts answers 421 to any other Host header
// (a DNS-rebinding page), before any route, and its own hosts as usual.
func TestAllowedHosts(t *testing.T) {
	s := newServerWith(t, api.Config{Open: true, AllowedHosts: []string{"127.0.0.1:8080", "localhost:8080"}})
	for host, want := range map[string]int{"127.0.0.1:8080": 200, "LOCALHOST:8080": 200, "attacker.example": 421, "attacker.example:8080": 421, "127.0.0.1:9999": 421} {
		for _, path := range []string{"/api/v1/status", "/", "/ogc/collections"} {
			req := httptest.NewRequest("GET", path, nil)
			req.Host = host
			res, err := s.App().Test(req, -1)
			if err != nil {
				t.Fatal(err)
			}
			if res.StatusCode != want {
				t.Errorf("Host %s %s: %d, want %d", host, path, res.StatusCode, want)
			}
		}
	}
}

// TestIncidentRowsNeedExport: the stored incidents' row-level fields (crime id, location,
// LSOA, outcome) leave only with the export permission, on every path: a viewer's key reads
// points with time and category through OGC (what its map draws) and no download; an
// analyst's reads the rows, and each read is audited as a download is.
func TestIncidentRowsNeedExport(t *testing.T) {
	s, svc, keys := keyedServer(t, api.Config{RateLimit: -1})
	ctx := context.Background()
	f, err := os.Open(testkit.Data(t, "police/street/2025-01-thames-valley-street.csv"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(f)
	f.Close()
	if _, err := svc.Import(ctx, "2025-01-thames-valley-street.csv", body, hexbeat.ImportOptions{}, "test"); err != nil {
		t.Fatal(err)
	}
	rowLevel := []string{"crime_id", "location", "lsoa_code", "lsoa_name", "outcome"}
	read := func(key, path string) (int, []map[string]any) {
		code, b, _ := call(t, s, "GET", path, key, "")
		var fc struct {
			Features []struct{ Properties map[string]any }
		}
		var one struct{ Properties map[string]any }
		json.Unmarshal(b, &fc)
		if json.Unmarshal(b, &one); one.Properties != nil {
			return code, []map[string]any{one.Properties}
		}
		var props []map[string]any
		for _, f := range fc.Features {
			props = append(props, f.Properties)
		}
		return code, props
	}
	for _, path := range []string{"/ogc/collections/incidents/items?limit=100", "/ogc/collections/incidents/items/1"} {
		code, props := read(keys[hexbeat.RoleViewer], path)
		if code != 200 || len(props) == 0 {
			t.Fatalf("viewer %s: %d, %d features", path, code, len(props))
		}
		for _, p := range props {
			for _, k := range rowLevel {
				if _, ok := p[k]; ok {
					t.Fatalf("a viewer's key read %s through %s", k, path)
				}
			}
			if p["category"] == nil || p["time"] == nil {
				t.Fatalf("a viewer's map needs the time and category: %v", p)
			}
		}
		code, props = read(keys[hexbeat.RoleAnalyst], path)
		if code != 200 || len(props) == 0 || props[0]["crime_id"] == nil || props[0]["lsoa_code"] == nil {
			t.Fatalf("analyst %s: %d %v", path, code, props)
		}
	}
	if code, _, _ := call(t, s, "GET", "/api/v1/export/incidents?format=csv", keys[hexbeat.RoleViewer], ""); code != 403 {
		t.Errorf("a viewer's key downloaded the incidents: %d", code)
	}
	events, err := svc.AuditLog(ctx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	audited := 0
	for _, ev := range events {
		if ev.Action == "export" && strings.HasPrefix(ev.Subject, "ogc incident") && strings.Contains(ev.Actor, "analyst") {
			audited++
		}
	}
	if audited != 2 {
		t.Errorf("%d audited OGC reads of incident rows by the analyst, want 2", audited)
	}
}

// TestLargeBodiesAnswered: over a real connection, a 40 MiB upload is answered with
// problem+json, not a reset: 401 without a key (the key is checked before the body is
// read), 413 with one; the connection's client reads the answer in both cases.
func TestLargeBodiesAnswered(t *testing.T) {
	s, _, keys := keyedServer(t, api.Config{RateLimit: -1})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go s.Serve(ln)
	t.Cleanup(func() { s.Shutdown(context.Background()) })
	big := bytes.Repeat([]byte("0123456789abcdef"), 40<<20/16)
	for key, want := range map[string]int{"": 401, keys[hexbeat.RoleAdmin]: 413} {
		req, _ := http.NewRequest("POST", "http://"+ln.Addr().String()+"/api/v1/imports?name=x.csv", bytes.NewReader(big))
		if key != "" {
			req.Header.Set("Authorization", "Bearer "+key)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("key %v: %v (the connection was reset rather than answered)", key != "", err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != want || res.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("key %v: %d %s %.200s, want %d problem+json", key != "", res.StatusCode, res.Header.Get("Content-Type"), b, want)
		}
	}
}

// TestSmallerDefences: the route list needs a key like everything under /api/; the API's
// HTML runs no script (a Content-Security-Policy of its own); behind a trusted proxy a
// failed sign-in is recorded under the client's address, not the proxy's, and an untrusted
// sender's X-Forwarded-For is not believed.
func TestSmallerDefences(t *testing.T) {
	s, svc, keys := keyedServer(t, api.Config{RateLimit: -1, TrustedProxies: []string{"0.0.0.0"}}) // in-process requests come from 0.0.0.0
	for _, p := range []string{"/api/v1/openapi.json", "/api/v1/docs"} {
		if code, _, _ := call(t, s, "GET", p, "", ""); code != 401 {
			t.Errorf("%s without a key: %d, want 401", p, code)
		}
		req := httptest.NewRequest("GET", p, nil)
		req.Header.Set("Authorization", "Bearer "+keys[hexbeat.RoleViewer])
		res, err := s.App().Test(req, -1)
		if err != nil || res.StatusCode != 200 || !strings.Contains(res.Header.Get("Content-Security-Policy"), "default-src 'none'") {
			t.Errorf("%s with a key: %v %v, CSP %q", p, res.StatusCode, err, res.Header.Get("Content-Security-Policy"))
		}
	}
	req := httptest.NewRequest("GET", "/api/v1/status", nil)
	req.Header.Set("Authorization", "Bearer hb_not-a-key")
	req.Header.Set("X-Forwarded-For", "203.0.113.7")
	if res, err := s.App().Test(req, -1); err != nil || res.StatusCode != 401 {
		t.Fatalf("a bad key: %v %v", res.StatusCode, err)
	}
	events, _ := svc.AuditLog(context.Background(), 0, 100)
	var failed []string
	for _, ev := range events {
		if ev.Action == "auth.failed" {
			failed = append(failed, ev.Actor)
		}
	}
	if len(failed) != 1 || !strings.Contains(failed[0], "203.0.113.7") {
		t.Errorf("failed sign-ins recorded as %q, want the client's address 203.0.113.7", failed)
	}
	// a server that trusts no proxy records the sender itself
	s2, svc2, _ := keyedServer(t, api.Config{RateLimit: -1})
	s2.App().Test(req.Clone(context.Background()), -1)
	events, _ = svc2.AuditLog(context.Background(), 0, 100)
	for _, ev := range events {
		if ev.Action == "auth.failed" && strings.Contains(ev.Actor, "203.0.113.7") {
			t.Errorf("an untrusted X-Forwarded-For was believed: %+v", ev)
		}
	}
}

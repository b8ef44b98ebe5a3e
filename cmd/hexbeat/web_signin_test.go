package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/hexbeat/hexbeat/internal/testkit"
)

// oidcProvider starts node oidc-provider (web/node_modules; `make web` installs it) on a
// free port for a hexbeat at hexbeatURL, and returns its issuer URL.
func oidcProvider(t *testing.T, hexbeatURL string) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("no node")
	}
	modules, _ := filepath.Abs(filepath.Join("..", "..", "web", "node_modules"))
	if _, err := os.Stat(filepath.Join(modules, "oidc-provider")); err != nil {
		t.Fatalf("oidc-provider is not installed in web/node_modules (make web installs it): %v", err)
	}
	port := freePort(t)
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, node, filepath.Join("testdata", "oidc_provider.mjs"), modules, fmt.Sprint(port), hexbeatURL+"/auth/callback")
	out, _ := cmd.StdoutPipe()
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); cmd.Wait() })
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if sc.Text() == "ready" {
				ready <- true
			}
		}
	}()
	select {
	case <-ready:
	case <-time.After(30 * time.Second):
		t.Fatal("the OpenID provider did not start")
	}
	return fmt.Sprintf("http://127.0.0.1:%d", port)
}

// pollNav is poll across navigations: it asks again when the page it asked has gone.
func pollNav[T comparable](p *page, what, js string) T {
	p.t.Helper()
	var zero T
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		v, err := chromedp.Run(p.ctx, chromedp.Evaluate[T](js))
		if err == nil && v != zero {
			return v
		}
		time.Sleep(200 * time.Millisecond)
	}
	p.t.Fatalf("%s (waited for %s)", what, js)
	return zero
}

// signInAs goes through the provider's login and consent pages as login, from the map.
func signInAs(p *page, issuer, login string) {
	p.t.Helper()
	p.do("open the map", chromedp.Navigate(p.addr+"/"))
	pollNav[bool](p, "the map did not send the browser to the provider", `location.href.startsWith('`+issuer+`') && document.querySelector('input[name=login]') !== null`)
	p.do("sign in at the provider", chromedp.SendKeys(`input[name=login]`, login), chromedp.SendKeys(`input[name=password]`, "any"),
		chromedp.Click(`button[type=submit]`))
	for range 20 { // consent, once; the page may move on while it is asked
		at := pollNav[string](p, "no page after signing in", `document.readyState === 'complete' && location.href`)
		if !strings.HasPrefix(at, issuer) {
			return
		}
		chromedp.Run(p.ctx, chromedp.Evaluate[bool](`(() => { const b = document.querySelector('button[type=submit]'); if (b) b.click(); return true; })()`))
		time.Sleep(300 * time.Millisecond)
	}
	p.t.Fatalf("still at the provider after signing in as %s", login)
}

// TestSignInWithOIDCInChromium: against a real OpenID provider (node oidc-provider),
// Chromium opens the map and is sent to the provider with PKCE (S256), state and nonce;
// signs in as a commander and comes back signed in: the session cookie is HttpOnly and
// SameSite=Lax, /api/v1/status names the person and the role, the map asks for no key, and
// a write needs the session's CSRF token. A person with no mapped role gets a page that
// says so; a forged or replayed state is a 400 page; signing out ends the session. Keys
// keep working beside it, and the audit log names the person.
func TestSignInWithOIDCInChromium(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "h.db")
	if code, out, errs := run(t, "import", "--db", db, "--quiet", testkit.Data(t, "police/street/2025-01-thames-valley-street.csv")); code != 0 {
		t.Fatalf("import: %d %s %s", code, out, errs)
	}
	port := freePort(t)
	self := fmt.Sprintf("http://127.0.0.1:%d", port)
	issuer := oidcProvider(t, self)
	p := openPage(t, "serve", "--db", db, "--rate-limit", "-1", "--addr", fmt.Sprintf("127.0.0.1:%d", port), "--public-url", self,
		"--oidc-issuer", issuer, "--oidc-client-id", "hexbeat", "--oidc-client-secret", "test-secret", "--oidc-roles-claim", "roles",
		"--oidc-role-map", "hexbeat-commander=commander,hexbeat-viewer=viewer")
	key := regexp.MustCompile(`hb_[A-Za-z0-9_-]+`).FindString(p.out.String())

	// the authorization request: the code flow with PKCE S256, state and nonce
	res, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Get(self + "/auth/login")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	loc, _ := url.Parse(res.Header.Get("Location"))
	q := loc.Query()
	if res.StatusCode != 302 || !strings.HasPrefix(loc.String(), issuer) || q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" ||
		q.Get("state") == "" || q.Get("nonce") == "" || q.Get("response_type") != "code" || q.Get("redirect_uri") != self+"/auth/callback" {
		t.Fatalf("login: %d %s", res.StatusCode, loc)
	}

	signInAs(p, issuer, "cmd-4711")
	status := pollNav[string](p, "not back on the map signed in", `location.href.startsWith('`+self+`') && window.hexbeat && window.hexbeat.state.status && JSON.stringify(window.hexbeat.state.status)`)
	var st struct {
		Role   string
		Person struct{ Sub, Name string }
		CSRF   string `json:"csrf"`
	}
	json.Unmarshal([]byte(status), &st)
	if st.Role != "commander" || st.Person.Sub != "cmd-4711" || st.Person.Name != "Officer cmd-4711" || st.CSRF == "" {
		t.Fatalf("status after signing in: %s", status)
	}
	if who := eval[string](p, `document.getElementById('whoami').textContent`); who != "Signed in as Officer cmd-4711 (commander)" || !eval[bool](p, `document.getElementById('signin').hidden`) {
		t.Errorf("the page says %q and offers a key form: %v", who, !eval[bool](p, `document.getElementById('signin').hidden`))
	}
	axeCheck(p, "the map signed in through the identity provider")
	if ls := eval[string](p, `JSON.stringify(Object.keys(localStorage))`); strings.Contains(ls, "apiKey") {
		t.Errorf("a key in the page's storage: %s", ls)
	}
	cookies := eval[string](p, `document.cookie`)
	if strings.Contains(cookies, "hexbeat_session") {
		t.Errorf("the session cookie is readable by the page: %q", cookies)
	}
	// a write with the cookie alone (as a forged form from another site would make) is refused
	if code := eval[int](p, `fetch('/api/v1/section60/proposals', {method: 'POST', headers: {'Content-Type': 'application/json'}, body: '{}'}).then((r) => r.status)`); code != 403 {
		t.Errorf("a write without the CSRF token: %d", code)
	}
	if code := eval[int](p, `fetch('/api/v1/section60/proposals', {method: 'POST', headers: {'Content-Type': 'application/json', 'X-CSRF-Token': window.hexbeat.state.status.csrf}, body: '{}'}).then((r) => r.status)`); code != 200 {
		t.Errorf("a write with the CSRF token: %d", code)
	}
	// a Section 60 record names the person signed in, and no one else
	const authorise = `(officer) => fetch('/api/v1/section60/authorisations', {method: 'POST', headers: {'Content-Type': 'application/json', 'X-CSRF-Token': window.hexbeat.state.status.csrf},
		body: JSON.stringify({area: {type: 'Polygon', coordinates: [[[-0.78, 52.03], [-0.74, 52.03], [-0.74, 52.05], [-0.78, 52.05], [-0.78, 52.03]]]},
		grounds: 'a stabbing', officer, rank: 'Superintendent', start: '2025-01-10T18:00:00Z', end: '2025-01-11T06:00:00Z'})}).then(async (r) => r.status + ' ' + await r.text())`
	if got := eval[string](p, `(`+authorise+`)('J Smith')`); !strings.HasPrefix(got, "400 ") || !strings.Contains(got, "you are signed in as Officer cmd-4711") {
		t.Errorf("an authorisation naming someone else: %.300s", got)
	}
	if got := eval[string](p, `(`+authorise+`)('')`); !strings.HasPrefix(got, "201 ") || !strings.Contains(got, `"officer":"Officer cmd-4711"`) || !strings.Contains(got, `"created_by":"Officer cmd-4711 (cmd-4711) [sub cmd-4711]"`) {
		t.Errorf("an authorisation by the person signed in: %.400s", got)
	}

	// the map's own forms write through its client, which sends the token
	eval[bool](p, `document.querySelectorAll('details').forEach((d) => { d.hidden = false; d.open = true; }); true`)
	p.do("propose section 60 areas from the map", chromedp.Click("#s60-form button[type=submit]"))
	poll[int](p, "the map's proposal (a write in the session) made none", `document.querySelectorAll('#s60-out [data-review]').length`)

	// the audit log names the person
	audit := func() (int, string) {
		req, _ := http.NewRequest("GET", self+"/api/v1/audit?limit=200", nil)
		req.Header.Set("Authorization", "Bearer "+key)
		ares, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(ares.Body)
		ares.Body.Close()
		return ares.StatusCode, string(body)
	}
	if code, body := audit(); code != 200 || !strings.Contains(body, `Officer cmd-4711 (cmd-4711) [sub cmd-4711]`) || !strings.Contains(body, `"action":"signin"`) {
		t.Errorf("audit (with the admin key): %d %.600s", code, body)
	}

	// a forged state; a real one, but started in another browser (a login CSRF); one this
	// browser holds but the store never gave (or gave and took): a page saying why, never a
	// redirect
	callback := func(state, cookie string) (int, string) {
		req, _ := http.NewRequest("GET", self+"/auth/callback?code=x&state="+url.QueryEscape(state), nil)
		if cookie != "" {
			req.AddCookie(&http.Cookie{Name: "hexbeat_signin", Value: cookie})
		}
		res, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		return res.StatusCode, string(b)
	}
	for name, c := range map[string]struct{ state, cookie, want string }{
		"forged":                 {"forged", "", "not started in this browser"},
		"another browser's":      {q.Get("state"), "", "not started in this browser"},
		"unknown to the store":   {"forged", "forged", "state is unknown"},
		"taken once, then again": {q.Get("state"), q.Get("state"), ""},
	} {
		code, b := callback(c.state, c.cookie)
		if c.want == "" { // the first use takes the state; the second finds it gone
			code, b = callback(c.state, c.cookie)
			c.want = "state is unknown"
		}
		if code != 400 || !strings.Contains(b, c.want) || strings.Contains(b, "Location") {
			t.Errorf("%s state: %d %.200s, want 400 saying %q", name, code, b, c.want)
		}
	}

	// the cookie: HttpOnly, SameSite=Lax, not Secure on plain http
	cs, err := chromedp.Call(p.ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{self + "/"}})
	if err != nil {
		t.Fatal(err)
	}
	var session *network.Cookie
	for _, c := range cs.Cookies {
		if c.Name == "hexbeat_session" {
			session = c
		}
	}
	if session == nil || !session.HTTPOnly || session.SameSite != network.CookieSameSiteLax || session.Secure {
		t.Fatalf("the session cookie: %+v", session)
	}
	withCookie := func() int {
		req, _ := http.NewRequest("GET", self+"/api/v1/status", nil)
		req.AddCookie(&http.Cookie{Name: "hexbeat_session", Value: session.Value})
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if code := withCookie(); code != 200 {
		t.Fatalf("the cookie from outside the browser: %d", code)
	}

	// an admin sees the session (never its secret) and could end it
	lreq, _ := http.NewRequest("GET", self+"/api/v1/sessions", nil)
	lreq.Header.Set("Authorization", "Bearer "+key)
	lres, err := http.DefaultClient.Do(lreq)
	if err != nil {
		t.Fatal(err)
	}
	lb, _ := io.ReadAll(lres.Body)
	lres.Body.Close()
	var live struct {
		Sessions []struct{ ID, Sub, Role string }
	}
	if json.Unmarshal(lb, &live); lres.StatusCode != 200 || len(live.Sessions) != 1 || live.Sessions[0].Sub != "cmd-4711" || strings.Contains(string(lb), session.Value) {
		t.Errorf("the sessions an admin sees: %d %.300s", lres.StatusCode, lb)
	}
	if code := eval[int](p, `fetch('/api/v1/sessions').then((r) => r.status)`); code != 403 {
		t.Errorf("a commander lists the sessions: %d", code)
	}

	// signing out ends the session, and sends the browser to the provider's logout
	p.do("sign out", chromedp.Click("#signout-session"))
	pollNav[bool](p, "signing out did not reach the provider", `location.href.startsWith('`+issuer+`')`)
	if code := withCookie(); code != 401 {
		t.Errorf("the session answers %d after signing out", code)
	}

	// a person whose roles map to none of hexbeat's: a page that says so
	if _, err := chromedp.Call(p.ctx, network.ClearBrowserCookies, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	signInAs(p, issuer, "nobody-1")
	shown := pollNav[string](p, "no refusal page", `document.readyState === 'complete' && location.href.includes('/auth/callback') && document.body.textContent`)
	if !strings.Contains(shown, "No role in hexbeat") || !strings.Contains(shown, "none of your roles") {
		t.Errorf("a person with no role: %.300s", shown)
	}
	axeCheck(p, "the page refusing a person with no role")
	// a program's access token from the provider (client credentials) reads as its role
	form := url.Values{"grant_type": {"client_credentials"}, "scope": {"read"}}
	treq, _ := http.NewRequest("POST", issuer+"/token", strings.NewReader(form.Encode()))
	treq.SetBasicAuth("etl", "etl-secret")
	treq.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	tres, err := http.DefaultClient.Do(treq)
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	tb, _ := io.ReadAll(tres.Body)
	tres.Body.Close()
	if json.Unmarshal(tb, &tok); tok.AccessToken == "" {
		t.Fatalf("no access token from the provider: %d %s", tres.StatusCode, tb)
	}
	bearer := func(token string) (int, string) {
		req, _ := http.NewRequest("GET", self+"/api/v1/status", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		return res.StatusCode, string(b)
	}
	if code, b := bearer(tok.AccessToken); code != 200 || !strings.Contains(b, `"role":"viewer"`) || !strings.Contains(b, `"sub":"etl"`) {
		t.Errorf("a program's access token: %d %.300s", code, b)
	}
	if code, _ := bearer(tok.AccessToken[:len(tok.AccessToken)-4] + "AAAA"); code != 401 {
		t.Errorf("a tampered access token: %d", code)
	}

	// the failed sign-ins are in the audit log, with why: the person with no role, by name,
	// and the unknown state
	_, body := audit()
	var log struct {
		Events []struct{ Action, Subject, Detail string }
	}
	json.Unmarshal([]byte(body), &log)
	var noRole, badState bool
	for _, e := range log.Events {
		if e.Action != "signin.refused" {
			continue
		}
		noRole = noRole || (strings.Contains(e.Subject, "nobody-1") && strings.Contains(e.Detail, "none of your roles"))
		badState = badState || strings.Contains(e.Detail, "state is unknown")
	}
	if !noRole || !badState {
		t.Errorf("failed sign-ins audited: no role %v, unknown state %v: %.800s", noRole, badState, body)
	}

	// and keys keep working beside sign-in
	req, _ := http.NewRequest("GET", self+"/api/v1/status", nil)
	req.Header.Set("Authorization", "Bearer "+key)
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != 200 {
		t.Errorf("a key beside sign-in: %v %v", err, res)
	}
}

// TestSignInProviderUnreachable: a provider that cannot be reached when the server starts
// is logged and does not stop it; sign-in then answers a 503 page that says so, and keys
// keep working.
func TestSignInProviderUnreachable(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "h.db")
	port, gone := freePort(t), freePort(t)
	self := fmt.Sprintf("http://127.0.0.1:%d", port)
	p := openPage(t, "serve", "--db", db, "--addr", fmt.Sprintf("127.0.0.1:%d", port), "--public-url", self,
		"--oidc-issuer", fmt.Sprintf("http://127.0.0.1:%d", gone), "--oidc-client-id", "hexbeat", "--oidc-client-secret", "s",
		"--oidc-role-map", "hexbeat-viewer=viewer")
	key := regexp.MustCompile(`hb_[A-Za-z0-9_-]+`).FindString(p.out.String())
	res, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Get(self + "/auth/login")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 503 || !strings.Contains(string(b), "cannot be reached") {
		t.Errorf("sign-in with the provider gone: %d %.300s", res.StatusCode, b)
	}
	req, _ := http.NewRequest("GET", self+"/api/v1/status", nil)
	req.Header.Set("Authorization", "Bearer "+key)
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != 200 {
		t.Errorf("a key with the provider gone: %v %v", err, res)
	}
}

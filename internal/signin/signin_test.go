package signin

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
)

// issuer is a test OpenID provider's discovery and JWKS, and the key that signs its tokens:
// the harness for the refusals a real provider will not make (an expired token, one
// signed by a key it does not hold, alg none).
type issuer struct {
	url string
	key *rsa.PrivateKey
	// idToken is what its token endpoint answers with as the ID token
	idToken func() string
}

func newIssuer(t *testing.T) *issuer {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	is := &issuer{key: key}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/.well-known/openid-configuration":
			json.NewEncoder(w).Encode(map[string]any{"issuer": is.url, "jwks_uri": is.url + "/jwks", "authorization_endpoint": is.url + "/auth",
				"token_endpoint": is.url + "/token", "id_token_signing_alg_values_supported": []string{"RS256"}})
		case "/token":
			json.NewEncoder(w).Encode(map[string]any{"access_token": "opaque", "token_type": "Bearer", "expires_in": 300, "id_token": is.idToken()})
		case "/jwks":
			json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	is.url = srv.URL
	return is
}

// token signs claims with key (kid k1), with the typ header given.
func token(t *testing.T, key *rsa.PrivateKey, typ string, claims map[string]any) string {
	t.Helper()
	opts := (&jose.SignerOptions{}).WithHeader("kid", "k1")
	if typ != "" {
		opts = opts.WithType(jose.ContentType(typ))
	}
	sig, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key}, opts)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(claims)
	jws, err := sig.Sign(b)
	if err != nil {
		t.Fatal(err)
	}
	s, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestAccessTokens: a program's access token from the provider gives its role; an ID token
// sent as one, an expired or not-yet-valid token, one from another issuer or for another
// audience, one signed by a key the JWKS does not hold, alg none, and one whose roles map
// to nothing are each refused.
func TestAccessTokens(t *testing.T) {
	is := newIssuer(t)
	rp, err := New(context.Background(), Config{Issuer: is.url, ClientID: "hexbeat", PublicURL: "http://127.0.0.1:1", RoleMap: map[string]hexbeat.Role{"hexbeat-analyst": hexbeat.RoleAnalyst}})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	claims := func(change func(map[string]any)) map[string]any {
		c := map[string]any{"iss": is.url, "sub": "svc-etl", "aud": "hexbeat", "exp": now.Add(time.Hour).Unix(), "iat": now.Unix(),
			"client_id": "nightly-etl", "roles": []string{"hexbeat-analyst"}}
		if change != nil {
			change(c)
		}
		return c
	}
	p, role, err := rp.VerifyAccessToken(context.Background(), token(t, is.key, "at+jwt", claims(nil)))
	if err != nil || role != hexbeat.RoleAnalyst || p.Sub != "svc-etl" || p.Username != "nightly-etl" {
		t.Fatalf("a good access token: %v %v %+v", err, role, p)
	}
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	none := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"at+jwt"}`)) + "." +
		base64.RawURLEncoding.EncodeToString(mustJSON(claims(nil))) + "."
	for name, c := range map[string]struct {
		raw  string
		want string
	}{
		"an ID token":         {token(t, is.key, "JWT", claims(func(c map[string]any) { c["nonce"] = "n" })), "not an access token"},
		"expired":             {token(t, is.key, "at+jwt", claims(func(c map[string]any) { c["exp"] = now.Add(-time.Hour).Unix() })), "expired"},
		"not yet valid":       {token(t, is.key, "at+jwt", claims(func(c map[string]any) { c["nbf"] = now.Add(time.Hour).Unix() })), "nbf"},
		"another issuer":      {token(t, is.key, "at+jwt", claims(func(c map[string]any) { c["iss"] = "https://evil.example" })), "different provider"},
		"another audience":    {token(t, is.key, "at+jwt", claims(func(c map[string]any) { c["aud"] = "someone-else" })), "audience"},
		"a key not in JWKS":   {token(t, other, "at+jwt", claims(nil)), "verify"},
		"alg none":            {none, "signature algorithm"},
		"no role mapped":      {token(t, is.key, "at+jwt", claims(func(c map[string]any) { c["roles"] = []string{"cleaner"} })), "no role"},
		"not a JWT at all":    {"hb_abc.def.ghi", "malformed"},
		"a role claim absent": {token(t, is.key, "at+jwt", claims(func(c map[string]any) { delete(c, "roles") })), "no role"},
	} {
		_, _, err := rp.VerifyAccessToken(context.Background(), c.raw)
		if err == nil || !strings.Contains(strings.ToLower(err.Error()), c.want) {
			t.Errorf("%s: %v, want an error saying %q", name, err, c.want)
		}
	}
	if !errors.Is(func() error {
		_, _, err := rp.VerifyAccessToken(context.Background(), token(t, is.key, "", claims(func(c map[string]any) { c["at_hash"] = "x" })))
		return err
	}(), ErrIDToken) {
		t.Error("an ID token with at_hash and no typ was taken")
	}
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

// TestRoleMap: the map is read, an unknown role or a bare value is refused, and the
// highest role a person's values map to is theirs.
func TestRoleMap(t *testing.T) {
	m, err := ParseRoleMap("hexbeat-commander=commander, hexbeat-viewer=viewer")
	if err != nil || m["hexbeat-commander"] != hexbeat.RoleCommander || len(m) != 2 {
		t.Fatalf("%v %v", m, err)
	}
	for _, bad := range []string{"", "x=king", "justavalue", "=viewer"} {
		if _, err := ParseRoleMap(bad); err == nil {
			t.Errorf("%q taken", bad)
		}
	}
	rp := &RP{cfg: Config{RoleMap: m}}
	if r, ok := rp.roleOf([]any{"hexbeat-viewer", "hexbeat-commander", "other"}); !ok || r != hexbeat.RoleCommander {
		t.Errorf("roles: %v %v", r, ok)
	}
	if r, ok := rp.roleOf("hexbeat-viewer"); !ok || r != hexbeat.RoleViewer {
		t.Errorf("a single value: %v %v", r, ok)
	}
	if _, ok := rp.roleOf([]any{"other"}); ok {
		t.Error("an unmapped value gave a role")
	}
}

// TestFinishChecksTheIDToken: the callback's ID token must carry the nonce this sign-in
// sent, be the provider's, for this client and unexpired; the iss parameter must be the
// issuer; the person and role come from its claims.
func TestFinishChecksTheIDToken(t *testing.T) {
	is := newIssuer(t)
	rp, err := New(context.Background(), Config{Issuer: is.url, ClientID: "hexbeat", ClientSecret: "s", PublicURL: "http://127.0.0.1:1",
		RoleMap: map[string]hexbeat.Role{"hexbeat-commander": hexbeat.RoleCommander}})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	idt := func(change func(map[string]any)) func() string {
		return func() string {
			c := map[string]any{"iss": is.url, "sub": "cmd-1", "aud": "hexbeat", "exp": now.Add(time.Hour).Unix(), "iat": now.Unix(),
				"nonce": "mine", "name": "Officer One", "preferred_username": "cmd-1", "roles": []string{"hexbeat-commander"}}
			if change != nil {
				change(c)
			}
			return token(t, is.key, "JWT", c)
		}
	}
	b := Begin{State: "s", Nonce: "mine", Verifier: NewBegin().Verifier}
	is.idToken = idt(nil)
	p, role, _, err := rp.Finish(context.Background(), b, "code", is.url)
	if err != nil || role != hexbeat.RoleCommander || p.Name != "Officer One" || p.Sub != "cmd-1" {
		t.Fatalf("a good sign-in: %v %v %+v", err, role, p)
	}
	for name, c := range map[string]struct {
		token func() string
		iss   string
		want  string
	}{
		"another nonce":     {idt(func(c map[string]any) { c["nonce"] = "theirs" }), "", "nonce"},
		"no nonce":          {idt(func(c map[string]any) { delete(c, "nonce") }), "", "nonce"},
		"expired":           {idt(func(c map[string]any) { c["exp"] = now.Add(-time.Hour).Unix() }), "", "expired"},
		"another client":    {idt(func(c map[string]any) { c["aud"] = "other" }), "", "audience"},
		"another iss param": {idt(nil), "https://evil.example", "issuer"},
		"no role":           {idt(func(c map[string]any) { c["roles"] = []string{} }), "", "no role"},
	} {
		is.idToken = c.token
		_, _, _, err := rp.Finish(context.Background(), b, "code", c.iss)
		if err == nil || !strings.Contains(strings.ToLower(err.Error()), c.want) {
			t.Errorf("%s: %v, want an error saying %q", name, err, c.want)
		}
	}
}

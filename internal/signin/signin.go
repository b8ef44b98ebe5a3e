// Package signin is hexbeat's OpenID Connect relying party: the authorization code flow
// with PKCE (S256), state and nonce against any provider found by discovery, the ID token
// checked (signature from the provider's JWKS, issuer, audience, expiry, nonce), and the
// person's role read from a claim through a role map. It is the only importer of go-oidc
// and golang.org/x/oauth2; it keeps no state (the store keeps the sign-ins under way and the
// sessions).
package signin

import (
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"golang.org/x/oauth2"
)

// Config is the relying party's configuration (hexbeat serve's --oidc-* flags).
type Config struct {
	Issuer       string
	ClientID     string
	ClientSecret string
	PublicURL    string // the address users reach; the redirect URL is PublicURL + "/auth/callback"
	RolesClaim   string // the claim naming the person's roles or groups: roles (the default), groups
	RoleMap      map[string]hexbeat.Role
	Audience     string // what access tokens must be issued for (their aud); default ClientID
}

// ParseRoleMap reads --oidc-role-map: "claim-value=role,...".
func ParseRoleMap(s string) (map[string]hexbeat.Role, error) {
	m := map[string]hexbeat.Role{}
	for _, pair := range strings.Split(s, ",") {
		pair = strings.TrimSpace(pair)
		if pair == "" {
			continue
		}
		value, role, ok := strings.Cut(pair, "=")
		r := hexbeat.Role(strings.TrimSpace(role))
		if !ok || strings.TrimSpace(value) == "" || !slices.Contains(hexbeat.Roles, r) {
			return nil, fmt.Errorf("--oidc-role-map %q: each entry is claim-value=role, the role one of %v", pair, hexbeat.Roles)
		}
		m[strings.TrimSpace(value)] = r
	}
	if len(m) == 0 {
		return nil, errors.New("--oidc-role-map: map at least one claim value to a role (hexbeat-commander=commander,...)")
	}
	return m, nil
}

// RP is the relying party. The provider is discovered at start; when it cannot be reached
// then, it is discovered again at the next sign-in.
type RP struct {
	cfg Config

	mu       sync.Mutex
	provider *oidc.Provider
	endpoint string // RP-initiated logout, when the provider offers it
}

// New makes the relying party and discovers the provider; err says when it cannot be
// reached (the RP still works once it can).
func New(ctx context.Context, cfg Config) (*RP, error) {
	if cfg.RolesClaim == "" {
		cfg.RolesClaim = "roles"
	}
	if cfg.Audience == "" {
		cfg.Audience = cfg.ClientID
	}
	rp := &RP{cfg: cfg}
	_, err := rp.discover(ctx)
	return rp, err
}

// ErrUnreachable is a provider that cannot be reached.
var ErrUnreachable = errors.New("the identity provider cannot be reached")

func (rp *RP) discover(ctx context.Context) (*oidc.Provider, error) {
	rp.mu.Lock()
	defer rp.mu.Unlock()
	if rp.provider != nil {
		return rp.provider, nil
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	p, err := oidc.NewProvider(ctx, rp.cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("%w (%s): %v", ErrUnreachable, rp.cfg.Issuer, err)
	}
	var extra struct {
		EndSession string `json:"end_session_endpoint"`
	}
	_ = p.Claims(&extra)
	rp.provider, rp.endpoint = p, extra.EndSession
	return p, nil
}

func (rp *RP) oauth(p *oidc.Provider) oauth2.Config {
	return oauth2.Config{ClientID: rp.cfg.ClientID, ClientSecret: rp.cfg.ClientSecret, Endpoint: p.Endpoint(),
		RedirectURL: strings.TrimRight(rp.cfg.PublicURL, "/") + "/auth/callback", Scopes: []string{oidc.ScopeOpenID, "profile", "email"}}
}

// Begin is one sign-in's secrets: kept server-side, matched at the callback.
type Begin struct {
	State, Nonce, Verifier string
}

// NewBegin makes a sign-in's random state, nonce and PKCE verifier.
func NewBegin() Begin {
	return Begin{State: oauth2.GenerateVerifier(), Nonce: oauth2.GenerateVerifier(), Verifier: oauth2.GenerateVerifier()}
}

// AuthURL is where the browser goes to sign in: the provider's authorization endpoint with
// the code flow, PKCE (S256), state and nonce.
func (rp *RP) AuthURL(ctx context.Context, b Begin) (string, error) {
	p, err := rp.discover(ctx)
	if err != nil {
		return "", err
	}
	c := rp.oauth(p)
	return c.AuthCodeURL(b.State, oidc.Nonce(b.Nonce), oauth2.S256ChallengeOption(b.Verifier)), nil
}

// ErrNoRole is a person whose claims map to no role of hexbeat's.
var ErrNoRole = errors.New("no role")

// Finish exchanges the callback's code (with the verifier), checks the ID token (its
// signature, issuer, audience, expiry and the nonce given at the start) and reads the
// person and the role: the highest of the roles the claim's values map to. iss is the
// callback's iss parameter (RFC 9207), which must be the issuer when given.
func (rp *RP) Finish(ctx context.Context, b Begin, code, iss string) (hexbeat.Person, hexbeat.Role, string, error) {
	p, err := rp.discover(ctx)
	if err != nil {
		return hexbeat.Person{}, "", "", err
	}
	if iss != "" && iss != rp.cfg.Issuer {
		return hexbeat.Person{}, "", "", fmt.Errorf("the callback names issuer %q, not %q", iss, rp.cfg.Issuer)
	}
	c := rp.oauth(p)
	tok, err := c.Exchange(ctx, code, oauth2.VerifierOption(b.Verifier))
	if err != nil {
		return hexbeat.Person{}, "", "", fmt.Errorf("the provider refused the code: %w", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return hexbeat.Person{}, "", "", errors.New("the provider gave no ID token")
	}
	idt, err := p.Verifier(&oidc.Config{ClientID: rp.cfg.ClientID}).Verify(ctx, raw)
	if err != nil {
		return hexbeat.Person{}, "", "", fmt.Errorf("the ID token: %w", err)
	}
	if idt.Nonce != b.Nonce {
		return hexbeat.Person{}, "", "", errors.New("the ID token's nonce is not the one this sign-in sent")
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		return hexbeat.Person{}, "", "", err
	}
	str := func(k string) string { s, _ := claims[k].(string); return s }
	person := hexbeat.Person{Sub: idt.Subject, Name: str("name"), Username: str("preferred_username"), Email: str("email")}
	role, ok := rp.roleOf(claims[rp.cfg.RolesClaim])
	if !ok {
		return person, "", raw, ErrNoRole
	}
	return person, role, raw, nil
}

// roleOf maps a roles claim (a list, or one value) to the highest role its values name.
func (rp *RP) roleOf(v any) (hexbeat.Role, bool) {
	var values []string
	switch x := v.(type) {
	case string:
		values = []string{x}
	case []any:
		for _, e := range x {
			if s, ok := e.(string); ok {
				values = append(values, s)
			}
		}
	}
	best := -1
	for _, val := range values {
		if r, ok := rp.cfg.RoleMap[val]; ok {
			best = max(best, slices.Index(hexbeat.Roles, r))
		}
	}
	if best < 0 {
		return "", false
	}
	return hexbeat.Roles[best], true
}

// LogoutURL is where to send the browser to end the provider's session too (RP-initiated
// logout), "" when the provider offers none.
func (rp *RP) LogoutURL(idToken string) string {
	rp.mu.Lock()
	endpoint := rp.endpoint
	rp.mu.Unlock()
	if endpoint == "" {
		return ""
	}
	q := url.Values{"client_id": {rp.cfg.ClientID}, "post_logout_redirect_uri": {strings.TrimRight(rp.cfg.PublicURL, "/") + "/"}}
	if idToken != "" {
		q.Set("id_token_hint", idToken)
	}
	return endpoint + "?" + q.Encode()
}

// ErrIDToken is an ID token sent as an access token: it says who signed in to a client, not
// what a program may do.
var ErrIDToken = errors.New("an ID token is not an access token")

// VerifyAccessToken checks a program's access token (a JWT from the same provider): its
// signature by a key of the provider's JWKS with an algorithm the provider declares (never
// "none"), its issuer, audience (Config.Audience), expiry and not-before; and that it is an
// access token (typ at+jwt, RFC 9068; or, for providers that write typ JWT, no nonce,
// at_hash or Keycloak's typ "ID"). The role comes from the same claim as at sign-in.
func (rp *RP) VerifyAccessToken(ctx context.Context, raw string) (hexbeat.Person, hexbeat.Role, error) {
	p, err := rp.discover(ctx)
	if err != nil {
		return hexbeat.Person{}, "", err
	}
	tok, err := p.Verifier(&oidc.Config{ClientID: rp.cfg.Audience}).Verify(ctx, raw)
	if err != nil {
		return hexbeat.Person{}, "", err
	}
	var claims map[string]any
	if err := tok.Claims(&claims); err != nil {
		return hexbeat.Person{}, "", err
	}
	if typ := headerType(raw); !strings.EqualFold(typ, "at+jwt") && !strings.EqualFold(typ, "application/at+jwt") {
		_, nonce := claims["nonce"]
		_, atHash := claims["at_hash"]
		if nonce || atHash || claims["typ"] == "ID" {
			return hexbeat.Person{}, "", ErrIDToken
		}
	}
	str := func(k string) string { s, _ := claims[k].(string); return s }
	person := hexbeat.Person{Sub: tok.Subject, Name: str("name"), Username: cmp.Or(str("preferred_username"), str("client_id")), Email: str("email")}
	role, ok := rp.roleOf(claims[rp.cfg.RolesClaim])
	if !ok {
		return person, "", ErrNoRole
	}
	return person, role, nil
}

// headerType is a JWT's typ header, "" when it has none or is not a JWT.
func headerType(raw string) string {
	head, _, ok := strings.Cut(raw, ".")
	if !ok {
		return ""
	}
	b, err := base64.RawURLEncoding.DecodeString(head)
	if err != nil {
		return ""
	}
	var h struct {
		Typ string `json:"typ"`
	}
	_ = json.Unmarshal(b, &h)
	return h.Typ
}

// LooksLikeJWT says whether a bearer credential has a JWT's shape (three base64url parts),
// as an API key (hb_...) does not.
func LooksLikeJWT(s string) bool { return strings.Count(s, ".") == 2 && !strings.HasPrefix(s, "hb_") }

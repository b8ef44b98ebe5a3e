package main

import (
	"context"
	"crypto/tls"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"time"

	"github.com/hexbeat/hexbeat/geodata"
	"github.com/hexbeat/hexbeat/internal/api"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/hexbeat/hexbeat/internal/ingest"
	"github.com/hexbeat/hexbeat/internal/service"
	"github.com/hexbeat/hexbeat/internal/signin"
	"github.com/hexbeat/hexbeat/internal/store"
	"github.com/hexbeat/hexbeat/web"
)

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg, finish := bindConfig(fs, configSet{db: true, server: true, analysis: true}, os.Getenv)
	demo := fs.Bool("demo", false, "serve the synthetic demo data set from its own store (--demo-db), creating it on first start")
	if !parseFlags(fs, args, finish, stderr) {
		return 2
	}
	log := cfg.logger(stderr)
	dbURL := cfg.DB
	if *demo {
		dbURL = cfg.DemoDB
		if err := ensureDemo(ctx, dbURL, log); err != nil {
			log.Error("demo store", "err", err)
			return 1
		}
	}
	st, err := store.Open(ctx, dbURL)
	if err != nil {
		log.Error("open store", "db", store.Redact(dbURL), "err", err)
		return 1
	}
	defer st.Close()
	if restored, err := st.RestoreIndexes(ctx); err != nil {
		log.Error("rebuild the incident indexes an import run left dropped", "err", err)
	} else if len(restored) > 0 {
		log.Warn("rebuilt the incident indexes an import run left dropped (its process was stopped)", "indexes", restored)
	}
	svc := service.New(st, geodata.Taxonomy(), log)
	svc.SetHarmWeights(cfg.Harm)
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		log.Error("listen", "addr", cfg.Addr, "err", err)
		return 1
	}
	if (cfg.TLSCert == "") != (cfg.TLSKey == "") {
		log.Error("give both --tls-cert and --tls-key, or neither")
		return 2
	}
	if cfg.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey)
		if err != nil {
			log.Error("TLS certificate", "err", err)
			return 1
		}
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
	}
	haveKeys, err := svc.AuthRequired(ctx)
	if err != nil {
		log.Error("read keys", "err", err)
		return 1
	}
	// The demo may run without keys, but only on loopback. Anything else needs keys: on
	// the first start of a store without any, an admin key is created and shown once.
	open := *demo && !haveKeys && isLoopback(ln.Addr())
	if !open && !haveKeys {
		k, secret, err := svc.CreateKey(ctx, "admin (created at first start)", hexbeat.RoleAdmin, "system (first start)")
		if err != nil {
			log.Error("create the first admin key", "err", err)
			return 1
		}
		if cfg.AdminKeyFile != "" {
			if err := writeSecret(cfg.AdminKeyFile, secret+"\n"); err != nil {
				log.Error("write the admin key", "file", cfg.AdminKeyFile, "err", err)
				return 1
			}
			fmt.Fprintf(stdout, "hexbeat: the store had no API keys, so an admin key (id %d) was created and written to %s (mode 0600)\n", k.ID, cfg.AdminKeyFile)
		} else {
			fmt.Fprintf(stdout, "hexbeat: the store had no API keys, so an admin key (id %d) was created. It is shown this once; keep it safe:\n  %s\n"+
				"  use it as Authorization: Bearer <key>, or open the map with ?key=<key>; make more with `hexbeat keys create`\n", k.ID, secret)
		}
	}
	svc.SetUploadLimits(ingest.UploadLimits{MaxFiles: cfg.UploadMaxFiles, MaxBytes: int64(cfg.UploadMaxMB) << 20})
	var hosts []string
	if open { // keyless: a page of another site that has made its name point here (DNS rebinding) must not read it
		hosts = loopbackHosts(ln.Addr())
	}
	acfg := api.Config{RequestTimeout: cfg.RequestTimeout, BasemapURL: cfg.BasemapURL, Open: open, AllowedHosts: hosts,
		RateLimit: cfg.RateLimit, CacheBytes: cacheBytes(cfg.CacheMB), MaxAnalyses: cfg.MaxAnalyses, MaxAnalysesPerKey: cfg.MaxPerKey,
		TLS: cfg.TLSCert != "", TrustedProxies: splitList(cfg.TrustedProxies), PublicURL: cfg.PublicURL}
	if cfg.OIDCIssuer != "" {
		if acfg.SignIn, err = signInService(ctx, cfg, svc, log); err != nil {
			log.Error("sign-in", "err", err)
			return 2
		}
		acfg.Open, acfg.AllowedHosts = false, nil
	}
	srv := api.New(svc, log, acfg, web.Dist())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	// the server answers /healthz at once and /readyz once the index is loaded
	if err := svc.Sync(ctx); err != nil {
		log.Error("load index", "err", err)
		srv.Shutdown(context.Background())
		return 1
	}
	notify, err := st.Listen(ctx, func(err error) { log.Warn("listen for imports", "err", err) })
	if err != nil {
		log.Warn("no import notifications; polling only", "err", err)
	}
	go svc.Run(ctx, cfg.SyncInterval, notify)
	status := svc.Status(ctx)
	scheme := "http"
	if cfg.TLSCert != "" {
		scheme = "https"
	}
	log.Info("hexbeat serving", "url", scheme+"://"+ln.Addr().String()+"/", "store", store.Redact(dbURL),
		"incidents", status.Incidents, "demo", status.Demo)
	if status.Demo {
		if open {
			log.Info("demo on loopback without API keys: requests need no key")
		}
		fmt.Fprintf(stdout, "hexbeat: serving DEMO DATA (synthetic, not police data) at %s://%s/\n", scheme, ln.Addr())
	} else {
		fmt.Fprintf(stdout, "hexbeat: serving %d incidents at %s://%s/\n", status.Incidents, scheme, ln.Addr())
	}
	select {
	case err := <-served:
		if err != nil {
			log.Error("serve", "err", err)
			return 1
		}
		return 0
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		log.Error("shutdown", "err", err)
		return 1
	}
	return 0
}

// isLoopback reports whether the server listens on a loopback address only.
func isLoopback(a net.Addr) bool {
	tcp, ok := a.(*net.TCPAddr)
	return ok && tcp.IP.IsLoopback()
}

func cacheBytes(mb int) int {
	if mb <= 0 {
		return -1
	}
	return mb << 20
}

// loopbackHosts are the names a loopback server may be asked for by: localhost and the
// loopback addresses, with and without the port it listens on.
func loopbackHosts(addr net.Addr) []string {
	_, port, _ := net.SplitHostPort(addr.String())
	var out []string
	for _, h := range []string{"localhost", "127.0.0.1", "[::1]"} {
		out = append(out, h, h+":"+port)
	}
	if host, _, err := net.SplitHostPort(addr.String()); err == nil && host != "127.0.0.1" && host != "::1" {
		out = append(out, host, net.JoinHostPort(host, port))
	}
	return out
}

// writeSecret writes a secret to a new file only its owner may read; it never overwrites.
func writeSecret(path, secret string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(secret); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// splitList reads a comma-separated list, leaving out empty items.
func splitList(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

// signInService sets up sign-in through the OpenID Connect provider of --oidc-issuer. A
// provider that cannot be reached at start is logged, and found at the first sign-in;
// keys keep working meanwhile.
func signInService(ctx context.Context, cfg *Config, svc *service.Service, log *slog.Logger) (hexbeat.SignInService, error) {
	if cfg.PublicURL == "" || cfg.OIDCClientID == "" {
		return nil, fmt.Errorf("--oidc-issuer needs --public-url (the address users reach) and --oidc-client-id")
	}
	roles, err := signin.ParseRoleMap(cfg.OIDCRoleMap)
	if err != nil {
		return nil, err
	}
	if cfg.OIDCClientSecretFile != "" {
		b, err := os.ReadFile(cfg.OIDCClientSecretFile)
		if err != nil {
			return nil, fmt.Errorf("--oidc-client-secret-file: %w", err)
		}
		cfg.OIDCClientSecret = strings.TrimSpace(string(b))
	}
	rp, err := signin.New(ctx, signin.Config{Issuer: strings.TrimRight(cfg.OIDCIssuer, "/"), ClientID: cfg.OIDCClientID, ClientSecret: cfg.OIDCClientSecret,
		PublicURL: cfg.PublicURL, RolesClaim: cfg.OIDCRolesClaim, RoleMap: roles, Audience: cfg.OIDCAudience})
	if err != nil {
		log.Warn("sign-in: the identity provider cannot be reached now; sign-in will try again, and keys keep working", "err", err)
	} else {
		log.Info("sign-in through the identity provider", "issuer", cfg.OIDCIssuer, "redirect", strings.TrimRight(cfg.PublicURL, "/")+"/auth/callback")
	}
	return svc.SignIn(rp), nil
}

package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/hexbeat/hexbeat/geodata"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/hexbeat/hexbeat/internal/service"
	"github.com/hexbeat/hexbeat/internal/store"
)

// Config is every setting, with defaults in code, overridden by the environment, overridden
// by flags. Load reports every problem at once.
type Config struct {
	DB             string
	Addr           string
	LogLevel       string
	LogFormat      string
	SyncInterval   time.Duration
	RequestTimeout time.Duration
	BasemapURL     string
	DemoDB         string
	RateLimit      float64 // API requests a second per key
	CacheMB        int     // answer cache for layer routes; negative: none
	MaxAnalyses    int     // analyses running at once; 0: twice the CPUs
	MaxPerKey      int     // of which one key's; 0: half of MaxAnalyses
	UploadMaxMB    int     // what one upload may unpack to
	UploadMaxFiles int     // and how many files it may hold
	AdminKeyFile   string  // where the first start's admin key goes instead of stdout
	TLSCert        string  // serve HTTPS with this certificate and key
	TLSKey         string
	TrustedProxies string // comma-separated addresses or CIDRs of reverse proxies
	// OpenID Connect sign-in (off unless OIDCIssuer is set)
	PublicURL            string // the address users reach; the redirect URL is PublicURL/auth/callback
	OIDCIssuer           string
	OIDCClientID         string
	OIDCClientSecret     string
	OIDCRolesClaim       string               // roles (the default) or groups
	OIDCRoleMap          string               // claim-value=role,...
	OIDCAudience         string               // what programs' access tokens are issued for; default the client id
	OIDCClientSecretFile string               // a file holding the client secret, instead of the flag
	HarmWeights          string               // a CSV of category,weight; empty: the embedded Crime Harm Index
	Harm                 *hexbeat.HarmWeights // loaded from HarmWeights by finish
}

func defaultConfig() Config {
	return Config{
		DB:             "sqlite:hexbeat.db",
		Addr:           "127.0.0.1:8080",
		LogLevel:       "info",
		LogFormat:      "text",
		SyncInterval:   time.Second,
		RequestTimeout: 30 * time.Second,
		DemoDB:         "sqlite:hexbeat-demo.db",
		RateLimit:      100,
		CacheMB:        256,
		UploadMaxMB:    int(service.DefaultUploadLimits.MaxBytes >> 20),
		UploadMaxFiles: service.DefaultUploadLimits.MaxFiles,
	}
}

// configSet lists what a command uses, so flags appear only where they mean something.
type configSet struct{ db, server, analysis bool }

// bindConfig registers the configuration flags on fs, with the environment applied
// first; call finish after fs.Parse.
func bindConfig(fs *flag.FlagSet, set configSet, getenv func(string) string) (*Config, func() error) {
	c := defaultConfig()
	var errs []error
	env := func(name string, dst *string) {
		if v := getenv(name); v != "" {
			*dst = v
		}
		if file := getenv(name + "_FILE"); file != "" {
			b, err := os.ReadFile(file)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s_FILE: %w", name, err))
				return
			}
			*dst = strings.TrimSpace(string(b))
		}
	}
	envDur := func(name string, dst *time.Duration) {
		if v := getenv(name); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				errs = append(errs, fmt.Errorf("%s: %q is not a positive duration (e.g. 2s)", name, v))
				return
			}
			*dst = d
		}
	}
	env("DATABASE_URL", &c.DB)
	env("HEXBEAT_LOG_LEVEL", &c.LogLevel)
	env("HEXBEAT_LOG_FORMAT", &c.LogFormat)
	if set.db {
		fs.StringVar(&c.DB, "db", c.DB, "store URL: sqlite:PATH or postgres://... (env DATABASE_URL)")
	}
	if set.server {
		env("HEXBEAT_ADDR", &c.Addr)
		env("HEXBEAT_BASEMAP_URL", &c.BasemapURL)
		env("HEXBEAT_DEMO_DB", &c.DemoDB)
		envDur("HEXBEAT_SYNC_INTERVAL", &c.SyncInterval)
		envDur("HEXBEAT_REQUEST_TIMEOUT", &c.RequestTimeout)
		fs.StringVar(&c.Addr, "addr", c.Addr, "listen address host:port (env HEXBEAT_ADDR)")
		env("HEXBEAT_ADMIN_KEY_FILE", &c.AdminKeyFile)
		env("HEXBEAT_TLS_CERT", &c.TLSCert)
		env("HEXBEAT_TLS_KEY", &c.TLSKey)
		env("HEXBEAT_TRUSTED_PROXIES", &c.TrustedProxies)
		fs.StringVar(&c.AdminKeyFile, "admin-key-file", c.AdminKeyFile, "write the admin key made on a keyless store's first start to this new file (mode 0600) instead of standard output, which container logs keep (env HEXBEAT_ADMIN_KEY_FILE)")
		fs.StringVar(&c.TLSCert, "tls-cert", c.TLSCert, "serve HTTPS with this PEM certificate (with --tls-key); answers then carry Strict-Transport-Security (env HEXBEAT_TLS_CERT)")
		fs.StringVar(&c.TLSKey, "tls-key", c.TLSKey, "the PEM private key of --tls-cert (env HEXBEAT_TLS_KEY)")
		fs.StringVar(&c.TrustedProxies, "trusted-proxies", c.TrustedProxies, "comma-separated addresses or CIDRs of reverse proxies whose X-Forwarded-For names the client, for rate limits, failed sign-ins and the audit log (env HEXBEAT_TRUSTED_PROXIES)")
		env("HEXBEAT_PUBLIC_URL", &c.PublicURL)
		env("HEXBEAT_OIDC_ISSUER", &c.OIDCIssuer)
		env("HEXBEAT_OIDC_CLIENT_ID", &c.OIDCClientID)
		env("HEXBEAT_OIDC_CLIENT_SECRET", &c.OIDCClientSecret)
		env("HEXBEAT_OIDC_ROLES_CLAIM", &c.OIDCRolesClaim)
		env("HEXBEAT_OIDC_ROLE_MAP", &c.OIDCRoleMap)
		env("HEXBEAT_OIDC_AUDIENCE", &c.OIDCAudience)
		fs.StringVar(&c.OIDCClientSecretFile, "oidc-client-secret-file", c.OIDCClientSecretFile, "a file holding the client secret (as a container's secret is mounted), instead of --oidc-client-secret")
		fs.StringVar(&c.OIDCAudience, "oidc-audience", c.OIDCAudience, "the audience (aud) programs' access tokens must carry; default the client id (env HEXBEAT_OIDC_AUDIENCE)")
		fs.StringVar(&c.PublicURL, "public-url", c.PublicURL, "the address users reach (https://hexbeat.force.example); sign-in's redirect URL is it + /auth/callback (env HEXBEAT_PUBLIC_URL)")
		fs.StringVar(&c.OIDCIssuer, "oidc-issuer", c.OIDCIssuer, "sign people in through this OpenID Connect provider (its issuer URL, found by discovery); keys keep working (env HEXBEAT_OIDC_ISSUER)")
		fs.StringVar(&c.OIDCClientID, "oidc-client-id", c.OIDCClientID, "hexbeat's client id at the provider (env HEXBEAT_OIDC_CLIENT_ID)")
		fs.StringVar(&c.OIDCClientSecret, "oidc-client-secret", c.OIDCClientSecret, "hexbeat's client secret (env HEXBEAT_OIDC_CLIENT_SECRET, or HEXBEAT_OIDC_CLIENT_SECRET_FILE)")
		fs.StringVar(&c.OIDCRolesClaim, "oidc-roles-claim", c.OIDCRolesClaim, "the ID token claim holding the person's roles: roles (the default), or groups for Entra ID group ids (env HEXBEAT_OIDC_ROLES_CLAIM)")
		fs.StringVar(&c.OIDCRoleMap, "oidc-role-map", c.OIDCRoleMap, "claim values to hexbeat roles: hexbeat-commander=commander,hexbeat-viewer=viewer (env HEXBEAT_OIDC_ROLE_MAP)")
		fs.StringVar(&c.BasemapURL, "basemap", c.BasemapURL, "MapLibre style URL for the web map's basemap; empty for none (env HEXBEAT_BASEMAP_URL)")
		fs.DurationVar(&c.SyncInterval, "sync-interval", c.SyncInterval, "how often to look for imports made by other processes (env HEXBEAT_SYNC_INTERVAL)")
		fs.DurationVar(&c.RequestTimeout, "request-timeout", c.RequestTimeout, "longest time a request may take (env HEXBEAT_REQUEST_TIMEOUT)")
		fs.StringVar(&c.DemoDB, "demo-db", c.DemoDB, "the demo store used by --demo (env HEXBEAT_DEMO_DB)")
		if v := getenv("HEXBEAT_RATE_LIMIT"); v != "" {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				errs = append(errs, fmt.Errorf("HEXBEAT_RATE_LIMIT: %q is not a number", v))
			}
			c.RateLimit = f
		}
		envInt := func(name string, dst *int) {
			if v := getenv(name); v != "" {
				n, err := strconv.Atoi(v)
				if err != nil {
					errs = append(errs, fmt.Errorf("%s: %q is not a whole number", name, v))
				}
				*dst = n
			}
		}
		envInt("HEXBEAT_CACHE_MB", &c.CacheMB)
		envInt("HEXBEAT_MAX_ANALYSES", &c.MaxAnalyses)
		envInt("HEXBEAT_MAX_ANALYSES_PER_KEY", &c.MaxPerKey)
		envInt("HEXBEAT_UPLOAD_MAX_MB", &c.UploadMaxMB)
		envInt("HEXBEAT_UPLOAD_MAX_FILES", &c.UploadMaxFiles)
		fs.IntVar(&c.UploadMaxMB, "upload-max-mb", c.UploadMaxMB, "what one upload (POST /api/v1/imports) may unpack to, in MiB: a ZIP is refused with 413 beyond it (env HEXBEAT_UPLOAD_MAX_MB)")
		fs.IntVar(&c.UploadMaxFiles, "upload-max-files", c.UploadMaxFiles, "files one uploaded ZIP may hold (env HEXBEAT_UPLOAD_MAX_FILES)")
		fs.IntVar(&c.MaxAnalyses, "max-analyses", c.MaxAnalyses, "analyses (layers, downloads, planners, backtests) running at once, all keys; more wait briefly, then get 503 (default twice the CPUs; env HEXBEAT_MAX_ANALYSES)")
		fs.IntVar(&c.MaxPerKey, "max-analyses-per-key", c.MaxPerKey, "of which one key's or signed-in person's; their more wait briefly, then get 429 (default half of --max-analyses; env HEXBEAT_MAX_ANALYSES_PER_KEY)")
		fs.IntVar(&c.CacheMB, "cache-mb", c.CacheMB, "memory for answers of layer requests, reused until the data change; negative: no cache (env HEXBEAT_CACHE_MB)")
		fs.Float64Var(&c.RateLimit, "rate-limit", c.RateLimit, "API requests a second allowed per key or signed-in person, with bursts of twice that; a negative value turns the limit off (env HEXBEAT_RATE_LIMIT)")
	}
	if set.analysis {
		env("HEXBEAT_HARM_WEIGHTS", &c.HarmWeights)
		fs.StringVar(&c.HarmWeights, "harm-weights", c.HarmWeights, "CSV of category,weight for weight=harm; categories it omits weigh "+strconv.FormatFloat(geodata.HarmFloor, 'g', -1, 64)+" (default: the embedded Cambridge Crime Harm Index; env HEXBEAT_HARM_WEIGHTS)")
	}
	fs.StringVar(&c.LogLevel, "log-level", c.LogLevel, "debug, info, warn or error (env HEXBEAT_LOG_LEVEL)")
	fs.StringVar(&c.LogFormat, "log-format", c.LogFormat, "text or json (env HEXBEAT_LOG_FORMAT)")
	finish := func() error {
		if set.db {
			if _, _, err := store.ParseURL(c.DB); err != nil {
				errs = append(errs, fmt.Errorf("--db: %w", err))
			}
		}
		if set.server {
			if _, _, err := store.ParseURL(c.DemoDB); err != nil {
				errs = append(errs, fmt.Errorf("--demo-db: %w", err))
			}
			if !strings.Contains(c.Addr, ":") {
				errs = append(errs, fmt.Errorf("--addr: %q is not host:port", c.Addr))
			}
			if c.SyncInterval <= 0 || c.RequestTimeout <= 0 {
				errs = append(errs, fmt.Errorf("--sync-interval and --request-timeout must be positive"))
			}
		}
		if set.analysis {
			c.Harm = geodata.HarmWeights(geodata.Taxonomy())
			if c.HarmWeights != "" {
				f, err := os.Open(c.HarmWeights)
				if err == nil {
					c.Harm, err = hexbeat.ReadHarmWeights(f, geodata.Taxonomy(), geodata.HarmFloor, c.HarmWeights)
					f.Close()
				}
				if err != nil {
					errs = append(errs, fmt.Errorf("--harm-weights: %w", err))
				}
			}
		}
		if _, ok := levels[strings.ToLower(c.LogLevel)]; !ok {
			errs = append(errs, fmt.Errorf("--log-level: %q is not debug, info, warn or error", c.LogLevel))
		}
		if c.LogFormat != "text" && c.LogFormat != "json" {
			errs = append(errs, fmt.Errorf("--log-format: %q is not text or json", c.LogFormat))
		}
		return errors.Join(errs...)
	}
	return &c, finish
}

var levels = map[string]slog.Level{"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError}

func (c *Config) logger(w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: levels[strings.ToLower(c.LogLevel)]}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// parseFlags parses args with the configuration bound, printing every error at once.
func parseFlags(fs *flag.FlagSet, args []string, finish func() error, stderr io.Writer) bool {
	// flags may follow the arguments (hexbeat imports withdraw 12 --yes, hexbeat import
	// jan.csv --db URL); after "--" everything is an argument
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return false
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		if used := len(args) - len(rest); used > 0 && args[used-1] == "--" {
			pos = append(pos, rest...)
			break
		}
		pos, args = append(pos, rest[0]), rest[1:]
	}
	fs.Parse(append([]string{"--"}, pos...)) // fs.Args() is now the arguments
	if err := finish(); err != nil {
		fmt.Fprintf(stderr, "hexbeat %s: configuration errors:\n", fs.Name())
		for _, line := range strings.Split(err.Error(), "\n") {
			fmt.Fprintf(stderr, "  %s\n", line)
		}
		return false
	}
	return true
}

package hexbeat_test

import (
	"encoding/json"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestDependencyRules enforces the layout of docs/architecture.md with `go list`: the domain imports
// only the standard library and orb; each third-party library lives in one package; the
// adapters do not import each other.
func TestDependencyRules(t *testing.T) {
	out, err := exec.Command("go", "list", "-json", "github.com/hexbeat/hexbeat/...").Output()
	if err != nil {
		t.Skipf("go list unavailable: %v", err)
	}
	const mod = "github.com/hexbeat/hexbeat/"
	owner := map[string][]string{ // third-party import prefix -> the packages allowed it
		"github.com/uber/h3-go":    {"internal/grid"},
		"github.com/gofiber/fiber": {"internal/api"},
		"github.com/jmoiron/sqlx":  {"internal/store"},
		"github.com/lib/pq":        {"internal/store"},
		// the store's database, and GeoPackage files read (only read) as the SQLite they are
		"modernc.org/sqlite":              {"internal/store", "internal/gpkg"},
		"golang.org/x/text":               {"internal/ingest"}, // reading Windows-1252
		"github.com/twpayne/go-shapefile": {"internal/ingest"},
		"github.com/twpayne/go-geom":      {"internal/ingest"}, // the Shapefile reader's geometries
		"github.com/coreos/go-oidc":       {"internal/signin"},
		"golang.org/x/oauth2":             {"internal/signin"},
	}
	forbidden := map[string][]string{ // package -> module packages it must not import
		"internal/hexbeat":  {"internal/", "cmd/", "web", "geodata"},
		"internal/api":      {"internal/store", "internal/ingest", "internal/service", "internal/index", "internal/analysis", "internal/plan"},
		"internal/store":    {"internal/api", "internal/ingest", "internal/service", "internal/index"},
		"internal/ingest":   {"internal/api", "internal/store", "internal/service", "internal/index"},
		"internal/index":    {"internal/api", "internal/store", "internal/ingest", "internal/service"},
		"internal/grid":     {"internal/api", "internal/store", "internal/ingest", "internal/service", "internal/index"},
		"internal/policeuk": {"internal/api", "internal/store", "internal/ingest", "internal/service", "internal/index"},
		// the encoders write domain values and know nothing of where they came from
		"internal/encode": {"internal/api", "internal/store", "internal/ingest", "internal/service", "internal/index", "internal/analysis", "internal/plan", "internal/catalog"},
		// the layer catalogue reads parameters and asks the service's roles, through the domain
		"internal/catalog": {"internal/api", "internal/store", "internal/ingest", "internal/service", "internal/index", "internal/analysis", "internal/plan"},
		// coordinate transformations: pure arithmetic, the standard library alone
		"internal/crs": {"internal/", "cmd/", "web", "geodata"},
		// reading GeoPackage files: a leaf, knowing nothing of hexbeat
		"internal/gpkg": {"internal/", "cmd/", "web", "geodata"},
		// the OpenID Connect relying party: the domain's types, no adapter
		"internal/signin": {"internal/api", "internal/store", "internal/ingest", "internal/service", "internal/index", "internal/analysis", "internal/plan", "internal/catalog", "internal/encode"},
		// the pure packages take and return domain values: no I/O, no adapters
		"internal/stats": {"internal/api", "internal/store", "internal/ingest", "internal/service", "internal/index", "internal/analysis", "internal/plan", "internal/catalog", "internal/encode"},
		"internal/plan":  {"internal/api", "internal/store", "internal/ingest", "internal/service", "internal/index", "internal/analysis", "internal/catalog", "internal/encode"},
	}
	// standard packages a package must not import: the command line runs no HTTP server
	// inside itself to answer its own commands (it calls the service and the encoders)
	forbiddenStd := map[string][]string{"cmd/hexbeat": {"net/http/httptest"}}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	seen := 0
	for dec.More() {
		var p struct {
			ImportPath string
			Imports    []string
		}
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		seen++
		name := strings.TrimPrefix(p.ImportPath, mod)
		for _, imp := range p.Imports {
			for prefix, allowed := range owner {
				if strings.HasPrefix(imp, prefix) && !slices.Contains(allowed, name) {
					t.Errorf("%s imports %s; only %s may", name, imp, allowed)
				}
			}
			if name == "internal/hexbeat" && strings.Contains(strings.Split(imp, "/")[0], ".") && !strings.HasPrefix(imp, "github.com/paulmach/orb") {
				t.Errorf("the domain imports %s; it may use only the standard library and orb", imp)
			}
			for _, f := range forbiddenStd[name] {
				if imp == f {
					t.Errorf("%s imports %s", name, imp)
				}
			}
			for _, f := range forbidden[name] {
				if strings.HasPrefix(imp, mod+f) && imp != p.ImportPath {
					t.Errorf("%s imports %s", name, imp)
				}
			}
		}
	}
	if seen < 8 {
		t.Errorf("go list saw only %d packages", seen)
	}
}

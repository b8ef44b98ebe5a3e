# hexbeat: `make run` starts the server and map on the synthetic demo store;
# `make test` runs the whole suite (it starts a local PostgreSQL with PostGIS itself).
SHELL := /bin/bash
export PATH := $(PATH):/usr/local/go/bin
GO ?= go
BIN := bin/hexbeat

.PHONY: run build web test test-go bench bench-process bench-scale bench-gistar-r fuzz vet clean

run: build
	./$(BIN) serve --demo

build: web
	$(GO) build -o $(BIN) ./cmd/hexbeat

# The web map is built with esbuild from web/src into web/dist, which the binary embeds.
web: web/dist/index.html

web/node_modules/.package-lock.json: web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund

web/dist/index.html: web/node_modules/.package-lock.json web/build.mjs $(shell find web/src -type f)
	cd web && npm run build

vet:
	$(GO) vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }

# The suite: vet, then every Go test with the race detector, against SQLite and a real
# PostgreSQL+PostGIS (scripts/test-postgres.sh installs and starts it when it can).
test: vet web
	eval "$$(scripts/test-postgres.sh)"; \
	  if [ -z "$$HEXBEAT_TEST_POSTGRES" ] && [ -n "$$CI" ]; then echo "PostgreSQL is required in CI"; exit 1; fi; \
	  $(GO) test -race -count=1 -timeout 20m ./...
	$(MAKE) fuzz FUZZTIME=5s

# Every fuzz target for a fixed time (make test: 5 s each; longer: make fuzz FUZZTIME=10m).
# A crasher is written to testdata/fuzz/ and then runs as a regression test with the suite.
FUZZTIME ?= 60s
FUZZ_TARGETS = ./internal/ingest:FuzzRead ./internal/ingest:FuzzReadGeneric ./internal/ingest:FuzzReadGrid ./internal/ingest:FuzzReadGeoJSON \
	./internal/ingest:FuzzReadPoliceUK ./internal/api:FuzzQueryParams ./internal/api:FuzzRequestBodies \
	./internal/ingest:FuzzPlainPosition ./internal/ingest:FuzzCSVMatchesEncodingCSV ./internal/store:FuzzReadMultiPolygon \
	./internal/ingest:FuzzReadShapefile

# Benchmarks: testing.B in the packages, then the whole-process script. Results go to
# docs/benchmarks.md by hand, with the date and machine.
bench:
	eval "$$(scripts/test-postgres.sh)"; \
	  $(GO) test -run '^$$' -bench . -benchmem -benchtime 3x -timeout 60m ./internal/...

# Gi* against R spdep on the same input (installs r-cran-spdep from Debian; benchmark only)
bench-gistar-r:
	scripts/bench-gistar-r.sh

bench-process: build
	scripts/bench-process.sh

# National scale (SCALE = 1M, 10M or 60M): generate, import into PostgreSQL, serve, and
# compare with PostGIS SQL and R spdep on the same data (10M takes about 15 minutes here)
SCALE ?= 1M
bench-scale: build
	scripts/bench-scale.sh $(SCALE)

fuzz:
	GO=$(GO) scripts/fuzz.sh $(FUZZTIME) $(FUZZ_TARGETS)

clean:
	rm -rf bin web/dist/*.js web/dist/*.mjs web/dist/*.css web/dist/*.html

#!/usr/bin/env bash
# Gi* side by side: hexbeat against R spdep::localG (Gi*) on the same study area, the
# same neighbours and the same counts: Milton Keynes 2025-01..06 at res 9 (the fixture's
# area). Installs r-cran-spdep from Debian for the benchmark only; the product never needs R.
# Usage: scripts/bench-gistar-r.sh  (from the repository root, ../shared beside it)
set -euo pipefail
SHARED=${SHARED:-../shared}
command -v Rscript >/dev/null && Rscript -e 'library(spdep)' >/dev/null 2>&1 || {
  echo "installing r-cran-spdep (benchmark only)" >&2
  apt-get install -y r-cran-spdep >/dev/null
}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
go run ./scripts/gistar-peer -out "$work/area.csv" -reps 2000 \
  "$SHARED"/data/police/street/2025-0[1-6]-thames-valley-street.csv \
  "$SHARED/data/boundaries/milton-keynes-boundary.geojson"
Rscript - "$work/area.csv" "$SHARED/fixtures/gistar/mk-2025h1-res9-all.csv" <<'R'
suppressMessages(library(spdep))
a <- commandArgs(TRUE)
d <- read.csv(a[1], colClasses = c("character", "numeric", "character"))
nb <- lapply(strsplit(d$neighbours, " "), as.integer)
class(nb) <- "nb"; attr(nb, "self.included") <- TRUE
lw <- nb2listw(nb, style = "B")
reps <- 200
t <- system.time(for (i in 1:reps) z <- localG(d$count, lw))[["elapsed"]] / reps
cat(sprintf("R spdep localG (Gi*): %d cells: %.3f ms per run (mean of %d)\n", nrow(d), 1000 * t, reps))
f <- read.csv(a[2], colClasses = c("character", rep("numeric", 4)))
m <- match(f$cell, d$cell)
cat(sprintf("max |z(R on hexbeat's input) - fixture z| = %.2g over %d cells\n", max(abs(as.numeric(z)[m] - f$gistar_z)), nrow(f)))
R

#!/usr/bin/env bash
# The peer values for TestMoranByRadiusEqualsSpdep and TestLocalMoranEqualsSpdep: global
# Moran's I of the Gi* fixture's study area and counts (Milton Keynes 2025-01..06, res 9) at
# radii k = 1..10, and local Moran's I at k = 1, computed without hexbeat: neighbours by
# h3-js (gridDisk within the study area, self excluded), Moran's I by R spdep's moran.test
# (binary weights, randomisation, two-sided, zero.policy, adjust.n = FALSE) and localmoran
# (row-standardised weights, its defaults: conditional randomisation, two-sided). Run by
# hand when the definitions change; writes internal/stats/testdata/.
# Installs h3-js (npm, into a temporary directory) and r-cran-spdep (Debian) if missing.
# Usage: scripts/moran-peer.sh  (from the repository root, ../shared beside it)
set -euo pipefail
SHARED=${SHARED:-../shared}
FIX=$SHARED/fixtures/gistar/mk-2025h1-res9-all.csv
OUT=internal/stats/testdata/moran-mk-2025h1-res9.csv
LOCAL=internal/stats/testdata/local-moran-mk-2025h1-res9-k1.csv
command -v Rscript >/dev/null && Rscript -e 'library(spdep)' >/dev/null 2>&1 || apt-get install -y r-cran-spdep >/dev/null
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
npm install --prefix "$work" --no-audit --no-fund --silent h3-js@4.5.0 >/dev/null
for k in $(seq 1 10); do
  NODE_PATH=$work/node_modules node - "$FIX" "$k" >"$work/nb$k.txt" <<'JS'
const fs = require('fs'); const h3 = require('h3-js');
const [fix, k] = process.argv.slice(2);
const rows = fs.readFileSync(fix, 'utf8').trim().split('\n').slice(1).map(l => l.split(','));
const pos = new Map(rows.map((r, i) => [r[0], i + 1]));
for (const [cell] of rows) {
  const nb = h3.gridDisk(cell, +k).filter(c => c !== cell && pos.has(c)).map(c => pos.get(c)).sort((a, b) => a - b);
  console.log(nb.length ? nb.join(' ') : '0');
}
JS
done
Rscript - "$FIX" "$work" "$LOCAL" >"$OUT" <<'R'
suppressMessages(library(spdep))
a <- commandArgs(TRUE)
f <- read.csv(a[1], colClasses = c("character", rep("numeric", 4)))
cat("k,i,expected,variance,z,p\n")
for (k in 1:10) {
  l <- readLines(file.path(a[2], sprintf("nb%d.txt", k)))
  nb <- lapply(strsplit(l, " "), as.integer)
  class(nb) <- "nb"
  lw <- nb2listw(nb, style = "B", zero.policy = TRUE)
  m <- moran.test(f$count, lw, randomisation = TRUE, zero.policy = TRUE, adjust.n = FALSE, alternative = "two.sided")
  e <- m$estimate
  cat(sprintf("%d,%.15g,%.15g,%.15g,%.15g,%.15g\n", k, e[[1]], e[[2]], e[[3]], m$statistic[[1]], m$p.value))
  if (k == 1) {
    lm <- localmoran(f$count, nb2listw(nb, style = "W", zero.policy = TRUE), zero.policy = TRUE)
    out <- data.frame(cell = f$cell, ii = lm[, 1], expected = lm[, 2], variance = lm[, 3], z = lm[, 4], p = lm[, 5])
    write.csv(format(out, digits = 15), a[3], row.names = FALSE, quote = FALSE)
  }
}
R
echo "wrote $OUT and $LOCAL" >&2

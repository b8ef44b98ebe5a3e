#!/usr/bin/env bash
# Scale benchmark and side by side with peers, in one run on the same input:
#  1. benchgen data (SCALE = 1M, 10M or 60M incidents resampled from the real Thames Valley
#     files) imported into PostgreSQL+PostGIS with `hexbeat import` (skipped with DB=URL of
#     a database already loaded);
#  2. `hexbeat serve` on it: start-up load time, resident memory before and after loading;
#  3. the same counts three ways: hexbeat's /api/v1/cells, PostGIS SQL grouping the stored
#     resolution-15 H3 cell by its parent (bit arithmetic in SQL), and PostGIS
#     ST_HexagonGrid (a planar grid of the same cell size, joined spatially), ratio reported;
#  4. Gi* over the Milton Keynes study area, hexbeat against R spdep::localG (Debian's
#     r-cran-spdep, installed for the benchmark only), and the server's Gi* and Section 60
#     requests.
# Usage: scripts/bench-scale.sh [SCALE]   (after make build; ../shared beside the repository)
# Prints a Markdown report. Environment: DB (reuse a loaded database), REPS (default 5).
set -euo pipefail
cd "$(dirname "$0")/.."
SCALE=${1:-1M}
BIN=${BIN:-bin/hexbeat}
REPS=${REPS:-5}
SHARED=${SHARED:-../shared}
STREET=$SHARED/data/police/street
MK=$SHARED/data/boundaries/milton-keynes-boundary.geojson
[ -x "$BIN" ] || { echo "build first: make build" >&2; exit 1; }
[ -d "$STREET" ] || { echo "no $STREET: run beside ../shared" >&2; exit 1; }
WORK=$(mktemp -d /tmp/hexbeat-scale.XXXXXX)
SERVER=""
trap '[ -n "$SERVER" ] && kill $SERVER 2>/dev/null; rm -rf "$WORK"' EXIT
now() { date +%s.%N; }
secs() { python3 -c "import sys; print(f'{float(sys.argv[2])-float(sys.argv[1]):.2f}')" "$1" "$2"; }
rss_mb() { awk '/VmRSS/{printf "%.0f", $2/1024}' "/proc/$1/status"; }
median() { python3 -c "import sys,statistics; print(f'{statistics.median(float(x) for x in sys.argv[1:]):.1f}')" "$@"; }

if [ -z "${DB:-}" ]; then
  if [ -z "${HEXBEAT_TEST_POSTGRES:-}" ]; then eval "$(scripts/test-postgres.sh 2>/dev/null)"; fi
  [ -n "${HEXBEAT_TEST_POSTGRES:-}" ] || { echo "no PostgreSQL (scripts/test-postgres.sh)" >&2; exit 1; }
  name="hexbeat_scale_$(echo "$SCALE" | tr 'A-Z' 'a-z')"
  psql "$HEXBEAT_TEST_POSTGRES" -qc "DROP DATABASE IF EXISTS $name WITH (FORCE)" -c "CREATE DATABASE $name" >/dev/null
  DB=$(python3 -c "import sys,urllib.parse as u; p=u.urlparse(sys.argv[1]); print(p._replace(path='/$name').geturl())" "$HEXBEAT_TEST_POSTGRES")
  go build -o "$WORK/benchgen" ./cmd/benchgen
  "$WORK/benchgen" -preset "$SCALE" -out "$WORK/data" "$STREET"/2025-0[1-6]-thames-valley-street.csv >&2
  "$BIN" migrate --db "$DB" >/dev/null
  t0=$(now)
  "$BIN" import --quiet --db "$DB" "$WORK"/data/*.csv "$MK" >"$WORK/import.log" 2>&1 || { tail "$WORK/import.log" >&2; exit 1; }
  IMPORT_S=$(secs "$t0" "$(now)")
  rm -rf "$WORK/data"
fi
N=$(psql "$DB" -XAtc "SELECT count(*) FROM incidents")
AREA=$(psql "$DB" -XAtc "SELECT id FROM boundaries ORDER BY id LIMIT 1")

echo "## $(date -u +%Y-%m-%d) — scale: $SCALE ($N incidents in PostgreSQL), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/{print $2}') GiB"
echo
[ -n "${IMPORT_S:-}" ] && echo "Import with \`hexbeat import\` into empty PostgreSQL+PostGIS: ${IMPORT_S} s ($(python3 -c "print(f'{$N/$IMPORT_S:,.0f}')") rows/s)." && echo

# 2. start-up and memory
KEY=$("$BIN" keys create --db "$DB" --role admin --name "scale benchmark" 2>/dev/null | tail -1)
port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
t0=$(now)
"$BIN" serve --db "$DB" --addr 127.0.0.1:$port --rate-limit -1 --cache-mb -1 --log-level warn >"$WORK/serve.log" 2>&1 &
SERVER=$!
sleep 0.3
RSS0=$(rss_mb $SERVER)
until curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; do
  kill -0 $SERVER 2>/dev/null || { cat "$WORK/serve.log" >&2; exit 1; }
  sleep 0.05
done
LOAD_S=$(secs "$t0" "$(now)")
RSS_LOADED=$(rss_mb $SERVER)
get() { curl -fsS -o "$WORK/out.json" -w '%{time_total}' -H "Authorization: Bearer $KEY" "http://127.0.0.1:$port$1"; }
post() { curl -fsS -o "$WORK/out.json" -w '%{time_total}' -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' -d "$2" "http://127.0.0.1:$port$1"; }
timed() { # method path [body]: median ms of REPS after one warm-up
  local ts=()
  "$@" >/dev/null
  for _ in $(seq "$REPS"); do ts+=("$(python3 -c "print(1000*$("$@"))")"); done
  median "${ts[@]}"
}

# 3. counting, three ways
declare -A Q_API Q_WHERE Q_RES
Q_API[mk]="res=9&area=$AREA&from=2025-01&to=2025-06"; Q_RES[mk]=9
Q_WHERE[mk]="occurred_at >= '2025-01-01' AND occurred_at < '2025-07-01' AND ST_Covers((SELECT geom FROM boundaries WHERE id = '$AREA'), geom)"
Q_API[all]="res=7&from=2024-07&to=2025-06"; Q_RES[all]=7
Q_WHERE[all]="occurred_at >= '2024-07-01' AND occurred_at < '2025-07-01'"
Q_API[month]="res=9&from=2025-06&to=2025-06"; Q_RES[month]=9
Q_WHERE[month]="occurred_at >= '2025-06-01' AND occurred_at < '2025-07-01'"
pair() { python3 -c "import sys; a, b = sys.stdin.read().strip().split('|'); print(f'{int(a):,}, {int(b):,}')"; }
sql_time() { # sql: median ms of REPS (server-side execution, psql \timing)
  local ts=()
  for _ in $(seq "$REPS"); do
    ts+=("$(psql "$DB" -XAtq -c '\timing on' -c "$1" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p')")
  done
  median "${ts[@]}"
}
echo "| counting query | hexbeat: cells, incidents | hexbeat \`/api/v1/cells\` (HTTP, GeoJSON), median ms | PostGIS GROUP BY H3 parent (SQL bit arithmetic): cells, incidents | median ms | ratio PostGIS / hexbeat |"
echo "|---|---|---:|---|---:|---:|"
for q in mk all month; do
  r=${Q_RES[$q]}
  ms_api=$(timed get "/api/v1/cells?${Q_API[$q]}")
  api=$(python3 -c "import json; d=json.load(open('$WORK/out.json')); print(f\"{len(d['features']):,}, {sum(f['properties']['count'] for f in d['features']):,}\")")
  parent="((cell & ~(15::bigint << 52)) | ($r::bigint << 52) | ((1::bigint << ((15 - $r) * 3)) - 1))"
  sql="SELECT count(*), sum(n) FROM (SELECT $parent AS c, count(*) AS n FROM incidents WHERE ${Q_WHERE[$q]} GROUP BY 1) g"
  pg=$(psql "$DB" -XAtc "$sql" | pair)
  ms_sql=$(sql_time "$sql")
  echo "| \`${Q_API[$q]}\` | $api | $ms_api | $pg | $ms_sql | $(python3 -c "print(f'{$ms_sql/$ms_api:.1f}')") |"
done
echo
# ST_HexagonGrid: H3 res 9 cells have edges of about 174 m; the grid is made in British
# National Grid metres over the boundary, then joined to the incidents through their GiST index
hexsql="WITH b AS MATERIALIZED (SELECT geom FROM boundaries WHERE id = '$AREA'),
 h AS MATERIALIZED (SELECT ST_Transform(hex.geom, 4326) AS geom FROM b, ST_HexagonGrid(174, ST_Transform(b.geom, 27700)) hex)
 SELECT count(*), sum(n) FROM (SELECT h.geom, count(*) AS n FROM h JOIN incidents i ON ST_Intersects(h.geom, i.geom)
 WHERE i.occurred_at >= '2025-01-01' AND i.occurred_at < '2025-07-01' AND ST_Covers((SELECT geom FROM b), i.geom) GROUP BY h.geom) c"
hex=$(psql "$DB" -XAtc "$hexsql" | pair)
echo "PostGIS \`ST_HexagonGrid(174 m)\` joined to the Milton Keynes incidents of 2025-01..06 (EPSG:27700): $hex (cells, incidents), median $(REPS=3 sql_time "$hexsql") ms. (A point on a shared edge joins both hexagons, so the sum can exceed the incidents.)"
echo

# 4. analyses through the server, and Gi* against R
echo "| request | median ms |"
echo "|---|---:|"
# the server keeps its last hotspot layers; each repetition asks with another alpha (which
# changes only the bins) so that every one is computed
fresh() { # path: median ms of REPS, each a layer not computed before
  local ts=() i
  get "$1&alpha=0.049" >/dev/null
  for i in $(seq "$REPS"); do ts+=("$(python3 -c "print(1000*$(get "$1&alpha=0.04$i"))")"); done
  median "${ts[@]}"
}
for p in "/api/v1/hotspots?method=gistar&res=9&area=$AREA&from=2025-01&to=2025-06" "/api/v1/hotspots?method=gistar&res=8&from=2025-04&to=2025-06&summary=true"; do
  echo "| \`GET ${p}\` (computed each time) | $(fresh "$p") |"
done
echo "| \`POST /api/v1/section60/proposals\` (Milton Keynes, 2025-05..06) | $(timed post /api/v1/section60/proposals "{\"from\":\"2025-05\",\"to\":\"2025-06\",\"area\":\"$AREA\"}") |"
echo
RSS_AFTER=$(rss_mb $SERVER)
echo "Server start to \`/readyz\` (loads every incident from PostgreSQL): **${LOAD_S} s**. Resident memory: ${RSS0} MB before loading, ${RSS_LOADED} MB loaded, ${RSS_AFTER} MB after the queries above: $(python3 -c "print(f'{($RSS_AFTER-$RSS0)*1048576/$N:.1f}')") bytes an incident over the empty process."
echo
if command -v Rscript >/dev/null && Rscript -e 'library(spdep)' >/dev/null 2>&1 || apt-get install -y r-cran-spdep >/dev/null 2>&1; then
  psql "$DB" -XAtc "COPY (SELECT '' AS \"Crime ID\", to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM') AS \"Month\", force AS \"Reported by\", force AS \"Falls within\", lon AS \"Longitude\", lat AS \"Latitude\", location AS \"Location\", area_code AS \"LSOA code\", area_name AS \"LSOA name\", category AS \"Crime type\", outcome AS \"Last outcome category\", '' AS \"Context\" FROM incidents WHERE ${Q_WHERE[mk]}) TO STDOUT WITH CSV HEADER" >"$WORK/mk.csv"
  go run ./scripts/gistar-peer -out "$WORK/area.csv" -reps 200 "$WORK/mk.csv" "$MK" | sed 's/^/- /'
  Rscript - "$WORK/area.csv" <<'R' | sed 's/^/- /'
suppressMessages(library(spdep))
d <- read.csv(commandArgs(TRUE)[1], colClasses = c("character", "numeric", "character"))
nb <- lapply(strsplit(d$neighbours, " "), as.integer)
class(nb) <- "nb"; attr(nb, "self.included") <- TRUE
lw <- nb2listw(nb, style = "B")
t <- system.time(for (i in 1:50) z <- localG(d$count, lw))[["elapsed"]] / 50
cat(sprintf("R spdep localG (Gi*) on the same cells, counts and neighbours: %.3f ms per run (mean of 50)\n", 1000 * t))
R
else
  echo "- R spdep not available: Gi* side by side skipped"
fi

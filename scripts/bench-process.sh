#!/usr/bin/env bash
# Whole-process benchmark: the real binary importing real police.uk data into SQLite and
# PostgreSQL, starting a server on the result, and answering cell queries over HTTP.
# Data: the six 2025 Thames Valley street files in ../shared/data, repeated COPIES times
# (default 10, about 935,000 rows) with each copy's Crime IDs made distinct; imported as one
# file, and the same rows as COPIES x 6 monthly files (one run of `hexbeat import`), with
# the ratio of the two.
# Usage: scripts/bench-process.sh   (after make build). Prints a Markdown report.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-bin/hexbeat}
COPIES=${COPIES:-10}
STREET=../shared/data/police/street
[ -x "$BIN" ] || { echo "build first: make build" >&2; exit 1; }
[ -d "$STREET" ] || { echo "no $STREET: run beside ../shared" >&2; exit 1; }
WORK=$(mktemp -d /tmp/hexbeat-bench.XXXXXX)
SERVER=""
trap '[ -n "$SERVER" ] && kill $SERVER 2>/dev/null; rm -rf "$WORK"' EXIT

scripts/street-copies.py "$WORK/big.csv" 0 "$COPIES" "$STREET"/2025-0[1-6]-thames-valley-street.csv
rows=$(($(wc -l <"$WORK/big.csv") - 1))
# the same rows as monthly files, a copy's months after another's as in big.csv
mkdir "$WORK/months"
for k in $(seq 0 $((COPIES - 1))); do
  for f in "$STREET"/2025-0[1-6]-thames-valley-street.csv; do
    scripts/street-copies.py "$WORK/months/$(printf %02d "$k")-$(basename "$f")" "$k" 1 "$f"
  done
done
nmonths=$(ls "$WORK/months" | wc -l)
located=$(python3 -c "import csv,sys; print(sum(1 for r in csv.DictReader(open(sys.argv[1])) if r['Longitude']))" "$WORK/big.csv")
size=$(du -m "$WORK/big.csv" | cut -f1)
sync # the 212 MB just written would otherwise be flushed to disk while the first import writes

now() { date +%s.%N; }
rate() { python3 -c "import sys; print(f'{int(sys.argv[1])/float(sys.argv[2]):,.0f}')" "$1" "$2"; }
secs() { python3 -c "import sys; print(f'{float(sys.argv[2])-float(sys.argv[1]):.2f}')" "$1" "$2"; }

echo "## Whole-process benchmark ($(date -u +%Y-%m-%d), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/{print $2}') GiB)"
echo
echo "Input: $rows rows ($located with coordinates, ${size} MB), six months of Thames Valley street data x $COPIES."
echo
echo "| step | time (s) | rows/s |"
echo "|---|---|---|"
import_into() { # label url [file rows]; sets D (seconds)
  local t0 t1; t0=$(now)
  "$BIN" import --quiet --db "$2" "${3:-$WORK/big.csv}" >"$WORK/imp.log" 2>&1 || { cat "$WORK/imp.log" >&2; exit 1; }
  t1=$(now); D=$(secs "$t0" "$t1")
  echo "| $1 | $D | $(rate "${4:-$rows}" "$D") |"
}
ratio() { python3 -c "import sys; print(f'{float(sys.argv[1])/float(sys.argv[2]):.2f}')" "$1" "$2"; }
import_into "import into empty SQLite" "sqlite:$WORK/b.db"; one=$D
import_into "same file again into SQLite (adds nothing)" "sqlite:$WORK/b.db"
import_into "the same rows as $nmonths monthly files into empty SQLite" "sqlite:$WORK/m.db" "$WORK/months"; many=$D
echo "| ratio: $nmonths files / one file, SQLite | $(ratio "$many" "$one") | |"
import_into "the $nmonths files again into SQLite (adds nothing)" "sqlite:$WORK/m.db" "$WORK/months"
rm -f "$WORK"/m.db*
# the same located rows as a GeoJSON point collection (one feature a line), into another store
python3 - "$WORK/big.csv" "$WORK/big.geojson" <<'PY'
import csv, json, sys
with open(sys.argv[2], "w") as out:
    out.write('{"type":"FeatureCollection","features":[')
    first = True
    for r in csv.DictReader(open(sys.argv[1], newline="", encoding="utf-8")):
        if not r["Longitude"]:
            continue
        f = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [float(r["Longitude"]), float(r["Latitude"])]},
             "properties": {"crime_id": r["Crime ID"], "month": r["Month"], "category": r["Crime type"], "location": r["Location"]}}
        out.write(("\n" if first else ",\n") + json.dumps(f))
        first = False
    out.write("\n]}\n")
PY
sync
import_into "GeoJSON points ($(du -m "$WORK/big.geojson" | cut -f1) MB) into empty SQLite" "sqlite:$WORK/g.db" "$WORK/big.geojson" "$located"
rm -f "$WORK/big.geojson" "$WORK"/g.db*
if [ -z "${HEXBEAT_TEST_POSTGRES:-}" ]; then eval "$(scripts/test-postgres.sh 2>/dev/null)" || true; fi
if [ -n "${HEXBEAT_TEST_POSTGRES:-}" ]; then
  base=${HEXBEAT_TEST_POSTGRES}
  psql "$base" -qc "DROP DATABASE IF EXISTS hexbeat_bench WITH (FORCE)" -c "CREATE DATABASE hexbeat_bench" >/dev/null 2>&1
  pg=$(python3 -c "import sys,urllib.parse as u; p=u.urlparse(sys.argv[1]); print(p._replace(path='/hexbeat_bench').geturl())" "$base")
  "$BIN" migrate --db "$pg" >/dev/null
  import_into "import into empty PostgreSQL+PostGIS" "$pg"; one=$D
  import_into "same file again into PostgreSQL (adds nothing)" "$pg"
  psql "$base" -qc "DROP DATABASE IF EXISTS hexbeat_bench WITH (FORCE)" -c "CREATE DATABASE hexbeat_bench" >/dev/null 2>&1
  "$BIN" migrate --db "$pg" >/dev/null
  import_into "the same rows as $nmonths monthly files into empty PostgreSQL+PostGIS" "$pg" "$WORK/months"; many=$D
  echo "| ratio: $nmonths files / one file, PostgreSQL | $(ratio "$many" "$one") | |"
  import_into "the $nmonths files again into PostgreSQL (adds nothing)" "$pg" "$WORK/months"
fi

# the API asks for a key (a viewer's is enough to read layers)
KEY=$("$BIN" keys create --db "sqlite:$WORK/b.db" --role viewer --name "process benchmark" 2>/dev/null | tail -1)
port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
t0=$(now)
"$BIN" serve --db "sqlite:$WORK/b.db" --addr 127.0.0.1:$port >"$WORK/serve.log" 2>&1 &
SERVER=$!
until curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; do sleep 0.05; done
t1=$(now)
echo "| server start to /readyz ($located incidents loaded from SQLite) | $(secs "$t0" "$t1") | $(rate "$located" "$(secs "$t0" "$t1")") |"
echo
echo "| GET /api/v1/cells query | cells | median ms (20 requests, whole HTTP round trip) |"
echo "|---|---|---|"
for q in "res=7" "res=9" "res=9&from=2025-04&to=2025-06&category=Robbery&category=Violence%20and%20sexual%20offences" "res=11&from=2025-06&to=2025-06" "res=9&bbox=-0.85,51.98,-0.65,52.1"; do
  n=$(curl -fsS -H "Authorization: Bearer $KEY" "http://127.0.0.1:$port/api/v1/cells?$q" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["features"]))')
  ms=$(for _ in $(seq 20); do curl -o /dev/null -fsS -H "Authorization: Bearer $KEY" -w '%{time_total}\n' "http://127.0.0.1:$port/api/v1/cells?$q"; done | sort -n | sed -n 10p)
  echo "| \`$q\` | $n | $(python3 -c "print(round($ms*1000,1))") |"
done

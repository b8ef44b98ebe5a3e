#!/usr/bin/env bash
# Load test: a mixed read load of hotspot and cell layers held for DURATION on loopback by
# wrk (Debian's, installed if missing), while an import of new data runs against the same
# store, so that the index changes and the answer cache is emptied mid-run. Thames Valley
# scale: the six 2025 street files (about 93,500 incidents, 935k with COPIES=10).
# Usage: scripts/load.sh  (after make build; run beside ../shared). Prints wrk's report.
# CACHE_MB=-1 turns the answer cache off, to measure the computation itself.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-bin/hexbeat}
DURATION=${DURATION:-30s}
CONNECTIONS=${CONNECTIONS:-32}
COPIES=${COPIES:-10}
STREET=../shared/data/police/street
[ -x "$BIN" ] || { echo "build first: make build" >&2; exit 1; }
command -v wrk >/dev/null || apt-get install -y wrk >/dev/null
WORK=$(mktemp -d /tmp/hexbeat-load.XXXXXX)
SERVER=""
trap '[ -n "$SERVER" ] && kill $SERVER 2>/dev/null; rm -rf "$WORK"' EXIT

# the store: COPIES x the six months with distinct Crime IDs, and the next import (new
# Crime IDs again) to run during the load
scripts/street-copies.py "$WORK/base.csv" 0 "$COPIES" "$STREET"/2025-0[1-6]-thames-valley-street.csv
scripts/street-copies.py "$WORK/more.csv" "$COPIES" 1 "$STREET"/2025-0[1-6]-thames-valley-street.csv
DB=sqlite:$WORK/h.db
"$BIN" import --db "$DB" --quiet "$WORK/base.csv" ../shared/data/boundaries/milton-keynes-boundary.geojson >/dev/null
KEY=$("$BIN" keys create --db "$DB" --role viewer --name load 2>/dev/null | tail -1)
port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
"$BIN" serve --db "$DB" --addr 127.0.0.1:$port --rate-limit -1 --cache-mb "${CACHE_MB:-256}" --log-level warn >"$WORK/serve.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 120); do curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.5; done
AREA=E06000042
cat >"$WORK/mix.lua" <<LUA
local paths = {
  "/api/v1/hotspots?res=9&area=$AREA",
  "/api/v1/hotspots?method=gistar&res=9&area=$AREA&from=2025-01&to=2025-06",
  "/api/v1/hotspots?method=gistar&res=8&area=$AREA&category=Robbery,Possession%20of%20weapons",
  "/api/v1/hotspots?res=9&area=$AREA&from=2025-04&to=2025-06&weight=harm",
  "/api/v1/hotspots?method=kde&res=8&area=$AREA&bandwidth_m=400",
  "/api/v1/hotspots?method=gistar&res=7",
  "/api/v1/cells?res=9&area=$AREA",
  "/api/v1/cells?res=8&from=2025-06&to=2025-06",
}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1], {["Authorization"] = "Bearer $KEY", ["Accept-Encoding"] = "gzip"})
end
LUA
# warm: one of each (the first query at a resolution builds its level)
for p in $(grep -o '"/api[^"]*"' "$WORK/mix.lua" | tr -d '"'); do curl -fsS -o /dev/null -H "Authorization: Bearer $KEY" "http://127.0.0.1:$port$p"; done
echo "# $(date -u +%FT%TZ) $(nproc) cores; $(curl -fsS -H "Authorization: Bearer $KEY" http://127.0.0.1:$port/api/v1/status | python3 -c 'import json,sys;print(json.load(sys.stdin)["incidents"])') incidents; wrk -t2 -c$CONNECTIONS -d$DURATION, 8 layer queries in turn"
IMPORT=""
( sleep 5; start=$(date +%s.%N); "$BIN" import --db "$DB" --quiet "$WORK/more.csv" >"$WORK/import.log" 2>&1; echo "import during the load: $(($(wc -l <"$WORK/more.csv")-1)) rows in $(python3 -c "import sys;print(f'{float(sys.argv[2])-float(sys.argv[1]):.1f}')" $start $(date +%s.%N)) s" >"$WORK/import.done" ) &
IMPORT=$!
wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -s "$WORK/mix.lua" "http://127.0.0.1:$port"
wait "$IMPORT"
cat "$WORK/import.done" 2>/dev/null || echo "the import did not finish: $(tail -2 "$WORK/import.log")"
echo "incidents after: $(curl -fsS -H "Authorization: Bearer $KEY" http://127.0.0.1:$port/api/v1/status | python3 -c 'import json,sys;print(json.load(sys.stdin)["incidents"])')"

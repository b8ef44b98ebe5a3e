#!/usr/bin/env bash
# The attacks of the security review, measured after the fixes, on loopback only and bounded
# in time: an expensive burst from one key (50 analyses at once) while another key reads
# /api/v1/status, 30 unauthenticated 33 MiB bodies at once, and a small ZIP that unpacks to
# 1 GiB. Prints the server's memory peak, the longest request and the other key's p95.
# Usage: scripts/security-load.sh   (needs ../shared/data, curl, python3; takes about a minute)
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${HEXBEAT_DATA:-../shared/data}
WORK=$(mktemp -d); trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT
go build -o "$WORK/hexbeat" ./cmd/hexbeat
DB=sqlite:$WORK/h.db
"$WORK/hexbeat" import --db "$DB" --quiet "$DATA"/police/street/2025-0[1-6]-thames-valley-street.csv "$DATA/boundaries/milton-keynes-boundary.geojson" >/dev/null
A=$("$WORK/hexbeat" keys create --db "$DB" --role analyst --name "burst" 2>/dev/null | tail -1)
B=$("$WORK/hexbeat" keys create --db "$DB" --role viewer --name "bystander" 2>/dev/null | tail -1)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
URL=http://127.0.0.1:$PORT
"$WORK/hexbeat" serve --db "$DB" --addr 127.0.0.1:$PORT --rate-limit -1 >"$WORK/serve.log" 2>&1 &
PID=$!
for _ in $(seq 1 100); do curl -fsS "$URL/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
hwm() { awk '/VmHWM/ {print int($2/1024)}' /proc/$PID/status; }
echo "server up: $(hwm) MB peak so far"

# 1. 50 expensive analyses at once from one key, another key reading /status meanwhile
: >"$WORK/burst"; : >"$WORK/status"
(end=$((SECONDS+40)); while [ $SECONDS -lt $end ]; do
   curl -s -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $B" "$URL/api/v1/status" >>"$WORK/status"; sleep 0.05; done) &
SP=$!
for i in $(seq 1 50); do
  curl -s -o /dev/null --max-time 60 -w "%{time_total} %{http_code}\n" -H "Authorization: Bearer $A" \
    "$URL/api/v1/hotspots?res=10&method=kde&alpha=0.0$((i % 9 + 1))&half_life_days=$i" >>"$WORK/burst" &
done
wait $(jobs -p | grep -v "^$PID$" | grep -v "^$SP$")
kill $SP 2>/dev/null || true; wait $SP 2>/dev/null || true
python3 - "$WORK/burst" "$WORK/status" <<'PY'
import sys,collections
b=[l.split() for l in open(sys.argv[1]) if l.strip()]
codes=collections.Counter(c for _,c in b)
s=sorted(float(l) for l in open(sys.argv[2]) if l.strip())
p95=s[int(0.95*(len(s)-1))] if s else float('nan')
print("burst: 50 analyses from one key: %s; longest %.2f s" % (dict(codes), max(float(t) for t,_ in b)))
print("other key's /status during it: %d requests, p95 %.0f ms, max %.0f ms" % (len(s), 1000*p95, 1000*s[-1]))
PY
echo "memory peak after the burst: $(hwm) MB"

# 2. 30 unauthenticated 33 MiB bodies at once
head -c $((33*1024*1024)) /dev/zero >"$WORK/big.bin"
: >"$WORK/big"
for i in $(seq 1 30); do
  curl -s -o /dev/null -w '%{http_code}\n' -H 'Expect:' --data-binary @"$WORK/big.bin" "$URL/api/v1/imports?name=x$i.csv" >>"$WORK/big" &
done
wait $(jobs -p | grep -v "^$PID$")
echo "30 unauthenticated 33 MiB uploads: $(sort "$WORK/big" | uniq -c | tr '\n' ' '); memory peak $(hwm) MB"

# 3. a ZIP of a few MB that unpacks to 1 GiB of rows
python3 - "$WORK/bomb.zip" <<'PY'
import sys,zipfile
with zipfile.ZipFile(sys.argv[1],'w',zipfile.ZIP_DEFLATED) as z:
    with z.open('rows.csv','w') as f:
        f.write(b"Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type,Last outcome category,Context\n")
        row=b",2025-01,x,x,-0.75,52.04,On or near x,E01,x,Burglary,x,\n"*16384
        for _ in range((1<<30)//len(row)): f.write(row)
PY
r=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' -H "Authorization: Bearer $("$WORK/hexbeat" keys create --db "$DB" --role admin --name zip 2>/dev/null | tail -1)" \
  -H 'Expect:' --data-binary @"$WORK/bomb.zip" "$URL/api/v1/imports?name=bomb.zip")
echo "a $(($(stat -c %s "$WORK/bomb.zip")>>20)) MB ZIP of 1 GiB: HTTP ${r% *} after ${r#* } s; memory peak $(hwm) MB"

#!/usr/bin/env bash
# Loads every OGC API collection of the demo server in real QGIS (headless). Not part of
# `make test`: QGIS is a large install. Usage: scripts/qgis-check.sh (after make build).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! /usr/bin/python3 -c 'import qgis.core' 2>/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3-qgis qgis-providers >/dev/null
fi
dir=$(mktemp -d); trap 'kill $pid 2>/dev/null; rm -rf "$dir"' EXIT
bin/hexbeat serve --demo --demo-db "sqlite:$dir/demo.db" --addr 127.0.0.1:18089 >"$dir/serve.log" 2>&1 & pid=$!
for _ in $(seq 60); do curl -sf http://127.0.0.1:18089/readyz >/dev/null && break; sleep 1; done
/usr/bin/python3 -c 'import qgis.core; print("QGIS", qgis.core.Qgis.QGIS_VERSION)'
QT_QPA_PLATFORM=offscreen /usr/bin/python3 scripts/qgis_check.py http://127.0.0.1:18089 2> >(grep -v 'QStandardPaths\|propagateSizeHints' >&2)

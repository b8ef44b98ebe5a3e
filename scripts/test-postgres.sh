#!/usr/bin/env bash
# Starts a local PostgreSQL 15 with PostGIS for the test suite and prints its URL.
# Installs postgresql-15-postgis-3 from Debian when missing (needs root), starts the
# cluster with pg_ctlcluster, and creates a hexbeat_test role and database.
# Usage: eval "$(scripts/test-postgres.sh)"   -> exports HEXBEAT_TEST_POSTGRES
set -euo pipefail
log() { echo "test-postgres: $*" >&2; }
if ! command -v pg_ctlcluster >/dev/null 2>&1; then
  log "no pg_ctlcluster: PostgreSQL tests will be skipped"; exit 0
fi
if ! dpkg -s postgresql-15-postgis-3 >/dev/null 2>&1; then
  log "installing postgresql-15-postgis-3"
  (apt-get install -y -q postgresql-15-postgis-3 >/dev/null 2>&1 || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q postgresql-15-postgis-3 >/dev/null; }) \
    || { log "could not install PostGIS"; exit 1; }
fi
if ! pg_lsclusters -h 2>/dev/null | awk '$1==15 && $2=="main"' | grep -q online; then
  pg_ctlcluster 15 main start >&2
fi
for _ in $(seq 1 30); do su postgres -c "psql -qtAc 'select 1'" >/dev/null 2>&1 && break; sleep 0.5; done
su postgres -c "psql -qv ON_ERROR_STOP=1" >/dev/null <<'SQL'
DO $$BEGIN CREATE ROLE hexbeat_test LOGIN PASSWORD 'hexbeat_test' SUPERUSER;
EXCEPTION WHEN duplicate_object THEN NULL; END$$;
SELECT 'CREATE DATABASE hexbeat_test OWNER hexbeat_test' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname='hexbeat_test')\gexec
SQL
port=$(pg_lsclusters -h | awk '$1==15 && $2=="main" {print $3}')
echo "export HEXBEAT_TEST_POSTGRES='postgres://hexbeat_test:hexbeat_test@127.0.0.1:${port:-5432}/hexbeat_test?sslmode=disable'"

#!/usr/bin/env bash
# Make sure a PostgreSQL server runs on 127.0.0.1:5432 with a role `ambito` (password `ambito`)
# that may create the test databases. Installs PostgreSQL from Debian when it is absent.
set -euo pipefail
if [ -n "${PG_URL_ESTERNO:-}" ]; then exit 0; fi
if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql
fi
ver=$(ls /usr/lib/postgresql | sort -n | tail -1)
if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -qx "$ver main"; then
  pg_createcluster "$ver" main
fi
if ! pg_lsclusters -h | awk -v v="$ver" '$1==v && $2=="main" {print $4}' | grep -qx online; then
  pg_ctlcluster "$ver" main start
fi
for _ in $(seq 1 30); do
  su postgres -c "pg_isready -q -h 127.0.0.1 -p 5432" && break
  sleep 1
done
su postgres -c "psql -qtAc \"SELECT 1 FROM pg_roles WHERE rolname='ambito'\"" | grep -q 1 \
  || su postgres -c "psql -qc \"CREATE ROLE ambito LOGIN PASSWORD 'ambito' CREATEDB\""
su postgres -c "psql -qtAc \"SELECT 1 FROM pg_database WHERE datname='ambito'\"" | grep -q 1 \
  || su postgres -c "createdb -O ambito ambito"
echo "PostgreSQL $ver pronto su 127.0.0.1:5432"

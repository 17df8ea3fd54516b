#!/usr/bin/env bash
# What grading needs from Debian, for CI (and for an instructor's grading machine):
# bubblewrap (the grading kernel's sandbox) and a PostgreSQL server on loopback for the
# gradebook tests; for CI only, chromium and its driver, in which the lecture site's
# accessibility test reads the pages, and Node's npm with JupyterHub's proxy from npm
# (configurable-http-proxy 4.6, which runs on Debian 12's Node 18) for the exchange test's hub.
# Prints the gradebook URL the tests use (AUTOGRADER_TEST_PG_URL) on its
# last line. The role's password is drawn afresh on every run and never written to the
# repository; nothing depends on it being secret (the grading kernels have no network).
# To stop the server afterwards: pg_ctlcluster <version> main stop (printed below, on stderr).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
if ! command -v bwrap >/dev/null || ! command -v pg_ctlcluster >/dev/null || ! command -v setpriv >/dev/null \
    || ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  apt-get update -qq >/dev/null
  apt-get install -y -qq bubblewrap postgresql util-linux chromium chromium-driver >/dev/null
fi
if ! command -v npm >/dev/null; then
  apt-get update -qq >/dev/null
  apt-get install -y -qq nodejs npm >/dev/null
fi
command -v configurable-http-proxy >/dev/null \
  || npm install --global --no-fund --no-audit --loglevel=error configurable-http-proxy@4.6.3 >/dev/null
version=$(ls /usr/lib/postgresql | sort -n | tail -1)
cluster=$(pg_lsclusters -h | awk '{print $2}' | head -1)
[ -n "$cluster" ] || { pg_createcluster "$version" main >/dev/null; cluster=main; }
pg_ctlcluster "$version" "$cluster" start 2>/dev/null || true
for _ in $(seq 30); do pg_isready -q -h 127.0.0.1 && break; sleep 1; done
password=$(python3 -c "import secrets; print(secrets.token_hex(16))")
if su postgres -c "psql -qtc \"SELECT 1 FROM pg_roles WHERE rolname='grader'\"" | grep -q 1; then
  su postgres -c "psql -qc \"ALTER ROLE grader PASSWORD '$password'\""
else
  su postgres -c "psql -qc \"CREATE ROLE grader LOGIN PASSWORD '$password' CREATEDB\""
fi
echo "started PostgreSQL $version/$cluster on 127.0.0.1:5432; stop it with: pg_ctlcluster $version $cluster stop" >&2
echo "postgresql://grader:$password@127.0.0.1:5432/postgres"

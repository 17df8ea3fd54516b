#!/usr/bin/env bash
# What grading needs from Debian, for CI (and for an instructor's grading machine):
# bubblewrap (the grading kernel's sandbox) and a PostgreSQL server on loopback for the
# gradebook tests. Prints the gradebook URL the tests use (AUTOGRADER_TEST_PG_URL).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
if ! command -v bwrap >/dev/null || ! command -v pg_ctlcluster >/dev/null; then
  apt-get update -qq >/dev/null
  apt-get install -y -qq bubblewrap postgresql >/dev/null
fi
version=$(ls /usr/lib/postgresql | sort -n | tail -1)
cluster=$(pg_lsclusters -h | awk '{print $2}' | head -1)
[ -n "$cluster" ] || { pg_createcluster "$version" main >/dev/null; cluster=main; }
pg_ctlcluster "$version" "$cluster" start 2>/dev/null || true
for _ in $(seq 30); do pg_isready -q -h 127.0.0.1 && break; sleep 1; done
su postgres -c "psql -qtc \"SELECT 1 FROM pg_roles WHERE rolname='grader'\"" | grep -q 1 ||
  su postgres -c "psql -qc \"CREATE ROLE grader LOGIN PASSWORD 'grader' CREATEDB\""
echo "postgresql://grader:grader@127.0.0.1:5432/postgres"

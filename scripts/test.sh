#!/usr/bin/env bash
# Sets up, builds and runs every test (doctest cases through CTest, the CLI end-to-end tests and the
# find_package consumer). Extra arguments go to CMake's configure step.
# The store's tests run on SQLite and on PostgreSQL: unless IRTCAT_TEST_PG already names a server, a throw-away
# cluster is started on 127.0.0.1 for the run (scripts/pg_cluster.sh) and stopped after it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh "$@"
if [ -z "${IRTCAT_TEST_PG:-}" ]; then
  cluster=$(mktemp -d "${TMPDIR:-/tmp}/irtcat-pg.XXXXXX")
  trap 'bash scripts/pg_cluster.sh stop "$cluster"' EXIT
  IRTCAT_TEST_PG=$(bash scripts/pg_cluster.sh start "$cluster")
  export IRTCAT_TEST_PG
fi
# A test that hangs fails after 10 minutes instead of holding the run (the slowest takes under a minute).
ctest --test-dir build --output-on-failure --timeout 600 -j "$(nproc)"

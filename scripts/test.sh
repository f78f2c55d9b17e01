#!/usr/bin/env bash
# The whole check: install, lint, types, import layers, then the test suite on SQLite and on PostgreSQL,
# then again on both at the hours where dates disagree (scripts/test-clock.sh; TVP_TEST_CLOCKS=0 skips that).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/bootstrap.sh
./scripts/services.sh
./scripts/system-deps.sh
export TVP_TEST_REQUIRE_SERVICES=1
echo "== lint, format, types, import layers"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy .
.venv/bin/lint-imports
echo "== tests on SQLite"
.venv/bin/pytest "$@"
echo "== tests on PostgreSQL"
TVP_TEST_DATABASE_URL="${TVP_TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test}" \
  .venv/bin/pytest "$@"
if [ "${TVP_TEST_CLOCKS:-1}" != 0 ]; then
  echo "== tests on a moved clock (23:30 and 00:30 in Vietnam, UTC midnight; PostgreSQL at 23:30), computer vision left out"
  ./scripts/test-clock.sh -m "not clockless" "$@"
fi

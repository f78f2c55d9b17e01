#!/usr/bin/env bash
# The whole check: install, lint, types, import layers, then the test suite on SQLite and on PostgreSQL.
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

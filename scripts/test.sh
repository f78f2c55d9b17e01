#!/usr/bin/env bash
# The whole check: install, lint, types, import layers, then the test suite on SQLite and on PostgreSQL.
# The suite must pass at any hour, so each run happens at an instant where the dates disagree
# (scripts/clocks.sh): the whole suite on SQLite in the Vietnamese evening; all but the computer vision
# (`clockless`: fixed footage, no dates, no database) on PostgreSQL just after Vietnamese midnight and on
# SQLite across UTC midnight. TVP_TEST_CLOCKS=0 runs the first two on the real clock and skips the third.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/bootstrap.sh
./scripts/services.sh
./scripts/system-deps.sh
source scripts/clocks.sh
export TVP_TEST_REQUIRE_SERVICES=1
pg_url="${TVP_TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test}"
clocked() {  # clocked NAME command…
  if [ "${TVP_TEST_CLOCKS:-1}" != 0 ]; then at_clock "$@"; else shift; "$@"; fi
}
echo "== lint, format, types, import layers"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy .
.venv/bin/lint-imports
echo "== tests on SQLite"
clocked vn_evening .venv/bin/pytest "$@"
echo "== tests on PostgreSQL"
TVP_TEST_DATABASE_URL="$pg_url" clocked vn_midnight .venv/bin/pytest -m "not clockless" "$@"
if [ "${TVP_TEST_CLOCKS:-1}" != 0 ]; then
  echo "== tests on SQLite across UTC midnight, computer vision left out"
  at_clock utc_midnight .venv/bin/pytest -m "not clockless" "$@"
fi

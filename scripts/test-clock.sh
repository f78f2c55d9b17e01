#!/usr/bin/env bash
# The test suite at every instant of scripts/clocks.sh, on SQLite and on PostgreSQL (a manual check;
# scripts/test.sh runs the suite once per instant, spread over the two databases, to keep CI short).
# Arguments go to pytest, e.g. `scripts/test-clock.sh -m "not clockless"`.
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/clocks.sh
pg_url="${TVP_TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test}"
failed=()
summary=()
for database in sqlite postgresql; do
  url=""
  [ "$database" = postgresql ] && url="$pg_url"
  for name in "${CLOCK_NAMES[@]}"; do
    echo "== tests on $database at $name"
    began=$SECONDS
    if TVP_TEST_DATABASE_URL="$url" at_clock "$name" .venv/bin/pytest "$@"; then
      result=passed
    else
      result=FAILED
      failed+=("$database $name")
    fi
    summary+=("$(printf '%-10s %-13s %-6s %4ss' "$database" "$name" "$result" $((SECONDS - began)))")
  done
done
echo "== clock runs"
printf '%s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
  printf 'failed: %s\n' "${failed[@]}" >&2
  exit 1
fi

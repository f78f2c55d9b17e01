#!/usr/bin/env bash
# The test suite on a moved clock, at the hours where the Vietnamese, UTC and machine-local dates disagree:
#   23:30 in Vietnam (16:30 UTC), machine on UTC+14: the machine's date is already tomorrow
#   00:30 in Vietnam (17:30 UTC), machine on UTC-10: UTC's and the machine's dates are still yesterday
#   23:59:30 UTC (06:59:30 in Vietnam), machine on UTC-10: UTC's date changes during the run
# each on SQLite; on PostgreSQL only the first (the Vietnamese evening), to keep CI within its time, unless
# TVP_TEST_CLOCK_PG=all asks for all three there too. The clock starts at the instant and ticks on (TVP_TEST_CLOCK, see
# core.time.follow_test_clock); the day is yesterday (UTC) unless TVP_TEST_CLOCK_DAY=YYYY-MM-DD says.
# Arguments go to pytest, e.g. `scripts/test-clock.sh -m "not clockless"` (what scripts/test.sh runs).
# A failure shows its instant: rerun it alone with TZ=… TVP_TEST_CLOCK=… .venv/bin/pytest ….
set -uo pipefail
cd "$(dirname "$0")/.."
day="${TVP_TEST_CLOCK_DAY:-$(date -u -d yesterday +%F)}"
pg_url="${TVP_TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test}"
runs=(
  "${day}T16:30:00Z Pacific/Kiritimati"
  "${day}T17:30:00Z America/Adak"
  "${day}T23:59:30Z America/Adak"
)
failed=()
summary=()
for database in sqlite postgresql; do
  for run in "${runs[@]}"; do
    read -r instant zone <<<"$run"
    # An unknown TZ silently means UTC, which would test nothing.
    [ -e "/usr/share/zoneinfo/$zone" ] || { echo "no time zone $zone: install tzdata" >&2; exit 2; }
    url=""
    if [ "$database" = postgresql ]; then
      [ "$run" != "${runs[0]}" ] && [ "${TVP_TEST_CLOCK_PG:-first}" != all ] && continue
      url="$pg_url"
    fi
    echo "== tests on $database, clock at $instant, TZ=$zone"
    began=$SECONDS
    if TZ="$zone" TVP_TEST_CLOCK="$instant" TVP_TEST_DATABASE_URL="$url" .venv/bin/pytest "$@"; then
      result=passed
    else
      result=FAILED
      failed+=("$database $instant TZ=$zone")
    fi
    summary+=("$(printf '%-10s %-20s %-18s %-6s %4ss' "$database" "$instant" "$zone" "$result" $((SECONDS - began)))")
  done
done
echo "== clock runs"
printf '%s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
  printf 'failed: %s\n' "${failed[@]}" >&2
  exit 1
fi

#!/usr/bin/env bash
# The whole check: install, lint, types, import layers, then the test suite on SQLite and on PostgreSQL.
# The suite must pass at any hour, so each run happens at an instant where the dates disagree
# (scripts/clocks.sh): the whole suite on SQLite in the Vietnamese evening; all but the computer vision
# (`clockless`: fixed footage, no dates, no database) on PostgreSQL just after Vietnamese midnight and on
# SQLite across UTC midnight. TVP_TEST_CLOCKS=0 runs the first two on the real clock and skips the third.
#
# The runs go in two lanes at once, one per core (each run has its own database, data folder, queues and
# ports): the SQLite evening run beside the PostgreSQL run then the UTC-midnight run. A lane's output is
# kept and printed whole when it ends; a line every minute says where each lane is. TVP_TEST_LANES=1
# (the default on one core) runs them one after the other, printing as they go.
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
on_sqlite() {
  echo "== tests on SQLite"
  clocked vn_evening .venv/bin/pytest "$@"
}
on_postgres_then_utc_midnight() {
  echo "== tests on PostgreSQL"
  TVP_TEST_DATABASE_URL="$pg_url" clocked vn_midnight .venv/bin/pytest -m "not clockless" "$@"
  if [ "${TVP_TEST_CLOCKS:-1}" != 0 ]; then
    echo "== tests on SQLite across UTC midnight, computer vision left out"
    at_clock utc_midnight .venv/bin/pytest -m "not clockless" "$@"
  fi
}
echo "== lint, format, types, import layers"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy .
.venv/bin/lint-imports
lanes="${TVP_TEST_LANES:-$(( $(nproc) >= 2 ? 2 : 1 ))}"  # one core: one lane
if [ "$lanes" = 1 ]; then
  on_sqlite "$@"
  on_postgres_then_utc_midnight "$@"
  exit 0
fi
logs="$(mktemp -d -t tvp-test-lanes-XXXXXX)"
started=$SECONDS
progress() {  # every minute, where each lane is: its run and its last "[ NN%]"
  while sleep "${TVP_TEST_PROGRESS_S:-60}" >/dev/null 2>&1; do
    local line="   … $(((SECONDS - started) / 60)) min:" lane run done_
    for lane in sqlite postgres; do
      run="$(grep '^== tests' "$logs/$lane.log" 2>/dev/null | tail -n 1 | sed 's/^== tests //; s/,.*//' || true)"
      done_="$(grep -o '\[ *[0-9]*%\]' "$logs/$lane.log" 2>/dev/null | tail -n 1 | tr -d '[] ' || true)"
      line+=" $lane lane (${run:-starting}) ${done_:-0%};"
    done
    echo "$line"
  done
}
echo "== tests in two lanes (output shown as each lane ends; TVP_TEST_LANES=1 runs them one by one)"
progress &
ticker=$!
stop() {  # stop a background job and its children
  pkill -P "$1" 2>/dev/null || true
  kill "$1" 2>/dev/null || true
}
# Stopped from outside (a CI time limit, Ctrl-C): stop the lanes and show what each had printed.
trap 'trap - INT TERM; stop "$ticker"; stop "${sqlite_lane:-}"; stop "${postgres_lane:-}"
  for f in "$logs"/*.log; do echo "---- $(basename "$f" .log) lane, stopped:"; cat "$f"; done; exit 143' INT TERM
(on_sqlite "$@") >"$logs/sqlite.log" 2>&1 &
sqlite_lane=$!
(on_postgres_then_utc_midnight "$@") >"$logs/postgres.log" 2>&1 &
postgres_lane=$!
failed=0
for lane in sqlite postgres; do
  pid_var="${lane}_lane"
  rc=0
  wait "${!pid_var}" || rc=$?
  echo "---- lane: $lane (exit $rc, $(( (SECONDS - started) / 60 )) min since the lanes began)"
  cat "$logs/$lane.log"
  [ "$rc" = 0 ] || failed=1
done
stop "$ticker"
rm -rf "$logs"
exit "$failed"

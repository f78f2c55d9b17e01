# The instants where the Vietnamese, UTC and machine-local dates disagree (sourced by scripts/test.sh and
# scripts/test-clock.sh). The day is yesterday (UTC) unless TVP_TEST_CLOCK_DAY=YYYY-MM-DD says.
#   vn_evening:   23:30 in Vietnam (16:30 UTC), machine on UTC+14: the machine's date is already tomorrow
#   vn_midnight:  00:30 in Vietnam (17:30 UTC), machine on UTC-10: UTC's and the machine's dates are still yesterday
#   utc_midnight: 23:59:30 UTC (06:59:30 in Vietnam), machine on UTC-10: UTC's date changes during the run
clock_day="${TVP_TEST_CLOCK_DAY:-$(date -u -d yesterday +%F)}"
declare -A CLOCKS=(
  [vn_evening]="${clock_day}T16:30:00Z Pacific/Kiritimati"
  [vn_midnight]="${clock_day}T17:30:00Z America/Adak"
  [utc_midnight]="${clock_day}T23:59:30Z America/Adak"
)
CLOCK_NAMES=(vn_evening vn_midnight utc_midnight)

# at_clock NAME command…: run the command with the process clock at that instant and TZ in that zone
# (core.time.follow_test_clock; the clock ticks on from the instant).
at_clock() {
  local instant zone
  read -r instant zone <<<"${CLOCKS[$1]}"
  shift
  # An unknown TZ silently means UTC, which would test nothing.
  [ -e "/usr/share/zoneinfo/$zone" ] || { echo "no time zone $zone: install tzdata" >&2; return 2; }
  echo "   (clock at $instant, TZ=$zone; rerun one test there: TZ=$zone TVP_TEST_CLOCK=$instant .venv/bin/pytest …)"
  TZ="$zone" TVP_TEST_CLOCK="$instant" "$@"
}

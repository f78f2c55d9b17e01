#!/usr/bin/env bash
# Regenerate the README's screenshots (docs/screenshots/*.png) from the browser tests that reach those
# screens: the tests run as usual, with TVP_SCREENSHOTS_DIR set so tests/support/screenshots.shoot writes
# the pictures. Then every picture the README shows must exist and have been written by this run, and
# every picture in the folder must be one the README shows; anything else fails loudly.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/bootstrap.sh
./scripts/system-deps.sh
out=docs/screenshots
mkdir -p "$out"
started="$(mktemp)"  # its modification time is this run's start
trap 'rm -f "$started"' EXIT
export TVP_SCREENSHOTS_DIR="$PWD/$out" TVP_TEST_REQUIRE_SERVICES=1
.venv/bin/pytest -q -p no:cacheprovider \
  tests/web/test_browser.py::test_sign_in_see_dashboard_switch_language_and_sign_out \
  tests/web/test_browser.py::test_review_candidates_to_a_notice_with_the_keyboard_only \
  tests/web/test_browser_review_screen.py::test_everything_on_one_screen_at_laptop_and_tablet_sizes \
  tests/web/test_browser_citizen.py::test_a_citizen_signs_in_opens_a_notice_and_verifies_its_evidence \
  tests/web/test_browser_citizen_flow.py::test_acknowledge_name_the_driver_dispute_decision_and_points \
  tests/web/test_browser_exam_desk.py::test_the_desk_admits_a_genuine_holder_and_refuses_a_tampered_chip \
  tests/web/test_browser_proctoring.py::test_an_officer_sees_the_frame_and_dismisses_a_flag \
  "$@"
shown="$(grep -o "$out/[A-Za-z0-9_-]*\.png" README.md | sort -u)"
[ -n "$shown" ] || { echo "screenshots: README.md shows no $out/*.png" >&2; exit 1; }
failed=0
for png in $shown; do
  if [ ! -f "$png" ]; then echo "screenshots: $png is in README.md but no test wrote it" >&2; failed=1
  elif [ ! "$png" -nt "$started" ]; then echo "screenshots: $png was not rewritten by this run" >&2; failed=1
  fi
done
for png in "$out"/*.png; do
  grep -qxF "$png" <<<"$shown" || { echo "screenshots: $png is not shown in README.md" >&2; failed=1; }
done
[ "$failed" = 0 ] || exit 1
du -ch $shown | sed 's/^/screenshots: /'

#!/usr/bin/env bash
# System packages the tests need: Debian chromium (browser tests), the fonts of the plate renderer, and the
# time-zone database (Vietnam's zone; the far zones of scripts/test-clock.sh).
set -euo pipefail
if ! command -v chromium >/dev/null 2>&1 || [ ! -e /usr/share/fonts/truetype/liberation/LiberationSansNarrow-Bold.ttf ] \
  || [ ! -e /usr/share/zoneinfo/Pacific/Kiritimati ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing Debian's chromium, fonts and tzdata for the tests …" >&2
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-liberation fonts-dejavu-core tzdata >/dev/null
  else
    echo "install Debian's chromium, fonts-liberation, fonts-dejavu-core and tzdata (the tests need them)" >&2
    exit 1
  fi
fi

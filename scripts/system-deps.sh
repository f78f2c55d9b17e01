#!/usr/bin/env bash
# System packages the tests need: Debian chromium (browser tests) and the fonts of the plate renderer.
set -euo pipefail
if ! command -v chromium >/dev/null 2>&1 || [ ! -e /usr/share/fonts/truetype/liberation/LiberationSansNarrow-Bold.ttf ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing Debian's chromium and fonts for the tests …" >&2
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-liberation fonts-dejavu-core >/dev/null
  else
    echo "install Debian's chromium, fonts-liberation and fonts-dejavu-core (the tests need them)" >&2
    exit 1
  fi
fi

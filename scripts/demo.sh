#!/usr/bin/env bash
# Install, then run the demo on the embedded default (SQLite file under var/, in-process jobs).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/bootstrap.sh
exec .venv/bin/tvp demo "$@"

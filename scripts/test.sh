#!/usr/bin/env bash
# Set up, then run every test: unit, protocol, crash, end-to-end over HTTP, and the browser tests of the dashboard.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npm ci --no-audit --no-fund --loglevel=error  # Azurite, for the blob storage tests
if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    apt-get update -qq && apt-get install -y -qq chromium >/dev/null
fi
exec .venv/bin/python -m pytest "$@"

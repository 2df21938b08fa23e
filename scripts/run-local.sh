#!/usr/bin/env bash
# Set up, then serve function_app.py on http://localhost:7071 with the local host (no Core Tools, Docker or Azure).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
[ -f local.settings.json ] || cp local.settings.json.example local.settings.json
exec .venv/bin/python -m devhost "$@"

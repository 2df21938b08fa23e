#!/usr/bin/env bash
# Create .venv and install the pinned dependencies of the app, the local host and the tests.
# Skips the install when the requirement files are unchanged since the last one that succeeded.
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=.venv/.requirements.sha256
wanted=$(cat requirements.txt requirements-dev.txt | sha256sum | cut -d' ' -f1)
if [ -x .venv/bin/python ] && [ "$(cat "$stamp" 2>/dev/null)" = "$wanted" ]; then
    exit 0
fi
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip==25.3
.venv/bin/python -m pip install --quiet -r requirements-dev.txt
echo "$wanted" > "$stamp"

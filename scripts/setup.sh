#!/usr/bin/env bash
# Create .venv and install the pinned dependencies of the app, the local host and the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip==25.3
.venv/bin/python -m pip install --quiet -r requirements-dev.txt

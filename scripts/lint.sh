#!/usr/bin/env bash
# The checks CI runs before the tests: ruff (lint and format) and mypy (strict on the app's packages).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy

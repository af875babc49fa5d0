#!/usr/bin/env bash
# Runs every test: the Swift package (swift test) and the Python converter (pytest).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-dependencies.sh
swift test
python3 -m pytest -q tools/tests python/tests

#!/usr/bin/env bash
# Runs every test: the Swift package (swift test), then pytest: the converter (tools/tests) and the Python
# reader (python/tests, whose ONNX tests run the debug executable swift test built).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-dependencies.sh
swift test
SUPERMASK="$PWD/.build/debug/supermask" python3 -m pytest -q tools/tests python/tests

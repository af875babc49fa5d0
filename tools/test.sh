#!/usr/bin/env bash
# Runs every test: the Swift package (swift test); pytest: the converter (tools/tests) and the Python reader
# (python/tests, whose ONNX tests run the debug executable swift test built); then every fuzz target for
# FUZZ_SECONDS each (default 30; 0 skips them) — a crash, hang or huge allocation found makes the run fail.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-dependencies.sh
swift test
SUPERMASK="$PWD/.build/debug/supermask" python3 -m pytest -q tools/tests python/tests
fuzz_seconds=${FUZZ_SECONDS:-30}
if [[ $fuzz_seconds -gt 0 ]]; then tools/fuzz.sh all "$fuzz_seconds"; fi

#!/usr/bin/env bash
# The main job on a fresh machine: install dependencies, build supermask, and take the bundled checkpoint
# (written by PyTorch in the legacy format the released models use) through the whole path:
# .pth → tools/pth2h5.py → .h5 → supermask inspect / infer → compare with PyTorch's own logits.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-dependencies.sh
swift build -c release --product supermask 2>&1 | tail -n 1

demo=models/demo
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo
echo "== convert: python3 tools/pth2h5.py $demo/fc-usc.legacy.pth fc-usc.h5 --keep 0.5"
python3 tools/pth2h5.py "$demo/fc-usc.legacy.pth" "$work/fc-usc.h5" --keep 0.5
echo
echo "== supermask inspect fc-usc.h5"
.build/release/supermask inspect "$work/fc-usc.h5"
echo
echo "== supermask infer fc-usc.h5 --input $demo/input.npy --output logits.npy"
.build/release/supermask infer "$work/fc-usc.h5" --input "$demo/input.npy" --output "$work/logits.npy"
python3 - "$work/logits.npy" "$demo/logits.pytorch.npy" <<'PY'
import sys
import numpy as np
ours, theirs = np.load(sys.argv[1]), np.load(sys.argv[2])
error = np.abs(ours - theirs).max() / np.abs(theirs).max()
print(f"max |Δlogit| / max |logit| against PyTorch: {error:.2e} ({'within' if error <= 1e-4 else 'OUTSIDE'} 1e-4)")
print("predicted classes:", ours.argmax(1).tolist(), "PyTorch:", theirs.argmax(1).tolist())
sys.exit(0 if error <= 1e-4 else 1)
PY

#!/usr/bin/env bash
# The main job on a fresh machine, offline: install dependencies, build supermask, and run `supermask demo` —
# subnetworks hidden in random MNIST networks (never trained, weights regenerated from a seed) against a
# dense-trained network, on the bundled MNIST test split (models/mnist), with sizes and PyTorch's counts.
# Then the released-format path: a legacy-format .pth (models/demo) → tools/pth2h5.py → .h5 → logits,
# compared with PyTorch's own.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-dependencies.sh
swift build -c release --product supermask 2>&1 | tail -n 1

echo
.build/release/supermask demo

demo=models/demo
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo
echo "Released-format check: $demo/fc-usc.legacy.pth (torch's legacy serialization, as the released checkpoints)"
python3 tools/pth2h5.py "$demo/fc-usc.legacy.pth" "$work/fc-usc.h5" --keep 0.5 >/dev/null
.build/release/supermask infer "$work/fc-usc.h5" --input "$demo/input.npy" --output "$work/logits.npy" >/dev/null
python3 - "$work/logits.npy" "$demo/logits.pytorch.npy" <<'PY'
import sys
import numpy as np
ours, theirs = np.load(sys.argv[1]), np.load(sys.argv[2])
error = np.abs(ours - theirs).max() / np.abs(theirs).max()
print(f"  pth2h5 + supermask infer: max |Δlogit| / max |logit| against PyTorch {error:.2e} "
      f"({'within' if error <= 1e-4 else 'OUTSIDE'} 1e-4), predicted classes {'equal' if (ours.argmax(1) == theirs.argmax(1)).all() else 'DIFFER'}")
sys.exit(0 if error <= 1e-4 and (ours.argmax(1) == theirs.argmax(1)).all() else 1)
PY

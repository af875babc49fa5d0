#!/usr/bin/env python3
"""Make the bundled demo in models/demo/ (needs torch; run by developers, not by CI or users).

The demo is the MNIST FC network of hidden-networks (784-300-100-10 as 1x1 convolutions) with
signed-constant weights and random scores at keep 0.5, saved exactly the way the released ImageNet
checkpoints were: torch's legacy (pre-zip) serialization of the dict main.py writes, with `module.`-prefixed
keys. Next to it: a seeded input batch and PyTorch's eval-mode logits for it, which tools/demo.sh compares
with `supermask infer`.

Its scores are random, not trained: it demonstrates the path .pth -> .h5 -> supermask and agreement with
PyTorch, not accuracy (a trained MNIST subnetwork is a later piece of work).

Usage: python3 tools/make_demo_model.py [--out models/demo]
"""

import argparse
import os
import sys

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_test_fixtures as fixtures  # noqa: E402
import reference_models as rm  # noqa: E402

SEED = 20201130
KEEP = 0.5
BATCH = 4


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "models", "demo"))
    args = parser.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    torch.set_num_threads(1)
    torch.manual_seed(SEED)
    model = rm.FC(init="signed_constant")
    rm.set_keep(model, KEEP)
    model.eval()
    checkpoint = {
        "epoch": 100,
        "arch": "FC",
        "state_dict": nn.DataParallel(model).state_dict(),
        "best_acc1": 0.0,
        "best_acc5": 0.0,
    }
    fixtures.save_legacy(checkpoint, os.path.join(args.out, "fc-usc.legacy.pth"))
    inputs = torch.randn(BATCH, 1, 28, 28, generator=torch.Generator().manual_seed(SEED + 1))
    with torch.no_grad():
        logits = model(inputs)
    np.save(os.path.join(args.out, "input.npy"), inputs.numpy().astype(np.float32))
    np.save(os.path.join(args.out, "logits.pytorch.npy"), logits.numpy().astype(np.float32))
    print(f"wrote {args.out}: kept {sum(rm.mask_kept_counts(model).values())} of "
          f"{sum(m.weight.numel() for _, m in rm.subnet_layers(model))} weights")
    return 0


if __name__ == "__main__":
    sys.exit(main())

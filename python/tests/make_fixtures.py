#!/usr/bin/env python3
"""Writes the containers python/tests reads, with the Swift writer (`supermask export`).

Each network is drawn by `supermask init` (supermask's seeded generator, docs/generator.md), given scores that
are themselves generator draws (or a structured ramp, which Deflate codes best), and exported in one weight
mode. fixtures.json records how each was made, so the tests can rebuild every expected tensor with numpy and
the Python generator alone and compare the reader's output bit for bit.

    swift build && python3 python/tests/make_fixtures.py --supermask .build/debug/supermask
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))
from supermask import generator  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
FC_SHAPES = {"linear.0": (300, 784, 1, 1), "linear.2": (100, 300, 1, 1), "linear.4": (10, 100, 1, 1)}

# name, init, weight seed, keep, per-layer score rule, weight mode. Keep 0.05 makes the enumerative coder win
# on random scores; keep 0.5 makes raw win; the ramp makes Deflate win.
FIXTURES = [
    ("fc-ukn-k05-fp32", "kaiming-normal", 11, 0.05, ["random", "ramp", "random"], "fp32"),
    ("fc-ukn-k05-fp16", "kaiming-normal", 11, 0.05, ["random", "ramp", "random"], "fp16"),
    ("fc-ukn-k05-bf16", "kaiming-normal", 11, 0.05, ["random", "ramp", "random"], "bf16"),
    ("fc-ukn-k05-seed", "kaiming-normal", 11, 0.05, ["random", "ramp", "random"], "seed"),
    ("fc-usc-k50-signed", "signed-constant", 12, 0.5, ["random", "ramp", "random"], "signed"),
    ("fc-usc-k50-seed", "signed-constant", 12, 0.5, ["random", "ramp", "random"], "seed"),
    ("fc-usc-k05-signed", "signed-constant", 13, 0.05, ["ramp", "random", "random"], "signed"),
]
SCORE_SEED = 99


def scores(rule, layer_index, shape):
    """A layer's scores: generator draws under SCORE_SEED, or a ramp that keeps the last weights in flat order."""
    if rule == "random":
        return generator.weights("kaiming-normal", SCORE_SEED, layer_index, shape)
    count = 1
    for side in shape:
        count *= side
    return (np.arange(count, dtype=np.float32) / count).reshape(shape)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--supermask", required=True, help="the supermask executable")
    args = parser.parse_args()
    records = []
    with tempfile.TemporaryDirectory() as work:
        for name, init, seed, keep, rules, mode in FIXTURES:
            source = os.path.join(work, name + ".h5")
            subprocess.run([args.supermask, "init", "--arch", "FC", "--init", init, "--seed", str(seed), "-o", source],
                           check=True, stdout=subprocess.DEVNULL)
            with h5py.File(source, "r+") as f:
                f.attrs["keep"] = keep
                for index, (layer, shape) in enumerate(FC_SHAPES.items()):
                    f["state_dict"].create_dataset(layer + ".scores", data=scores(rules[index], index, shape))
            output = os.path.join(HERE, "fixtures", name + ".smask")
            subprocess.run([args.supermask, "export", source, "-o", output, "--weights", mode],
                           check=True, stdout=subprocess.DEVNULL)
            records.append({"file": name + ".smask", "arch": "FC", "init": init, "seed": seed, "keep": keep,
                            "scores": rules, "score_seed": SCORE_SEED, "weights": mode})
    with open(os.path.join(HERE, "fixtures", "fixtures.json"), "w") as f:
        json.dump(records, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()

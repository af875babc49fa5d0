#!/usr/bin/env python3
"""Make the seed-recovery fixtures: the first layer allenai/hidden-networks' get_model draws, under real torch.

For every architecture, init (usc, ukn), CPU capability (avx2, default) and seeding (``--seed 2**32 + 20191129`` or
none: torch then seeds itself from /dev/urandom), this builds the model with the original code through
tools/make_torch_init_fixtures.py's worker (main.py's own argument parsing, seeding and get_model, saved as
main.py saves checkpoints) and keeps:

  <name>.npy      the first 4096 weights of the first layer drawn (little-endian float32): what a search reads
  manifest.json   per case: arch, init, profile, the seed torch used, the layer's name and size

The Swift tests (SupermaskSeedSearchTests) find each seed from the stored weights alone. (That a seed regenerates
every layer is tools/make_torch_init_fixtures.py's fixtures' test, SupermaskTorchInitTests.) Needs torch; the
tests only read the outputs.

Usage: python3 tools/make_seed_recovery_fixtures.py --hidden-networks DIR [--out DIR] [--checkpoints DIR]
                                                    [--worst-case]
  DIR is a checkout of https://github.com/allenai/hidden-networks (read at commit dddf2d0).
  --checkpoints DIR  also converts every model to DIR/<name>.h5 (pth2h5.py --keep at the config's prune rate), for
                     `supermask recover-seed` runs; the ResNet-50 and Wide ResNet-50-2 files take 0.2-0.6 GB each,
                     never commit them.
  --worst-case       also builds, into --checkpoints, models seeded with 4294967295: the last seed a search tests,
                     so recovering it times a search of all 2^32 (tools/bench_seed_search.py).
"""

import argparse
import json
import os
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_torch_init_fixtures as torch_init  # noqa: E402  (the worker that runs the original code)
from pth2h5 import convert  # noqa: E402
from torchpickle import load_checkpoint  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STORED = 4096
WORST_SEED = 2**32 - 1


def build(hidden_networks, arch, config, prune_rate, capability, seed, name, out, checkpoints, store):
    """Runs one case; returns its manifest entry (and stores the layer and the .h5 as asked)."""
    with tempfile.TemporaryDirectory() as scratch:
        checkpoint = os.path.join(scratch, name + ".pth")
        case = torch_init.run_case(hidden_networks, arch, config, prune_rate, capability, seed, checkpoint=checkpoint)
        first = case["layers"][0]["name"]
        # The first SubnetConv in state-dict order is also the first built, in every architecture here.
        if first not in ("conv1", "convs.0", "linear.0"):
            sys.exit(f"{name}: unexpected first layer {first}")
        entry = {key: case[key] for key in ("arch", "init", "profile", "torch_seed", "seed_argument", "torch_version")}
        entry.update(name=name, layer=first, prune_rate=prune_rate)
        if store:
            state = load_checkpoint(checkpoint)["state_dict"]
            weight = np.asarray(state[first + ".weight"]).reshape(-1).astype("<f4")
            entry.update(count=int(weight.size), stored=min(STORED, int(weight.size)), file=name + ".npy")
            np.save(os.path.join(out, name + ".npy"), weight[:STORED])
        if checkpoints:
            convert(checkpoint, os.path.join(checkpoints, name + ".h5"), keep=prune_rate)
    return entry


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--hidden-networks", required=True, help="checkout of allenai/hidden-networks")
    parser.add_argument("--out", default=os.path.join(ROOT, "Tests", "Fixtures", "seed-recovery"))
    parser.add_argument("--checkpoints", help="also keep every model here as .h5 (large files)")
    parser.add_argument("--worst-case", action="store_true", help="also seed-4294967295 models into --checkpoints")
    options = parser.parse_args()
    if options.worst_case and not options.checkpoints:
        parser.error("--worst-case writes into --checkpoints")
    hidden_networks = os.path.abspath(options.hidden_networks)
    os.makedirs(options.out, exist_ok=True)
    if options.checkpoints:
        os.makedirs(options.checkpoints, exist_ok=True)
    entries = []
    for arch, usc, ukn, prune_rate in torch_init.SMALL + torch_init.LARGE:
        for init, config in (("usc", usc), ("ukn", ukn)):
            for capability in torch_init.CAPABILITIES:
                for seed in (torch_init.SEED, None):
                    name = f"{arch.lower()}-{init}-{capability}-{'seeded' if seed else 'unseeded'}"
                    entries.append(build(hidden_networks, arch, config, prune_rate, capability, seed, name,
                                         options.out, options.checkpoints, store=True))
    if options.worst_case:
        for arch, usc, ukn, prune_rate in torch_init.SMALL + torch_init.LARGE:
            if arch not in ("FC", "ResNet50"):
                continue
            for init, config in (("usc", usc), ("ukn", ukn)):
                build(hidden_networks, arch, config, prune_rate, "avx2", WORST_SEED,
                      f"{arch.lower()}-{init}-avx2-seed4294967295", options.out, options.checkpoints, store=False)
    write_manifest(os.path.join(options.out, "manifest.json"), entries)


def write_manifest(path, entries):
    """One case per line, so that a diff of two runs reads case by case."""
    about = ("Made by tools/make_seed_recovery_fixtures.py from allenai/hidden-networks' main.get_model: the first "
             f"{STORED} weights of the first layer drawn (<name>.npy, little-endian float32, C order).")
    lines = ["{", f' "about": {json.dumps(about)},', ' "cases": [']
    lines += ["  " + json.dumps(entry) + ("," if number + 1 < len(entries) else "") for number, entry in enumerate(entries)]
    lines += [" ]", "}"]
    with open(path, "w") as file:
        file.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()

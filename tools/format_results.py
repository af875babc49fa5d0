#!/usr/bin/env python3
"""Measure the .smask container on full-size models: size against the information bound, and bit-identical
round trips (.h5 -> .smask -> logits) for every lossless weight mode.

Developer tool (needs torch, tools/reference_models.py and a release build of supermask). It builds
ResNet-50 usc/ukn and Wide ResNet-50-2 usc at keep 0.3 the way tools/conformance.py does, plus a ResNet-50
drawn by `supermask init` with random scores (the seed case), exports each, and prints one table.
Large files go to --workdir (default /tmp/supermask-format), never into the repository.

Usage: python3 tools/format_results.py [--supermask PATH] [--workdir DIR] [--only NAME ...]
"""

import argparse
import filecmp
import json
import os
import subprocess
import sys

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import conformance  # noqa: E402

SEEDED = "resnet50-init"


def run(binary, *args):
    """Run supermask; return its stdout or stop with its error."""
    process = subprocess.run([binary, *map(str, args)], capture_output=True, text=True)
    if process.returncode != 0:
        sys.exit(f"supermask {' '.join(map(str, args))} failed: {process.stderr.strip()}")
    return process.stdout


def make_seeded_model(binary, workdir):
    """`supermask init` a ResNet-50, then give it random scores and keep 0.3, as a trainer would."""
    path = os.path.join(workdir, SEEDED + ".h5")
    run(binary, "init", "--arch", "ResNet50", "--init", "signed-constant", "--seed", 2020, "-o", path)
    rng = np.random.default_rng(2020)
    with h5py.File(path, "r+") as h5:
        group = h5["state_dict"]
        for name in [n for n in group if n.endswith(".weight") and group[n].ndim == 4]:
            scores = rng.standard_normal(group[name].shape).astype(np.float32)
            dataset = group.create_dataset(name[: -len(".weight")] + ".scores", data=scores)
            dataset.attrs["torch_dtype"] = np.bytes_(b"float32")
        h5.attrs["keep"] = 0.3
    return path


def round_trip(binary, h5, input_path, mode, workdir):
    """Export with `mode`, run both files on the same input, and compare the logits byte for byte."""
    base = os.path.join(workdir, f"{os.path.basename(h5)[:-3]}.{mode}")
    run(binary, "export", h5, "-o", base + ".smask", "--weights", mode)
    run(binary, "infer", h5, "--input", input_path, "--output", base + ".h5.npy")
    run(binary, "infer", base + ".smask", "--input", input_path, "--output", base + ".smask.npy")
    return filecmp.cmp(base + ".h5.npy", base + ".smask.npy", shallow=False)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--supermask", default=conformance.DEFAULT_BINARY)
    parser.add_argument("--workdir", default="/tmp/supermask-format")
    parser.add_argument("--only", nargs="+", help="configurations (default: all)")
    args = parser.parse_args(argv)
    os.makedirs(args.workdir, exist_ok=True)

    models = {}  # name -> (h5, input .npy, lossless modes)
    for arch, init in (("ResNet50", "usc"), ("ResNet50", "ukn"), ("WideResNet50_2", "usc")):
        cfg = conformance._cfg(arch, init, 0.3)
        if args.only and cfg["name"] not in args.only:
            continue
        paths = conformance.torch_side(cfg, args.workdir)["paths"]
        modes = ["signed", "fp32"] if init == "usc" else ["fp32"]
        models[cfg["name"]] = (paths["h5"], paths["input"], modes, paths["pth"])
    if not args.only or SEEDED in args.only:
        h5 = make_seeded_model(args.supermask, args.workdir)
        input_path = os.path.join(args.workdir, "resnet50-init.input.npy")
        np.save(input_path, np.random.default_rng(1).standard_normal((2, 3, 224, 224)).astype(np.float32))
        models[SEEDED] = (h5, input_path, ["seed", "signed", "fp32"], None)

    print(f"{'model':<18} {'mode':>6} {'.smask bytes':>13} {'bound bytes':>12} {'ratio':>7} "
          f"{'× smaller':>9}  round trips (bit-identical logits)")
    for name, (h5, input_path, modes, pth) in models.items():
        smask = os.path.join(args.workdir, name + ".smask")
        run(args.supermask, "export", h5, "-o", smask)
        size_args = [smask, "--json", "--chart", os.path.join(args.workdir, name + ".svg")]
        report = json.loads(run(args.supermask, "size", *size_args, *(["--original", pth] if pth else [])))
        trips = ", ".join(f"{mode} {'yes' if round_trip(args.supermask, h5, input_path, mode, args.workdir) else 'NO'}"
                          for mode in modes)
        print(f"{name:<18} {report['weightMode']:>6} {report['containerBytes']:>13,} "
              f"{report['bound']['bytes']:>12,.0f} {report['containerOverBound']:>7.4f} "
              f"{report['releaseOverContainer']:>9.1f}  {trips}")
    print(f"charts and files in {args.workdir}")


if __name__ == "__main__":
    main()

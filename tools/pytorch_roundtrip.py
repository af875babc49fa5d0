#!/usr/bin/env python3
"""Show that .smask containers go back into the original hidden-networks model with supermask's logits.

For each architecture (FC for MNIST, Conv4 for CIFAR-10, ResNet50 for ImageNet) and each of its inits (usc, ukn),
this script builds the model with allenai/hidden-networks' own ``main.get_model`` (unseeded, as main.py does,
through tools/make_torch_init_fixtures.py --checkpoint), converts the saved checkpoint with tools/pth2h5.py, and
stores it with ``supermask export`` in a weight mode: ``signed`` (usc), ``fp32`` and ``fp16`` (ukn), and
``torch-seed`` (both: the seed torch drew the weights from). Then, in a fresh Python with torch:

    sd = supermask.load_state_dict(container)
    model = main.get_model(args); model.load_state_dict(sd, strict=True); model.eval()

and runs a random batch through it; ``supermask infer`` runs the same batch on the container. The line per case
gives max |difference| / max |logit|; the script exits 1 if any case exceeds --tolerance (default 1e-5).

Needs torch, numpy, h5py and the Python package in python/ (``pip install ./python``).

Usage: python3 tools/pytorch_roundtrip.py --hidden-networks DIR --supermask BINARY [--workdir DIR] [--arch A ...]
  DIR is a checkout of https://github.com/allenai/hidden-networks; --arch picks among FC, Conv4 and ResNet50.
"""

import argparse
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# (architecture, usc config, ukn config, prune rate, input shape of one image)
ARCHITECTURES = [
    ("FC", "configs/smallscale/fc/fc_usc_unsigned.yml", "configs/smallscale/fc/fc_ukn_unsigned.yml", 0.5,
     (1, 28, 28)),
    ("Conv4", "configs/smallscale/conv4/conv4_usc_unsigned.yml", "configs/smallscale/conv4/conv4_ukn_unsigned.yml",
     0.5, (3, 32, 32)),
    ("ResNet50", "configs/largescale/subnetonly/resnet50-usc-unsigned.yaml",
     "configs/largescale/subnetonly/resnet50-ukn-unsigned.yaml", 0.3, (3, 224, 224)),
]
MODES = {"usc": ["signed"], "ukn": ["fp32", "fp16"]}
BATCH = 2


def torch_logits(spec):
    """Runs in a child with torch: the original model, the state dict from the Python reader, the batch's logits."""
    import numpy
    import torch
    sys.path.insert(0, os.path.join(ROOT, "python", "src"))
    import supermask
    from hidden_networks_main import import_main
    main = import_main(spec["hidden_networks"], ["--config", spec["config"], "--prune-rate", str(spec["prune_rate"])])
    model = main.get_model(main.args)
    state = {key: torch.from_numpy(value) for key, value in supermask.load_state_dict(spec["container"]).items()}
    model.load_state_dict(state, strict=True)
    model.eval()
    batch = torch.from_numpy(numpy.load(spec["input"]))
    with torch.no_grad():
        numpy.save(spec["output"], model(batch).numpy())


def run(command, **kwargs):
    result = subprocess.run(command, capture_output=True, text=True, check=False, **kwargs)
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--hidden-networks", help="checkout of allenai/hidden-networks")
    parser.add_argument("--supermask", help="the supermask executable")
    parser.add_argument("--workdir", default="/tmp/supermask-roundtrip")
    parser.add_argument("--arch", nargs="+", default=[a[0] for a in ARCHITECTURES],
                        choices=[a[0] for a in ARCHITECTURES], help="the architectures to run (default: all)")
    parser.add_argument("--tolerance", type=float, default=1e-5)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.worker:
        torch_logits(json.loads(options.worker))
        return
    if not options.hidden_networks or not options.supermask:
        parser.error("--hidden-networks DIR and --supermask BINARY are required")
    import numpy
    hidden_networks = os.path.abspath(options.hidden_networks)
    os.makedirs(options.workdir, exist_ok=True)
    failures = 0
    for arch, usc, ukn, prune_rate, shape in ARCHITECTURES:
        if arch not in options.arch:
            continue
        batch = numpy.random.default_rng(7).standard_normal((BATCH, *shape)).astype("<f4")
        batch_path = os.path.join(options.workdir, f"{arch}-input.npy")
        numpy.save(batch_path, batch)
        for init, config in (("usc", usc), ("ukn", ukn)):
            stem = os.path.join(options.workdir, f"{arch}-{init}")
            seed = run([sys.executable, os.path.join(ROOT, "tools", "make_torch_init_fixtures.py"),
                        "--hidden-networks", hidden_networks, "--checkpoint", arch, init, "avx2", stem + ".pth"]
                       ).strip().splitlines()[-1]
            run([sys.executable, os.path.join(ROOT, "tools", "pth2h5.py"), stem + ".pth", stem + ".h5",
                 "--keep", str(prune_rate)])  # hidden-networks keeps the top prune_rate fraction
            for mode in MODES[init] + ["torch-seed"]:
                container = f"{stem}-{mode}.smask"
                export = [options.supermask, "export", stem + ".h5", "-o", container, "--weights", mode]
                if mode == "torch-seed":
                    export += ["--torch-seed", seed, "--torch-profile", "torch2-avx2"]
                run(export)
                ours = f"{stem}-{mode}-supermask.npy"
                run([options.supermask, "infer", container, "--input", batch_path, "--output", ours])
                theirs = f"{stem}-{mode}-torch.npy"
                spec = {"hidden_networks": hidden_networks, "config": config, "prune_rate": prune_rate,
                        "container": container, "input": batch_path, "output": theirs}
                child = subprocess.run([sys.executable, os.path.abspath(__file__), "--worker", json.dumps(spec)],
                                       capture_output=True, text=True, check=False,
                                       env=dict(os.environ, ATEN_CPU_CAPABILITY="avx2", OMP_NUM_THREADS="1"))
                if child.returncode != 0:
                    print(f"{arch:9} {init} {mode:10} the original model refused the state dict:\n{child.stderr}")
                    failures += 1
                    continue
                a, b = numpy.load(ours), numpy.load(theirs)
                error = float(numpy.abs(a - b).max() / numpy.abs(b).max())
                ok = a.shape == b.shape and error <= options.tolerance
                failures += not ok
                print(f"{arch:9} {init} {mode:10} {os.path.getsize(container):>11,} B  logits {a.shape}  "
                      f"max|Δ|/max|logit| {error:.2e}  {'ok' if ok else 'FAIL'}", flush=True)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()

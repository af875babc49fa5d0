#!/usr/bin/env python3
"""Make the trained-supermask fixture: a torch-seed `.smask` whose masks are coded with the initial scores, and what
PyTorch says about it, from a checkpoint tools/train_hidden_networks.py wrote.

A developer tool (needs torch and a built `supermask`; CI only reads the outputs). Steps:
1. load the checkpoint into allenai/hidden-networks' own FC (main.get_model, SubnetConv/GetSubnet) and record, per
   layer, the SHA-256 of the mask GetSubnet selects (uint8 0/1, C order) and of the frozen weight (float32 LE);
   the logits of the first 8 MNIST test images (eval mode) and those images;
2. rebuild the model from the torch seed alone (torch.manual_seed, get_model) and check that its weights equal the
   checkpoint's and record the SHA-256 of its initial scores (what coder 3 conditions on);
3. convert the checkpoint with tools/pth2h5.py, `supermask export --weights torch-seed`, and check with
   `supermask infer` that the .smask gives logits bit-identical to the .h5;
4. write NAME.smask, NAME.json, NAME.input.npy and NAME.logits.npy into --out.

    python3 tools/make_trained_mask_fixture.py --hidden-networks DIR --checkpoint fc-usc.pth --seed 20200612 \\
        --profile torch2-avx2 --supermask .build/debug/supermask [--out Tests/Fixtures/torch-coder]
"""

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

TOOLS = Path(__file__).resolve().parent
ROOT = TOOLS.parent
sys.path[:0] = [str(TOOLS)]
import mnist_data  # noqa: E402
import train_hidden_networks  # noqa: E402
from pth2h5 import convert  # noqa: E402

SAMPLES = 8


def sha256(array):
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()


def original_model(torch, hidden_networks, init, prune_rate, seed):
    """hidden-networks' FC as main.py builds it, after `torch.manual_seed(seed)` (None: no seeding)."""
    sys.path.insert(0, hidden_networks)
    sys.argv = ["main.py", "--config", os.path.join(hidden_networks, train_hidden_networks.CONFIGS[init]),
                "--prune-rate", str(prune_rate)]
    import main as original  # noqa: E402  (args.py parses sys.argv on import)
    if seed is not None:
        torch.manual_seed(seed)
    return original.get_model(original.args)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hidden-networks", required=True, metavar="DIR")
    parser.add_argument("--checkpoint", required=True, metavar="PTH", help="from tools/train_hidden_networks.py")
    parser.add_argument("--init", choices=sorted(train_hidden_networks.CONFIGS), default="usc")
    parser.add_argument("--seed", type=int, required=True, help="the torch seed of the training run")
    parser.add_argument("--profile", required=True, help="the torch profile the run drew with (torch2-avx2, …)")
    parser.add_argument("--prune-rate", type=float, default=0.5)
    parser.add_argument("--supermask", required=True, help="the supermask executable")
    parser.add_argument("--out", default=str(ROOT / "Tests" / "Fixtures" / "torch-coder"))
    parser.add_argument("--name", default="fc-usc-trained")
    options = parser.parse_args(argv)

    import torch
    train_hidden_networks.install_stand_ins(torch, None)
    hidden_networks = os.path.abspath(options.hidden_networks)
    checkpoint = torch.load(options.checkpoint, map_location="cpu", weights_only=False)
    model = original_model(torch, hidden_networks, options.init, options.prune_rate, seed=None)
    model.load_state_dict(checkpoint["state_dict"])
    model.eval()
    from utils.conv_type import GetSubnet, SubnetConv

    images, labels = mnist_data.load("test")
    inputs = mnist_data.normalize(images[:SAMPLES])
    with torch.no_grad():
        logits = model(torch.from_numpy(inputs)).numpy().astype(np.float32)
    rebuilt = original_model(torch, hidden_networks, options.init, options.prune_rate, seed=options.seed)
    initial = dict(rebuilt.named_modules())
    layers = []
    for name, module in model.named_modules():
        if not isinstance(module, SubnetConv):
            continue
        with torch.no_grad():
            mask = GetSubnet.apply(module.clamped_scores, module.prune_rate).numpy().astype(np.uint8)
        weight = module.weight.detach().numpy()
        start = initial[name]
        if not np.array_equal(start.weight.detach().numpy().view(np.uint32), weight.view(np.uint32)):
            raise SystemExit(f"{name}: torch seed {options.seed} does not rebuild the checkpoint's weights")
        layers.append({
            "name": name, "shape": list(weight.shape), "kept": int(mask.sum()),
            "mask_sha256": sha256(mask), "weight_sha256": sha256(weight.astype("<f4")),
            "initial_scores_sha256": sha256(start.scores.detach().numpy().astype("<f4")),
        })

    out = Path(options.out)
    out.mkdir(parents=True, exist_ok=True)
    smask = out / f"{options.name}.smask"
    with tempfile.TemporaryDirectory() as work:
        h5 = os.path.join(work, "model.h5")
        convert(options.checkpoint, h5, keep=options.prune_rate)
        exported = subprocess.run(
            [options.supermask, "export", h5, "-o", str(smask), "--weights", "torch-seed", "--torch-seed",
             str(options.seed), "--torch-profile", options.profile], check=True, capture_output=True, text=True)
        np.save(os.path.join(work, "input.npy"), inputs)
        results = []
        for model_file in (h5, str(smask)):
            target = os.path.join(work, f"logits-{len(results)}.npy")
            subprocess.run([options.supermask, "infer", model_file, "--input", os.path.join(work, "input.npy"),
                            "--output", target], check=True, capture_output=True)
            results.append(np.load(target))
        if not np.array_equal(results[0].view(np.uint32), results[1].view(np.uint32)):
            raise SystemExit("the .smask's logits differ from the .h5's")
        size = subprocess.run([options.supermask, "size", str(smask), "--json"], check=True, capture_output=True, text=True)
    report = json.loads(size.stdout)
    tolerance = 1e-4 * float(np.abs(logits).max())
    if float(np.abs(results[1] - logits).max()) > tolerance:
        raise SystemExit("supermask's logits are not within 1e-4 of max |logit| of PyTorch's")
    np.save(out / f"{options.name}.input.npy", inputs)
    np.save(out / f"{options.name}.logits.npy", logits)
    record = {
        "about": "Made by tools/make_trained_mask_fixture.py: FC trained by allenai/hidden-networks' main.py "
                 "(tools/train_hidden_networks.py) on MNIST; masks and weights as PyTorch's GetSubnet and SubnetConv "
                 "hold them, SHA-256 of uint8 masks and little-endian float32 weights in C order.",
        "torch_seed": str(options.seed), "torch_profile": options.profile, "init": options.init,
        "prune_rate": options.prune_rate, "epochs": checkpoint["epoch"], "test_top1": checkpoint["curr_acc1"],
        "torch_version": torch.__version__, "labels": labels[:SAMPLES].tolist(),
        "file_bytes": smask.stat().st_size, "mask_bound_bits": report["bound"]["maskBits"],
        "masks": [{k: v for k, v in layer.items() if k != "name"} | {"name": layer["name"], "coded_bits": mask["codedBits"],
                   "coder": mask["coder"], "bound_bits": mask["boundBits"]} for layer, mask in zip(layers, report["masks"])],
        "export": exported.stdout.strip(),
    }
    (out / f"{options.name}.json").write_text(json.dumps(record, indent=1) + "\n")
    print(exported.stdout.strip())


if __name__ == "__main__":
    main()

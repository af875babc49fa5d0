#!/usr/bin/env python3
"""Make the torch-init fixtures: what PyTorch's CPU generator gives hidden-networks' models, from the original code.

For every case this script starts a fresh Python with ATEN_CPU_CAPABILITY set (torch reads it once, at import), and
there runs allenai/hidden-networks' own main.py path: args.py parses the config and the command line, main()'s
seeding (``--seed`` given, or none: then torch has seeded itself from /dev/urandom and ``torch.initial_seed()`` reads
that seed back), then ``main.get_model(args)``. It records, per SubnetConv, the SHA-256 of the weight and of the
scores (little-endian float32, C order) and their first values, and the next 16 draws after ``get_model`` (the
stream position). The Swift tests regenerate the same tensors from seed + profile and compare.

Cases: FC, Conv4 and cResNet18 with the usc and ukn configs, seeded and unseeded; with --large, ResNet50 and
WideResNet50_2 (usc, ukn) unseeded; Conv4 with the builder's other inits and scale_fan, unseeded; each under
ATEN_CPU_CAPABILITY avx2 and default. The committed fixtures were made with --large (torch 2.13.0+cpu).

Outputs, in --out (default Tests/Fixtures/torch-init):
  manifest.json   every case: arch, init, capability/profile, the seed, torch's version, per-layer digests
  fc-ukn.h5       one FC ukn model built unseeded under avx2 and saved as main.py saves checkpoints, converted
                  with tools/pth2h5.py --keep 0.5: the round trip .h5 -> torch-seed .smask in the Swift tests

main.py imports tensorboard, tqdm and torchvision (for its data sets); none is used by get_model, so the worker
replaces those modules with empty ones. Needs torch; the Swift tests only read the outputs.

Usage: python3 tools/make_torch_init_fixtures.py --hidden-networks DIR [--out DIR] [--large]
       python3 tools/make_torch_init_fixtures.py --hidden-networks DIR --checkpoint ARCH INIT CAPABILITY OUT.pth
  DIR is a checkout of https://github.com/allenai/hidden-networks (read at commit dddf2d0).
  --large also builds ResNet50 and WideResNet50_2 (about 2 GB of memory and a few minutes).
  --checkpoint builds one model unseeded (INIT usc or ukn, CAPABILITY avx2 or default) and saves it as main.py
  saves its initial state; the torch seed is printed (for measuring big containers; not a fixture).
"""

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CAPABILITIES = {"avx2": "torch2-avx2", "default": "torch2-default"}
SMALL = [
    ("FC", "configs/smallscale/fc/fc_usc_unsigned.yml", "configs/smallscale/fc/fc_ukn_unsigned.yml", 0.5),
    ("Conv4", "configs/smallscale/conv4/conv4_usc_unsigned.yml", "configs/smallscale/conv4/conv4_ukn_unsigned.yml", 0.5),
    ("cResNet18", "configs/smallscale/resnet18/resnet18-usc-unsigned.yaml",
     "configs/smallscale/resnet18/resnet18-ukn-unsigned.yaml", 0.5),
]
LARGE = [
    ("ResNet50", "configs/largescale/subnetonly/resnet50-usc-unsigned.yaml",
     "configs/largescale/subnetonly/resnet50-ukn-unsigned.yaml", 0.3),
    ("WideResNet50_2", "configs/largescale/subnetonly/wideresnet50-usc-unsigned.yaml",
     "configs/largescale/subnetonly/wideresnet50-ukn-unsigned.yaml", 0.3),
]
# The builder's other inits, on Conv4, unseeded: the ablation configs, the scale_fan configs, and inits no config
# uses, set on the command line (which overrides the config, as in main.py).
CONV4 = "configs/smallscale/conv4/"
OTHER_INITS = [
    ("configs/smallscale/conv4initablation/conv4_uku_unsigned.yml", []),
    ("configs/smallscale/conv4initablation/conv4_uxn_unsigned.yml", []),
    (CONV4 + "conv4_sc_unsigned.yml", []),
    (CONV4 + "conv4_kn_unsigned.yml", []),
    (CONV4 + "conv4_usc_unsigned.yml", ["--init", "unsigned_constant"]),
    (CONV4 + "conv4_usc_unsigned.yml", ["--init", "xavier_constant"]),
    (CONV4 + "conv4_usc_unsigned.yml", ["--init", "standard"]),
]
# A seed above 2^32 (only its low 32 bits reach the generator) for the seeded runs.
SEED = 2**32 + 20191129


def worker(spec):
    """Runs inside the child: builds the model as main.py does and prints the case as JSON."""
    import torch
    from hidden_networks_main import import_main
    arguments = ["--config", spec["config"], "--prune-rate", str(spec["prune_rate"])] + spec["extra"]
    if spec["seed"] is not None:
        arguments += ["--seed", str(spec["seed"])]
    main = import_main(spec["hidden_networks"], arguments)
    args = main.args
    # main(): seeding, then main_worker -> get_model (nothing draws in between on the CPU generator).
    if args.seed is not None:
        import random
        random.seed(args.seed)
        torch.manual_seed(args.seed)
        torch.cuda.manual_seed(args.seed)
        torch.cuda.manual_seed_all(args.seed)
    model = main.get_model(args)
    next_draws = torch.rand(16)  # the low 24 bits of the next 16 outputs, exactly
    layers = []
    state = model.state_dict()
    for name, module in model.named_modules():
        if hasattr(module, "scores"):
            weight = state[name + ".weight"].contiguous().numpy()
            scores = state[name + ".scores"].contiguous().numpy()
            layers.append({
                "name": name,
                "shape": list(weight.shape),
                "weight_sha256": hashlib.sha256(weight.astype("<f4").tobytes()).hexdigest(),
                "scores_sha256": hashlib.sha256(scores.astype("<f4").tobytes()).hexdigest(),
                "weight_first": [f"{v:08x}" for v in weight.reshape(-1)[:4].view("<u4")],
                "scores_first": [f"{v:08x}" for v in scores.reshape(-1)[:4].view("<u4")],
            })
    case = {
        "arch": args.arch, "init": args.init, "config": spec["config"], "prune_rate": args.prune_rate,
        "scale_fan": bool(args.scale_fan), "capability": torch.backends.cpu.get_cpu_capability(),
        "profile": spec["profile"], "seed_argument": spec["seed"],
        # As a string: JSON readers that hold numbers as doubles would round a 64-bit seed.
        "torch_seed": str(torch.initial_seed()),
        "torch_version": torch.__version__,
        "next_draws_low24": [int(round(float(v) * 2**24)) for v in next_draws],
        "layers": layers,
    }
    if spec.get("checkpoint"):
        # As main.py's save_checkpoint writes the initial state (epoch 0), without the DataParallel wrapper.
        torch.save({"epoch": 0, "arch": args.arch, "state_dict": model.state_dict(), "best_acc1": 0.0,
                    "best_acc5": 0.0, "best_train_acc1": 0.0, "best_train_acc5": 0.0,
                    "curr_acc1": "Not evaluated"}, spec["checkpoint"])
    json.dump(case, sys.stdout)


def run_case(hidden_networks, arch, config, prune_rate, capability, seed, checkpoint=None, extra=()):
    spec = {"hidden_networks": hidden_networks, "config": config, "prune_rate": prune_rate, "seed": seed,
            "profile": CAPABILITIES[capability], "checkpoint": checkpoint, "extra": list(extra)}
    env = dict(os.environ, ATEN_CPU_CAPABILITY=capability, OMP_NUM_THREADS="1")
    result = subprocess.run([sys.executable, os.path.abspath(__file__), "--worker", json.dumps(spec)],
                            env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        sys.exit(f"{arch} {config} {capability} seed {seed}: worker failed\n{result.stderr}")
    # main.py and the builder print progress lines; the case is the last line.
    case = json.loads(result.stdout.strip().splitlines()[-1])
    if case["capability"].lower() != capability:
        sys.exit(f"torch ran with capability {case['capability']}, not {capability}")
    if case["arch"] != arch:
        sys.exit(f"config {config} built {case['arch']}, expected {arch}")
    print(f"{arch:15} {case['init']:16} {capability:8} seed {case['torch_seed']:>20}  {len(case['layers'])} layers",
          file=sys.stderr)
    return case


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--hidden-networks", help="checkout of allenai/hidden-networks")
    parser.add_argument("--out", default=os.path.join(ROOT, "Tests", "Fixtures", "torch-init"))
    parser.add_argument("--large", action="store_true", help="also ResNet50 and WideResNet50_2")
    parser.add_argument("--checkpoint", nargs=4, metavar=("ARCH", "INIT", "CAPABILITY", "OUT"))
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.worker:
        worker(json.loads(options.worker))
        return
    if not options.hidden_networks:
        parser.error("--hidden-networks DIR is required")
    hidden_networks = os.path.abspath(options.hidden_networks)
    if options.checkpoint:
        arch, init, capability, out = options.checkpoint
        configs = {name: (usc, ukn, rate) for name, usc, ukn, rate in SMALL + LARGE}
        usc, ukn, prune_rate = configs[arch]
        case = run_case(hidden_networks, arch, usc if init == "usc" else ukn, prune_rate, capability, None,
                        checkpoint=os.path.abspath(out))
        print(case["torch_seed"])
        return
    os.makedirs(options.out, exist_ok=True)
    cases = []
    for arch, usc, ukn, prune_rate in SMALL + (LARGE if options.large else []):
        large = (arch, usc, ukn, prune_rate) in LARGE
        for config in (usc, ukn):
            for capability in CAPABILITIES:
                # Large models: one unseeded run per capability; small ones: seeded and unseeded.
                for seed in ([None] if large else [SEED, None]):
                    cases.append(run_case(hidden_networks, arch, config, prune_rate, capability, seed))
    for config, extra in OTHER_INITS:
        for capability in CAPABILITIES:
            cases.append(run_case(hidden_networks, "Conv4", config, 0.5, capability, None, extra=extra))
    with tempfile.TemporaryDirectory() as scratch:
        checkpoint = os.path.join(scratch, "fc-ukn.pth")
        case = run_case(hidden_networks, "FC", SMALL[0][2], 0.5, "avx2", None, checkpoint=checkpoint)
        case["file"] = "fc-ukn.h5"
        cases.append(case)
        subprocess.run([sys.executable, os.path.join(ROOT, "tools", "pth2h5.py"), checkpoint,
                        os.path.join(options.out, "fc-ukn.h5"), "--keep", "0.5"], check=True)
    write_manifest(os.path.join(options.out, "manifest.json"), cases)


def write_manifest(path, cases):
    """One case per block and one layer per line, so that a diff of two runs reads layer by layer."""
    about = ("Made by tools/make_torch_init_fixtures.py from allenai/hidden-networks' main.get_model; "
             "SHA-256 over little-endian float32 in C order.")
    lines = ["{", f' "about": {json.dumps(about)},', ' "cases": [']
    for number, case in enumerate(cases):
        head = {key: value for key, value in case.items() if key != "layers"}
        lines.append("  {" + json.dumps(head)[1:-1] + ', "layers": [')
        lines += ["   " + json.dumps(layer) + ("," if index + 1 < len(case["layers"]) else "")
                  for index, layer in enumerate(case["layers"])]
        lines.append("  ]}" + ("," if number + 1 < len(cases) else ""))
    lines += [" ]", "}"]
    with open(path, "w") as file:
        file.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""End-to-end conformance check: PyTorch reference vs. the `supermask` CLI.

For each configuration this tool
  1. builds the full-size network with tools/reference_models.py from a seed
     (random frozen weights and scores, the original builder inits), sets the
     keep fraction k, and re-estimates BatchNorm running statistics on a few
     random batches;
  2. computes eval-mode logits for a seeded N(0,1) batch (N=2; 224x224 for
     ImageNet, 32x32 CIFAR, 28x28 MNIST);
  3. saves the checkpoint as the original main.py does, in torch's LEGACY
     format, to a scratch directory (never inside the repository);
  4. converts it with ``tools/pth2h5.py --keep k``;
  5. runs ``supermask infer`` and ``supermask inspect --json`` on the .h5;
  6. compares max|dlogit| / max|logit| (must be <= 1e-4) and the per-layer
     kept counts reported by the CLI against torch's masks (must be equal).
     For information it also shows how far torch's and the CLI's float32
     logits are from the same network evaluated by torch in float64.

It prints one table row per configuration and exits non-zero if any check
fails.  Developer tool: needs torch and a built CLI; not run in CI.

  python3 tools/conformance.py                      # the default set
  python3 tools/conformance.py --only resnet50-ukn fc-usc
  python3 tools/conformance.py --with-wrn101        # add WideResNet101_2
  python3 tools/conformance.py --verify-original DIR

``--verify-original DIR`` instead checks tools/reference_models.py against
checkpoints/manifests produced with the ORIGINAL hidden-networks code (a
directory with manifests/, checkpoints/, inputs/, logits/).
"""

import argparse
import glob
import hashlib
import json
import os
import random
import subprocess
import sys
import time
import zlib

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference_models as rm  # noqa: E402
from make_test_fixtures import checkpoint_dict, convert, save_legacy  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_BINARY = os.path.join(ROOT, ".build", "release", "supermask")
DEFAULT_WORKDIR = "/tmp/supermask-conformance"
TOLERANCE = 1e-4
BATCH = 2
INITS = {"ukn": "kaiming_normal", "usc": "signed_constant"}


def _cfg(arch, init, keep):
    return {"name": f"{arch.lower().replace('_2', '')}-{init}", "arch": arch,
            "init": INITS[init], "keep": keep}


# The six released ImageNet configurations, then small full-size ones.
CONFIGS = [_cfg(a, i, 0.3) for a in ("ResNet50", "ResNet101", "WideResNet50_2")
           for i in ("ukn", "usc")]
CONFIGS += [_cfg("ResNet18", "ukn", 0.3), _cfg("cResNet18", "usc", 0.5),
            _cfg("cResNet50", "ukn", 0.5), _cfg("FC", "usc", 0.5),
            _cfg("Conv2", "ukn", 0.5), _cfg("Conv4", "usc", 0.5),
            _cfg("Conv6", "ukn", 0.5), _cfg("Conv8", "usc", 0.5)]
WRN101 = [_cfg("WideResNet101_2", i, 0.3) for i in ("ukn", "usc")]


# ---- Torch side --------------------------------------------------------------


def build_reference(cfg, seed):
    """Full-size torch model with k set and BN statistics re-estimated."""
    torch.manual_seed(seed)
    model = rm.ARCHS[cfg["arch"]](init=cfg["init"])
    rm.set_keep(model, cfg["keep"])
    rm.reestimate_bn(model, rm.INPUT_SHAPES[cfg["arch"]], batches=2,
                     batch_size=8, seed=seed + 1)
    return model


def torch_side(cfg, workdir):
    """Build, evaluate and save one configuration; return what Swift needs."""
    t0 = time.time()
    seed = zlib.crc32(cfg["name"].encode()) % (2 ** 31)
    model = build_reference(cfg, seed)
    gen = torch.Generator().manual_seed(seed + 2)
    x = torch.randn([BATCH, *rm.INPUT_SHAPES[cfg["arch"]]], generator=gen)
    with torch.no_grad():
        logits = model(x).numpy().astype(np.float32)
    kept = rm.mask_kept_counts(model)
    total = sum(m.weight.numel() for _, m in rm.subnet_layers(model))
    paths = {k: os.path.join(workdir, cfg["name"] + ext) for k, ext in
             (("pth", ".pth"), ("h5", ".h5"), ("input", ".input.npy"),
              ("logits", ".torch.npy"), ("out", ".swift.npy"))}
    np.save(paths["input"], x.numpy())
    np.save(paths["logits"], logits)
    save_legacy(checkpoint_dict(model, cfg["arch"], seed), paths["pth"],
                reproducible=False)
    with torch.no_grad():                   # float64 ground truth
        logits64 = model.double()(x.double()).numpy()
    del model
    t1 = time.time()
    convert(paths["pth"], paths["h5"], cfg["keep"])
    return {"paths": paths, "logits": logits, "logits64": logits64,
            "kept": kept, "total": total,
            "torch_s": t1 - t0, "convert_s": time.time() - t1}


# ---- Swift side --------------------------------------------------------------


def run_cli(args):
    """Run the CLI; return stdout, raising with stderr on failure."""
    proc = subprocess.run(args, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({proc.returncode}):\n"
                           f"{proc.stderr.strip()}")
    return proc.stdout


def swift_side(binary, paths, threads, cli_keep):
    """`supermask infer` + `supermask inspect --json` on the converted file."""
    extra = ["--keep", repr(cli_keep)] if cli_keep is not None else []
    t0 = time.time()
    run_cli([binary, "infer", paths["h5"], "--input", paths["input"],
             "--output", paths["out"], "--threads", str(threads)] + extra)
    seconds = time.time() - t0
    report = json.loads(run_cli([binary, "inspect", paths["h5"], "--json"]
                                + extra))
    return np.load(paths["out"]), report, seconds


def compare_kept(torch_kept, report):
    """Number of layers whose CLI kept count differs from torch (or is missing)."""
    cli = {layer["name"]: layer.get("kept") for layer in report["layers"]}
    names = set(torch_kept) | set(cli)
    return sum(1 for n in names if torch_kept.get(n) != cli.get(n))


def relative_error(a, ref):
    """max|a - ref| / max|ref|, in double."""
    ref = np.asarray(ref, np.float64)
    return float(np.abs(np.asarray(a, np.float64) - ref).max() / np.abs(ref).max())


def check_config(cfg, args):
    """Run one configuration end to end; return a result row (dict)."""
    row = {"name": cfg["name"], "ok": False}
    t = torch_side(cfg, args.workdir)
    row.update(torch_s=t["torch_s"], convert_s=t["convert_s"],
               kept=sum(t["kept"].values()), total=t["total"])
    if not os.path.exists(args.supermask):
        row["error"] = f"no binary at {args.supermask}"
        return row
    try:
        out, report, swift_s = swift_side(
            args.supermask, t["paths"], args.threads,
            cfg["keep"] if args.cli_keep else None)
    except (RuntimeError, ValueError, OSError) as e:
        row["error"] = str(e)
        return row
    ref = t["logits"]
    if out.shape != ref.shape:
        row["error"] = f"logits shape {out.shape} != torch {ref.shape}"
        return row
    rel = relative_error(out, ref)
    ndiff = compare_kept(t["kept"], report)
    row.update(rel=rel, kept_diff=ndiff, swift_s=swift_s,
               torch64=relative_error(ref, t["logits64"]),
               cli64=relative_error(out, t["logits64"]),
               cli_keep=report.get("keep"),
               ok=rel <= TOLERANCE and ndiff == 0)
    if report.get("keep") != cfg["keep"]:
        row["ok"] = False
        row["error"] = f"CLI reports keep {report.get('keep')}, expected {cfg['keep']}"
    if not args.keep_files:
        for p in (t["paths"]["pth"], t["paths"]["h5"]):
            os.remove(p)
    return row


def format_row(r):
    """One line of the result table."""
    rel = f"{r['rel']:.2e}" if "rel" in r else "-"
    kept = ("-" if "kept_diff" not in r else
            "yes" if r["kept_diff"] == 0 else f"no ({r['kept_diff']})")
    frac = f"{r['kept']:,}/{r['total']:,} ({r['kept'] / r['total']:.4f})"
    secs = (f"{r['torch_s']:.1f}/{r['convert_s']:.1f}/"
            f"{r.get('swift_s', float('nan')):.1f}")
    f64 = (f"{r['torch64']:.1e}/{r['cli64']:.1e}" if "cli64" in r else "-")
    status = "PASS" if r["ok"] else "FAIL"
    line = (f"{r['name']:17s} {rel:>9s} {kept:>7s} {frac:>36s} {f64:>17s}"
            f" {secs:>14s} {status}")
    if r.get("error"):
        line += f"\n    {r['error']}"
    return line


HEADER = (f"{'config':17s} {'rel err':>9s} {'kept ==':>7s} "
          f"{'kept / weights':>36s} {'f64: torch/cli':>17s} "
          f"{'torch/conv/cli s':>14s} result")


# ---- Verification of reference_models.py against the original code's outputs -


def _sha(t):
    return hashlib.sha256(t.detach().contiguous().numpy().tobytes()).hexdigest()


def verify_manifest(path):
    """Keys/shapes/dtypes, kept counts and frozen-weight bytes vs a manifest."""
    m = json.load(open(path))
    random.seed(m["seed"])
    torch.manual_seed(m["seed"])
    model = rm.ARCHS[m["arch"]](init=m["args"]["init"])
    sd = rm.prefixed_state_dict(model)
    mine = [(k, list(v.shape), str(v.dtype)[6:]) for k, v in sd.items()]
    theirs = [(e["key"], e["shape"], e["dtype"]) for e in m["state_dict"]]
    rm.set_keep(model, m["args"]["prune_rate"])
    kept = {"module." + n: c for n, c in rm.mask_kept_counts(model).items()}
    want = {layer["module"]: layer["kept_count"] for layer in m["subnet_layers"]}
    sha = {e["key"]: e["sha256"] for e in m["state_dict"]}
    weights = [k for k in sd if k.endswith(".weight")]
    same = sum(_sha(sd[k]) == sha[k] for k in weights)
    ok = mine == theirs and kept == want and same == len(weights)
    print(f"  {m['name']:28s} keys/shapes {'OK' if mine == theirs else 'FAIL'}"
          f" ({len(mine)})  kept {'OK' if kept == want else 'FAIL'}"
          f" ({sum(kept.values()):,})  weights bit-identical {same}/{len(weights)}")
    return ok


def _masks_match(model, manifest):
    """Whether every mask equals the original's (packbits sha256); None if unknown."""
    if not os.path.exists(manifest):
        return None
    want = {layer["module"]: layer.get("mask_sha256_packbits")
            for layer in json.load(open(manifest))["subnet_layers"]}
    with torch.no_grad():
        got = {"module." + n: hashlib.sha256(np.packbits(
            m.mask().numpy().astype(np.uint8).ravel()).tobytes()).hexdigest()
            for n, m in rm.subnet_layers(model)}
    return got == want


def verify_fc_logits(root):
    """Load the original FC checkpoints into our FC and compare logits."""
    x = torch.from_numpy(np.load(os.path.join(root, "inputs", "mnist_randn_n4.npy")))
    ok = True
    for tag, init in INITS.items():
        for fmt in ("zip", "legacy"):
            ckpt = os.path.join(root, "checkpoints", f"fc-{tag}-unsigned.{fmt}.pth")
            if not os.path.exists(ckpt):
                continue
            sd = torch.load(ckpt, map_location="cpu", weights_only=False)["state_dict"]
            model = rm.FC(init=init)
            rm.load_prefixed_state_dict(model, sd)
            rm.set_keep(model, 0.5)
            with torch.no_grad():
                y = model.eval()(x).numpy()
            ref = np.load(os.path.join(root, "logits", f"fc-{tag}-unsigned.npy"))
            rel = float(np.abs(y - ref).max() / np.abs(ref).max())
            masks = _masks_match(model, os.path.join(
                root, "manifests", f"fc-{tag}-unsigned.json"))
            ok &= rel <= TOLERANCE and masks is not False
            print(f"  fc-{tag}-unsigned.{fmt}.pth  rel err {rel:.2e}"
                  f"  bit-identical {np.array_equal(y, ref)}  masks {masks}")
    return ok


def verify_original(root):
    """Run both checks; return True when everything matches."""
    print("manifests (seeded rebuild vs. original code):")
    ok = all([verify_manifest(p) for p in
              sorted(glob.glob(os.path.join(root, "manifests", "*.json")))])
    print("FC checkpoints at keep 0.5:")
    ok = verify_fc_logits(root) and ok
    print("ALL OK" if ok else "MISMATCH")
    return ok


def parse_args(argv):
    names = [c["name"] for c in CONFIGS + WRN101]
    ap = argparse.ArgumentParser(
        description="PyTorch vs. supermask CLI conformance check.")
    ap.add_argument("--only", nargs="+", metavar="NAME", choices=names,
                    help="configurations to run (default: all but wrn101)")
    ap.add_argument("--with-wrn101", action="store_true",
                    help="also run WideResNet101_2 (ukn, usc)")
    ap.add_argument("--supermask", default=DEFAULT_BINARY,
                    help="path of the supermask binary")
    ap.add_argument("--workdir", default=DEFAULT_WORKDIR,
                    help="scratch directory for .pth/.h5/.npy files")
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1,
                    help="threads for torch and for `supermask infer`")
    ap.add_argument("--cli-keep", action="store_true",
                    help="also pass --keep to the CLI (default: rely on the "
                         "keep attribute pth2h5 stored in the file)")
    ap.add_argument("--keep-files", action="store_true",
                    help="keep the .pth/.h5 files after each configuration")
    ap.add_argument("--verify-original", metavar="DIR",
                    help="only check reference_models.py against the "
                         "original code's manifests and FC checkpoints")
    return ap.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    if args.verify_original:
        return 0 if verify_original(args.verify_original) else 1
    if os.path.realpath(args.workdir).startswith(os.path.realpath(ROOT) + os.sep):
        sys.exit("refusing to use a --workdir inside the repository")
    os.makedirs(args.workdir, exist_ok=True)
    pool = CONFIGS + WRN101
    configs = ([c for c in pool if c["name"] in args.only] if args.only
               else CONFIGS + (WRN101 if args.with_wrn101 else []))
    print(HEADER, flush=True)
    rows = []
    for cfg in configs:
        rows.append(check_config(cfg, args))
        print(format_row(rows[-1]), flush=True)
    failed = [r["name"] for r in rows if not r["ok"]]
    print(f"\n{len(rows) - len(failed)}/{len(rows)} passed"
          + (f"; failed: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Generate the small committed test fixtures in Tests/Fixtures/.

For every fixture NAME this script
  1. builds the network with tools/reference_models.py from a fixed seed
     (random frozen weights, random scores, the original builder inits),
  2. re-estimates realistic BatchNorm running statistics (train mode,
     momentum=None, a few seeded N(0,1) batches), then switches to eval,
  3. saves a checkpoint the way the original main.py does -- a dict
     {epoch, arch, state_dict (DataParallel, "module." keys), best_acc1, ...,
     optimizer} -- in torch's LEGACY (pre-zip) format into a temp dir
     (storage keys, normally memory addresses, made canonical so the file
     and hence the converter's source_sha256 attribute are reproducible),
  4. converts it with tools/pth2h5.py (``--keep`` for masked models) to
     Tests/Fixtures/NAME.h5,
  5. writes NAME.input.npy (float32 NCHW, N=2, seeded N(0,1)),
     NAME.logits.npy (float32 eval-mode logits [N, classes]) and NAME.json
     (architecture description, per-layer kept counts, max |logit|).

Deterministic: single-threaded torch, per-fixture seeds derived from the
name, canonical legacy files.  Rerunning gives byte-identical outputs
(checked with torch 2.13 and pth2h5 1.0).

tiny-conv6 has its scores quantised to multiples of 1/64, so every layer has
|score| ties straddling its threshold: only the stable (|s|, flat index)
rule reproduces its masks.

Needs torch (developer tool; the Swift tests only read the outputs).
Usage: python3 tools/make_test_fixtures.py [--out DIR] [--only NAME ...]
"""

import argparse
import collections
import io
import json
import os
import pickle
import pickletools
import struct
import subprocess
import sys
import tempfile
import zlib

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference_models as rm  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PTH2H5 = os.path.join(ROOT, "tools", "pth2h5.py")
BATCH = 2
TINY_PLANES = [4, 8, 16, 32]


def _resnet(name, family, block, blocks, init, keep, width=64, dense=False,
            hw=None):
    """Fixture spec for an ImageNet- or CIFAR-style ResNet."""
    spec = {"name": name, "family": family, "block": block, "blocks": blocks,
            "planes": TINY_PLANES, "classes": 10, "init": init, "keep": keep}
    if family == "imagenet-resnet":
        spec["width_per_group"] = width
        spec["input_shape"] = [3, hw or 64, hw or 64]
    else:
        spec["input_shape"] = [3, 32, 32]
    if dense:
        spec["dense"] = True
    return spec


def _conv(name, widths, init, tied=False):
    """Fixture spec for a width-reduced Frankle ConvN net."""
    spec = {"name": name, "family": "frankle-conv", "conv_widths": widths,
            "hidden": 16, "classes": 10, "input_shape": [3, 32, 32],
            "init": init, "keep": 0.5}
    if tied:
        spec["tied_scores"] = True
    return spec


KN, SC = "kaiming_normal", "signed_constant"

FIXTURES = [
    _resnet("tiny-resnet-bottleneck", "imagenet-resnet", "bottleneck",
            [1, 2, 1, 1], KN, 0.3),
    _resnet("tiny-wideresnet-bottleneck", "imagenet-resnet", "bottleneck",
            [1, 2, 1, 1], SC, 0.3, width=128),
    _resnet("tiny-resnet-basic", "imagenet-resnet", "basic", [1, 1, 1, 1],
            SC, 0.3),
    _resnet("tiny-cresnet-basic", "cifar-resnet", "basic", [1, 1, 1, 1],
            KN, 0.5),
    _resnet("tiny-cresnet-bottleneck", "cifar-resnet", "bottleneck",
            [1, 1, 1, 1], SC, 0.5),
    _conv("tiny-conv2", [4, 4], KN),
    _conv("tiny-conv4", [4, 4, 8, 8], SC),
    # Scores quantised to multiples of 1/64: many |score| ties straddle each
    # layer's threshold, so only the stable (|s|, flat index) rule matches.
    _conv("tiny-conv6", [4, 4, 8, 8, 16, 16], KN, tied=True),
    _conv("tiny-conv8", [4, 4, 8, 8, 16, 16, 32, 32], SC),
    {"name": "fc", "family": "frankle-fc", "arch": "FC", "classes": 10,
     "input_shape": [1, 28, 28], "init": KN, "keep": 0.5},
    _resnet("tiny-resnet-dense", "imagenet-resnet", "bottleneck",
            [1, 1, 1, 1], KN, None, dense=True),
]


# ---- Model construction ------------------------------------------------------


def fixture_seed(name):
    """Stable per-fixture seed (independent of list order)."""
    return zlib.crc32(name.encode()) % (2 ** 31)


def build_model(spec):
    """Instantiate the torch model described by a fixture spec."""
    dense = bool(spec.get("dense"))
    kw = {"init": spec["init"], "dense": dense}
    family = spec["family"]
    if family == "imagenet-resnet":
        return rm.ResNet(spec["block"], spec["blocks"], spec["planes"],
                         width_per_group=spec["width_per_group"],
                         classes=spec["classes"], **kw)
    if family == "cifar-resnet":
        return rm.CifarResNet(spec["block"], spec["blocks"], spec["planes"],
                              classes=spec["classes"], **kw)
    if family == "frankle-conv":
        return rm.FrankleConv(spec["conv_widths"], hidden=spec["hidden"],
                              classes=spec["classes"],
                              input_hw=spec["input_shape"][1], **kw)
    if family == "frankle-fc":
        return rm.FC(**kw)
    raise ValueError(f"unknown family {family}")


@torch.no_grad()
def quantize_scores(model, step=1.0 / 64):
    """Round every score to a multiple of ``step`` to create |score| ties."""
    for _, m in rm.subnet_layers(model):
        m.scores.copy_(torch.round(m.scores / step) * step)


def prepare_model(spec, seed):
    """Build, set k, (optionally) randomise affine BN, re-estimate BN stats."""
    torch.manual_seed(seed)
    model = build_model(spec)
    if spec.get("tied_scores"):
        quantize_scores(model)
    if spec["keep"] is not None:
        rm.set_keep(model, spec["keep"])
    rm.randomize_affine_bn(model, seed=seed + 1)
    rm.reestimate_bn(model, spec["input_shape"], seed=seed + 2)
    return model


# ---- Checkpoint (as main.py saves it) ----------------------------------------


def make_optimizer_state(model, seed):
    """SGD state dict like main.get_optimizer: [BN params, rest], with random
    momentum buffers for every trainable tensor (scores, or all params if dense).
    """
    dense = not rm.subnet_layers(model)
    trainable = [(n, p) for n, p in model.named_parameters()
                 if dense or n.endswith(".scores")]
    bn = [p for n, p in trainable if "bn" in n]
    rest = [p for n, p in trainable if "bn" not in n]
    opt = torch.optim.SGD([{"params": bn, "weight_decay": 0},
                           {"params": rest, "weight_decay": 1e-4}],
                          lr=0.1, momentum=0.9)
    gen = torch.Generator().manual_seed(seed)
    for _, p in trainable:
        opt.state[p]["momentum_buffer"] = 1e-3 * torch.randn(
            p.shape, generator=gen)
    return opt.state_dict()


def checkpoint_dict(model, arch, seed):
    """The dict main.py's save_checkpoint writes (DataParallel state dict)."""
    state_dict = nn.DataParallel(model).state_dict()
    assert isinstance(state_dict, collections.OrderedDict)
    return {
        "epoch": 100,
        "arch": arch,
        "state_dict": state_dict,
        "best_acc1": 10.0,
        "best_acc5": 50.0,
        "best_train_acc1": 10.0,
        "best_train_acc5": 50.0,
        "optimizer": make_optimizer_state(model, seed),
        "curr_acc1": 10.0,
        "curr_acc5": 50.0,
    }


ELEMENT_SIZES = {"FloatStorage": 4, "DoubleStorage": 8, "HalfStorage": 2,
                 "BFloat16Storage": 2, "LongStorage": 8, "IntStorage": 4,
                 "ShortStorage": 2, "CharStorage": 1, "ByteStorage": 1,
                 "BoolStorage": 1}


def _storage_ids(stream):
    """Walk the object pickle without executing it.

    Returns the opcodes [(name, arg, pos)] and, per persistent id in order
    of appearance, (key, element size).  A persistent id is the tuple
    ('storage', <Storage class>, key, location, count, view) built after a
    MARK; the class is a GLOBAL or a memo GET of one.
    """
    ops, ids, memo, items = [], [], {}, []
    for name, arg, pos in ((o.name, a, p) for o, a, p in pickletools.genops(stream)):
        prev = ops[-1] if ops else (None, None, None)
        ops.append((name, arg, pos))
        if name in ("BINPUT", "LONG_BINPUT", "PUT"):
            if prev[0] == "GLOBAL":
                memo[arg] = prev[1]
            continue
        if name == "MARK":
            items = []
        elif name == "BINPERSID":
            cls, key = items[1].split(" ")[-1], items[2]
            ids.append((key, ELEMENT_SIZES[cls]))
        else:
            items.append(memo.get(arg) if "GET" in name else arg)
    return ops, ids


def canonicalize_legacy(path):
    """Make a legacy checkpoint byte-for-byte reproducible.

    torch names legacy storages by their memory address, which changes from
    run to run and also decides the order of the data section.  This renames
    them to address-like keys increasing in order of first use and rewrites
    the key list and data blocks accordingly; everything else is left as
    torch wrote it.
    """
    raw = open(path, "rb").read()
    f = io.BytesIO(raw)
    for _ in range(3):                      # magic, protocol, sys_info
        pickle.load(f)
    start = f.tell()
    ops, ids = _storage_ids(f)
    end = f.tell()
    old_keys = pickle.load(f)
    blocks, sizes = {}, dict(ids)
    for key in old_keys:
        count = struct.unpack("<q", f.read(8))[0]
        size = sizes[key]
        blocks[key] = struct.pack("<q", count) + f.read(count * size)
    rename = {key: str(140000000000000 + 64 * i)
              for i, (key, _) in enumerate(ids)}
    body = bytearray()
    bounds = [pos for _, _, pos in ops] + [end]
    for (name, arg, pos), nxt in zip(ops, bounds[1:]):
        if arg in rename:
            assert name == "BINUNICODE", name
            new = rename[arg].encode()
            body += b"X" + struct.pack("<I", len(new)) + new
        else:
            body += raw[pos:nxt]
    new_keys = sorted(rename.values())
    back = {v: k for k, v in rename.items()}
    with open(path, "wb") as out:
        out.write(raw[:start] + bytes(body))
        pickle.dump(new_keys, out, protocol=2)
        for key in new_keys:
            out.write(blocks[back[key]])


def save_legacy(obj, path, reproducible=True):
    """torch.save in the pre-zip format torch 1.3 wrote (optionally with
    canonical storage keys, see canonicalize_legacy)."""
    torch.save(obj, path, _use_new_zipfile_serialization=False)
    if reproducible:
        canonicalize_legacy(path)


def convert(pth, h5, keep):
    """Run tools/pth2h5.py on one checkpoint."""
    if not os.path.exists(PTH2H5):
        sys.exit(f"error: {PTH2H5} not found (the converter is required)")
    cmd = [sys.executable, PTH2H5, pth, h5]
    if keep is not None:
        cmd += ["--keep", repr(keep)]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)


# ---- Fixture files -----------------------------------------------------------


def description(spec, kept, logits):
    """The NAME.json document the Swift tests use to rebuild the network."""
    keys = ["name", "family", "block", "blocks", "planes", "width_per_group",
            "conv_widths", "hidden", "classes", "input_shape", "init", "keep"]
    doc = {k: spec[k] for k in keys if k in spec}
    doc["conv"] = "dense" if spec.get("dense") else "subnet"
    doc["bn"] = ("learned" if spec.get("dense") else "non-affine") \
        if spec["family"].endswith("resnet") else "none"
    doc["arch"] = spec.get("arch", spec["name"])
    doc["tied_scores"] = bool(spec.get("tied_scores"))
    doc["batch"] = BATCH
    doc["kept"] = kept
    doc["total_kept"] = sum(kept.values())
    doc["logits_max_abs"] = float(np.abs(logits).max())
    return doc


def make_fixture(spec, out_dir, tmp_dir):
    """Create all files of one fixture; return (name, bytes written)."""
    name, seed = spec["name"], fixture_seed(spec["name"])
    model = prepare_model(spec, seed)
    gen = torch.Generator().manual_seed(seed + 3)
    x = torch.randn([BATCH, *spec["input_shape"]], generator=gen)
    with torch.no_grad():
        logits = model(x).numpy().astype(np.float32)
    kept = rm.mask_kept_counts(model) if spec["keep"] is not None else {}

    pth = os.path.join(tmp_dir, name + ".pth")
    save_legacy(checkpoint_dict(model, spec.get("arch", name), seed), pth)
    paths = {ext: os.path.join(out_dir, name + ext)
             for ext in (".h5", ".input.npy", ".logits.npy", ".json")}
    convert(pth, paths[".h5"], spec["keep"])
    np.save(paths[".input.npy"], x.numpy().astype(np.float32))
    np.save(paths[".logits.npy"], logits)
    with open(paths[".json"], "w") as f:
        json.dump(description(spec, kept, logits), f, indent=2)
        f.write("\n")
    return name, {ext: os.path.getsize(p) for ext, p in paths.items()}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(ROOT, "Tests", "Fixtures"))
    ap.add_argument("--only", nargs="*", help="fixture names to (re)build")
    args = ap.parse_args(argv)

    torch.set_num_threads(1)
    specs = [s for s in FIXTURES if not args.only or s["name"] in args.only]
    unknown = set(args.only or []) - {s["name"] for s in FIXTURES}
    if unknown:
        sys.exit(f"unknown fixture(s): {sorted(unknown)}")
    os.makedirs(args.out, exist_ok=True)
    total = 0
    with tempfile.TemporaryDirectory(prefix="supermask-fixtures-") as tmp:
        for spec in specs:
            name, sizes = make_fixture(spec, args.out, tmp)
            size = sum(sizes.values())
            total += size
            print(f"{name:28s} {size:>9,d} bytes (h5 {sizes['.h5']:,d})")
    print(f"{'total':28s} {total:>9,d} bytes")


if __name__ == "__main__":
    main()

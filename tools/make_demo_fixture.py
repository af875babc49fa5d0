#!/usr/bin/env python3
"""Make Tests/Fixtures/demo: a small stand-in for the models/mnist bundle that `supermask demo` reads.

It honours the bundle contract of models/mnist (manifest.json, gzip'd IDX test split, .smask models) at a
size fit for the test suite:
  - a few hundred synthetic 28x28 greyscale images (blurred strokes on black, as MNIST looks) with labels;
  - fc-usc / fc-ukn: FC networks drawn by `supermask init` (signed-constant / kaiming-normal), random scores
    at keep 0.5 added with h5py, stored by `supermask export --weights seed`;
  - fc-dense: an FC network of `supermask init` without scores (every weight kept), also stored as a seed.
The "pytorch" counts of the manifest come from a numpy float32 forward pass of the same weights and masks
(masks by the original rule: sort |scores|, drop the first int((1 - k) n)), so the Swift test compares the
demo's counts with an independent implementation. Images whose top two logits are closer than 1e-3 of the
largest logit in any evaluation are not used, so summation order cannot flip a prediction.

normalized-pixels.npy holds what torchvision's ToTensor() + Normalize((0.1307,), (0.3081,)) make of the
bytes 0..255 (float32), the reference for the Swift preprocessing test; needs torch.

    python3 tools/make_demo_fixture.py --supermask .build/debug/supermask [--out Tests/Fixtures/demo]
"""
import argparse
import gzip
import json
import os
import struct
import subprocess
import sys
import tempfile

import h5py
import numpy as np

IMAGES = 300
CANDIDATES = 400
KEEP = 0.5
MEAN, STD = 0.1307, 0.3081
SEED = 2020
LAYERS = ["linear.0", "linear.2", "linear.4"]
MODELS = [
    # name, kind, init, generator seed, keep
    ("fc-usc", "subnetwork", "signed-constant", SEED, KEEP),
    ("fc-ukn", "subnetwork", "kaiming-normal", SEED, KEEP),
    ("fc-dense", "dense", "kaiming-normal", SEED + 1, 1.0),
]


def torchvision_normalized_bytes():
    """ToTensor() + Normalize() of every byte value, as torchvision's functional.py computes them in torch.

    (torchvision itself is used when it imports; the two lines below are its to_tensor and normalize for a
    uint8 greyscale image, for installations where torchvision and torch do not match.)
    """
    import torch

    pixels = torch.arange(256, dtype=torch.int32).to(torch.uint8).view(1, 16, 16)
    try:
        from PIL import Image
        from torchvision import transforms
        image = Image.fromarray(pixels.numpy().reshape(16, 16), mode="L")
        values = transforms.Normalize((MEAN,), (STD,))(transforms.ToTensor()(image))
    except (ImportError, RuntimeError):
        tensor = pixels.to(dtype=torch.get_default_dtype()).div(255)
        mean = torch.as_tensor((MEAN,), dtype=tensor.dtype)
        std = torch.as_tensor((STD,), dtype=tensor.dtype)
        values = tensor.sub_(mean[:, None, None]).div_(std[:, None, None])
    values = values.numpy().reshape(256).astype(np.float32)
    # The formula the Swift side uses, in float32 step by step, must give the same bits.
    formula = (np.arange(256, dtype=np.float32) / np.float32(255) - np.float32(MEAN)) / np.float32(STD)
    assert np.array_equal(values.view(np.uint32), formula.view(np.uint32)), "torch differs from the formula"
    return values


def synthetic_images(rng, count):
    """Black 28x28 images with two or three soft bright strokes, quantised to bytes."""
    ys, xs = np.mgrid[0:28, 0:28].astype(np.float64)
    images = np.zeros((count, 28, 28), dtype=np.uint8)
    for index in range(count):
        canvas = np.zeros((28, 28))
        for _ in range(rng.integers(2, 4)):
            (y0, x0), (y1, x1) = rng.uniform(5, 23, size=(2, 2))
            for t in np.linspace(0, 1, 12):
                y, x = y0 + t * (y1 - y0), x0 + t * (x1 - x0)
                canvas = np.maximum(canvas, np.exp(-((ys - y) ** 2 + (xs - x) ** 2) / 2.0))
        images[index] = np.round(np.clip(canvas, 0, 1) * 255).astype(np.uint8)
    return images


def idx_bytes(array, magic):
    return struct.pack(">I", magic) + b"".join(struct.pack(">I", d) for d in array.shape) + array.tobytes()


def write_gzip(path, data):
    with open(path, "wb") as out:
        out.write(gzip.compress(data, compresslevel=9, mtime=0))


def top_k_mask(scores, keep):
    """hidden-networks' GetSubnet: sort |scores| (stable, flat order), zero the first int((1 - k) n)."""
    flat = np.abs(scores).ravel()
    order = np.argsort(flat, kind="stable")
    mask = np.ones(flat.size, dtype=np.float32)
    mask[order[: int((1 - keep) * flat.size)]] = 0
    return mask.reshape(scores.shape)


def logits(weights, x):
    """FC forward pass in float32: flatten, then linear, ReLU, linear, ReLU, linear (no biases)."""
    h = x.reshape(len(x), -1)
    for position, w in enumerate(weights):
        h = h @ w.reshape(w.shape[0], -1).T
        if position < len(weights) - 1:
            h = np.maximum(h, np.float32(0))
    return h.astype(np.float32)


def run(supermask, *arguments):
    subprocess.run([supermask, *arguments], check=True, stdout=subprocess.DEVNULL)


def make_model(supermask, work, out, name, kind, init, seed, keep, rng):
    """Init + (scores) + export; returns the effective and the unmasked float32 weights."""
    checkpoint = os.path.join(work, f"{name}.h5")
    run(supermask, "init", "--arch", "FC", "--init", init, "--seed", str(seed), "-o", checkpoint)
    with h5py.File(checkpoint, "r+") as file:
        weights = [file[f"state_dict/{layer}.weight"][()].astype(np.float32) for layer in LAYERS]
        masks = [np.ones_like(w) for w in weights]
        if kind == "subnetwork":
            file.attrs["keep"] = np.float64(keep)
            for layer, w in zip(LAYERS, weights):
                file.create_dataset(f"state_dict/{layer}.scores", data=rng.standard_normal(w.shape).astype(np.float32))
            masks = [top_k_mask(file[f"state_dict/{layer}.scores"][()], keep) for layer in LAYERS]
    run(supermask, "export", checkpoint, "-o", os.path.join(out, f"{name}.smask"), "--weights", "seed")
    return [w * m for w, m in zip(weights, masks)], weights


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--supermask", default=".build/release/supermask", help="the built supermask executable")
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "Tests", "Fixtures", "demo"))
    args = parser.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    rng = np.random.default_rng(SEED)

    table = torchvision_normalized_bytes()
    np.save(os.path.join(args.out, "normalized-pixels.npy"), table)

    with tempfile.TemporaryDirectory() as work:
        networks = {spec[0]: make_model(args.supermask, work, args.out, *spec, rng) for spec in MODELS}

    candidates = synthetic_images(rng, CANDIDATES)
    x = table[candidates].reshape(CANDIDATES, 1, 28, 28)
    evaluations = [logits(w, x) for masked, unmasked in networks.values() for w in (masked, unmasked)]
    usable = np.ones(CANDIDATES, dtype=bool)
    for result in evaluations:
        top2 = np.sort(result, axis=1)[:, -2:]
        usable &= (top2[:, 1] - top2[:, 0]) > 1e-3 * np.abs(result).max()
    chosen = np.flatnonzero(usable)[:IMAGES]
    assert len(chosen) == IMAGES, f"only {len(chosen)} images have clear predictions"
    images, x = candidates[chosen], x[chosen]
    labels = rng.integers(0, 10, size=IMAGES).astype(np.uint8)
    write_gzip(os.path.join(args.out, "t10k-images-idx3-ubyte.gz"), idx_bytes(images, 0x803))
    write_gzip(os.path.join(args.out, "t10k-labels-idx1-ubyte.gz"), idx_bytes(labels, 0x801))

    entries = []
    for name, kind, init, seed, keep in MODELS:
        masked, unmasked = networks[name]
        correct = int((logits(masked, x).argmax(1) == labels).sum())
        pytorch = {"correct": correct, "accuracy": correct / IMAGES}
        if kind == "subnetwork":
            pytorch["random_weights_correct"] = int((logits(unmasked, x).argmax(1) == labels).sum())
        entries.append({
            "name": name, "file": f"{name}.smask", "kind": kind, "architecture": "FC", "init": init, "seed": seed,
            "keep": keep, "pytorch": pytorch,
            "training": {"epochs": 0, "optimizer": "none: random scores (a stand-in bundle for tests)", "lr": 0.0,
                         "batch_size": 0, "train_images": 0, "seconds": 0.0, "torch": "numpy " + np.__version__},
        })
    manifest = {
        "format": "supermask-demo-bundle",
        "version": 1,
        "dataset": {"name": "synthetic strokes", "split": "test", "images": "t10k-images-idx3-ubyte.gz",
                    "labels": "t10k-labels-idx1-ubyte.gz", "count": IMAGES, "normalize": {"mean": MEAN, "std": STD},
                    "source": "tools/make_demo_fixture.py"},
        "models": entries,
    }
    with open(os.path.join(args.out, "manifest.json"), "w") as out:
        json.dump(manifest, out, indent=2)
        out.write("\n")
    summary = ", ".join(f"{e['name']} {e['pytorch']['correct']}" + (
        f" (no mask {e['pytorch']['random_weights_correct']})" if "random_weights_correct" in e["pytorch"] else "")
        for e in entries)
    print(f"wrote {args.out}: {IMAGES} images; correct: {summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

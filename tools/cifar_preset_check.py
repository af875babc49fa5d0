#!/usr/bin/env python3
"""Check `supermask eval --preset cifar10` against hidden-networks' own CIFAR-10 test pipeline, image by image.

hidden-networks' data/cifar.py tests with ``transforms.Compose([ToTensor(), Normalize(mean=[0.491, 0.482, 0.447],
std=[0.247, 0.243, 0.262])])`` on 32×32 RGB images, in ImageFolder order. This script writes a small ImageFolder of
PNG images (val/<class>/*.png, CIFAR-10's ten class names, generator-drawn pixels: the transform is what is tested,
not the data), builds a Conv4 with the original code's ``main.get_model`` (unseeded, as main.py does), loads the
checkpoint's weights and scores, and computes each image's top-5 with PyTorch from Pillow's pixels — ToTensor is
``uint8 / 255`` in float32, Normalize ``(x − mean) / std`` — then runs ``supermask eval --preset cifar10
--predictions`` on the same checkpoint (converted with tools/pth2h5.py) and compares the predictions.

Needs torch, Pillow, numpy, h5py. torchvision is not needed (its two transforms are written out with torch ops).

Usage: python3 tools/cifar_preset_check.py --hidden-networks DIR --supermask BINARY [--workdir DIR] [--images N]
"""
import argparse
import csv
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
CONFIG = "configs/smallscale/conv4/conv4_usc_unsigned.yml"
MEAN, STD = [0.491, 0.482, 0.447], [0.247, 0.243, 0.262]


def torch_predictions(spec):
    """Runs in a child with torch: the original Conv4 with the checkpoint's state, top-5 of every image."""
    import numpy
    import torch
    from PIL import Image
    from hidden_networks_main import import_main
    main = import_main(spec["hidden_networks"], ["--config", CONFIG, "--prune-rate", "0.5"])
    model = main.get_model(main.args)
    model.load_state_dict(torch.load(spec["checkpoint"], map_location="cpu")["state_dict"], strict=True)
    model.eval()
    mean = torch.tensor(MEAN).view(3, 1, 1)
    std = torch.tensor(STD).view(3, 1, 1)
    rows = []
    with torch.no_grad():
        for path in spec["images"]:
            with Image.open(path) as image:
                pixels = torch.from_numpy(numpy.asarray(image.convert("RGB")).copy()).permute(2, 0, 1)
            x = (pixels.float().div(255) - mean) / std
            rows.append(model(x.unsqueeze(0)).flatten().topk(5).indices.tolist())
    json.dump(rows, sys.stdout)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--hidden-networks")
    parser.add_argument("--supermask")
    parser.add_argument("--workdir", default="/tmp/supermask-cifar-check")
    parser.add_argument("--images", type=int, default=200, help="images in all (default 200)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.worker:
        torch_predictions(json.loads(options.worker))
        return
    if not options.hidden_networks or not options.supermask:
        parser.error("--hidden-networks DIR and --supermask BINARY are required")
    import numpy
    from PIL import Image
    hidden_networks = os.path.abspath(options.hidden_networks)
    work = os.path.abspath(options.workdir)
    rng = numpy.random.default_rng(10)
    images = []
    for index in range(options.images):
        folder = os.path.join(work, "val", CLASSES[index % 10])
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, f"{index:05d}.png")
        Image.fromarray(rng.integers(0, 256, (32, 32, 3), dtype=numpy.uint8)).save(path)
        images.append(path)
    images.sort()  # ImageFolder's order: classes sorted, then files sorted
    checkpoint = os.path.join(work, "conv4-usc.pth")
    subprocess.run([sys.executable, os.path.join(ROOT, "tools", "make_torch_init_fixtures.py"), "--hidden-networks",
                    hidden_networks, "--checkpoint", "Conv4", "usc", "avx2", checkpoint], check=True, capture_output=True)
    h5 = os.path.join(work, "conv4-usc.h5")
    subprocess.run([sys.executable, os.path.join(ROOT, "tools", "pth2h5.py"), checkpoint, h5, "--keep", "0.5"],
                   check=True, capture_output=True)
    spec = {"hidden_networks": hidden_networks, "checkpoint": checkpoint, "images": images}
    child = subprocess.run([sys.executable, os.path.abspath(__file__), "--worker", json.dumps(spec)],
                           capture_output=True, text=True, check=False, env=dict(os.environ, OMP_NUM_THREADS="1"))
    if child.returncode != 0:
        sys.exit(f"the original model failed:\n{child.stderr}")
    theirs = json.loads(child.stdout.strip().splitlines()[-1])
    predictions = os.path.join(work, "predictions.csv")
    result = subprocess.run([options.supermask, "eval", h5, "--data", work, "--preset", "cifar10", "--predictions",
                             predictions], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        sys.exit(f"supermask eval failed:\n{result.stderr}")
    with open(predictions, newline="") as file:
        ours = [[int(row[f"pred{k}"]) for k in range(1, 6)] for row in csv.DictReader(file)]
    top1 = sum(a[0] == b[0] for a, b in zip(ours, theirs))
    top5 = sum(a == b for a, b in zip(ours, theirs))
    print(f"{len(ours)} images (PyTorch: {len(theirs)}); pred1 equal for {top1}, all five predictions equal for {top5}")
    print(result.stdout.strip())
    sys.exit(0 if len(ours) == len(theirs) == top5 else 1)


if __name__ == "__main__":
    main()

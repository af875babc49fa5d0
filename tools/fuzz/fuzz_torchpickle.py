#!/usr/bin/env python3
"""Coverage-guided fuzzing of pth2h5 (the bounded pickle machine, both torch formats, the HDF5 writer)
with atheris, libFuzzer for Python (`pip install atheris`).

    python3 tools/fuzz/fuzz_torchpickle.py --seconds 3600        # a campaign from the seed corpus
    python3 tools/fuzz/fuzz_torchpickle.py --seconds 60 --jobs 2  # CI-sized, two processes
    python3 tools/fuzz/fuzz_torchpickle.py FILE...               # run saved inputs once (a finding)
    python3 tools/fuzz/fuzz_torchpickle.py --write-seeds         # rewrite corpus/torchpickle/

An input's first byte chooses what the rest is, so mutations reach the pickle machine instead of
dying on a zip CRC: 0, a whole checkpoint file; 1, the `data.pkl` of a zip checkpoint whose storage
records are those of tests/fixtures/tiny.zip.pth; 2, the object pickle of a legacy checkpoint with
the header and data section of tests/fixtures/tiny.legacy.pth. Each input is converted by
`pth2h5.convert` (with --keep 0.5) from a file in a private temporary directory.

A finding is any exception other than pth2h5's `ConversionError`, an input that takes more than
1 s of CPU, and what libFuzzer itself reports: a crash, a hang (`-timeout`, 20 s here), more than
4 GB of memory (`-rss_limit_mb`). libFuzzer saves the input under the work directory's `findings/`.
New corpus entries go to the work directory (default: $TMPDIR/supermask-fuzz/torchpickle), never
into the committed seeds.
"""

import argparse
import io
import os
import pickletools
import sys
import tempfile
import time
import zipfile
from pathlib import Path

FUZZ = Path(__file__).resolve().parent
TOOLS = FUZZ.parent
FIXTURES = TOOLS / "tests" / "fixtures"
SEEDS = FUZZ / "corpus" / "torchpickle"
DICTIONARY = FUZZ / "torchpickle.dict"
sys.path[:0] = [str(TOOLS), str(TOOLS / "tests")]

CPU_SECONDS_PER_INPUT = 1.0
WHOLE_FILE, ZIP_PICKLE, LEGACY_PICKLE = 0, 1, 2


class SlowInput(Exception):
    """An input took more CPU time than `CPU_SECONDS_PER_INPUT`: a finding."""


def _split_pickles(data: bytes, count: int) -> list[int]:
    """The end offsets of the first `count` pickles of `data` (a trusted fixture)."""
    stream, ends = io.BytesIO(data), []
    for _ in range(count):
        for _ in pickletools.genops(stream):
            pass
        ends.append(stream.tell())
    return ends


class Templates:
    """The fixed parts inputs of modes 1 and 2 are placed in."""

    def __init__(self):
        with zipfile.ZipFile(FIXTURES / "tiny.zip.pth") as archive:
            self.zip_records = {name.split("/", 1)[1]: archive.read(name) for name in archive.namelist()
                                if not name.endswith("/data.pkl")}
            self.zip_pickle = archive.read("tiny.zip/data.pkl")
        legacy = (FIXTURES / "tiny.legacy.pth").read_bytes()
        header_end, object_end = _split_pickles(legacy, 4)[2:4]
        self.legacy_header, self.legacy_pickle, self.legacy_data = (
            legacy[:header_end], legacy[header_end:object_end], legacy[object_end:])

    def checkpoint(self, data: bytes) -> bytes:
        """The checkpoint file an input stands for (see the module docstring)."""
        mode, body = (data[0] % 3, data[1:]) if data else (WHOLE_FILE, b"")
        if mode == ZIP_PICKLE:
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w") as archive:
                archive.writestr("tiny.zip/data.pkl", body)
                for name, record in self.zip_records.items():
                    archive.writestr(f"tiny.zip/{name}", record)
            return buffer.getvalue()
        if mode == LEGACY_PICKLE:
            return self.legacy_header + body + self.legacy_data
        return body


class Harness:
    """Converts inputs and decides what counts as a finding."""

    def __init__(self):
        from pth2h5 import ConversionError, convert  # imported here so atheris can instrument them
        self.convert, self.conversion_error = convert, ConversionError
        self.templates = Templates()
        # Removed when the harness is garbage-collected or the interpreter exits.
        self._directory = tempfile.TemporaryDirectory(prefix="fuzz-torchpickle-", dir=_scratch())
        directory = Path(self._directory.name)
        self.source, self.output = directory / "input.pth", directory / "output.h5"

    def check(self, data: bytes) -> str:
        """Convert one input: "converted" or "refused"; a finding raises."""
        self.source.write_bytes(self.templates.checkpoint(data))
        started = time.process_time()
        try:
            self.convert(self.source, self.output, 0.5)
            outcome = "converted"
        except self.conversion_error:
            outcome = "refused"
        finally:
            self.output.unlink(missing_ok=True)
        seconds = time.process_time() - started
        if seconds > CPU_SECONDS_PER_INPUT:
            raise SlowInput(f"{seconds:.2f} s of CPU for one input")
        return outcome


def _scratch() -> str | None:
    """RAM-backed /dev/shm when there is one: the harness writes two files per input."""
    return "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None


def seeds() -> dict[str, bytes]:
    """The seed corpus: the converter fixtures whole, their pickles alone, and small crafted files."""
    import craft
    templates = Templates()
    corpus = {f"file-{path.name}": bytes([WHOLE_FILE]) + path.read_bytes()
              for path in sorted(FIXTURES.glob("*.pth"))}
    for name in ("os-system.legacy.pth", "stack-global.zip.pth", "header-sys-info.legacy.pth"):
        corpus[f"file-malicious-{name}"] = bytes([WHOLE_FILE]) + (FIXTURES / "malicious" / name).read_bytes()
    for fmt in ("legacy", "zip"):
        checkpoint, storages = craft.resnet_checkpoint(blocks=(1, 1, 1, 1), legacy=fmt == "legacy")
        writer = craft.legacy_checkpoint if fmt == "legacy" else craft.zip_checkpoint
        corpus[f"file-resnet-{fmt}.pth"] = bytes([WHOLE_FILE]) + writer(checkpoint, storages)
    corpus["zip-pickle-tiny"] = bytes([ZIP_PICKLE]) + templates.zip_pickle
    corpus["legacy-pickle-tiny"] = bytes([LEGACY_PICKLE]) + templates.legacy_pickle
    weight = craft.tensor(craft.storage("FloatStorage", "0", 108), 0, (4, 3, 3, 3), (27, 9, 3, 1))
    small = {"state_dict": {"conv1.weight": weight, "bn1.num_batches_tracked": weight}, "arch": "TinyNet",
             "epoch": 1, "tags": craft.Global("builtins", "set")(["a"])}
    for protocol in range(1, 6):
        corpus[f"zip-pickle-protocol-{protocol}"] = bytes([ZIP_PICKLE]) + craft.dumps(small, protocol)
    return corpus


def write_seeds():
    SEEDS.mkdir(parents=True, exist_ok=True)
    for old in SEEDS.iterdir():
        old.unlink()
    for name, data in seeds().items():
        (SEEDS / name).write_bytes(data)
    print(f"wrote {len(list(SEEDS.iterdir()))} seeds into {SEEDS}")


def fuzz(arguments: list[str]):
    """Hand control to libFuzzer with `arguments` (its flags and corpus directories)."""
    import atheris
    with atheris.instrument_imports(include=["pth2h5", "torchpickle", "torchglobals", "boundedpickle"]):
        harness = Harness()
    atheris.Setup([sys.argv[0], *arguments], lambda data: harness.check(data))
    atheris.Fuzz()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("inputs", nargs="*", type=Path, help="inputs to run once each (no fuzzing)")
    parser.add_argument("--seconds", type=int, help="fuzz for this long (libFuzzer's -max_total_time)")
    parser.add_argument("--jobs", type=int, default=1, help="fuzzing processes (libFuzzer's -fork)")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "supermask-fuzz" / "torchpickle",
                        help="where new corpus entries and findings go")
    parser.add_argument("--write-seeds", action="store_true", help="rewrite the committed seed corpus")
    args, libfuzzer_flags = parser.parse_known_args()
    if args.write_seeds:
        write_seeds()
        return 0
    if args.inputs:
        harness = Harness()
        for path in args.inputs:
            print(f"{path}: {harness.check(path.read_bytes())}")
        return 0
    if args.seconds is None:
        parser.error("give --seconds N to fuzz, or inputs to run")
    corpus, findings = args.work / "corpus", args.work / "findings"
    corpus.mkdir(parents=True, exist_ok=True)
    findings.mkdir(parents=True, exist_ok=True)
    flags = [f"-max_total_time={args.seconds}", "-timeout=20", "-rss_limit_mb=4096", "-max_len=262144",
             f"-dict={DICTIONARY}", f"-artifact_prefix={findings}/", "-print_final_stats=1"]
    if args.jobs > 1:
        flags += [f"-fork={args.jobs}", "-ignore_crashes=1", "-ignore_timeouts=1", "-ignore_ooms=1"]
    fuzz(flags + libfuzzer_flags + [str(corpus), str(SEEDS)])
    return 0


if __name__ == "__main__":
    sys.exit(main())

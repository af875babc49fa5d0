#!/usr/bin/env python3
"""pth2h5: convert a hidden-networks PyTorch checkpoint into supermask's HDF5 layout.

    python3 tools/pth2h5.py IN.pth OUT.h5 [--keep F] [--max-tensor-bytes N]

Reads both `torch.save` formats (legacy and zip) with a bounded pickle machine and an allow-list
(torchpickle.py), never importing torch or executing anything from the file, and writes the
`state_dict` tensors (a leading `module.` stripped) plus the checkpoint's scalar entries as described
in docs/hdf5-layout.md. Needs only numpy and h5py. Every failure is one line on stderr,
`pth2h5: error: FILE: problem`, with exit status 1 (130 when interrupted, 143 when terminated); the
limits on what a file may cost are in docs/security.md.

As a module: `convert(in_path, out_path, keep=None, limits=CheckpointLimits())` and `load_checkpoint(path)`.
"""

import argparse
import hashlib
import os
import re
import signal
import sys
from dataclasses import dataclass, replace

import h5py
import numpy as np

from boundedpickle import escaped
from torchpickle import CheckpointError, CheckpointLimits, TorchArray, checkpoint_format, load_checkpoint

__all__ = ["ConversionError", "Conversion", "convert", "load_checkpoint", "split_checkpoint", "write_h5", "main"]

LAYOUT = "supermask-state-dict"
LAYOUT_VERSION = 1
CONVERTER = "pth2h5 1.0"
DATA_PARALLEL_PREFIX = "module."

# Dataset dtype per torch dtype. bool is stored as 0/1 bytes; bfloat16 was widened exactly to float32.
HDF5_DTYPES = {
    "float32": "<f4", "float64": "<f8", "float16": "<f2", "bfloat16": "<f4",
    "int64": "<i8", "int32": "<i4", "int16": "<i2", "int8": "i1", "uint8": "u1", "bool": "u1",
}

# Root attributes the converter writes itself; checkpoint entries with these names are skipped.
CONVERTER_ATTRIBUTES = frozenset({
    "layout", "layout_version", "converter", "source_file", "source_sha256", "source_format",
    "keep", "skipped_entries",
})

INT64_RANGE = range(-(2**63), 2**63)

# Bounds on what is written. A hidden-networks checkpoint has ten top-level entries with short names
# and values, state-dict keys under 60 characters, and at most 522 state-dict tensors
# (WideResNet-101-2); each dataset costs HDF5 about half a millisecond to create.
MAX_DATASETS = 1024
MAX_ROOT_ENTRIES = 256
MAX_ATTRIBUTE_NAME_BYTES = 255
MAX_ATTRIBUTE_TEXT_BYTES = 4096
MAX_DATASET_NAME_BYTES = 1024


class ConversionError(Exception):
    """A conversion failed because of `path`; str() is "<path>: <problem>" on one line.

    The problem can quote the file's own bytes (a pickle global's name); the reader escapes what it
    quotes, and any character that is still not printable is escaped here as a last defence.
    """

    def __init__(self, path, problem: str):
        problem = _printable(problem)
        super().__init__(f"{_printable(str(path))}: {problem}")
        self.path = path
        self.problem = problem


def _printable(text: str) -> str:
    return "".join(c if c.isprintable() else ascii(c)[1:-1] for c in text)


@dataclass(frozen=True)
class Conversion:
    """What `convert` wrote: the file, the checkpoint's `arch` (None if it has none), the number of
    tensors, the file's size in bytes, and whether a keep fraction is stored."""

    path: str
    arch: str | None
    tensors: int
    size: int
    keep: float | None

    def summary(self) -> str:
        """One line for the user: "wrote OUT.h5: arch ResNet50, 322 tensors, 1234 bytes"."""
        arch = f"arch {escaped(self.arch, 80)}" if self.arch is not None else "no arch attribute"
        return f"wrote {_printable(self.path)}: {arch}, {self.tensors} tensors, {self.size} bytes"


def convert(in_path, out_path, keep: float | None = None, limits: CheckpointLimits = CheckpointLimits()) -> Conversion:
    """Convert the checkpoint at `in_path` into an HDF5 file at `out_path` and say what was written.

    `keep`, the fraction of weights the mask keeps per layer, is recorded as the root attribute
    `keep` when given and must lie in (0, 1]. Reading the checkpoint stays within `limits`. The
    output appears only when conversion succeeded. Raises `ConversionError` for bad input or an
    unwritable output.
    """
    if keep is not None and not 0.0 < keep <= 1.0:
        raise ConversionError(in_path, f"--keep must be in (0, 1], got {keep}")
    try:
        source_format = checkpoint_format(in_path)
        tensors, entries, skipped = split_checkpoint(load_checkpoint(in_path, limits))
        with open(in_path, "rb") as file:
            digest = hashlib.file_digest(file, "sha256").hexdigest()
    except CheckpointError as exc:
        raise ConversionError(in_path, str(exc)) from None
    except OSError as exc:
        raise ConversionError(in_path, exc.strerror or str(exc)) from None
    except MemoryError:
        raise ConversionError(in_path, "out of memory while reading the checkpoint") from None

    attributes = {
        "layout": LAYOUT,
        "layout_version": np.int64(LAYOUT_VERSION),
        "converter": CONVERTER,
        "source_file": os.path.basename(in_path),
        "source_sha256": digest,
        "source_format": source_format,
        **entries,
    }
    if keep is not None:
        attributes["keep"] = np.float64(keep)
    if skipped:
        attributes["skipped_entries"] = ",".join(skipped)
    try:
        write_h5(out_path, tensors, attributes)
        size = os.path.getsize(out_path)
    except OSError as exc:
        raise ConversionError(out_path, exc.strerror or str(exc)) from None
    except MemoryError:
        raise ConversionError(in_path, "out of memory while writing its tensors") from None
    arch = entries.get("arch")
    return Conversion(str(out_path), arch if isinstance(arch, str) else None, len(tensors), size, keep)


def split_checkpoint(checkpoint) -> tuple[dict[str, TorchArray], dict[str, object], list[str]]:
    """Split a loaded checkpoint into (tensors by dataset name, root attributes, skipped entries).

    The state dict is the `state_dict` entry, else a `model` entry that is a dict, else the
    checkpoint itself when it is a dict of tensors. Other top-level entries become attributes when
    they are scalars (see `_attribute_value`) and are listed as skipped otherwise.
    """
    if not isinstance(checkpoint, dict):
        raise CheckpointError(f"checkpoint holds a {type(checkpoint).__name__}, not a dict")
    if checkpoint and all(isinstance(value, TorchArray) for value in checkpoint.values()):
        return _dataset_tensors(checkpoint), {}, []
    if "state_dict" in checkpoint:
        state_dict_key = "state_dict"
    elif isinstance(checkpoint.get("model"), dict):
        state_dict_key = "model"
    else:
        names = ", ".join(escaped(str(name), 40) for name in list(checkpoint)[:8]) or "none"
        raise CheckpointError(f"no state_dict in checkpoint (top-level entries: {names})")
    if len(checkpoint) > MAX_ROOT_ENTRIES:
        raise CheckpointError(f"the checkpoint has {len(checkpoint)} top-level entries (at most {MAX_ROOT_ENTRIES})")

    attributes, skipped = {}, []
    for name, value in checkpoint.items():
        if name == state_dict_key:
            continue
        attribute = _attribute_value(value)
        if attribute is not None and _is_attribute_name(name) and name not in CONVERTER_ATTRIBUTES:
            attributes[name] = attribute
        else:
            listed = name if _is_hdf5_text(name) else repr(name)
            skipped.append(listed if len(listed) <= MAX_ATTRIBUTE_NAME_BYTES else listed[:MAX_ATTRIBUTE_NAME_BYTES] + "...")
    return _dataset_tensors(checkpoint[state_dict_key]), attributes, skipped


def _dataset_tensors(state_dict) -> dict[str, TorchArray]:
    """The state dict's tensors keyed by dataset name: the key without a leading `module.`."""
    if not isinstance(state_dict, dict):
        raise CheckpointError(f"state_dict is a {type(state_dict).__name__}, not a dict")
    if len(state_dict) > MAX_DATASETS:
        raise CheckpointError(f"the state_dict has {len(state_dict)} entries (at most {MAX_DATASETS})")
    tensors = {}
    for key, value in state_dict.items():
        if not isinstance(value, TorchArray):
            raise CheckpointError(f"state_dict entry {_quoted(key)} is not a tensor")
        name = key.removeprefix(DATA_PARALLEL_PREFIX) if isinstance(key, str) else None
        if not _is_hdf5_text(name) or name in ("", ".") or "/" in name:
            raise CheckpointError(f"state_dict key {_quoted(key)} cannot be an HDF5 dataset name")
        if len(name.encode("utf-8")) > MAX_DATASET_NAME_BYTES:
            raise CheckpointError(f"state_dict key {_quoted(key)} is longer than {MAX_DATASET_NAME_BYTES} bytes")
        if name in tensors:
            raise CheckpointError(
                f"state_dict has two entries named {_quoted(name)} once {DATA_PARALLEL_PREFIX!r} is stripped")
        tensors[name] = value
    return tensors


def _quoted(key) -> str:
    """A state-dict key (a str or an int: the only keys the reader allows) for a message."""
    return f"'{escaped(key, 80)}'" if isinstance(key, str) else str(key)


def _attribute_value(value):
    """The HDF5 attribute for a scalar checkpoint entry, or None if it is not a scalar.

    bool -> int64 0/1, int -> int64, float -> float64, str -> str (written as fixed-length UTF-8).
    """
    if isinstance(value, (bool, np.bool_)):
        return np.int64(value)
    if isinstance(value, (int, np.integer)):
        return np.int64(value) if int(value) in INT64_RANGE else None
    if isinstance(value, (float, np.floating)):
        return np.float64(value)
    if isinstance(value, str) and _is_hdf5_text(value) and len(value.encode("utf-8")) <= MAX_ATTRIBUTE_TEXT_BYTES:
        return value
    return None


def _is_attribute_name(name) -> bool:
    return _is_hdf5_text(name) and 0 < len(name.encode("utf-8")) <= MAX_ATTRIBUTE_NAME_BYTES


def _is_hdf5_text(text) -> bool:
    """Whether `text` is a str HDF5 stores intact: encodable as UTF-8 and free of NUL."""
    if not isinstance(text, str) or "\0" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates, which pickle's BINUNICODE can carry
        return False
    return True


def _set_attribute(node, name: str, value) -> None:
    """Set a scalar attribute; strings become fixed-length UTF-8 (NULLPAD).

    Fixed-length rather than h5py's default variable-length strings: libhdf5 1.10 reads a variable-length
    string through the global heap without checking the stored length, so one corrupted byte there crashes
    a reader instead of failing; a fixed-length string lives inside the attribute and cannot.
    """
    if isinstance(value, str):
        encoded = value.encode("utf-8")
        node.attrs.create(name, np.bytes_(encoded), dtype=h5py.string_dtype("utf-8", max(1, len(encoded))))
    else:
        node.attrs[name] = value


def write_h5(out_path, tensors: dict[str, TorchArray], attributes: dict[str, object]) -> None:
    """Write the layout of docs/hdf5-layout.md; a temporary file is renamed into place at the end.

    Uses h5py's default (earliest) file format so HDF5 1.10 (Debian 12's libhdf5) reads it.
    """
    partial_path = f"{out_path}.partial-{os.getpid()}"
    open(partial_path, "wb").close()  # a missing directory or permission fails here, with a plain OS message
    try:
        with h5py.File(partial_path, "w") as h5:
            for name, value in attributes.items():
                _set_attribute(h5, name, value)
            group = h5.create_group("state_dict", track_order=True)
            for name, tensor in tensors.items():
                # (not ascontiguousarray, which turns 0-dim tensors into shape (1,))
                data = np.asarray(tensor, dtype=HDF5_DTYPES[tensor.torch_dtype], order="C")
                dataset = group.create_dataset(name, data=data)
                _set_attribute(dataset, "torch_dtype", tensor.torch_dtype)
        os.replace(partial_path, out_path)
    except BaseException:
        if os.path.exists(partial_path):
            os.remove(partial_path)
        raise


def main(argv=None) -> int:
    """Command-line entry point; returns the exit status (0 ok, 1 conversion error, 2 usage,
    130 interrupted, 143 terminated)."""
    parser = argparse.ArgumentParser(
        prog="pth2h5",
        description="Convert a hidden-networks PyTorch checkpoint (.pth, legacy or zip format) "
                    "into supermask's HDF5 state-dict layout (docs/hdf5-layout.md).",
    )
    parser.add_argument("input", metavar="IN.pth", help="checkpoint written by torch.save")
    parser.add_argument("output", metavar="OUT.h5", help="HDF5 file to write (replaced if present)")
    parser.add_argument("--keep", type=float, metavar="F",
                        help="fraction of weights kept per layer, 0 < F <= 1; stored as attribute 'keep'")
    parser.add_argument("--max-tensor-bytes", type=byte_count, metavar="N", default=CheckpointLimits.tensor_bytes,
                        help="most bytes the checkpoint's tensors may hold, counted at their full shapes "
                             "(default 4GiB; suffixes KiB, MiB, GiB)")
    args = parser.parse_args(argv)
    limits = replace(CheckpointLimits(), tensor_bytes=args.max_tensor_bytes)
    previous_handler = signal.signal(signal.SIGTERM, _terminate)
    try:
        conversion = convert(args.input, args.output, args.keep, limits)
    except ConversionError as exc:
        return _fail(str(exc), 1)
    except KeyboardInterrupt:
        return _fail(f"{_printable(args.input)}: interrupted", 130)
    except _Terminated:
        return _fail(f"{_printable(args.input)}: terminated", 143)
    except MemoryError:
        return _fail(f"{_printable(args.input)}: out of memory", 1)
    except Exception as exc:  # a bug: still one line, naming the file
        return _fail(f"{_printable(args.input)}: internal error ({type(exc).__name__}: "
                     f"{escaped(str(exc), 120)}); please report it", 1)
    finally:
        signal.signal(signal.SIGTERM, previous_handler)
    print(f"pth2h5: {conversion.summary()}")
    if conversion.keep is None:
        print(f"pth2h5: warning: {_printable(args.output)}: no keep fraction stored (pass --keep F); "
              "supermask will need --keep to compute the masks", file=sys.stderr)
    return 0


class _Terminated(BaseException):
    """SIGTERM arrived (from `supermask fetch` on its timeout, or a user): unwinds like Ctrl-C, so the
    partial output is removed."""


def _terminate(signum, frame):
    raise _Terminated


def _fail(line: str, status: int) -> int:
    print(f"pth2h5: error: {line}", file=sys.stderr)
    return status


_BYTE_UNITS = {"": 1, "B": 1, "KiB": 2**10, "MiB": 2**20, "GiB": 2**30, "TiB": 2**40}


def byte_count(text: str) -> int:
    """A positive byte count, optionally with a binary suffix: 123, 64KiB, 512MiB, 4GiB."""
    match = re.fullmatch(r"\s*(\d{1,20})\s*([A-Za-z]*)\s*", text)
    if not match or match.group(2) not in _BYTE_UNITS or int(match.group(1)) == 0:
        raise argparse.ArgumentTypeError(f"not a positive byte count: {text!r}")
    return int(match.group(1)) * _BYTE_UNITS[match.group(2)]


if __name__ == "__main__":
    sys.exit(main())

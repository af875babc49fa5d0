"""Read PyTorch checkpoints written by `torch.save` without importing torch.

Both serializations are supported (layouts from torch/serialization.py):

- legacy (torch <= 1.5, or `_use_new_zipfile_serialization=False`): consecutive pickles of the
  magic number, the protocol version and a sys-info dict, then the object pickle, then a pickle of
  the sorted storage keys, then per key an int64 little-endian element count and the raw bytes;
- zip (torch >= 1.6): a zip with one top-level folder holding `data.pkl` and the raw storage bytes
  in `data/<key>`.

The pickles are untrusted. They are read by a bounded pickle machine (boundedpickle.py) that
executes nothing and resolves globals only from the allow-list of torchglobals.py. Every resource
is bounded by `CheckpointLimits`: the machine's opcodes, objects, memo, nesting and int sizes;
storage bytes by the file's size; tensor bytes (each tensor at its full shape, however it is
strided) by `tensor_bytes` and by a multiple of the file's size; and the number of tensors.
"""

import os
import struct
import zipfile
import zlib
from dataclasses import dataclass, field

import numpy as np

from boundedpickle import ForbiddenGlobal, PickleError, PickleLimits, PickleMachine, escaped, shown
from torchglobals import (Budget, CheckpointError, Storage, StorageType, TorchArray, TorchGlobals, UnsafePickleError,
                          is_count)

LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
LEGACY_PROTOCOL = 1001
ZIP_SIGNATURE = b"PK\x03\x04"

__all__ = [
    "CheckpointError",
    "CheckpointLimits",
    "UnsafePickleError",
    "TorchArray",
    "checkpoint_format",
    "load_checkpoint",
]

GiB = 2**30
MiB = 2**20


@dataclass(frozen=True)
class CheckpointLimits:
    """What one checkpoint may cost to read.

    `tensor_bytes` bounds the bytes of all tensors at their full shapes (bfloat16 counted as the
    float32 it becomes): 4 GiB fits WideResNet-101-2's 1.0 GB state dict plus its 0.5 GB of SGD
    momentum with room to spare. Independently, tensors may hold at most `expansion` times the
    file's size plus `expansion_slack` bytes: bfloat16 widening doubles a storage and tied weights
    view one storage twice, while a stride-0 tensor over one element could otherwise claim any size.
    `tensors` bounds how many tensors the checkpoint rebuilds (each a numpy view, about 20 us);
    WideResNet-101-2's checkpoint has 627 (a 522-entry state dict and 105 momentum buffers).
    """

    pickle: PickleLimits = field(default_factory=PickleLimits)
    tensor_bytes: int = 4 * GiB
    tensors: int = 4096
    expansion: int = 4
    expansion_slack: int = 1 * MiB
    pickle_bytes: int = 16 * MiB  # a zip's data.pkl (WideResNet-101-2's checkpoint pickles to 124 KB)

    def allow_list(self, file_size: int) -> TorchGlobals:
        """The allow-list for a file of `file_size` bytes, with its tensor budgets."""
        relative = self.expansion * file_size + self.expansion_slack
        if relative < self.tensor_bytes:
            why = (f"tensors hold more than {self.expansion} times the file's {file_size} bytes "
                   "(stride-0 and overlapping views count at their full size)")
        else:
            why = f"tensors hold more than {self.tensor_bytes} bytes (raise the limit with --max-tensor-bytes)"
        return TorchGlobals(Budget(min(relative, self.tensor_bytes), why),
                            Budget(self.tensors, f"more than {self.tensors} tensors"))


def _storage_budget(file_size: int) -> Budget:
    """Storages cannot hold more bytes than the file: stops tiny files from claiming huge ones."""
    return Budget(file_size, "storages claim more bytes than the file holds")


def checkpoint_format(path) -> str:
    """Return "zip" or "legacy" from the file's first bytes (not a full validation)."""
    with open(path, "rb") as file:
        head = file.read(512)
    if not head:
        raise CheckpointError("file is empty")
    if head.startswith(ZIP_SIGNATURE):
        return "zip"
    if head[257:262] == b"ustar":
        raise CheckpointError("the tar checkpoint format of torch < 0.4 is not supported")
    return "legacy"


def load_checkpoint(path, limits: CheckpointLimits = CheckpointLimits()):
    """Load a `torch.save` file and return its object with tensors as read-only `TorchArray`s.

    Raises `CheckpointError` (or `UnsafePickleError`) for anything that is not a checkpoint this
    reader can load within `limits`, and `OSError` if the file cannot be read.
    """
    if checkpoint_format(path) == "zip":
        return _load_zip(path, limits)
    with open(path, "rb") as file:
        return _load_legacy(file.read(), limits)


def _unpickle(machine: PickleMachine, data: bytes, start: int):
    """The pickle at `data[start:]` and the offset after it; the machine's refusals as CheckpointErrors."""
    try:
        return machine.load(data, start)
    except ForbiddenGlobal as exc:
        raise UnsafePickleError(str(exc)) from None
    except PickleError as exc:
        raise CheckpointError(str(exc)) from None


def _parse_storage_id(pid, lengths):
    """Split a persistent id ('storage', type, key, location, numel[, view]) into its parts."""
    if not (type(pid) is tuple and len(pid) in lengths and type(pid[0]) is str and pid[0] == "storage"):
        raise CheckpointError("unsupported persistent id in pickle")
    storage_type, key, _location, numel = pid[1:5]  # the location ('cpu', 'cuda:0') is only a tag
    if not isinstance(storage_type, StorageType) or type(key) is not str or not is_count(numel):
        raise CheckpointError("malformed storage reference in pickle")
    return storage_type, key, numel, (pid[5] if len(pid) == 6 else None)


# --- the legacy format -----------------------------------------------------------------------


def _load_legacy(data: bytes, limits: CheckpointLimits):
    """Load the legacy stream (layout in the module docstring) from the file's bytes."""
    allow_list = limits.allow_list(len(data))
    storage_bytes = _storage_budget(len(data))
    storages: dict[str, Storage] = {}  # filled from the data section after the object pickle

    def load_storage(pid):
        storage_type, key, numel, view = _parse_storage_id(pid, (6,))
        if key not in storages:
            storage_bytes.claim(numel * storage_type.itemsize)
            storages[key] = Storage(storage_type, np.empty(numel, storage_type.decoded_dtype))
        return storages[key] if view is None else _storage_view(storages[key], view)

    machine = PickleMachine(allow_list.resolve, load_storage, limits.pickle)
    try:
        magic, pos = _unpickle(machine, data, 0)
    except UnsafePickleError:
        raise
    except CheckpointError:
        magic = None
    if type(magic) is not int or magic != LEGACY_MAGIC:
        raise CheckpointError("not a PyTorch checkpoint (neither a zip archive nor the legacy magic number)")
    protocol, pos = _unpickle(machine, data, pos)
    if type(protocol) is not int or protocol != LEGACY_PROTOCOL:
        raise CheckpointError(f"unsupported legacy protocol version {shown(protocol)}")
    sys_info, pos = _unpickle(machine, data, pos)
    if not (type(sys_info) is dict and sys_info.get("little_endian") is True):
        raise CheckpointError("big-endian or malformed legacy checkpoint header")
    checkpoint, pos = _unpickle(machine, data, pos)
    keys, pos = _unpickle(machine, data, pos)
    _fill_legacy_storages(data, pos, keys, storages)
    return checkpoint


def _storage_view(root: Storage, view) -> Storage:
    """A storage view from old torch: view metadata (view_key, offset, size) into `root`."""
    if not (type(view) is tuple and len(view) == 3 and is_count(view[1]) and is_count(view[2])
            and view[1] + view[2] <= root.array.size):
        raise CheckpointError("malformed storage view in pickle")
    _, offset, size = view
    return Storage(root.type, root.array[offset:offset + size])


def _fill_legacy_storages(data, pos: int, keys, storages: dict[str, Storage]):
    """Copy the data section (count + bytes per key, in `keys` order) into the storages."""
    if not (type(keys) is list and all(type(key) is str for key in keys)):
        raise CheckpointError("malformed storage key list")
    for key in keys:
        storage = storages.get(key)
        if storage is None:
            raise CheckpointError(f"data section holds storage {shown(key, 40)} that no tensor uses")
        if pos + 8 > len(data):
            raise CheckpointError("truncated storage data")
        (count,) = struct.unpack_from("<q", data, pos)
        if count != storage.array.size:
            raise CheckpointError(f"storage {shown(key, 40)} has {count} elements, expected {storage.array.size}")
        end = pos + 8 + count * storage.type.itemsize
        if end > len(data):
            raise CheckpointError("truncated storage data")
        storage.array[...] = storage.type.decode(memoryview(data)[pos + 8:end])
        pos = end
    missing = storages.keys() - set(keys)
    if missing:
        raise CheckpointError(f"no data for storage {shown(min(missing), 40)}")


# --- the zip format --------------------------------------------------------------------------

# What zipfile raises for damaged archives: bad headers or CRC, truncated or undecodable entries,
# offsets that seek before the start (OSError), entries flagged as encrypted (RuntimeError).
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, ValueError, struct.error,
               OSError, RuntimeError)


def _load_zip(path, limits: CheckpointLimits):
    """Load the zip format: `<folder>/data.pkl` plus one `<folder>/data/<key>` record per storage."""
    file_size = os.path.getsize(path)
    allow_list = limits.allow_list(file_size)
    storage_bytes = _storage_budget(file_size)
    try:
        with zipfile.ZipFile(path) as archive:
            folder = _zip_folder(archive)
            if _read_zip_entry(archive, folder + "byteorder", 16, missing=b"little") != b"little":
                raise CheckpointError("big-endian checkpoints are not supported")
            storages: dict[str, Storage] = {}

            def load_storage(pid):
                storage_type, key, numel, _ = _parse_storage_id(pid, (5,))
                if key not in storages:
                    nbytes = numel * storage_type.itemsize
                    storage_bytes.claim(nbytes)
                    raw = _read_zip_entry(archive, f"{folder}data/{key}", nbytes)
                    if len(raw) < nbytes:
                        raise CheckpointError(
                            f"storage record data/{escaped(key, 40)} is shorter than its {numel} elements")
                    storages[key] = Storage(storage_type, storage_type.decode(raw))
                return storages[key]

            pickled = _read_zip_entry(archive, folder + "data.pkl", limits.pickle_bytes + 1)
            if len(pickled) > limits.pickle_bytes:
                raise CheckpointError(f"data.pkl is larger than {limits.pickle_bytes} bytes")
            machine = PickleMachine(allow_list.resolve, load_storage, limits.pickle)
            return _unpickle(machine, pickled, 0)[0]
    except _ZIP_ERRORS as exc:
        raise CheckpointError(f"corrupt zip archive ({_reason(exc)})") from None


def _zip_folder(archive: zipfile.ZipFile) -> str:
    """The archive's top-level folder with its slash: the prefix of its one `<folder>/data.pkl`."""
    pickles = [name for name in archive.namelist() if name.endswith("/data.pkl") and name.count("/") == 1]
    if len(pickles) != 1:
        raise CheckpointError("zip archive is not a torch checkpoint (no single <folder>/data.pkl)")
    return pickles[0][: -len("data.pkl")]


def _read_zip_entry(archive: zipfile.ZipFile, name: str, most: int, missing=None) -> bytes:
    """Read at most `most` bytes of one entry (however compressed, decompression stops there); a
    missing entry gives `missing`, or an error when that is None."""
    try:
        with archive.open(name) as entry:
            return entry.read(most)
    except KeyError:
        if missing is None:
            raise CheckpointError(f"zip archive has no entry {escaped(name, 80)}") from None
        return missing
    except _ZIP_ERRORS as exc:
        raise CheckpointError(f"corrupt zip entry {escaped(name, 80)} ({_reason(exc)})") from None


def _reason(exc: Exception) -> str:
    """A short description of an exception raised while reading, which may quote the file's bytes."""
    text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return escaped(text, 120)

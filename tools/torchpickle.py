"""Read PyTorch checkpoints written by `torch.save` without importing torch.

Both serializations are supported (layouts from torch/serialization.py):

- legacy (torch <= 1.5, or `_use_new_zipfile_serialization=False`): consecutive pickles of the
  magic number, the protocol version and a sys-info dict, then the object pickle, then a pickle of
  the sorted storage keys, then per key an int64 little-endian element count and the raw bytes;
- zip (torch >= 1.6): an uncompressed zip with one top-level folder holding `data.pkl` and the raw
  storage bytes in `data/<key>`.

The pickles are untrusted. They are first parsed without executing anything (`pickletools.genops`)
and then unpickled by an allow-list unpickler that resolves only the globals needed to rebuild
tensors plus a few harmless constructors; any other global (`os.system`, `builtins.eval`, ...) is
refused before it can be called. Tensors come back as read-only `TorchArray` views of their
storage, with bounds checked, so several tensors may share memory as they do in torch.
"""

import collections
import io
import os
import pickle
import pickletools
import struct
import warnings
import zipfile
import zlib
from dataclasses import dataclass

import numpy as np

LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
LEGACY_PROTOCOL = 1001
ZIP_SIGNATURE = b"PK\x03\x04"

__all__ = [
    "CheckpointError",
    "UnsafePickleError",
    "TorchArray",
    "checkpoint_format",
    "load_checkpoint",
]


class CheckpointError(Exception):
    """The file cannot be read as a checkpoint; the message says why, in one line."""


class UnsafePickleError(CheckpointError):
    """A pickle names a global outside the allow-list; nothing it names was executed."""


class TorchArray(np.ndarray):
    """A numpy array holding a checkpoint tensor.

    `torch_dtype` is the dtype torch saved ("float32", "bfloat16", "bool", ...). bfloat16 tensors
    are widened exactly to float32; bool tensors are numpy bool. Arrays returned by
    `load_checkpoint` are read-only and may be strided views sharing one storage.
    """

    def __array_finalize__(self, obj):
        self.torch_dtype = getattr(obj, "torch_dtype", None)


@dataclass(frozen=True)
class StorageType:
    """A torch storage class such as `torch.FloatStorage`: how its raw bytes decode to numpy."""

    torch_dtype: str
    raw_dtype: str  # numpy dtype of the little-endian bytes on disk

    @property
    def itemsize(self) -> int:
        return np.dtype(self.raw_dtype).itemsize

    @property
    def decoded_dtype(self) -> np.dtype:
        return np.dtype({"bfloat16": "<f4", "bool": "?"}.get(self.torch_dtype, self.raw_dtype))

    def decode(self, raw) -> np.ndarray:
        """Decode raw storage bytes into a 1-D array of `decoded_dtype`."""
        values = np.frombuffer(raw, dtype=self.raw_dtype)
        if self.torch_dtype == "bfloat16":  # bfloat16 is the top half of a float32
            return (values.astype("<u4") << 16).view("<f4")
        if self.torch_dtype == "bool":
            return values != 0
        return values


STORAGE_TYPES = {
    "FloatStorage": StorageType("float32", "<f4"),
    "DoubleStorage": StorageType("float64", "<f8"),
    "HalfStorage": StorageType("float16", "<f2"),
    "BFloat16Storage": StorageType("bfloat16", "<u2"),
    "LongStorage": StorageType("int64", "<i8"),
    "IntStorage": StorageType("int32", "<i4"),
    "ShortStorage": StorageType("int16", "<i2"),
    "CharStorage": StorageType("int8", "i1"),
    "ByteStorage": StorageType("uint8", "u1"),
    "BoolStorage": StorageType("bool", "u1"),
}


@dataclass(frozen=True)
class _Storage:
    """A loaded storage: a 1-D array that tensors view. Only `persistent_load` creates these."""

    type: StorageType
    array: np.ndarray


# --- stand-ins for the allowed globals -------------------------------------------------------


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad=False,
                       backward_hooks=None, metadata=None):
    """Stand-in for torch._utils._rebuild_tensor_v2: a read-only strided view of `storage`."""
    if not isinstance(storage, _Storage):
        raise CheckpointError("a tensor is rebuilt from something that is not a storage")
    if metadata:  # conj/neg bits: the stored values are not the tensor's values
        raise CheckpointError("tensors with conj/neg metadata are not supported")
    return _strided_view(storage, storage_offset, size, stride)


def _rebuild_parameter(data, requires_grad=False, backward_hooks=None, state=None):
    """Stand-in for torch._utils._rebuild_parameter(_with_state): a Parameter is its tensor."""
    return data


def _torch_size(dims=()):
    """Stand-in for torch.Size: a tuple of ints."""
    return tuple(dims)


def _numpy_dtype(spec, align=False, copy=True):
    """Stand-in for numpy.dtype; always copies so a following BUILD cannot alter numpy's own."""
    return np.dtype(spec, align=bool(align), copy=True)


def _numpy_scalar(dtype, data):
    """Stand-in for numpy.core.multiarray.scalar, limited to numeric dtypes (e.g. the SGD lr)."""
    if not isinstance(dtype, np.dtype) or dtype.kind not in "biufc" or not isinstance(data, bytes):
        raise CheckpointError("unsupported numpy scalar in pickle")
    return np.frombuffer(data, dtype=dtype, count=1)[0]


def _latin1_encode(text, encoding):
    """Stand-in for _codecs.encode, which protocol-2 pickles use to carry bytes as latin-1."""
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise CheckpointError("unsupported _codecs.encode call in pickle")
    return text.encode("latin-1")


_ALLOWED_GLOBALS = {
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor_v2,
    ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
    ("torch._utils", "_rebuild_parameter_with_state"): _rebuild_parameter,
    ("torch", "Size"): _torch_size,
    ("numpy", "dtype"): _numpy_dtype,
    ("numpy.core.multiarray", "scalar"): _numpy_scalar,
    ("numpy._core.multiarray", "scalar"): _numpy_scalar,
    ("_codecs", "encode"): _latin1_encode,
    ("builtins", "set"): set,
    ("builtins", "frozenset"): frozenset,
    ("builtins", "complex"): complex,
    ("builtins", "slice"): slice,
    **{("torch", name): storage_type for name, storage_type in STORAGE_TYPES.items()},
}

# Protocol-2 pickles written by Python 3 spell `builtins` the Python 2 way.
_MODULE_ALIASES = {"__builtin__": "builtins"}


def _strided_view(storage: _Storage, offset, size, stride) -> TorchArray:
    """View `storage` as a tensor of `size`/`stride` (in elements) starting at `offset`."""
    size, stride = _int_tuple(size), _int_tuple(stride)
    if size is None or stride is None or len(size) != len(stride) or not _is_count(offset):
        raise CheckpointError("malformed tensor geometry in pickle")
    base = storage.array
    if 0 in size:
        array = np.empty(size, dtype=base.dtype)
    else:
        last = offset + sum((n - 1) * s for n, s in zip(size, stride))
        if last >= base.size:
            raise CheckpointError("a tensor reaches past the end of its storage")
        # A dimension of length 1 is never stepped over, so its stride is irrelevant (and may be huge).
        strides = tuple(s * base.itemsize if n > 1 else 0 for n, s in zip(size, stride))
        array = np.lib.stride_tricks.as_strided(base[offset:], size, strides, writeable=False)
    tensor = array.view(TorchArray)
    tensor.flags.writeable = False
    tensor.torch_dtype = storage.type.torch_dtype
    return tensor


def _is_count(value) -> bool:
    return type(value) is int and value >= 0


def _int_tuple(value):
    """`value` as a tuple of non-negative ints, or None."""
    if isinstance(value, (tuple, list)) and all(map(_is_count, value)):
        return tuple(value)
    return None


# --- the restricted unpickler ---------------------------------------------------------------


class _RestrictedUnpickler(pickle.Unpickler):
    """Resolves globals only from `_ALLOWED_GLOBALS`; storages through `load_storage`."""

    def __init__(self, blob: bytes, load_storage=None):
        super().__init__(io.BytesIO(blob))
        self._load_storage = load_storage

    def find_class(self, module, name):
        allowed = _ALLOWED_GLOBALS.get((_MODULE_ALIASES.get(module, module), name))
        if allowed is None:
            qualified_name = f"{module}.{name}"
            raise UnsafePickleError(
                f"refusing pickle global {qualified_name:.100} (not on the allow-list; nothing was run)")
        return allowed

    def persistent_load(self, pid):
        if self._load_storage is None:
            raise CheckpointError("unexpected storage reference in pickle")
        return self._load_storage(pid)


def _pickle_end(data, start: int) -> int:
    """Parse the pickle at `data[start:]` without executing it and return where it ends.

    Also rejects memo indices a real pickler could not have produced, which the C unpickler
    would otherwise honour by allocating a memo table of that size.
    """
    stream = io.BytesIO(data)
    stream.seek(start)
    try:
        for count, (opcode, arg, _) in enumerate(pickletools.genops(stream)):
            if opcode.name in ("PUT", "BINPUT", "LONG_BINPUT") and arg > count:
                raise CheckpointError(f"corrupt pickle (memo index {arg} at opcode {count})")
    except ValueError as exc:
        raise CheckpointError(f"truncated or corrupt pickle ({_reason(exc)})") from None
    return stream.tell()


def _reason(exc: Exception) -> str:
    """A short description of an exception raised while parsing, which may quote the file's bytes."""
    text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return text if len(text) <= 120 else text[:117] + "..."


def _unpickle_at(data, start: int, load_storage=None):
    """Unpickle the pickle at `data[start:]` safely; return (object, end offset)."""
    with warnings.catch_warnings():  # STRING opcodes with bad escapes warn; the error says enough
        warnings.simplefilter("ignore", DeprecationWarning)
        end = _pickle_end(data, start)
        try:
            return _RestrictedUnpickler(data[start:end], load_storage).load(), end
        except CheckpointError:
            raise
        except Exception as exc:  # untrusted opcodes can make the allowed callables raise almost anything
            raise CheckpointError(f"corrupt pickle ({_reason(exc)})") from None


def _parse_storage_id(pid, lengths):
    """Split a persistent id ('storage', type, key, location, numel[, view]) into its parts."""
    if not (isinstance(pid, tuple) and len(pid) in lengths and pid[0] == "storage"):
        raise CheckpointError("unsupported persistent id in pickle")
    storage_type, key, _location, numel = pid[1:5]  # the location ('cpu', 'cuda:0') is only a tag
    if not isinstance(storage_type, StorageType) or not isinstance(key, str) or not _is_count(numel):
        raise CheckpointError("malformed storage reference in pickle")
    return storage_type, key, numel, (pid[5] if len(pid) == 6 else None)


class _ByteBudget:
    """Storages cannot hold more bytes than the file: stops tiny files from claiming huge ones."""

    def __init__(self, limit: int):
        self.remaining = limit

    def claim(self, nbytes: int):
        if nbytes > self.remaining:
            raise CheckpointError("storages claim more bytes than the file holds")
        self.remaining -= nbytes


# --- formats -------------------------------------------------------------------------------


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


def load_checkpoint(path):
    """Load a `torch.save` file and return its object with tensors as read-only `TorchArray`s.

    Raises `CheckpointError` (or `UnsafePickleError`) for anything that is not a checkpoint this
    reader can load safely, and `OSError` if the file cannot be read.
    """
    if checkpoint_format(path) == "zip":
        return _load_zip(path)
    with open(path, "rb") as file:
        return _load_legacy(file.read())


def _load_legacy(data: bytes):
    """Load the legacy stream (layout in the module docstring) from the file's bytes."""
    try:
        magic, pos = _unpickle_at(data, 0)
    except UnsafePickleError:
        raise
    except CheckpointError:
        magic = None
    if magic != LEGACY_MAGIC:
        raise CheckpointError("not a PyTorch checkpoint (neither a zip archive nor the legacy magic number)")
    protocol, pos = _unpickle_at(data, pos)
    if protocol != LEGACY_PROTOCOL:
        raise CheckpointError(f"unsupported legacy protocol version {protocol!r:.40}")
    sys_info, pos = _unpickle_at(data, pos)
    if not (isinstance(sys_info, dict) and sys_info.get("little_endian") is True):
        raise CheckpointError("big-endian or malformed legacy checkpoint header")

    budget = _ByteBudget(len(data))
    storages: dict[str, _Storage] = {}  # filled from the data section after the object pickle

    def load_storage(pid):
        storage_type, key, numel, view = _parse_storage_id(pid, (6,))
        if key not in storages:
            budget.claim(numel * storage_type.itemsize)
            storages[key] = _Storage(storage_type, np.empty(numel, storage_type.decoded_dtype))
        return storages[key] if view is None else _storage_view(storages[key], view)

    checkpoint, pos = _unpickle_at(data, pos, load_storage)
    keys, pos = _unpickle_at(data, pos)
    _fill_legacy_storages(data, pos, keys, storages)
    return checkpoint


def _storage_view(root: _Storage, view) -> _Storage:
    """A storage view from old torch: view metadata (view_key, offset, size) into `root`."""
    if not (isinstance(view, tuple) and len(view) == 3 and _is_count(view[1]) and _is_count(view[2])
            and view[1] + view[2] <= root.array.size):
        raise CheckpointError("malformed storage view in pickle")
    _, offset, size = view
    return _Storage(root.type, root.array[offset:offset + size])


def _fill_legacy_storages(data, pos: int, keys, storages: dict[str, _Storage]):
    """Copy the data section (count + bytes per key, in `keys` order) into the storages."""
    if not (isinstance(keys, list) and all(isinstance(key, str) for key in keys)):
        raise CheckpointError("malformed storage key list")
    for key in keys:
        storage = storages.get(key)
        if storage is None:
            raise CheckpointError(f"data section holds storage {key!r:.40} that no tensor uses")
        if pos + 8 > len(data):
            raise CheckpointError("truncated storage data")
        (count,) = struct.unpack_from("<q", data, pos)
        if count != storage.array.size:
            raise CheckpointError(f"storage {key!r:.40} has {count} elements, expected {storage.array.size}")
        end = pos + 8 + count * storage.type.itemsize
        if end > len(data):
            raise CheckpointError("truncated storage data")
        storage.array[...] = storage.type.decode(memoryview(data)[pos + 8:end])
        pos = end
    missing = storages.keys() - set(keys)
    if missing:
        raise CheckpointError(f"no data for storage {min(missing)!r:.40}")


# What zipfile raises for damaged archives: bad headers or CRC, truncated or undecodable entries,
# offsets that seek before the start (OSError), entries flagged as encrypted (RuntimeError).
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, ValueError, struct.error,
               OSError, RuntimeError)


def _load_zip(path):
    """Load the zip format: `<folder>/data.pkl` plus one `<folder>/data/<key>` record per storage."""
    budget = _ByteBudget(os.path.getsize(path))
    try:
        with zipfile.ZipFile(path) as archive:
            folder = _zip_folder(archive)
            if _read_zip_entry(archive, folder + "byteorder", missing=b"little") != b"little":
                raise CheckpointError("big-endian checkpoints are not supported")
            storages: dict[str, _Storage] = {}

            def load_storage(pid):
                storage_type, key, numel, _ = _parse_storage_id(pid, (5,))
                if key not in storages:
                    nbytes = numel * storage_type.itemsize
                    budget.claim(nbytes)
                    raw = _read_zip_entry(archive, f"{folder}data/{key}")
                    if len(raw) < nbytes:
                        raise CheckpointError(
                            f"storage record data/{key:.40} is shorter than its {numel} elements")
                    storages[key] = _Storage(storage_type, storage_type.decode(raw[:nbytes]))
                return storages[key]

            pickled = _read_zip_entry(archive, folder + "data.pkl")
            return _unpickle_at(pickled, 0, load_storage)[0]
    except _ZIP_ERRORS as exc:
        raise CheckpointError(f"corrupt zip archive ({_reason(exc)})") from None


def _zip_folder(archive: zipfile.ZipFile) -> str:
    """The archive's top-level folder with its slash: the prefix of its one `<folder>/data.pkl`."""
    pickles = [name for name in archive.namelist() if name.endswith("/data.pkl") and name.count("/") == 1]
    if len(pickles) != 1:
        raise CheckpointError("zip archive is not a torch checkpoint (no single <folder>/data.pkl)")
    return pickles[0][: -len("data.pkl")]


def _read_zip_entry(archive: zipfile.ZipFile, name: str, missing=None) -> bytes:
    """Read one entry; a missing entry gives `missing`, or an error when that is None."""
    try:
        return archive.read(name)
    except KeyError:
        if missing is None:
            raise CheckpointError(f"zip archive has no entry {name:.80}") from None
        return missing
    except _ZIP_ERRORS as exc:
        raise CheckpointError(f"corrupt zip entry {name:.80} ({_reason(exc)})") from None

"""The allow-list of a torch checkpoint's pickle: the globals it may name and what they become.

A checkpoint's pickle names globals to rebuild its objects (`torch._utils._rebuild_tensor_v2`,
`collections.OrderedDict`, `torch.FloatStorage`, ...). `TorchGlobals.resolve` maps exactly the ones a
`torch.save` of a state dict and an SGD state needs to stand-ins written here, which check their
arguments and build plain Python and numpy objects; any other name is refused before anything is
imported. The storage types are immutable constants: the pickle machine never calls or modifies
them, so no file can change how a later file in the same process is read.

Tensors come back as read-only `TorchArray` views of their storage with bounds checked, so several
tensors may share memory as they do in torch; every view counts its full size (shape × itemsize,
whatever its strides) against the budgets the reader gives `TorchGlobals`.
"""

import collections
import math
from dataclasses import dataclass

import numpy as np

from boundedpickle import ForbiddenGlobal, PickleCallable, check_key, escaped, shown

__all__ = ["Budget", "CheckpointError", "UnsafePickleError", "TorchArray", "StorageType", "STORAGE_TYPES",
           "Storage", "TorchGlobals"]

# Tensors have at most this many dimensions and fewer elements than this (counting the non-zero
# dimensions of an empty tensor too), so every size numpy computes fits its 64-bit index type.
MAX_DIMENSIONS = 32
MAX_EXTENT = 2**48


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
class Storage:
    """A loaded storage: a 1-D array that tensors view. Only a format's `persistent_load` makes these."""

    type: StorageType
    array: np.ndarray


class Budget:
    """Counts down from a limit; a claim beyond what is left is a `CheckpointError` saying `why`."""

    def __init__(self, limit: int, why: str):
        self.left, self.why = limit, why

    def claim(self, amount: int):
        if amount > self.left:
            raise CheckpointError(self.why)
        self.left -= amount


def is_count(value) -> bool:
    """Whether `value` is a non-negative int (not a bool)."""
    return type(value) is int and value >= 0


def _arguments(name: str, args: tuple, required: int, optional: int = 0) -> tuple:
    """`args` padded with None to `required + optional`, after checking its length."""
    if not required <= len(args) <= required + optional:
        raise CheckpointError(f"{name} called with {len(args)} arguments")
    return args + (None,) * (required + optional - len(args))


class _NumpyDtype:
    """A numpy dtype being unpickled: `numpy.dtype('f8', False, True)`, then a BUILD with its byte order."""

    SPECS = frozenset({"b1", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "f2", "f4", "f8", "c8", "c16"})

    def __init__(self, *args):
        spec, align, copy = _arguments("numpy.dtype", args, 1, 2)
        flags_are_bools = all(flag is None or type(flag) is bool for flag in (align, copy))
        if type(spec) is not str or spec not in self.SPECS or not flags_are_bools:
            raise CheckpointError(f"unsupported numpy dtype {shown(spec)} in pickle")
        self.dtype = np.dtype(spec)

    def set_state(self, state):
        """numpy's dtype state (version, byteorder, subarray, names, fields, elsize, alignment, flags[, metadata]):
        only a byte order is accepted, as for every plain numeric dtype."""
        # Types before values: comparing a numpy array with == gives an array, whose truth value raises.
        if not (type(state) is tuple and len(state) in (8, 9) and type(state[0]) is int and state[0] in (3, 4)
                and type(state[1]) is str and state[1] in ("<", ">", "|", "=")
                and all(part is None for part in state[2:5])):
            raise CheckpointError("unsupported numpy dtype state in pickle")
        if state[1] != "|":
            self.dtype = self.dtype.newbyteorder(state[1])


def _numpy_scalar(*args):
    """Stand-in for numpy.core.multiarray.scalar, limited to numeric dtypes (e.g. the SGD lr)."""
    dtype, data = _arguments("numpy scalar", args, 2)
    if not isinstance(dtype, _NumpyDtype) or type(data) is not bytes or len(data) != dtype.dtype.itemsize:
        raise CheckpointError("unsupported numpy scalar in pickle")
    return np.frombuffer(data, dtype=dtype.dtype, count=1)[0]


def _latin1_encode(*args):
    """Stand-in for _codecs.encode, which protocol-2 pickles use to carry bytes as latin-1."""
    text, encoding = _arguments("_codecs.encode", args, 1, 1)
    if type(text) is not str or type(encoding) is not str or encoding not in ("latin1", "latin-1"):
        raise CheckpointError("unsupported _codecs.encode call in pickle")
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        raise CheckpointError("a _codecs.encode argument that is not latin-1") from None


def _ordered_dict(*args):
    """Stand-in for collections.OrderedDict(): empty; SETITEMS fills it."""
    if args:
        raise CheckpointError("collections.OrderedDict called with arguments")
    return collections.OrderedDict()


def _ordered_dict_state(_, state):
    """The state torch gives a state dict: `{'_metadata': ...}` (module versions), which is not needed."""
    if not (state is None or (type(state) is dict and all(type(key) is str for key in state))):
        raise CheckpointError("unsupported OrderedDict state in pickle")


def _set(*args):
    """Stand-in for builtins.set(list), how protocol 2 pickles a set; elements are checked before anything is
    hashed."""
    (items,) = _arguments("builtins.set", args, 0, 1)
    if items is not None and type(items) is not list:
        raise CheckpointError("builtins.set called with something that is not a list")
    for item in items or ():
        check_key(item)
    return set(items or ())


def _frozenset(*args):
    """Stand-in for builtins.frozenset(list)."""
    return frozenset(_set(*args))


def _torch_size(*args):
    """Stand-in for torch.Size(dims): a tuple of ints."""
    (dims,) = _arguments("torch.Size", args, 0, 1)
    dims = () if dims is None else dims
    if type(dims) not in (tuple, list) or not all(is_count(dim) for dim in dims):
        raise CheckpointError("torch.Size of something that is not a tuple of sizes")
    return tuple(dims)


def _rebuild_parameter(*args):
    """Stand-in for torch._utils._rebuild_parameter(_with_state): a Parameter is its tensor."""
    data = _arguments("torch._utils._rebuild_parameter", args, 1, 3)[0]
    if not isinstance(data, TorchArray):
        raise CheckpointError("a parameter is rebuilt from something that is not a tensor")
    return data


class TorchGlobals:
    """The allow-list for one checkpoint: `resolve(module, name)` for the pickle machine. Each tensor
    it rebuilds claims one from `tensor_count` and its full size from `tensor_bytes`."""

    # Protocol-2 pickles written by Python 3 spell `builtins` the Python 2 way.
    MODULE_ALIASES = {"__builtin__": "builtins"}

    def __init__(self, tensor_bytes: Budget, tensor_count: Budget):
        self.tensor_bytes, self.tensor_count = tensor_bytes, tensor_count
        rebuild_parameter = PickleCallable("torch._utils._rebuild_parameter", _rebuild_parameter)
        self._allowed = {
            ("collections", "OrderedDict"): PickleCallable("collections.OrderedDict", _ordered_dict, _ordered_dict_state),
            ("torch._utils", "_rebuild_tensor_v2"): PickleCallable("torch._utils._rebuild_tensor_v2", self._rebuild_tensor),
            ("torch._utils", "_rebuild_parameter"): rebuild_parameter,
            ("torch._utils", "_rebuild_parameter_with_state"): rebuild_parameter,
            ("torch", "Size"): PickleCallable("torch.Size", _torch_size),
            ("numpy", "dtype"): PickleCallable("numpy.dtype", _NumpyDtype, _NumpyDtype.set_state),
            ("numpy.core.multiarray", "scalar"): PickleCallable("numpy scalar", _numpy_scalar),
            ("numpy._core.multiarray", "scalar"): PickleCallable("numpy scalar", _numpy_scalar),
            ("_codecs", "encode"): PickleCallable("_codecs.encode", _latin1_encode),
            ("builtins", "set"): PickleCallable("builtins.set", _set),
            ("builtins", "frozenset"): PickleCallable("builtins.frozenset", _frozenset),
            **{("torch", name): storage_type for name, storage_type in STORAGE_TYPES.items()},
        }

    def resolve(self, module: str, name: str):
        """The stand-in or constant for `module.name`; `ForbiddenGlobal` for anything else."""
        allowed = self._allowed.get((self.MODULE_ALIASES.get(module, module), name))
        if allowed is None:
            raise ForbiddenGlobal(
                f"refusing pickle global {escaped(module + '.' + name, 100)} (not on the allow-list; nothing was run)")
        return allowed

    def _rebuild_tensor(self, *args):
        """Stand-in for torch._utils._rebuild_tensor_v2: a read-only strided view of the storage."""
        storage, offset, size, stride, _requires_grad, _hooks, metadata = _arguments(
            "torch._utils._rebuild_tensor_v2", args, 4, 3)
        if not isinstance(storage, Storage):
            raise CheckpointError("a tensor is rebuilt from something that is not a storage")
        if metadata is not None and type(metadata) not in (dict, collections.OrderedDict):
            raise CheckpointError("malformed tensor metadata in pickle")
        if metadata:  # conj/neg bits: the stored values are not the tensor's values
            raise CheckpointError("tensors with conj/neg metadata are not supported")
        return self.strided_view(storage, offset, size, stride)

    def strided_view(self, storage: Storage, offset, size, stride) -> TorchArray:
        """View `storage` as a tensor of `size`/`stride` (in elements) starting at `offset`."""
        size, stride = _counts(size), _counts(stride)
        if size is None or stride is None or len(size) != len(stride) or not is_count(offset):
            raise CheckpointError("malformed tensor geometry in pickle")
        if math.prod(n for n in size if n) >= MAX_EXTENT:  # numpy's size check ignores no dimension
            raise CheckpointError("a tensor with more than 2**48 elements")
        base = storage.array
        # What the tensor holds, not what it reads: a stride-0 or overlapping view counts in full.
        self.tensor_count.claim(1)
        self.tensor_bytes.claim(math.prod(size) * base.itemsize)
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


def _counts(value):
    """`value` as a tuple of at most MAX_DIMENSIONS non-negative ints, or None.

    Strides are not bounded here: one that is used is checked against the storage's length, and one
    of a dimension of length 1 is never used.
    """
    if type(value) not in (tuple, list) or len(value) > MAX_DIMENSIONS or not all(map(is_count, value)):
        return None
    return tuple(value)

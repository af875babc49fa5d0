"""Build torch-style checkpoint files byte by byte, without torch, for tests and fixtures.

`Global("os", "system")("touch x")` pickles as the opcodes `os.system("touch x")` would, without
importing `os` or anything else, so tests can write both well-formed torch checkpoints (with any
storage geometry) and hostile ones. `legacy_checkpoint` and `zip_checkpoint` wrap a pickled object
in the two `torch.save` layouts (see tools/torchpickle.py).
"""

import collections
import io
import pickle
import struct
import zipfile

import numpy as np

LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
LEGACY_SYS_INFO = {"protocol_version": 1001, "little_endian": True,
                   "type_sizes": {"short": 2, "int": 4, "long": 4}}


class Global:
    """A reference to `module.name`, pickled as GLOBAL (STACK_GLOBAL from protocol 4) unimported."""

    def __init__(self, module: str, name: str):
        self.module, self.name = module, name

    def __call__(self, *args):
        return Call(self, args)


class Call:
    """`func(*args)`, pickled as REDUCE; calling it again chains another REDUCE."""

    def __init__(self, func, args: tuple):
        self.func, self.args = func, args

    def __call__(self, *args):
        return Call(self, args)

    def __reduce__(self):
        return self.func, self.args


class PersistentId:
    """An object pickled as the persistent id `pid` (how torch pickles storages)."""

    def __init__(self, pid: tuple):
        self.pid = pid


def storage(type_name: str, key: str, numel: int, location: str = "cpu", legacy: bool = False,
            view=None) -> PersistentId:
    """A storage reference; legacy ids carry a sixth element, the (usually None) view metadata."""
    pid = ("storage", Global("torch", type_name), key, location, numel)
    return PersistentId(pid + (view,) if legacy else pid)


def tensor(storage_ref: PersistentId, offset: int, size: tuple, stride: tuple, *extra) -> Call:
    """torch._utils._rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict(), *extra)."""
    rebuild = Global("torch._utils", "_rebuild_tensor_v2")
    hooks = Global("collections", "OrderedDict")()
    return rebuild(storage_ref, offset, tuple(size), tuple(stride), False, hooks, *extra)


class _CraftingPickler(pickle._Pickler):
    def save(self, obj, save_persistent_id=True):
        if not isinstance(obj, Global):
            super().save(obj, save_persistent_id)
        elif self.proto >= 4:
            super().save(obj.module)
            super().save(obj.name)
            self.write(pickle.STACK_GLOBAL)
        else:
            self.write(pickle.GLOBAL + f"{obj.module}\n{obj.name}\n".encode("utf-8"))

    def persistent_id(self, obj):
        return obj.pid if isinstance(obj, PersistentId) else None


def dumps(obj, protocol: int = 2) -> bytes:
    """Pickle `obj`, writing `Global`s, `Call`s and `PersistentId`s as described above."""
    buffer = io.BytesIO()
    _CraftingPickler(buffer, protocol).dump(obj)
    return buffer.getvalue()


def legacy_checkpoint(obj, storages: dict, sys_info=None, protocol: int = 2) -> bytes:
    """The legacy stream: magic, protocol, sys info, `obj`, sorted keys, then count + bytes per key.

    `storages` maps each key to a little-endian numpy array holding the storage's elements.
    """
    keys = sorted(storages)
    parts = [dumps(LEGACY_MAGIC), dumps(1001), dumps(sys_info or LEGACY_SYS_INFO),
             dumps(obj, protocol), dumps(keys)]
    for key in keys:
        parts.append(struct.pack("<q", storages[key].size) + storages[key].tobytes())
    return b"".join(parts)


def zip_checkpoint(obj, storages: dict, protocol: int = 2, folder: str = "archive",
                   byteorder: str = "little") -> bytes:
    """The zip layout: `<folder>/data.pkl`, `<folder>/byteorder` and `<folder>/data/<key>` records."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr(f"{folder}/data.pkl", dumps(obj, protocol))
        archive.writestr(f"{folder}/byteorder", byteorder)
        for key, array in storages.items():
            archive.writestr(f"{folder}/data/{key}", array.tobytes())
        archive.writestr(f"{folder}/version", "3\n")
    return buffer.getvalue()


def resnet_checkpoint(blocks=(3, 4, 23, 3), legacy: bool = False):
    """A hidden-networks ImageNet checkpoint of a Bottleneck ResNet with `blocks` per stage (the
    default is ResNet-101's and WideResNet-101-2's), shaped as main.py saves it, and its storages.

    The keys, nesting, memo use and opcodes are those of the real file (a DataParallel state dict of
    conv weights + scores and non-affine BatchNorm buffers, with `_metadata`; an SGD state with a
    momentum buffer per scores tensor); only the tensors are 1-element, so the file stays small.
    """
    storages, state_dict, metadata = {}, collections.OrderedDict(), collections.OrderedDict()

    def one_element(name, dims, type_name="FloatStorage", dtype="<f4"):
        key = str(len(storages))
        storages[key] = np.zeros(1, dtype)
        return tensor(storage(type_name, key, 1, legacy=legacy), 0, (1,) * dims, (1,) * dims)

    def conv(prefix):
        state_dict[f"module.{prefix}.weight"] = one_element(f"{prefix}.weight", 4)
        state_dict[f"module.{prefix}.scores"] = one_element(f"{prefix}.scores", 4)
        metadata[f"module.{prefix}"] = {"version": 1}

    def batch_norm(prefix):
        state_dict[f"module.{prefix}.running_mean"] = one_element(prefix, 1)
        state_dict[f"module.{prefix}.running_var"] = one_element(prefix, 1)
        state_dict[f"module.{prefix}.num_batches_tracked"] = one_element(prefix, 0, "LongStorage", "<i8")
        metadata[f"module.{prefix}"] = {"version": 2}

    conv("conv1")
    batch_norm("bn1")
    for stage, count in enumerate(blocks, start=1):
        for block in range(count):
            for index in (1, 2, 3):
                conv(f"layer{stage}.{block}.conv{index}")
                batch_norm(f"layer{stage}.{block}.bn{index}")
            if block == 0:
                conv(f"layer{stage}.{block}.downsample.0")
                batch_norm(f"layer{stage}.{block}.downsample.1")
    conv("fc")
    state_dict._metadata = metadata
    scores = [key for key in state_dict if key.endswith(".scores")]
    parameter_ids = list(range(len(scores)))
    optimizer = {
        "state": {index: {"momentum_buffer": one_element(key, 4)} for index, key in zip(parameter_ids, scores)},
        "param_groups": [
            {"lr": Global("numpy.core.multiarray", "scalar")(np.dtype("<f8"), struct.pack("<d", 0.1)),
             "momentum": 0.875, "dampening": 0, "weight_decay": 3.0517578125e-05, "nesterov": False,
             "params": parameter_ids},
        ],
    }
    checkpoint = {"epoch": 100, "arch": "WideResNet101_2", "state_dict": state_dict, "best_acc1": 73.3,
                  "best_acc5": 91.0, "best_train_acc1": 80.0, "best_train_acc5": 93.0, "optimizer": optimizer,
                  "curr_acc1": 73.3, "curr_acc5": 91.0}
    return checkpoint, storages

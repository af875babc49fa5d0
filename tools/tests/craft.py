"""Build torch-style checkpoint files byte by byte, without torch, for tests and fixtures.

`Global("os", "system")("touch x")` pickles as the opcodes `os.system("touch x")` would, without
importing `os` or anything else, so tests can write both well-formed torch checkpoints (with any
storage geometry) and hostile ones. `legacy_checkpoint` and `zip_checkpoint` wrap a pickled object
in the two `torch.save` layouts (see tools/torchpickle.py).
"""

import io
import pickle
import struct
import zipfile

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

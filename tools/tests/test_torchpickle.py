"""torchpickle: both formats, storage geometry and the checks on untrusted structure."""

import collections
import struct
import zipfile

import numpy as np
import pytest

import craft
from helpers import FIXTURES, expected_arrays
from torchpickle import CheckpointError, TorchArray, UnsafePickleError, checkpoint_format, load_checkpoint

FORMATS = ["legacy", "zip"]
STORAGE = np.arange(6, dtype="<f4")  # the storage "0" most crafted tensors view


def crafted(tmp_path, fmt, state_dict, storages=None, **options):
    """Write {"state_dict": state_dict} in format `fmt` and return its path."""
    writer = craft.legacy_checkpoint if fmt == "legacy" else craft.zip_checkpoint
    path = tmp_path / f"crafted.{fmt}.pth"
    path.write_bytes(writer({"state_dict": state_dict}, {"0": STORAGE} if storages is None else storages, **options))
    return path


def view(fmt, offset, size, stride, type_name="FloatStorage", numel=STORAGE.size, **storage_options):
    """A tensor over storage "0" with the given geometry."""
    storage = craft.storage(type_name, "0", numel, legacy=fmt == "legacy", **storage_options)
    return craft.tensor(storage, offset, size, stride)


def load_state_dict(path):
    return load_checkpoint(path)["state_dict"]


@pytest.mark.parametrize("name", ["tiny.legacy.pth", "tiny.zip.pth"])
def test_tensors_are_read_only_views_sharing_storage(name):
    state_dict = load_state_dict(FIXTURES / name)
    base, transposed = state_dict["module.views.base"], state_dict["module.views.transposed"]
    assert isinstance(transposed, TorchArray) and transposed.torch_dtype == "float32"
    assert np.shares_memory(base, transposed) and not transposed.flags.c_contiguous
    assert not transposed.flags.writeable
    assert state_dict["module.dtypes.bfloat16"].dtype == np.float32
    assert state_dict["module.dtypes.bfloat16"].torch_dtype == "bfloat16"
    assert state_dict["module.dtypes.bool"].dtype == np.bool_


@pytest.mark.parametrize("name", ["tiny.legacy.pth", "tiny.zip.pth"])
def test_optimizer_state_with_numpy_lr_loads(name):
    optimizer = load_checkpoint(FIXTURES / name)["optimizer"]
    lr = optimizer["param_groups"][1]["lr"]
    assert type(lr) is np.float64 and lr == 0.05
    assert optimizer["param_groups"][0]["params"] == []
    buffers = [state["momentum_buffer"] for state in optimizer["state"].values()]
    assert [b.shape for b in buffers] == [expected_arrays()["conv1.scores"].shape, expected_arrays()["fc.scores"].shape]


def test_format_detection():
    assert checkpoint_format(FIXTURES / "tiny.zip.pth") == "zip"
    assert checkpoint_format(FIXTURES / "tiny.legacy.pth") == "legacy"


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("offset, size, stride, want", [
    (0, (2, 3), (3, 1), STORAGE.reshape(2, 3)),
    (0, (3, 2), (1, 3), STORAGE.reshape(2, 3).T),
    (4, (2,), (1,), STORAGE[4:]),
    (1, (3,), (2,), STORAGE[1::2]),
    (5, (), (), STORAGE[5]),
    (2, (2, 1), (1, 10**30), STORAGE[2:4].reshape(2, 1)),  # a length-1 dimension's stride is unused
    (0, (4, 2), (0, 1), np.tile(STORAGE[:2], (4, 1))),  # stride 0, as torch's expand() makes
    (99, (0, 3), (3, 1), np.empty((0, 3), "<f4")),
])
def test_storage_geometry(tmp_path, fmt, offset, size, stride, want):
    tensor = load_state_dict(crafted(tmp_path, fmt, {"t": view(fmt, offset, size, stride)}))["t"]
    assert tensor.shape == want.shape
    np.testing.assert_array_equal(tensor, want)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("offset, size, stride", [
    (0, (7,), (1,)),
    (6, (1,), (1,)),
    (0, (2, 3), (3, 2)),
    (0, (3,), (-1,)),
    (0, (2, 3), (3,)),
    (-1, (1,), (1,)),
])
def test_views_outside_their_storage_are_refused(tmp_path, fmt, offset, size, stride):
    with pytest.raises(CheckpointError, match="past the end of its storage|malformed tensor geometry"):
        load_state_dict(crafted(tmp_path, fmt, {"t": view(fmt, offset, size, stride)}))


@pytest.mark.parametrize("fmt", FORMATS)
def test_storage_location_is_only_a_tag(tmp_path, fmt):
    tensor = load_state_dict(crafted(tmp_path, fmt, {"t": view(fmt, 0, (6,), (1,), location="cuda:0")}))["t"]
    np.testing.assert_array_equal(tensor, STORAGE)


@pytest.mark.parametrize("fmt", FORMATS)
def test_parameters_and_torch_size_unwrap(tmp_path, fmt):
    parameter = craft.Global("torch._utils", "_rebuild_parameter")(
        view(fmt, 0, (6,), (1,)), True, craft.Global("collections", "OrderedDict")())
    checkpoint = {"p": parameter, "size": craft.Global("torch", "Size")((2, 3)),
                  "tags": craft.Global("builtins", "set")(["a"])}
    loaded = load_state_dict(crafted(tmp_path, fmt, checkpoint))
    np.testing.assert_array_equal(loaded["p"], STORAGE)
    assert loaded["size"] == (2, 3) and loaded["tags"] == {"a"}


def test_legacy_storage_view_metadata(tmp_path):
    tensor = view("legacy", 1, (2,), (1,), view=("view-key", 2, 3))
    np.testing.assert_array_equal(load_state_dict(crafted(tmp_path, "legacy", {"t": tensor}))["t"], STORAGE[3:5])


def test_legacy_bfloat16_and_bool_storages_decode(tmp_path):
    storages = {"b": np.array([0x3EAB, 0xFF80], "<u2"), "c": np.array([0, 1, 2], "u1")}
    state_dict = {
        "bf": craft.tensor(craft.storage("BFloat16Storage", "b", 2, legacy=True), 0, (2,), (1,)),
        "flags": craft.tensor(craft.storage("BoolStorage", "c", 3, legacy=True), 0, (3,), (1,)),
    }
    loaded = load_state_dict(crafted(tmp_path, "legacy", state_dict, storages))
    np.testing.assert_array_equal(loaded["bf"], np.array([0.333984375, -np.inf], "<f4"))
    np.testing.assert_array_equal(loaded["flags"], [False, True, True])


@pytest.mark.parametrize("fmt", FORMATS)
def test_storage_claims_beyond_the_file_size_are_refused(tmp_path, fmt):
    tensor = view(fmt, 0, (1,), (1,), numel=10**12)
    with pytest.raises(CheckpointError, match="claim more bytes than the file holds"):
        load_state_dict(crafted(tmp_path, fmt, {"t": tensor}))


@pytest.mark.parametrize("fmt, storages, problem", [
    ("zip", {}, "no entry archive/data/0"),
    ("zip", {"0": STORAGE[:5]}, "shorter than its 6 elements"),
    ("legacy", {}, "no data for storage '0'"),
    ("legacy", {"0": STORAGE[:5]}, "has 5 elements, expected 6"),
    ("legacy", {"0": STORAGE, "1": STORAGE}, "holds storage '1' that no tensor uses"),
])
def test_missing_or_mismatched_storage_data_is_refused(tmp_path, fmt, storages, problem):
    with pytest.raises(CheckpointError, match=problem):
        load_state_dict(crafted(tmp_path, fmt, {"t": view(fmt, 0, (6,), (1,))}, storages))


def test_big_endian_checkpoints_are_refused(tmp_path):
    header = dict(craft.LEGACY_SYS_INFO, little_endian=False)
    with pytest.raises(CheckpointError, match="big-endian"):
        load_checkpoint(crafted(tmp_path, "legacy", {}, {}, sys_info=header))
    with pytest.raises(CheckpointError, match="big-endian"):
        load_checkpoint(crafted(tmp_path, "zip", {}, {}, byteorder="big"))


@pytest.mark.parametrize("fmt", FORMATS)
def test_tensors_with_conj_or_neg_bits_are_refused(tmp_path, fmt):
    storage = craft.storage("FloatStorage", "0", 6, legacy=fmt == "legacy")
    tensor = craft.tensor(storage, 0, (6,), (1,), {"neg": True})
    with pytest.raises(CheckpointError, match="conj/neg metadata"):
        load_state_dict(crafted(tmp_path, fmt, {"t": tensor}))


@pytest.mark.parametrize("module, name", [
    ("torch", "ComplexFloatStorage"),
    ("torch._utils", "_rebuild_tensor_v3"),
    ("torch._utils", "_rebuild_qtensor"),
    ("numpy.core.multiarray", "_reconstruct"),
])
def test_unsupported_torch_and_numpy_globals_are_refused_by_name(tmp_path, module, name):
    checkpoint = {"t": craft.Global(module, name)(0)}
    with pytest.raises(UnsafePickleError, match=f"refusing pickle global {module}.{name} "):
        load_checkpoint(crafted(tmp_path, "zip", checkpoint, {}))


@pytest.mark.parametrize("arguments", [
    ("storage", craft.Global("torch", "FloatStorage"), "0", "cpu"),  # too short
    ("module", craft.Global("torch", "FloatStorage"), "0", "cpu", 6),  # not a storage
    ("storage", craft.Global("collections", "OrderedDict"), "0", "cpu", 6),  # not a storage type
    ("storage", craft.Global("torch", "FloatStorage"), 0, "cpu", 6),  # key is not a str
])
def test_malformed_persistent_ids_are_refused(tmp_path, arguments):
    tensor = craft.tensor(craft.PersistentId(arguments), 0, (6,), (1,))
    with pytest.raises(CheckpointError, match="persistent id|storage reference"):
        load_state_dict(crafted(tmp_path, "zip", {"t": tensor}))


def test_tensor_from_a_non_storage_is_refused(tmp_path):
    tensor = craft.tensor(STORAGE.tolist(), 0, (6,), (1,))
    with pytest.raises(CheckpointError, match="not a storage"):
        load_state_dict(crafted(tmp_path, "zip", {"t": tensor}))


def test_a_huge_memo_index_allocates_nothing(tmp_path):
    # The C unpickler grows its memo array to the largest index; the machine's memo is a dict.
    pickled = b"\x80\x02N" + b"r" + struct.pack("<I", 2**32 - 1) + b"j" + struct.pack("<I", 2**32 - 1) + b"."
    archive = tmp_path / "sparse-memo.zip.pth"
    with zipfile.ZipFile(archive, "w") as zip_file:
        zip_file.writestr("archive/data.pkl", pickled)
    assert load_checkpoint(archive) is None


def test_tar_checkpoints_are_refused(tmp_path):
    path = tmp_path / "old.pth"
    path.write_bytes(b"\0" * 257 + b"ustar" + b"\0" * 250)
    with pytest.raises(CheckpointError, match="tar checkpoint format"):
        load_checkpoint(path)


def test_legacy_stream_of_another_pickle_is_not_a_checkpoint(tmp_path):
    path = tmp_path / "plain.pkl"
    path.write_bytes(craft.dumps(collections.OrderedDict(a=1)))
    with pytest.raises(CheckpointError, match="not a PyTorch checkpoint"):
        load_checkpoint(path)


@pytest.mark.parametrize("module", ["numpy.core.multiarray", "numpy._core.multiarray"])  # numpy 1.x, 2.x
def test_numpy_scalars_like_the_sgd_lr(tmp_path, module):
    lr = craft.Global(module, "scalar")(np.dtype("<f8"), struct.pack("<d", 0.05))  # dtype pickles with BUILD
    loaded = load_state_dict(crafted(tmp_path, "legacy", {"lr": lr}, {}))["lr"]
    assert type(loaded) is np.float64 and loaded == 0.05


def test_numpy_object_scalars_are_refused(tmp_path):
    payload = craft.Global("numpy.core.multiarray", "scalar")(np.dtype("O"), ["anything"])
    with pytest.raises(CheckpointError, match="unsupported numpy dtype 'O8'"):
        load_state_dict(crafted(tmp_path, "zip", {"x": payload}, {}))


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_tensor_where_a_string_belongs_is_refused(tmp_path, fmt):
    # numpy compares an array with a string elementwise; the truth value of that array raises ValueError.
    first = view(fmt, 0, (6,), (1,))
    storage = craft.PersistentId((first, craft.Global("torch", "FloatStorage"), "0", "cpu", 6)
                                 + ((None,) if fmt == "legacy" else ()))
    with pytest.raises(CheckpointError, match="unsupported persistent id"):
        load_state_dict(crafted(tmp_path, fmt, {"t": first, "u": craft.tensor(storage, 0, (6,), (1,))}))


@pytest.mark.parametrize("make_payload, problem", [
    (lambda tensor: craft.Global("_codecs", "encode")("text", tensor), "unsupported _codecs.encode call"),
    (lambda tensor: craft.tensor(craft.storage("FloatStorage", "0", 6), 0, (6,), (1,), tensor), "malformed tensor metadata"),
])
def test_tensors_as_arguments_of_the_allowed_callables_are_refused(tmp_path, make_payload, problem):
    tensor = view("zip", 0, (6,), (1,))
    with pytest.raises(CheckpointError, match=problem):
        load_state_dict(crafted(tmp_path, "zip", {"t": tensor, "x": make_payload(tensor)}))
